/**
 * One decoded batch -> the signal stream rules read: every catalog-mapped
 * CAN sample (full rate, before storage thinning), OBD-II and edge-decoded
 * samples, GNSS position as Vehicle.CurrentLocation.*, and DTC reports. Live
 * ingest and backtests build it the same way, so a backtest sees what the
 * live rules saw.
 */
import { catalogSignalByName } from './catalog.js'
import { SampleBuffer } from './sample-buffer.js'
import type { DtcRow, TelemetryRows } from './telemetry-rows.js'

const LATITUDE = catalogSignalByName('Vehicle.CurrentLocation.Latitude')?.id ?? 0
const LONGITUDE = catalogSignalByName('Vehicle.CurrentLocation.Longitude')?.id ?? 0

export class BatchSignals {
  /** signal = catalog id; reused batch after batch */
  readonly samples = new SampleBuffer(4096)
  /** the batch's DTC records as decoded (no copy) */
  dtcs: readonly DtcRow[] = []

  /**
   * `can` holds the compiled DBC channels' samples, `catalogIds` maps a
   * channel to its catalog id (0: not in the catalog, left out).
   */
  fill (can: SampleBuffer | undefined, catalogIds: Uint32Array | undefined, rows: TelemetryRows): void {
    const out = this.samples
    out.clear()
    if (can !== undefined && catalogIds !== undefined) {
      for (let i = 0; i < can.length; i++) {
        const id = catalogIds[can.signal[i] as number] as number
        if (id !== 0) out.push(can.timeUs[i] as number, id, can.value[i] as number)
      }
    }
    const s = rows.samples
    for (let i = 0; i < s.signalId.length; i++) out.push(s.timeUs[i] as number, s.signalId[i] as number, s.value[i] as number)
    for (const fix of rows.gnss) {
      out.push(fix.timeUs, LATITUDE, fix.lat)
      out.push(fix.timeUs, LONGITUDE, fix.lon)
    }
    this.dtcs = rows.dtcs
  }
}
