/**
 * A log as telemetry batches: frames and samples land in the batch of their
 * window, per bus, in order, and a batch decodes (decodeBatch) to exactly
 * what went in; a time that goes back, a full batch or a passed window close
 * it. And a frame written as a candump line reads back as itself.
 */
import t from 'tap'
import { decodeBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { formatCandumpLine, parseCandumpLine } from '../../decoders/can/candump.js'
import { EXTENDED_ID_FLAG, LogBatcher } from '../../decoders/log-batches.js'
import { pitwall } from '../../proto/index.js'

const VIN = 'WPWBATCH000000001'
const T0 = 1_795_420_800_000_000

t.test('frames and samples go into one batch per window, per bus, decoding to what went in', async (t) => {
  const payloads: Uint8Array[] = []
  const batcher = new LogBatcher({ vin: VIN, windowUs: 1_000_000 }, (p) => payloads.push(p))
  batcher.frame(T0, 0, 0x123, Uint8Array.of(1, 2, 3))
  batcher.frame(T0 + 10, 1, (0x18FEF100 | EXTENDED_ID_FLAG) >>> 0, Uint8Array.of(4))
  batcher.sample(T0 + 20, 42, 1.5)
  batcher.frame(T0 + 999_999, 0, 0x124, new Uint8Array(0))
  batcher.frame(T0 + 1_000_000, 0, 0x125, Uint8Array.of(9))
  batcher.flush()
  t.equal(batcher.batches, 2)
  const frames = new CanFrameColumns()
  const first = decodeBatch(payloads[0] as Uint8Array, { vin: VIN, nowUs: Number.MAX_SAFE_INTEGER, limits: DEFAULT_BATCH_LIMITS }, frames)
  t.match(first, { seq: 1, baseTimeUs: T0, canFrames: 3 })
  t.same([...frames.bus.subarray(0, frames.count)].sort(), [0, 0, 1], 'two frames on bus 0, one on bus 1')
  t.same([...frames.id.subarray(0, frames.count)].sort((a, b) => a - b), [0x123, 0x124, (0x18FEF100 | EXTENDED_ID_FLAG) >>> 0], 'ids, the extended flag kept')
  const decoded = pitwall.v1.TelemetryBatch.decode(payloads[0] as Uint8Array)
  t.same(decoded.can.map((b) => [b.bus, b.dtUs, b.id, b.len]), [[0, [0, 999_999], [0x123, 0x124], [3, 0]], [1, [10], [(0x18FEF100 | EXTENDED_ID_FLAG) >>> 0], [1]]])
  t.same(decoded.signals?.signalId, [42])
  t.same(decoded.signals?.dtUs, [20])
  t.same(decoded.signals?.value, [1.5])
  t.match(pitwall.v1.TelemetryBatch.decode(payloads[1] as Uint8Array), { seq: 2, baseTimeUs: T0 + 1_000_000 }, 'the window passed: a new batch')
})

t.test('a time before the batch\'s base, or a full batch, closes it', async (t) => {
  const payloads: Uint8Array[] = []
  const batcher = new LogBatcher({ vin: VIN, maxItems: 2 }, (p) => payloads.push(p))
  batcher.sample(T0 + 500, 1, 1)
  batcher.sample(T0, 1, 2)
  batcher.sample(T0 + 1, 1, 3)
  batcher.sample(T0 + 2, 1, 4)
  batcher.flush()
  batcher.flush()
  t.same(payloads.map((p) => { const b = pitwall.v1.TelemetryBatch.decode(p); return [b.baseTimeUs, b.signals?.value] }), [[T0 + 500, [1]], [T0, [2, 3]], [T0 + 2, [4]]])
})

t.test('a frame as a candump line reads back as itself: 11-bit, 29-bit, CAN FD', async (t) => {
  const frames = [
    { timeUs: T0 + 123_456, iface: 'can0', id: 0x0a1, extended: false, data: Uint8Array.of(0xde, 0xad) },
    { timeUs: T0, iface: 'can1', id: 0x18fef100, extended: true, data: new Uint8Array(8) },
    { timeUs: T0 + 1, iface: 'can2', id: 0x123, extended: false, data: new Uint8Array(12).fill(0xab), fd: true, fdFlags: 1 }
  ]
  for (const f of frames) {
    const line = formatCandumpLine(f)
    const back = parseCandumpLine(line)
    t.match(back, { timeS: f.timeUs / 1e6, iface: f.iface, id: f.id, extended: f.extended, fd: f.fd === true, fdFlags: f.fdFlags ?? 0 }, line)
    t.same(back?.data, f.data)
  }
  t.equal(formatCandumpLine(frames[0] as (typeof frames)[0]), '(1795420800.123456) can0 0A1#DEAD')
})
