import t from 'tap'
import { decodeBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { decodeMessage } from '../../decoders/can/codec.js'
import type { CanMessage } from '../../decoders/can/model.js'
import { pitwall } from '../../proto/index.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { demoMessageValues, loadDemoDatabase } from '../../sim/demo-ecu.js'
import { VehicleModel, type VehicleState } from '../../sim/vehicle-model.js'

const VIN = 'WPWSIM00000000007'
const T0_US = 1_767_225_600_000_000 // 2026-01-01T00:00:00Z

/** The batch's CAN block, with its columns as plain arrays. */
function canBlock (batch: pitwall.v1.TelemetryBatch): { dtUs: number[], id: number[], len: number[], data: Uint8Array } {
  const [block] = batch.can
  return { dtUs: block?.dtUs ?? [], id: block?.id ?? [], len: block?.len ?? [], data: block?.data ?? new Uint8Array(0) }
}

function builder (options: { faults?: ['mil'], startSeq?: number } = {}): BatchBuilder {
  const model = new VehicleModel({ seed: 5, faults: options.faults })
  // get warm and moving first, so the values are not all at rest
  model.step(400)
  return new BatchBuilder({ vin: VIN, model, seed: 9, startSeq: options.startSeq })
}

t.test('a batch round-trips through protobuf with columnar CAN frames', async (t) => {
  const b = builder({ startSeq: 41 })
  const built = b.build(T0_US, 1_000_000)
  const decoded = pitwall.v1.TelemetryBatch.decode(built.payload)
  t.equal(decoded.vin, VIN)
  t.equal(decoded.seq, 41)
  t.equal(decoded.baseTimeUs, T0_US)
  t.equal(decoded.firmware, 'pitwall-sim/0.1.0')
  const block = canBlock(decoded)
  t.equal(block.dtUs.length, built.canFrames)
  t.equal(block.id.length, built.canFrames)
  t.equal(block.data.length, block.len.reduce((a, b) => a + b, 0), 'data holds sum(len) bytes')
  t.ok(block.dtUs.every((dt, i) => dt >= 0 && dt < 1_000_000 && (i === 0 || dt >= (block.dtUs[i - 1] as number))), 'frames in time order inside the window')
  t.same(decoded.toJSON(), pitwall.v1.TelemetryBatch.fromObject(built.batch).toJSON(), 'decodes to what was built')

  // one second holds each message as often as its GenMsgCycleTime says
  const perId = new Map<number, number>()
  for (const id of block.id) perId.set(id, (perId.get(id) ?? 0) + 1)
  for (const message of loadDemoDatabase().messages) {
    t.equal(perId.get(message.frameId), 1000 / (message.cycleTimeMs as number), `${message.name} every ${message.cycleTimeMs} ms`)
  }
  t.ok(block.id.includes(0x98ff4033), 'the TPMS frame has bit 31 set: a 29-bit extended id')
  t.equal(decoded.gnss.length, 1, 'GNSS at 1 Hz')
  t.equal(decoded.obd.length, 2 * 7, 'two OBD-II polls of seven PIDs')
  t.same([...new Set(decoded.signals?.signalId)].sort((a, b) => a - b), [7, 8, 9, 10, 11, 12], 'edge-decoded cell voltages and tyre pressures')
  t.equal(b.build(T0_US + 1_000_000, 1_000_000).seq, 42, 'seq increases by one per batch')
  t.equal(decodeBatch(built.payload, { vin: VIN, nowUs: T0_US + 1_000_000, limits: DEFAULT_BATCH_LIMITS }).canFrames, built.canFrames, 'the gateway\'s batch validation accepts it')
})

t.test('CAN frames decode through the DBC back to the model values within one LSB', async (t) => {
  const b = builder()
  const byId = new Map(loadDemoDatabase().messages.map((m) => [m.frameId, m]))
  const failures: string[] = []
  let frames = 0
  const pages = new Set<number>()
  // 100 ms windows: the model does not step inside one, so every frame carries the state at its start
  for (let w = 0; w < 20; w++) {
    const snapshot: VehicleState = structuredClone(b.model.state)
    const expected = demoMessageValues(snapshot)
    const block = canBlock(pitwall.v1.TelemetryBatch.decode(b.build(T0_US + w * 100_000, 100_000).payload))
    let offset = 0
    block.id.forEach((id, i) => {
      const len = block.len[i] as number
      const message = byId.get(id) as CanMessage
      const values = decodeMessage(message, block.data.subarray(offset, offset + len))
      offset += len
      frames++
      for (const signal of message.signals) {
        const got = values[signal.name]
        if (signal.isMultiplexer) {
          pages.add(got as number)
          continue
        }
        if (got === undefined) continue // another multiplexer page
        const want = Math.min(Math.max(expected[message.name]?.[signal.name] as number, signal.minimum), signal.maximum)
        const lsb = signal.valueType === 'integer' ? signal.factor : Math.abs(want) * 1e-6
        if (!(Math.abs(got - want) <= lsb)) failures.push(`${message.name}.${signal.name}: decoded ${got}, model ${want}`)
      }
    })
  }
  t.ok(frames > 300, `${frames} frames checked`)
  t.same(failures, [])
  t.same([...pages].sort(), [0, 1], 'BMS_CellStats alternates its multiplexer pages')
})

t.test('OBD-II responses carry SAE J1979 encodings of the model values', async (t) => {
  const b = builder()
  const snapshot = structuredClone(b.model.state)
  const decoded = pitwall.v1.TelemetryBatch.decode(b.build(T0_US, 100_000).payload)
  // a 100 ms window holds at most one poll; build until one lands
  let obd = decoded.obd
  let state = snapshot
  for (let w = 1; obd.length === 0 && w < 10; w++) {
    state = structuredClone(b.model.state)
    obd = pitwall.v1.TelemetryBatch.decode(b.build(T0_US + w * 100_000, 100_000).payload).obd
  }
  const byPid = new Map(obd.map((r) => [r.pid, r]))
  const d = (pid: number): Uint8Array => byPid.get(pid)?.data ?? new Uint8Array(4)
  t.ok(obd.every((r) => r.mode === 0x01 && r.ecu === 0x7e8), 'service 01 answered by ECU 0x7E8')
  t.ok(Math.abs((d(0x05)[0] as number) - 40 - state.coolantC) <= 0.5, '0x05 coolant A - 40')
  t.ok(Math.abs((((d(0x0c)[0] as number) * 256 + (d(0x0c)[1] as number)) / 4) - state.engineRpm) <= 0.25, '0x0C rpm (256A + B) / 4')
  t.ok(Math.abs((d(0x0d)[0] as number) - state.speedKmh) <= 0.5, '0x0D speed A')
  t.ok(Math.abs((100 * (d(0x2f)[0] as number)) / 255 - state.fuelPct) <= 100 / 255, '0x2F fuel 100A / 255')
  t.ok(Math.abs(((d(0x42)[0] as number) * 256 + (d(0x42)[1] as number)) / 1000 - state.battery12vV) <= 0.001, '0x42 voltage (256A + B) / 1000')
  const odometer = new DataView(d(0xa6).buffer, d(0xa6).byteOffset, 4).getUint32(0) / 10
  t.ok(Math.abs(odometer - state.odometerKm) <= 0.1, '0xA6 odometer (A<<24 | B<<16 | C<<8 | D) / 10')
})

t.test('an active DTC is reported on change and then every 10 s', async (t) => {
  const b = builder({ faults: ['mil'] })
  const records: Array<{ at: number, dtc: number, status: number }> = []
  for (let w = 0; w < 120; w++) {
    for (const r of pitwall.v1.TelemetryBatch.decode(b.build(T0_US + w * 1_000_000, 1_000_000).payload).dtc) {
      records.push({ at: w, dtc: r.dtc ?? 0, status: r.status ?? 0 })
    }
  }
  t.ok(records.length >= 10, `${records.length} DTC records in 2 min`)
  t.ok(records.every((r) => r.dtc === 0x030100 || r.dtc === 0x012800), 'P0301 or P0128 in UDS 3-byte form')
  t.ok(records.some((r) => (r.status & 0x08) !== 0), 'confirmedDTC once confirmed')
  const gaps = records.slice(1).map((r, i) => r.at - (records[i] as { at: number }).at)
  t.ok(gaps.every((g) => g <= 10), 'no silence longer than 10 s while active')
})
