/** Small, explicit TelemetryBatch payloads for tests. */
import { pitwall } from '../../proto/index.js'

export interface TestBatchOptions {
  vin: string
  seq: number
  baseTimeUs?: number
  frames?: number
  /** the OBD-II coolant temperature (PID 0x05), degC; default 90 */
  coolantC?: number
}

/**
 * A batch with `frames` classic CAN frames on bus 0, two OBD-II responses
 * (coolant 0x05 = 90 degC unless coolantC says otherwise, rpm 0x0C = 1800), one GNSS fix, one DTC (P0301)
 * and one edge-decoded tyre pressure (signal 9 = 231.5 kPa).
 */
export function testBatch (o: TestBatchOptions): Uint8Array {
  const frames = o.frames ?? 3
  return pitwall.v1.TelemetryBatch.encode({
    vin: o.vin,
    seq: o.seq,
    baseTimeUs: o.baseTimeUs ?? Date.now() * 1000,
    firmware: 'tbox-1.0.0',
    can: [{
      bus: 0,
      dtUs: Array.from({ length: frames }, (_, i) => i * 1000),
      id: Array.from({ length: frames }, (_, i) => 0x100 + i),
      len: Array.from({ length: frames }, () => 8),
      data: new Uint8Array(frames * 8).map((_, i) => i & 0xff)
    }],
    obd: [
      { dtUs: 100, mode: 0x01, pid: 0x05, data: new Uint8Array([(o.coolantC ?? 90) + 40]), ecu: 0x7e8 },
      { dtUs: 200, mode: 0x01, pid: 0x0c, data: new Uint8Array([0x1c, 0x20]), ecu: 0x7e8 }
    ],
    gnss: [{ dtUs: 0, latE7: 481_372_000, lonE7: 115_755_000, speedCms: 1389, headingCdeg: 9000, altCm: 52_000, hdopC: 90, satellites: 11 }],
    dtc: [{ dtUs: 300, dtc: 0x030100, status: 0x09, ecu: 0x7e0 }],
    signals: { dtUs: [400], signalId: [9], value: [231.5] }
  }).finish()
}

/** A select-list column: whether the batch `b` has its decoded rows (its key left unprojected_batches). */
export const PROJECTED = 'NOT EXISTS (SELECT 1 FROM unprojected_batches p WHERE p.vehicle_id = b.vehicle_id AND p.seq = b.seq AND p.base_time = b.base_time) AS projected'
