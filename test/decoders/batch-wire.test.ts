/**
 * The hand-written TelemetryBatch reader (batch-envelope.ts, batch-entries.ts,
 * can-block-reader.ts) against protobufjs over the same bytes: generated
 * batches in every encoding the protobuf spec lets a sender use (fields
 * shuffled, repeated scalars packed, unpacked or split, scalars repeated with
 * the last one winning, unknown fields of every wire type anywhere), then the
 * same batches damaged (cut, bytes changed, lengths inflated). What decodeBatch
 * accepts must be exactly what protobufjs reads; what protobufjs cannot read
 * decodeBatch must refuse; and every refusal must be one the content explains.
 */
import protobuf from 'protobufjs/minimal.js'
import t, { type Test } from 'tap'
import { decodeBatch, type DecodedBatch } from '../../decoders/batch.js'
import type { BatchLimits } from '../../decoders/batch-limits.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { BatchRejected } from '../../decoders/errors.js'
import { pitwall } from '../../proto/index.js'
import { SeededRandom } from '../../sim/prng.js'

const VIN = 'WDB12345678901234'
const NOW_US = 1_750_000_000_000_000
const LIMITS: BatchLimits = { canFrames: 400, samples: 40, gnss: 6, dtc: 6, obd: 12, firmwareChars: 24 }
const ctx = { vin: VIN, nowUs: NOW_US, limits: LIMITS }
const CAN_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]

type Writer = protobuf.Writer
/** One field occurrence, written where the shuffle puts it. */
type Item = (w: Writer) => void
/** A message's fields: each queue's items keep their order (a column's runs, a decoy before the value that wins). */
type Queues = Item[][]

const tag = (field: number, wireType: number): number => (field << 3) | wireType

/** How one batch is laid out on the wire. */
interface Style {
  shuffle: boolean
  /** chance of an unknown field before each known one */
  unknown: number
  /** chance that a scalar is preceded by another value of it, which the later one overrides */
  decoys: number
  /** 0: packed runs, 1: unpacked, 2: any mix of split packed runs and plain varints */
  repeated: 0 | 1 | 2
  /** chance that a zero scalar is written anyway (proto3 omits it; a reader must take both) */
  explicitZero: number
}

function unknownField (rng: SeededRandom, depth = 0): Item {
  // fields 10..15 are unknown in every message here, 16..2047 take a two-byte tag
  const field = rng.chance(0.5) ? rng.int(10, 15) : rng.int(16, 2047)
  const wireType = [0, 1, 2, 3, 5][rng.int(0, depth < 2 ? 4 : 3)] as number
  const values = [rng.int(0, 300), rng.int(0, 0xffff_ffff)]
  return (w) => {
    switch (wireType) {
      // int32 -1 is a 10-byte varint
      case 0: rng.chance(0.3) ? w.uint32(tag(field, 0)).int32(-1) : w.uint32(tag(field, 0)).uint32(values[0] as number); break
      case 1: w.uint32(tag(field, 1)).fixed64(values[1] as number); break
      case 2: w.uint32(tag(field, 2)).bytes(Uint8Array.from({ length: values[0] as number % 40 }, (_, i) => i * 7)); break
      case 5: w.uint32(tag(field, 5)).fixed32(values[1] as number); break
      default: {
        w.uint32(tag(field, 3))
        for (let i = rng.int(0, 3); i > 0; i--) unknownField(rng, depth + 1)(w)
        w.uint32(tag(field, 4))
      }
    }
  }
}

/** Writes the queues interleaved at random (or in order), unknown fields sprinkled between. */
function writeMessage (w: Writer, queues: Queues, style: Style, rng: SeededRandom): void {
  const pending = queues.filter((q) => q.length > 0).map((q) => [...q])
  while (pending.length > 0) {
    const k = style.shuffle ? rng.int(0, pending.length - 1) : 0
    const queue = pending[k] as Item[]
    if (rng.chance(style.unknown)) unknownField(rng)(w)
    ;(queue.shift() as Item)(w)
    if (queue.length === 0) pending.splice(k, 1)
  }
  if (rng.chance(style.unknown)) unknownField(rng)(w)
}

function nested (field: number, queues: Queues, style: Style, rng: SeededRandom): Item {
  return (w) => {
    w.uint32(tag(field, 2)).fork()
    writeMessage(w, queues, style, rng)
    w.ldelim()
  }
}

type ScalarKind = 'uint32' | 'sint32' | 'uint64'

/** A scalar field's queue: maybe a decoy first, the value last (omitted when zero, unless the style writes zeros). */
function scalar (field: number, kind: ScalarKind, value: number, style: Style, rng: SeededRandom): Item[] {
  const write = (v: number): Item => (w) => { w.uint32(tag(field, 0))[kind](v) }
  const items: Item[] = []
  if (rng.chance(style.decoys)) items.push(write(value === 0 ? 1 : 0))
  if (value !== 0 || rng.chance(style.explicitZero) || items.length > 0) items.push(write(value))
  return items
}

function bytesField (field: number, value: Uint8Array | string, style: Style, rng: SeededRandom): Item[] {
  const write = (v: Uint8Array | string): Item => (w) => { typeof v === 'string' ? w.uint32(tag(field, 2)).string(v) : w.uint32(tag(field, 2)).bytes(v) }
  const items: Item[] = []
  if (rng.chance(style.decoys)) items.push(write(typeof value === 'string' ? 'decoy' : Uint8Array.of(9, 9)))
  if (value.length > 0 || rng.chance(style.explicitZero) || items.length > 0) items.push(write(value))
  return items
}

/** A repeated uint32 column as runs: one packed run, one varint per value, or a mix of split packed runs and varints. */
function uint32Column (field: number, values: number[], style: Style, rng: SeededRandom): Item[] {
  const items: Item[] = []
  let i = 0
  while (i < values.length) {
    const mode = style.repeated === 2 ? rng.int(0, 1) : style.repeated
    const n = mode === 1 ? 1 : style.repeated === 0 ? values.length : rng.int(1, values.length - i)
    const run = values.slice(i, i + n)
    i += n
    items.push(mode === 1
      ? (w) => { w.uint32(tag(field, 0)).uint32(run[0] as number) }
      : (w) => { w.uint32(tag(field, 2)).fork(); for (const v of run) w.uint32(v); w.ldelim() })
  }
  return items
}

function doubleColumn (field: number, values: number[], style: Style, rng: SeededRandom): Item[] {
  const items: Item[] = []
  let i = 0
  while (i < values.length) {
    const mode = style.repeated === 2 ? rng.int(0, 1) : style.repeated
    const n = mode === 1 ? 1 : style.repeated === 0 ? values.length : rng.int(1, values.length - i)
    const run = values.slice(i, i + n)
    i += n
    items.push(mode === 1
      ? (w) => { w.uint32(tag(field, 1)).double(run[0] as number) }
      : (w) => { w.uint32(tag(field, 2)).fork(); for (const v of run) w.double(v); w.ldelim() })
  }
  return items
}

interface Content {
  vin: string
  seq: number
  baseTimeUs: number
  firmware: string
  can: Array<{ bus: number, dtUs: number[], id: number[], len: number[], flags: number[], data: Uint8Array }>
  obd: Array<{ dtUs: number, mode: number, pid: number, data: Uint8Array, ecu: number }>
  dtc: Array<{ dtUs: number, dtc: number, status: number, ecu: number }>
  gnss: Array<{ dtUs: number, latE7: number, lonE7: number, speedCms: number, headingCdeg: number, altCm: number, hdopC: number, satellites: number }>
  /** the signal block, split into this many blocks on the wire (protobufjs merges them) */
  signals: { dtUs: number[], signalId: number[], value: number[], blocks: number } | undefined
}

/** A batch that is mostly valid, with a value out of its range now and then. */
function randomContent (rng: SeededRandom): Content {
  const rare = (p = 0.01): boolean => rng.chance(p)
  const u32 = (): number => rng.chance(0.5) ? rng.int(0, 200) : rng.int(0, 0xffff_ffff)
  const can = Array.from({ length: rng.int(0, 3) }, () => {
    const n = rng.int(0, rare(0.2) ? 250 : 40)
    const len = Array.from({ length: n }, () => rare(0.0005) ? 9 : CAN_LENGTHS[rng.int(0, CAN_LENGTHS.length - 1)] as number)
    const withFlags = rng.chance(0.4)
    return {
      bus: rare() ? 70_000 : rng.int(0, 3),
      dtUs: Array.from({ length: n }, () => rng.chance(0.05) ? 0xffff_ffff : rng.int(0, 1_000_000)),
      id: Array.from({ length: n }, () => rare(0.0005) ? 0x800 : rng.chance(0.3) ? (0x8000_0000 | rng.int(0, 0x1fff_ffff)) >>> 0 : rng.int(0, 0x7ff)),
      len,
      flags: withFlags ? Array.from({ length: n }, () => rare(0.0005) ? 300 : rng.int(0, 7)) : [],
      data: Uint8Array.from({ length: len.reduce((a, b) => a + b, 0) + (rare() ? 1 : 0) }, () => rng.int(0, 255))
    }
  })
  const obd = Array.from({ length: rng.int(0, rare(0.2) ? 14 : 6) }, () => ({
    dtUs: rng.int(0, 1_000_000),
    mode: rare() ? 0x100 : rng.chance(0.8) ? 1 : rng.int(0, 0xff),
    pid: rng.int(0, rare() ? 0x1_0000 : 0xff),
    data: Uint8Array.from({ length: rng.int(0, 6) }, () => rng.int(0, 255)),
    ecu: rare() ? 0x2000_0000 : rng.chance(0.5) ? 0x7e8 : rng.int(0, 0x1fff_ffff)
  }))
  const dtc = Array.from({ length: rng.int(0, rare(0.2) ? 8 : 3) }, () => ({
    dtUs: rng.int(0, 1_000_000), dtc: rare() ? 0x100_0000 : rng.int(0, 0xff_ffff), status: rare() ? 0x100 : rng.int(0, 0xff), ecu: rng.int(0, 0x7ff)
  }))
  const gnss = Array.from({ length: rng.int(0, rare(0.2) ? 8 : 2) }, () => ({
    dtUs: rng.int(0, 1_000_000),
    latE7: rng.int(-900_000_000, 900_000_000),
    lonE7: rng.chance(0.1) ? -2_147_483_648 : rng.int(-1_800_000_000, 1_800_000_000),
    speedCms: u32(), headingCdeg: rng.int(0, 35_999), altCm: rng.int(-2_147_483_648, 2_147_483_647), hdopC: u32(), satellites: rng.int(0, 40)
  }))
  let signals: Content['signals']
  if (rng.chance(0.6)) {
    const n = rng.int(0, rare(0.2) ? 50 : 12)
    const values = [0, -0, 1.5, -273.15, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE]
    signals = {
      dtUs: Array.from({ length: n + (rare() ? 1 : 0) }, () => u32()),
      signalId: Array.from({ length: n }, () => rng.int(0, 2000)),
      value: Array.from({ length: n }, () => rng.chance(0.7) ? rng.uniform(-1e6, 1e6) : values[rng.int(0, values.length - 1)] as number),
      blocks: rng.int(1, 3)
    }
  }
  const firmwares = ['', 'TBX-4.2.0', 'ü-1.0 (Ω)', '日本語-2']
  return {
    vin: rare() ? 'WDB00000000000007' : VIN,
    seq: rare() ? 0 : rng.chance(0.2) ? 2 ** 53 - 1 : rng.int(1, 1_000_000),
    baseTimeUs: rare() ? 1000 : NOW_US - rng.int(0, 3_600_000_000),
    firmware: rare(0.05) ? (rng.chance(0.5) ? 'v'.repeat(30) : 'v1\u0000') : firmwares[rng.int(0, firmwares.length - 1)] as string,
    can, obd, dtc, gnss, signals
  }
}

function randomStyle (rng: SeededRandom): Style {
  return { shuffle: rng.chance(0.7), unknown: rng.chance(0.5) ? 0 : rng.uniform(0, 0.4), decoys: rng.chance(0.5) ? 0 : 0.3, repeated: rng.int(0, 2) as 0 | 1 | 2, explicitZero: rng.chance(0.5) ? 0 : 0.5 }
}

function encode (c: Content, style: Style, rng: SeededRandom): Uint8Array {
  const s = (field: number, kind: ScalarKind, v: number): Item[] => scalar(field, kind, v, style, rng)
  const top: Queues = [
    bytesField(1, c.vin, style, rng), s(2, 'uint64', c.seq), s(3, 'uint64', c.baseTimeUs), bytesField(9, c.firmware, style, rng),
    c.can.map((b) => nested(4, [
      s(1, 'uint32', b.bus), uint32Column(2, b.dtUs, style, rng), uint32Column(3, b.id, style, rng),
      uint32Column(4, b.len, style, rng), uint32Column(6, b.flags, style, rng), bytesField(5, b.data, style, rng)
    ], style, rng)),
    c.obd.map((r) => nested(5, [s(1, 'uint32', r.dtUs), s(2, 'uint32', r.mode), s(3, 'uint32', r.pid), bytesField(4, r.data, style, rng), s(5, 'uint32', r.ecu)], style, rng)),
    c.dtc.map((d) => nested(6, [s(1, 'uint32', d.dtUs), s(2, 'uint32', d.dtc), s(3, 'uint32', d.status), s(4, 'uint32', d.ecu)], style, rng)),
    c.gnss.map((g) => nested(7, [
      s(1, 'uint32', g.dtUs), s(2, 'sint32', g.latE7), s(3, 'sint32', g.lonE7), s(4, 'uint32', g.speedCms),
      s(5, 'uint32', g.headingCdeg), s(6, 'sint32', g.altCm), s(7, 'uint32', g.hdopC), s(8, 'uint32', g.satellites)
    ], style, rng))
  ]
  const signals = c.signals
  if (signals !== undefined) {
    // split each column over the blocks: the merged columns are the same
    const blocks: Item[] = []
    const cut = (values: number[], k: number): number[] => values.slice(Math.floor(values.length * k / signals.blocks), Math.floor(values.length * (k + 1) / signals.blocks))
    for (let k = 0; k < signals.blocks; k++) {
      blocks.push(nested(8, [uint32Column(1, cut(signals.dtUs, k), style, rng), uint32Column(2, cut(signals.signalId, k), style, rng), doubleColumn(3, cut(signals.value, k), style, rng)], style, rng))
    }
    top.push(blocks)
  }
  const w = protobuf.Writer.create()
  writeMessage(w, top, style, rng)
  return w.finish()
}

/** Doubles as text that tells NaN, -0 and every other value apart. */
const exact = (v: number): string => Object.is(v, -0) ? '-0' : String(v)

/** protobufjs' reading of `payload`, flattened as decodeBatch's is below. */
function readByProtobufjs (payload: Uint8Array): { flat: unknown, batch: pitwall.v1.TelemetryBatch } {
  const b = pitwall.v1.TelemetryBatch.decode(payload)
  const frames: unknown[] = []
  for (const block of b.can) {
    let offset = 0
    const data = block.data ?? new Uint8Array(0)
    ;(block.id ?? []).forEach((id, i) => {
      const len = block.len?.[i] as number
      frames.push([block.bus ?? 0, b.baseTimeUs + (block.dtUs?.[i] as number), id, block.flags?.[i] ?? 0, [...data.subarray(offset, offset + len)]])
      offset += len
    })
  }
  const s = b.signals
  const flat = {
    vin: b.vin, seq: b.seq, baseTimeUs: b.baseTimeUs, firmware: b.firmware, frames,
    obd: b.obd.map((r) => [r.dtUs ?? 0, r.mode ?? 0, r.pid ?? 0, r.ecu ?? 0, [...(r.data ?? [])]]),
    dtc: b.dtc.map((d) => [d.dtUs ?? 0, d.dtc ?? 0, d.status ?? 0, d.ecu ?? 0]),
    gnss: b.gnss.map((g) => [g.dtUs ?? 0, g.latE7 ?? 0, g.lonE7 ?? 0, g.speedCms ?? 0, g.headingCdeg ?? 0, g.altCm ?? 0, g.hdopC ?? 0, g.satellites ?? 0]),
    signals: (s?.signalId ?? []).map((id, i) => [s?.dtUs?.[i], id, exact(s?.value?.[i] as number)])
  }
  return { flat, batch: b }
}

function flatten (d: DecodedBatch, frames: CanFrameColumns): unknown {
  const out: unknown[] = []
  for (let i = 0; i < d.canFrames; i++) {
    const offset = frames.offset[i] as number
    out.push([frames.bus[i], frames.baseTimeUs + (frames.dtUs[i] as number), frames.id[i], frames.flags[i], [...frames.data.subarray(offset, offset + (frames.len[i] as number))]])
  }
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
  const { obd, dtc, gnss, signals: s } = d
  return {
    vin: d.vin, seq: d.seq, baseTimeUs: d.baseTimeUs, firmware: d.firmware, frames: out,
    obd: range(obd.count).map((i) => [obd.dtUs[i], obd.mode[i], obd.pid[i], obd.ecu[i], [...obd.data.subarray(obd.dataOffset[i], (obd.dataOffset[i] as number) + (obd.dataLength[i] as number))]]),
    dtc: range(dtc.count).map((i) => [dtc.dtUs[i], dtc.dtc[i], dtc.status[i], dtc.ecu[i]]),
    gnss: range(gnss.count).map((i) => [gnss.dtUs[i], gnss.latE7[i], gnss.lonE7[i], gnss.speedCms[i], gnss.headingCdeg[i], gnss.altCm[i], gnss.hdopC[i], gnss.satellites[i]]),
    signals: range(s.count).map((i) => [s.dtUs[i], s.signalId[i], exact(s.value[i] as number)])
  }
}

const VALID_CAN_LENGTH = new Set(CAN_LENGTHS)

/**
 * The refusal codes protobufjs' reading of a batch justifies, from the rules
 * decodeBatch documents (batch.ts, can-block-reader.ts, batch-limits.ts),
 * written again here from the decoded content.
 */
function justifiedRefusals (b: pitwall.v1.TelemetryBatch): Set<string> {
  const codes = new Set<string>()
  const s = b.signals
  const samples = Math.max(s?.dtUs?.length ?? 0, s?.signalId?.length ?? 0, s?.value?.length ?? 0)
  const frames = b.can.reduce((n, c) => n + Math.max(c.dtUs?.length ?? 0, c.id?.length ?? 0, c.len?.length ?? 0, c.flags?.length ?? 0), 0)
  if (samples > LIMITS.samples || b.gnss.length > LIMITS.gnss || b.dtc.length > LIMITS.dtc || b.obd.length > LIMITS.obd ||
    frames > LIMITS.canFrames || b.firmware.length > LIMITS.firmwareChars) codes.add('PITWALL_ERR_BATCH_LIMIT')
  if (b.vin !== VIN) codes.add('PITWALL_ERR_VIN_MISMATCH')
  if (!(b.seq > 0) || !Number.isSafeInteger(b.seq)) codes.add('PITWALL_ERR_MISSING_SEQ')
  if (b.baseTimeUs < 946_684_800e6 || b.baseTimeUs > NOW_US + 86_400e6) codes.add('PITWALL_ERR_BAD_TIME')
  if (/[\u0000-\u001f\u007f]/.test(b.firmware)) codes.add('PITWALL_ERR_FIRMWARE')
  for (const c of b.can) {
    const n = c.id?.length ?? 0
    const len = c.len ?? []
    const bad = (c.bus ?? 0) > 0xffff || (c.dtUs?.length ?? 0) !== n || len.length !== n ||
      ((c.flags?.length ?? 0) !== 0 && c.flags?.length !== n) || len.reduce((a, v) => a + v, 0) !== (c.data?.length ?? 0) ||
      len.some((v) => !VALID_CAN_LENGTH.has(v)) || (c.flags ?? []).some((v) => v > 0xff) ||
      (c.id ?? []).some((id) => (id & 0x6000_0000) !== 0 || (id < 0x8000_0000 && id > 0x7ff))
    if (bad) codes.add('PITWALL_ERR_CAN_BLOCK')
  }
  if ((s?.dtUs?.length ?? 0) !== (s?.signalId?.length ?? 0) || (s?.value?.length ?? 0) !== (s?.signalId?.length ?? 0)) codes.add('PITWALL_ERR_SIGNAL_BLOCK')
  if (b.obd.some((r) => (r.ecu ?? 0) > 0x1fff_ffff || (r.mode ?? 0) > 0xff || (r.pid ?? 0) > 0xffff)) codes.add('PITWALL_ERR_OBD')
  if (b.dtc.some((d) => (d.ecu ?? 0) > 0x1fff_ffff || (d.dtc ?? 0) > 0xff_ffff || (d.status ?? 0) > 0xff)) codes.add('PITWALL_ERR_DTC')
  return codes
}

/**
 * Whether a CAN block column (dt_us, id, len, flags) comes with a wire type
 * other than varint or packed: protobufjs skips it, decodeBatch refuses the
 * batch as malformed (a block without its columns is damage).
 */
function canColumnOfOtherWireType (payload: Uint8Array): boolean {
  const r = protobuf.Reader.create(payload)
  while (r.pos < r.len) {
    const t = r.uint32()
    if (t !== tag(4, 2)) { r.skipType(t & 7, 0, t >>> 3); continue }
    const end = r.uint32() + r.pos
    while (r.pos < end) {
      const f = r.uint32()
      const field = f >>> 3
      if ([2, 3, 4, 6].includes(field) && (f & 7) !== 0 && (f & 7) !== 2) return true
      r.skipType(f & 7, 0, field)
    }
  }
  return false
}

type Outcome = 'same' | 'refused, explained' | 'refused, damaged'

/** decodeBatch against protobufjs on `payload`; fails the test with the payload when they disagree. */
function compare (t: Test, payload: Uint8Array, frames: CanFrameColumns, name: string): Outcome | undefined {
  let ours: { flat: unknown } | { err: BatchRejected }
  try {
    ours = { flat: flatten(decodeBatch(payload, ctx, frames), frames) }
  } catch (err) {
    if (!(err instanceof BatchRejected)) throw err
    t.ok(err.code.startsWith('PITWALL_ERR_') && err.message.length > 0, 'a refusal names a code and a reason')
    ours = { err }
  }
  let theirs: ReturnType<typeof readByProtobufjs> | undefined
  try {
    theirs = readByProtobufjs(payload)
  } catch {
    if ('err' in ours) return 'refused, damaged'
    t.fail(`${name}: accepted a batch protobufjs cannot read: ${Buffer.from(payload).toString('hex')}`)
    return undefined
  }
  const justified = justifiedRefusals(theirs.batch)
  if ('flat' in ours) {
    if (JSON.stringify(ours.flat) === JSON.stringify(theirs.flat) && justified.size === 0) return 'same'
    t.same(ours.flat, theirs.flat, `${name}: read as protobufjs reads it`)
    t.same([...justified], [], `${name}: accepted a batch its content says to refuse`)
    return undefined
  }
  const { code, message } = ours.err
  if (justified.has(code)) return 'refused, explained'
  if (code === 'PITWALL_ERR_MALFORMED_PROTOBUF' && canColumnOfOtherWireType(payload)) return 'refused, explained'
  t.fail(`${name}: refused with ${code} (${message}), which protobufjs' reading does not explain (${[...justified].join(', ')}): ${Buffer.from(payload).toString('hex')}`)
  return undefined
}

function tally (outcomes: Array<Outcome | undefined>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const o of outcomes) counts[o ?? 'failed'] = (counts[o ?? 'failed'] ?? 0) + 1
  return counts
}

t.test('generated batches in every encoding read exactly as protobufjs reads them, or are refused for what they hold', async (t) => {
  const rng = new SeededRandom(0x7e1e)
  const frames = new CanFrameColumns() // reused, as ingest does
  const outcomes: Array<Outcome | undefined> = []
  for (let round = 0; round < 1500; round++) {
    const outcome = compare(t, encode(randomContent(rng), randomStyle(rng), rng), frames, `batch ${round}`)
    outcomes.push(outcome)
    if (outcome === undefined) return
  }
  const counts = tally(outcomes)
  t.ok((counts.same ?? 0) > 500, `read the same: ${JSON.stringify(counts)}`)
  t.ok((counts['refused, explained'] ?? 0) > 100, 'refusals for out-of-range content are exercised too')
})

/** flip, set, insert, delete or cut bytes: how a bad link or a buggy encoder damages a batch */
function damage (rng: SeededRandom, payload: Uint8Array): Uint8Array {
  const bytes = Array.from(payload)
  for (let e = rng.int(1, 3); e > 0; e--) {
    const at = rng.int(0, Math.max(0, bytes.length - 1))
    switch (rng.int(0, 5)) {
      case 0: bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(0, 7)); break
      case 1: bytes[at] = rng.int(0, 255); break
      case 2: bytes.splice(at, 0, rng.int(0, 255)); break
      case 3: bytes.splice(at, rng.int(1, 4)); break
      case 4: bytes.length = rng.int(0, bytes.length); break
      // a length (or any varint) made huge: 2^31 - 1, 2^31, 2^32 - 1
      default: bytes.splice(at, 1, ...[[0xff, 0xff, 0xff, 0xff, 0x07], [0x80, 0x80, 0x80, 0x80, 0x08], [0xff, 0xff, 0xff, 0xff, 0x0f]][rng.int(0, 2)] as number[])
    }
  }
  return Uint8Array.from(bytes)
}

t.test('damaged batches are refused with a code and a reason, or read exactly as protobufjs reads them', async (t) => {
  const rng = new SeededRandom(0xda3a9e)
  const frames = new CanFrameColumns()
  const outcomes: Array<Outcome | undefined> = []
  for (let round = 0; round < 4000; round++) {
    const valid = encode(randomContent(rng), randomStyle(rng), rng)
    const outcome = compare(t, damage(rng, valid), frames, `damaged batch ${round}`)
    outcomes.push(outcome)
    if (outcome === undefined) return
  }
  const counts = tally(outcomes)
  t.ok((counts.same ?? 0) > 100 && (counts['refused, damaged'] ?? 0) > 1000, `outcomes: ${JSON.stringify(counts)}`)
})

t.test('every cut of a batch is refused unless it falls between whole fields, where it reads as protobufjs reads it', async (t) => {
  const rng = new SeededRandom(5)
  const content = randomContent(rng)
  content.vin = VIN
  content.seq = 3
  content.baseTimeUs = NOW_US
  const payload = encode(content, { shuffle: false, unknown: 0.2, decoys: 0, repeated: 2, explicitZero: 0 }, rng)
  const frames = new CanFrameColumns()
  const outcomes: Array<Outcome | undefined> = []
  for (let cut = 0; cut < payload.length; cut++) outcomes.push(compare(t, payload.subarray(0, cut), frames, `cut at ${cut}`))
  t.notOk(outcomes.includes(undefined), `outcomes: ${JSON.stringify(tally(outcomes))}`)
})

t.test('a length past the end, in the batch or in any entry, is refused as malformed', async (t) => {
  const inner = (field: number, body: number[]): number[] => [tag(field, 2), body.length, ...body]
  // a field claiming 2^31 - 1 bytes, then 3
  const huge = [tag(4, 2), 0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3]
  const head = Array.from(pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 1, baseTimeUs: NOW_US }).finish())
  const cases: Array<[string, number[]]> = [
    ['in the batch', huge],
    ['in an OBD response', inner(5, huge)],
    ['in a DTC record', inner(6, huge)],
    ['in a GNSS fix', inner(7, huge)],
    ['in the signal block', inner(8, huge)],
    ['in a CAN block', inner(4, huge)],
    ['a length of 2^31 (protobufjs refuses a fifth byte above 7)', [tag(9, 2), 0x80, 0x80, 0x80, 0x80, 0x08]],
    ['a length in 6 bytes', [tag(9, 2), 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x41]]
  ]
  for (const [name, tail] of cases) {
    const payload = Uint8Array.from([...head, ...tail])
    t.throws(() => pitwall.v1.TelemetryBatch.decode(payload), `${name}: protobufjs refuses it too`)
    t.throws(() => decodeBatch(payload, ctx), { code: 'PITWALL_ERR_MALFORMED_PROTOBUF', message: /^(payload is not a TelemetryBatch|batch 1 from WDB12345678901234): .* \(byte \d+\)$/ }, name)
  }
})

t.test('a known field of another wire type is skipped like an unknown one, as protobufjs skips it', async (t) => {
  const head = Array.from(pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 1, baseTimeUs: NOW_US, gnss: [{ latE7: -5 }] }).finish())
  const oddOnes = [
    [tag(7, 0), 5], // gnss as a varint
    [tag(5, 5), 1, 2, 3, 4], // an OBD response as fixed32
    [tag(2, 1), 1, 0, 0, 0, 0, 0, 0, 0], // seq as fixed64 (the varint seq before it stands)
    [tag(5, 2), 3, tag(2, 5), 0, 0] // an OBD response whose mode is a fixed32 with 2 of its 4 bytes
  ]
  for (const [i, tail] of oddOnes.slice(0, 3).entries()) {
    const payload = Uint8Array.from([...head, ...tail])
    const frames = new CanFrameColumns()
    t.equal(compare(t, payload, frames, `odd field ${i}`), 'same', `odd field ${i}`)
  }
  const cut = Uint8Array.from([...head, ...(oddOnes[3] as number[])])
  t.throws(() => decodeBatch(cut, ctx), { code: 'PITWALL_ERR_MALFORMED_PROTOBUF' }, 'a fixed32 that runs past its message')
})

t.test('a CAN block sent in two parts is one block whose last bus wins, as protobufjs merges it; the bus it ends with is checked', async (t) => {
  const CanBlock = pitwall.v1.CanBlock
  const frame = { dtUs: [0], id: [0x123], len: [2], data: Uint8Array.of(0xaa, 0xbb) }
  const batchOf = (first: number, last: number): Uint8Array => {
    // the same CanBlock field twice in one serialization: a parser merges the two (protobuf encoding spec)
    const block = Uint8Array.from([...CanBlock.encode({ bus: first }).finish(), ...CanBlock.encode({ bus: last, ...frame }).finish()])
    const w = protobuf.Writer.create()
    w.uint32(tag(1, 2)).string(VIN).uint32(tag(2, 0)).uint64(5).uint32(tag(3, 0)).uint64(NOW_US).uint32(tag(4, 2)).bytes(block)
    return w.finish()
  }
  const merged = batchOf(70_000, 1)
  t.equal(pitwall.v1.TelemetryBatch.decode(merged).can[0]?.bus, 1, 'protobufjs reads the last bus')
  const frames = new CanFrameColumns()
  decodeBatch(merged, ctx, frames)
  t.equal(frames.count, 1)
  t.equal(frames.bus[0], 1, 'an out-of-range bus that a later one replaced refuses nothing')
  t.throws(() => decodeBatch(batchOf(1, 70_000), ctx), { code: 'PITWALL_ERR_CAN_BLOCK', message: /can\[0\]: bus 70000 is above 65535/ })
})

t.test('unknown groups nested 100 deep are skipped as protobufjs skips them; deeper is refused as malformed', async (t) => {
  const head = Array.from(pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq: 1, baseTimeUs: NOW_US }).finish())
  const nestedGroups = (depth: number): number[] => [...Array.from({ length: depth }, () => tag(15, 3)), ...Array.from({ length: depth }, () => tag(15, 4))]
  const deep = Uint8Array.from([...head, ...nestedGroups(100)])
  t.equal(pitwall.v1.TelemetryBatch.decode(deep).seq.toString(), '1', 'protobufjs skips 100 nested groups')
  t.equal(decodeBatch(deep, ctx).seq, 1)
  t.throws(() => decodeBatch(Uint8Array.from([...head, ...nestedGroups(200)]), ctx), { code: 'PITWALL_ERR_MALFORMED_PROTOBUF', message: /groups nested deeper than 100/ })
})
