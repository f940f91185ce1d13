import protobuf from 'protobufjs/minimal.js'
import t from 'tap'
import { decodeBatch, type DecodedBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from '../../decoders/batch-limits.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { BatchRejected } from '../../decoders/errors.js'
import { pitwall } from '../../proto/index.js'

const VIN = 'WDB12345678901234'
const NOW_US = 1_750_000_000_000_000
const SMALL: BatchLimits = { canFrames: 5, samples: 4, gnss: 3, dtc: 3, obd: 3, firmwareChars: 8 }

function encode (fields: pitwall.v1.ITelemetryBatch): Uint8Array {
  return pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 17, baseTimeUs: NOW_US, ...fields }).finish()
}

function decode (payload: Uint8Array, limits: BatchLimits = SMALL, frames?: CanFrameColumns): DecodedBatch {
  return decodeBatch(payload, { vin: VIN, nowUs: NOW_US, limits }, frames)
}

function rejection (payload: Uint8Array, limits: BatchLimits = SMALL, frames?: CanFrameColumns): BatchRejected {
  try {
    decode(payload, limits, frames)
  } catch (err) {
    if (err instanceof BatchRejected) return err
    throw err
  }
  throw new Error('batch was accepted')
}

const fix = (): pitwall.v1.IGnssFix => ({ latE7: 1, lonE7: 1 })
const dtc = (): pitwall.v1.IDtcRecord => ({ dtc: 0x0301, status: 1, ecu: 0x7e8 })
const obd = (): pitwall.v1.IObdResponse => ({ mode: 1, pid: 0x0c, data: new Uint8Array([0x1a, 0xf8]), ecu: 0x7e8 })
const signals = (n: number): pitwall.v1.ISignalBlock => ({ dtUs: Array(n).fill(0), signalId: Array(n).fill(1), value: Array(n).fill(1.5) })
const canBlock = (n: number): pitwall.v1.ICanBlock => ({ dtUs: Array(n).fill(0), id: Array(n).fill(0x100), len: Array(n).fill(1), data: new Uint8Array(n) })

t.test('each cap: a batch at it is accepted, one entry over is refused whole, naming the count, the cap and the setting', async (t) => {
  const cases: Array<[string, (n: number) => pitwall.v1.ITelemetryBatch, number, string]> = [
    ['CAN frames', (n) => ({ can: [canBlock(n)] }), SMALL.canFrames, 'PITWALL_MAX_CAN_FRAMES_PER_BATCH'],
    ['signal samples', (n) => ({ signals: signals(n) }), SMALL.samples, 'PITWALL_MAX_SAMPLES_PER_BATCH'],
    ['gnss fixes', (n) => ({ gnss: Array.from({ length: n }, fix) }), SMALL.gnss, 'PITWALL_MAX_GNSS_PER_BATCH'],
    ['DTC records', (n) => ({ dtc: Array.from({ length: n }, dtc) }), SMALL.dtc, 'PITWALL_MAX_DTCS_PER_BATCH'],
    ['OBD responses', (n) => ({ obd: Array.from({ length: n }, obd) }), SMALL.obd, 'PITWALL_MAX_OBD_PER_BATCH'],
    ['firmware characters', (n) => ({ firmware: 'v'.repeat(n) }), SMALL.firmwareChars, 'PITWALL_MAX_FIRMWARE_CHARS']
  ]
  for (const [what, batch, cap, setting] of cases) {
    t.doesNotThrow(() => decode(encode(batch(cap))), `${what}: ${cap} accepted`)
    const err = rejection(encode(batch(cap + 1)))
    t.equal(err.code, 'PITWALL_ERR_BATCH_LIMIT', what)
    t.equal(err.status, 413, what)
    t.equal(err.message, `batch 17 from ${VIN}: ${cap + 1} ${what}, more than the ${cap} allowed (${setting})`, what)
  }
})

t.test('the default caps: 1,000 gnss fixes are accepted, 1,001 refused', async (t) => {
  const at = decode(encode({ gnss: Array.from({ length: DEFAULT_BATCH_LIMITS.gnss }, fix) }), DEFAULT_BATCH_LIMITS)
  t.equal(at.gnss.count, 1000)
  t.match(rejection(encode({ gnss: Array.from({ length: 1001 }, fix) }), DEFAULT_BATCH_LIMITS).message,
    /: 1001 gnss fixes, more than the 1000 allowed \(PITWALL_MAX_GNSS_PER_BATCH\)$/)
})

t.test('a 1 MB batch of empty GNSS fixes is refused after one pass, keeping no more fixes than the cap', async (t) => {
  const head = encode({})
  const n = Math.floor((1_048_576 - head.length) / 2)
  const payload = new Uint8Array(head.length + 2 * n)
  payload.set(head)
  for (let i = 0; i < n; i++) payload[head.length + 2 * i] = (7 << 3) | 2 // field 7, length 0
  const frames = new CanFrameColumns()
  // the columns the batch's fixes go to, reused with `frames`
  const fixes = decode(encode({ gnss: [fix()] }), DEFAULT_BATCH_LIMITS, frames).gnss
  const started = performance.now()
  const err = rejection(payload, DEFAULT_BATCH_LIMITS, frames)
  t.comment(`refused in ${(performance.now() - started).toFixed(1)} ms`)
  t.equal(err.code, 'PITWALL_ERR_BATCH_LIMIT')
  t.match(err.message, new RegExp(`^batch 17 from ${VIN}: ${n} gnss fixes, more than the 1000 allowed`))
  t.equal(fixes.count, DEFAULT_BATCH_LIMITS.gnss, 'fixes kept up to the cap, the rest only counted')
  t.ok(fixes.dtUs.length < 2 * DEFAULT_BATCH_LIMITS.gnss, `columns grown to ${fixes.dtUs.length}, not to ${n}`)
})

t.test('CAN frames are summed over the blocks, and a refused batch does not grow the frame columns', async (t) => {
  t.equal(decode(encode({ can: [canBlock(3), canBlock(2)] })).canFrames, 5)
  t.match(rejection(encode({ can: [canBlock(3), canBlock(3)] })).message, /: 6 CAN frames, more than the 5 allowed/)
  const frames = new CanFrameColumns()
  const capacity = frames.id.length
  const err = rejection(encode({ can: [canBlock(150_000)] }), DEFAULT_BATCH_LIMITS, frames)
  t.match(err.message, /: 150000 CAN frames, more than the 100000 allowed \(PITWALL_MAX_CAN_FRAMES_PER_BATCH\)/)
  t.equal(frames.id.length, capacity, 'columns not grown for the hostile block')
})

t.test('a CAN column longer than the others counts against the cap', async (t) => {
  const err = rejection(encode({ can: [{ dtUs: Array(6).fill(0), id: [0x100], len: [1], data: new Uint8Array(1) }] }))
  t.equal(err.code, 'PITWALL_ERR_BATCH_LIMIT')
  t.match(err.message, /: 6 CAN frames/)
})

/** A TelemetryBatch with its signal block written unpacked, one tag per value (what a proto2-style encoder may send). */
function unpackedSignals (n: number): Uint8Array {
  const block = protobuf.Writer.create()
  for (let i = 0; i < n; i++) block.uint32((1 << 3) | 0).uint32(i).uint32((2 << 3) | 0).uint32(1).uint32((3 << 3) | 1).double(1.5)
  const w = protobuf.Writer.create()
  w.uint32((1 << 3) | 2).string(VIN).uint32((2 << 3) | 0).uint64(17).uint32((3 << 3) | 0).uint64(NOW_US)
  w.uint32((8 << 3) | 2).bytes(block.finish())
  return w.finish()
}

t.test('samples are counted as protobufjs decodes them: unpacked columns and repeated signal blocks', async (t) => {
  t.equal(decode(unpackedSignals(4)).signals.count, 4)
  t.match(rejection(unpackedSignals(5)).message, /: 5 signal samples, more than the 4 allowed/)
  // protobufjs merges repeated SignalBlocks into one: the cap is on the sum
  const twoBlocks = Buffer.concat([encode({ signals: signals(3) }), encode({ signals: signals(2) }).subarray(encode({}).length)])
  t.equal(decode(twoBlocks, { ...SMALL, samples: 5 }).signals.count, 5)
  t.match(rejection(twoBlocks).message, /: 5 signal samples/)
})

t.test('counting refuses a broken wire format as malformed, not as over a cap', async (t) => {
  const truncated = encode({ gnss: [fix(), fix()] }).subarray(0, -1)
  t.equal(rejection(truncated).code, 'PITWALL_ERR_MALFORMED_PROTOBUF')
  const overlong = Buffer.concat([encode({}), Buffer.from([(8 << 3) | 2, 0x7f, 0x0a])])
  t.equal(rejection(overlong).code, 'PITWALL_ERR_MALFORMED_PROTOBUF')
})

t.test('a firmware of multi-byte characters is measured in characters', async (t) => {
  t.equal(decode(encode({ firmware: 'ü'.repeat(8) })).firmware.length, 8)
  t.match(rejection(encode({ firmware: 'ü'.repeat(9) })).message, /: 9 firmware characters, more than the 8 allowed \(PITWALL_MAX_FIRMWARE_CHARS\)/)
})

t.test('a firmware version with a NUL or another control character is refused, not stored', async (t) => {
  for (const firmware of ['1.2\u00003', 'v1\n', '\u007fx']) {
    const err = rejection(encode({ firmware }))
    t.equal(err.code, 'PITWALL_ERR_FIRMWARE')
    t.match(err.message, /holds a control character; a version is printable text/)
  }
  t.equal(decode(encode({ firmware: 'TBX-4.2.0+build.7 (ü)' }), DEFAULT_BATCH_LIMITS).firmware, 'TBX-4.2.0+build.7 (ü)')
})
