/**
 * The hand-written CAN column reader against protobufjs, field by field, over
 * every encoding the protobuf spec allows a sender to use.
 */
import protobuf from 'protobufjs/minimal.js'
import t from 'tap'
import { decodeBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { BatchRejected } from '../../decoders/errors.js'
import { pitwall } from '../../proto/index.js'
import { SeededRandom } from '../../sim/prng.js'

const VIN = 'WDB12345678901234'
const BASE_US = 1_750_000_000_000_000
const ctx = { vin: VIN, nowUs: BASE_US, limits: DEFAULT_BATCH_LIMITS }
const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]

interface Frame { bus: number, timeUs: number, id: number, flags: number, data: number[] }

/** What protobufjs makes of the same bytes, flattened to frames. */
function framesByProtobufjs (payload: Uint8Array): Frame[] {
  const batch = pitwall.v1.TelemetryBatch.decode(payload)
  const out: Frame[] = []
  for (const block of batch.can) {
    let offset = 0
    const data = block.data ?? new Uint8Array(0)
    ;(block.id ?? []).forEach((id, i) => {
      const len = block.len?.[i] as number
      out.push({
        bus: block.bus ?? 0,
        timeUs: batch.baseTimeUs + (block.dtUs?.[i] as number),
        id,
        flags: block.flags?.[i] ?? 0,
        data: [...data.subarray(offset, offset + len)]
      })
      offset += len
    })
  }
  return out
}

function framesByReader (payload: Uint8Array, frames = new CanFrameColumns()): Frame[] {
  const count = decodeBatch(payload, ctx, frames).canFrames
  const out: Frame[] = []
  for (let i = 0; i < count; i++) {
    const offset = frames.offset[i] as number
    out.push({
      bus: frames.bus[i] as number,
      timeUs: frames.baseTimeUs + (frames.dtUs[i] as number),
      id: frames.id[i] as number,
      flags: frames.flags[i] as number,
      data: [...frames.data.subarray(offset, offset + (frames.len[i] as number))]
    })
  }
  return out
}

function randomBlock (rng: SeededRandom, bus: number): pitwall.v1.ICanBlock {
  const n = rng.int(0, 300)
  const dtUs: number[] = []
  const id: number[] = []
  const len: number[] = []
  const flags: number[] = []
  const bytes: number[] = []
  const withFlags = rng.chance(0.5)
  for (let i = 0; i < n; i++) {
    // dt up to 2^32 - 1 exercises 5-byte varints
    dtUs.push(rng.chance(0.05) ? 0xffff_ffff : rng.int(0, 2_000_000))
    id.push(rng.chance(0.3) ? (0x8000_0000 | rng.int(0, 0x1fff_ffff)) >>> 0 : rng.int(0, 0x7ff))
    const l = LENGTHS[rng.int(0, LENGTHS.length - 1)] as number
    len.push(l)
    if (withFlags) flags.push(rng.int(0, 7))
    for (let b = 0; b < l; b++) bytes.push(rng.int(0, 255))
  }
  return { bus, dtUs, id, len, flags, data: Uint8Array.from(bytes) }
}

t.test('random batches read the same as protobufjs reads them', async (t) => {
  const rng = new SeededRandom(20261123)
  const frames = new CanFrameColumns() // reused, as ingest does
  for (let round = 0; round < 60; round++) {
    const blocks = Array.from({ length: rng.int(0, 4) }, (_, i) => randomBlock(rng, rng.chance(0.2) ? 65535 : i))
    const payload = pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: round + 1, baseTimeUs: BASE_US, can: blocks }).finish()
    const expected = framesByProtobufjs(payload)
    const actual = framesByReader(payload, frames)
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      t.same(actual, expected, `round ${round}`)
      return
    }
  }
  t.pass('60 random batches of up to 4 blocks of up to 300 frames agree frame by frame')
})

// Hand-built encodings: what another protobuf library, or a T-box's own
// encoder, may legally send.
const tag = (field: number, wireType: number): number => (field << 3) | wireType

function packed (w: protobuf.Writer, field: number, values: number[]): void {
  w.uint32(tag(field, 2)).fork()
  for (const v of values) w.uint32(v)
  w.ldelim()
}

function batchWith (blocks: Uint8Array[], leading?: (w: protobuf.Writer) => void): Uint8Array {
  const w = protobuf.Writer.create()
  leading?.(w)
  for (const block of blocks) w.uint32(tag(4, 2)).bytes(block)
  // envelope after the blocks: fields may come in any order
  w.uint32(tag(3, 0)).uint64(BASE_US)
  w.uint32(tag(2, 0)).uint64(7)
  w.uint32(tag(1, 2)).string(VIN)
  return w.finish()
}

t.test('fields in any order, unpacked and split runs, unknown fields and a repeated data field read as protobufjs reads them', async (t) => {
  const cases: Array<[string, (w: protobuf.Writer) => void]> = [
    ['columns in reverse order, data first', (w) => {
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(1, 2, 3, 4, 5))
      packed(w, 4, [2, 3])
      packed(w, 3, [0x123, 0x8000_0456])
      packed(w, 2, [10, 20])
      w.uint32(tag(1, 0)).uint32(3)
    }],
    ['unpacked repeated fields (one varint each), interleaved', (w) => {
      for (const [dt, id, len] of [[1, 0x10, 1], [2, 0x20, 0], [3, 0x30, 2]] as const) {
        w.uint32(tag(2, 0)).uint32(dt)
        w.uint32(tag(3, 0)).uint32(id)
        w.uint32(tag(4, 0)).uint32(len)
      }
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(9, 8, 7))
    }],
    ['a column split over two packed runs and a plain varint', (w) => {
      packed(w, 2, [1, 2])
      w.uint32(tag(2, 0)).uint32(3)
      packed(w, 3, [0x1])
      packed(w, 3, [0x2, 0x3])
      packed(w, 4, [1, 1, 1])
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(0xaa, 0xbb, 0xcc))
    }],
    ['unknown fields of every wire type, and bus given twice (last wins)', (w) => {
      w.uint32(tag(1, 0)).uint32(1)
      w.uint32(tag(15, 0)).uint64(123456789012)
      w.uint32(tag(16, 1)).fixed64(42)
      w.uint32(tag(17, 5)).fixed32(42)
      w.uint32(tag(18, 2)).bytes(Uint8Array.of(1, 2, 3))
      packed(w, 2, [5])
      packed(w, 3, [0x7ff])
      packed(w, 4, [8])
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0))
      w.uint32(tag(1, 0)).uint32(2)
    }],
    ['unknown groups (proto2), nested, in the block', (w) => {
      w.uint32(tag(20, 3))
      w.uint32(tag(21, 0)).uint32(7)
      w.uint32(tag(22, 3)).uint32(tag(23, 2)).bytes(Uint8Array.of(9)).uint32(tag(22, 4))
      w.uint32(tag(20, 4))
      packed(w, 2, [1])
      packed(w, 3, [0x42])
      packed(w, 4, [1])
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(0x11))
    }],
    ['data given twice: the last one counts', (w) => {
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(1, 2, 3, 4, 5, 6))
      packed(w, 2, [0])
      packed(w, 3, [0x100])
      packed(w, 4, [2])
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(0xde, 0xad))
    }],
    ['ids written as 10-byte varints (a sign-extending encoder), flags present', (w) => {
      packed(w, 2, [0])
      // int32 -2147482624 as a 64-bit varint is how some encoders write 0x80000400
      w.uint32(tag(3, 0)).int32(0x8000_0400 | 0)
      packed(w, 4, [1])
      packed(w, 6, [3])
      w.uint32(tag(5, 2)).bytes(Uint8Array.of(0x55))
    }]
  ]
  for (const [name, write] of cases) {
    const w = protobuf.Writer.create()
    write(w)
    const block = w.finish()
    const payload = batchWith([block, block], (lead) => { lead.uint32(tag(99, 2)).bytes(Uint8Array.of(1)) })
    const expected = framesByProtobufjs(payload)
    t.ok(expected.length > 0, `${name}: protobufjs reads frames`)
    t.same(framesByReader(payload), expected, name)
  }
})

t.test('an unknown group in the batch itself is skipped, as protobufjs skips it (it was dead-lettered)', async (t) => {
  const w = protobuf.Writer.create()
  packed(w, 2, [0])
  packed(w, 3, [0x100])
  packed(w, 4, [1])
  w.uint32(tag(5, 2)).bytes(Uint8Array.of(0x7f))
  const payload = batchWith([w.finish()], (lead) => { lead.uint32(tag(98, 3)).uint32(tag(1, 0)).uint32(5).uint32(tag(98, 4)) })
  t.same(framesByReader(payload), framesByProtobufjs(payload))
  const open = batchWith([], (lead) => { lead.uint32(tag(98, 3)).uint32(tag(1, 0)).uint32(5) })
  t.throws(() => framesByReader(open), { code: 'PITWALL_ERR_MALFORMED_PROTOBUF' }, 'a group that never ends is malformed')
  const nested = batchWith([], (lead) => {
    for (let i = 0; i < 120; i++) lead.uint32(tag(97, 3))
    for (let i = 0; i < 120; i++) lead.uint32(tag(97, 4))
  })
  // protobuf's default recursion limit (protoc, protobufjs)
  t.throws(() => framesByReader(nested), { code: 'PITWALL_ERR_MALFORMED_PROTOBUF', message: /groups nested deeper than 100/ })
})

t.test('truncated anywhere, a batch is refused with a reason unless the cut falls between whole fields', async (t) => {
  const rng = new SeededRandom(7)
  const payload = pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 1, baseTimeUs: BASE_US, can: [randomBlock(rng, 0), randomBlock(rng, 1)] }).finish()
  const codes = new Set<string>()
  const acceptedCuts: number[] = []
  for (let cut = 1; cut < payload.length; cut++) {
    const prefix = payload.subarray(0, cut)
    let frames: Frame[]
    try {
      frames = framesByReader(prefix)
    } catch (err) {
      if (!(err instanceof BatchRejected)) throw err
      codes.add(err.code)
      continue
    }
    // Protobuf cannot tell a message cut between two fields from a shorter
    // message; then the frames read must be exactly the whole blocks kept.
    acceptedCuts.push(cut)
    t.same(frames, framesByProtobufjs(prefix), `cut at ${cut} reads the whole blocks before it`)
  }
  // vin, seq, base_time_us come first: the only field boundaries after them are the ends of the two blocks
  t.equal(acceptedCuts.length, 2, `accepted only at field boundaries ${acceptedCuts.join(', ')}`)
  t.ok(codes.has('PITWALL_ERR_MALFORMED_PROTOBUF'), `refusal codes: ${[...codes].join(', ')}`)
})

t.test('mutated batches: refused with a reason, or read exactly as protobufjs reads them', async (t) => {
  const rng = new SeededRandom(99)
  const frames = new CanFrameColumns()
  let accepted = 0
  let refused = 0
  for (let round = 0; round < 3000; round++) {
    const payload = pitwall.v1.TelemetryBatch.encode({
      vin: VIN, seq: 1, baseTimeUs: BASE_US, can: [randomBlock(rng, 0)]
    }).finish().slice()
    for (let m = rng.int(1, 4); m > 0; m--) {
      const i = rng.int(0, payload.length - 1)
      payload[i] = rng.chance(0.5) ? rng.int(0, 255) : (payload[i] as number) ^ (1 << rng.int(0, 7))
    }
    let actual: Frame[]
    try {
      actual = framesByReader(payload, frames)
    } catch (err) {
      if (!(err instanceof BatchRejected)) throw err
      refused++
      continue
    }
    accepted++
    // What we accepted, protobufjs must read identically (it may also have refused
    // envelope damage we never look at, which decodeBatch checks through protobufjs too).
    const expected = framesByProtobufjs(payload)
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      t.same(actual, expected, `round ${round}`)
      return
    }
  }
  t.ok(accepted > 0 && refused > 0, `${accepted} mutated batches read like protobufjs, ${refused} refused with BatchRejected`)
})

t.test('a block whose columns disagree is refused naming the block', async (t) => {
  const w = protobuf.Writer.create()
  packed(w, 2, [0, 1])
  packed(w, 3, [0x1])
  packed(w, 4, [0])
  const err = (() => {
    try { decodeBatch(batchWith([w.finish()]), ctx) } catch (e) { return e }
    return undefined
  })()
  t.type(err, BatchRejected)
  t.match((err as BatchRejected).message, /batch 7 from WDB12345678901234: can\[0\]: columns differ in length \(dt_us 2, id 1, len 1\)/)
})
