/**
 * Compiled decoders against the reference codec and against physical values,
 * over every signal of every database we have: the opendbc fixtures, the demo
 * vehicle's DBC and a small one written here for the layouts they lack.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { CanFrameColumns } from '../../../decoders/can-frames.js'
import { decodeMessage, encodeMessage, encodeSignal } from '../../../decoders/can/codec.js'
import { choiceLabel, compileCanNetwork, type CompiledCanNetwork } from '../../../decoders/can/compile.js'
import { bytesNeeded } from '../../../decoders/can/bit-layout.js'
import { parseDbc, parseDbcBytes } from '../../../decoders/can/dbc-parse.js'
import type { CanDatabase, CanMessage, CanSignal } from '../../../decoders/can/model.js'
import { SampleBuffer } from '../../../decoders/sample-buffer.js'
import { SeededRandom } from '../../../sim/prng.js'

const fixtureDir = fileURLToPath(new URL('../../../../shared/fixtures/dbc/', import.meta.url))
const demoDbc = fileURLToPath(new URL('../../../sim/demo-vehicle.dbc', import.meta.url))

// Layouts the fixtures may not have: float32/float64, a 64-bit counter,
// nested multiplexing by SG_MUL_VAL_, a CAN FD payload, a 29-bit id.
const LAYOUTS = `VERSION ""
BU_: A
BO_ 100 Floats: 16 A
 SG_ F32 : 0|32@1- (1,0) [0|0] "" A
 SG_ F64 : 39|64@0- (1,0) [0|0] "" A
 SG_ Counter64 : 64|64@1+ (1,0) [0|0] "" A
BO_ 2147484160 Muxed: 64 A
 SG_ Page M : 0|4@1+ (1,0) [0|15] "" A
 SG_ OnPage1 m1 : 8|12@1- (0.5,-10) [-1034|1033.5] "V" A
 SG_ Sub m2M : 8|8@1+ (1,0) [0|255] "" A
 SG_ Deep m2 : 23|16@0+ (0.01,0) [0|655.35] "" A
 SG_ Tail : 500|12@1+ (1,0) [0|4095] "" A
SIG_VALTYPE_ 100 F32 : 1;
SIG_VALTYPE_ 100 F64 : 2;
SG_MUL_VAL_ 2147484160 Deep Sub 3-7, 9-9;
SG_MUL_VAL_ 2147484160 Sub Page 2-2;
VAL_ 2147484160 Page 1 "one" 2 "two";
`

interface NamedDatabase { name: string, database: CanDatabase }

let parsed: Array<NamedDatabase & { network: CompiledCanNetwork }> | undefined
/** Parsed and compiled (on bus 0) once for the file: the tests read them, none changes one. */
function databases (): Array<NamedDatabase & { network: CompiledCanNetwork }> {
  parsed ??= parseDatabases().map((d) => ({ ...d, network: compileCanNetwork([{ bus: 0, database: d.database }]) }))
  return parsed
}

function parseDatabases (): NamedDatabase[] {
  const out: NamedDatabase[] = [
    { name: 'layouts.dbc', database: parseDbc(LAYOUTS, 'layouts.dbc') },
    { name: 'demo-vehicle.dbc', database: parseDbc(readFileSync(demoDbc, 'utf8'), 'demo-vehicle.dbc') }
  ]
  // the four fixtures and the 46 opendbc files beside them, quirks and all
  for (const dir of [fixtureDir, fixtureDir + 'opendbc/']) {
    if (!existsSync(dir)) continue
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort()) {
      out.push({ name: file, database: parseDbcBytes(readFileSync(dir + file), file) })
    }
  }
  return out
}

/** Payload bytes that hold every signal of the message: its length, or more where a faulty DBC lets a signal overrun it. */
function payloadLength (message: CanMessage): number {
  return message.signals.reduce((most, s) => Math.max(most, bytesNeeded(s)), message.length)
}

// reused frame after frame, as the gateway reuses one batch after batch (a fresh one allocates 512 frames' columns)
const frames = new CanFrameColumns()

/** Decodes one frame with the network; returns signal name -> value. */
function decodeOne (network: CompiledCanNetwork, message: CanMessage, data: Uint8Array, bus = 0): Map<string, number> {
  frames.clear(data)
  frames.count = 1
  frames.bus[0] = bus
  frames.id[0] = message.extended ? (0x8000_0000 | message.id) >>> 0 : message.id
  frames.len[0] = data.length
  frames.offset[0] = 0
  frames.dtUs[0] = 1
  const out = new SampleBuffer(4)
  network.decodeFrames(frames, out)
  const values = new Map<string, number>()
  for (let i = 0; i < out.length; i++) {
    values.set(network.channels[out.signal[i] as number]?.signal.name as string, out.value[i] as number)
  }
  return values
}

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b

t.test('compiled decoders give exactly what the reference codec gives, on random payloads', async (t) => {
  const rng = new SeededRandom(4)
  for (const { name, database, network } of databases()) {
    let frames = 0
    let overrunning = 0
    const mismatches: string[] = []
    for (const message of database.messages) {
      // Every message, those whose signals overrun their length too (FORD_CADS, mazda): with a frame long enough for all.
      const length = payloadLength(message)
      if (length > message.length) overrunning++
      for (let round = 0; round < 20; round++) {
        const data = Uint8Array.from({ length }, () => rng.int(0, 255))
        // a switch often reads 0..3 in real traffic: hit the low pages too
        if (round % 2 === 0 && data.length > 0) data[0] = (data[0] as number) & 0x03
        const expected = decodeMessage(message, data)
        frames++
        const actual = decodeOne(network, message, data)
        const keys = Object.keys(expected)
        if (keys.length !== actual.size || keys.some((k) => !same(actual.get(k) as number, expected[k] as number))) {
          mismatches.push(`${message.name} ${Buffer.from(data).toString('hex')}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(Object.fromEntries(actual))}`)
        }
      }
    }
    t.same(mismatches.slice(0, 3), [], `${name}: ${frames} frames of ${database.messages.length} messages agree signal for signal (${overrunning} checked with a frame longer than their DBC length)`)
  }
})

/** Raw integer range of a signal's bits. */
function rawRange (s: CanSignal): [number, number] {
  const bits = Math.min(s.length, 52)
  return s.signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1]
}

/** A random physical value that the signal can carry (inside [min, max] when the DBC gives one). */
function randomPhysical (rng: SeededRandom, s: CanSignal): number {
  let lo: number
  let hi: number
  if (s.valueType === 'integer') {
    const [rlo, rhi] = rawRange(s)
    const a = rlo * s.factor + s.offset
    const b = rhi * s.factor + s.offset
    lo = Math.min(a, b)
    hi = Math.max(a, b)
  } else {
    lo = -1e6
    hi = 1e6
  }
  if (s.minimum < s.maximum) {
    lo = Math.max(lo, s.minimum)
    hi = Math.min(hi, s.maximum)
  }
  // [min, max] outside what the bits can carry (chrysler_pacifica's LAT_DIST: raw -1000..-989.8, range 0..2047):
  // the encoder clamps into [min, max], so no value of this signal round-trips
  if (lo > hi) return NaN
  return rng.uniform(lo, hi)
}

/** One scaled LSB, or float precision for IEEE signals. */
function tolerance (s: CanSignal, value: number): number {
  if (s.valueType === 'float32') return Math.abs(value) * 2 ** -23 + 1e-30
  if (s.valueType === 'float64') return Math.abs(value) * 2 ** -52 + 1e-300
  return Math.abs(s.factor) * (1 + 1e-9) + Math.abs(value) * 2 ** -52
}

/** Values for a message with `target` present: its switches set to a page that carries it. */
function valuesFor (rng: SeededRandom, message: CanMessage, target: CanSignal): Record<string, number> | undefined {
  const values: Record<string, number> = {}
  for (const s of message.signals) values[s.name] = randomPhysical(rng, s)
  if (Number.isNaN(values[target.name])) return undefined
  for (const s of message.signals) if (Number.isNaN(values[s.name])) values[s.name] = s.offset
  // made for a multiplexed target only: most signals are not, and a message may have hundreds
  let byName: Map<string, CanSignal> | undefined
  let current: CanSignal | undefined = target
  for (let depth = 0; current?.multiplexedBy !== undefined; depth++) {
    if (depth > message.signals.length) return undefined
    byName ??= new Map(message.signals.map((s) => [s.name, s]))
    const switchSignal = byName.get(current.multiplexedBy.switchName)
    const range = current.multiplexedBy.ranges[0]
    if (switchSignal === undefined || range === undefined) return undefined
    values[switchSignal.name] = range[0] * switchSignal.factor + switchSignal.offset
    current = switchSignal
  }
  return values
}

t.test('random in-range physical values encode and decode back within one scaled LSB, for every signal', async (t) => {
  const rng = new SeededRandom(11)
  for (const { name, database, network } of databases()) {
    let checked = 0
    const failures: string[] = []
    const kinds = { motorola: 0, signed: 0, float: 0, multiplexed: 0 }
    for (const message of database.messages) {
      for (const signal of message.signals) {
        for (let round = 0; round < 5; round++) {
          const values = valuesFor(rng, message, signal)
          if (values === undefined) break
          let data: Uint8Array
          try {
            data = encodeMessage(message, values)
            // Real DBCs overlap signals (vw_mqb PLA_01 puts two at bit 36): the target is written last.
            encodeSignal(signal, data, values[signal.name] as number)
          } catch {
            break // overruns its message (faulty DBC), counted in the test above
          }
          const decoded = decodeOne(network, message, data).get(signal.name)
          const wanted = values[signal.name] as number
          checked++
          if (decoded === undefined || !(Math.abs(decoded - wanted) <= tolerance(signal, wanted))) {
            failures.push(`${message.name}.${signal.name} (${signal.startBit}|${signal.length}@${signal.byteOrder === 'little_endian' ? 1 : 0}${signal.signed ? '-' : '+'} ${signal.valueType} (${signal.factor},${signal.offset})): wrote ${wanted}, read ${decoded}`)
          }
        }
        if (signal.byteOrder === 'big_endian') kinds.motorola++
        if (signal.signed) kinds.signed++
        if (signal.valueType !== 'integer') kinds.float++
        if (signal.multiplexedBy !== undefined) kinds.multiplexed++
      }
    }
    t.same(failures.slice(0, 3), [], `${name}: ${checked} round trips (signals: ${JSON.stringify(kinds)})`)
  }
  if (!existsSync(fixtureDir)) t.comment(`opendbc fixtures not present in ${fixtureDir}: checked the demo and in-test databases only`)
})

t.test('hand-worked frames decode to the values their bits spell', async (t) => {
  const database = parseDbc(LAYOUTS, 'layouts.dbc')
  const network = compileCanNetwork([{ bus: 3, database }])
  const floats = network.message(3, 'Floats') as CanMessage
  // F32 @1- float: bytes 0..3 little-endian IEEE 754 of -1.5 = 0xBFC00000 -> 00 00 C0 BF
  // F64 @0- double from bit 39 (byte 4 MSB): bytes 4..11 big-endian IEEE 754 of 1e100 = 0x54B249AD2594C37D
  // Counter64 @1+: bytes 8..15 little-endian = 0x0102030405060708... overlaps F64's bytes 8..11
  const data = Uint8Array.from([0x00, 0x00, 0xc0, 0xbf, 0x54, 0xb2, 0x49, 0xad, 0x25, 0x94, 0xc3, 0x7d, 0, 0, 0, 0x80])
  const values = decodeOne(network, floats, data, 3)
  t.equal(values.get('F32'), -1.5)
  t.equal(values.get('F64'), 1e100)
  // 0x80000000_7dc39425 = 2^63 + 0x7dc39425
  t.equal(values.get('Counter64'), 2 ** 63 + 0x7dc39425)

  const muxed = network.message(3, 'Muxed') as CanMessage
  t.equal(muxed.extended, true, '2147484160 is the 29-bit id 0x200')
  const page1 = new Uint8Array(64)
  // Page = 1 (byte 0 low nibble); OnPage1 8|12@1-: raw -20 = 0xFEC -> byte 1 = 0xEC, byte 2 low nibble = 0xF
  // physical = -20 * 0.5 - 10 = -20; Tail 500|12@1+: bits 500..511 = byte 62 bits 4..7 + byte 63 = 0xABC
  page1[0] = 0x01; page1[1] = 0xec; page1[2] = 0x0f; page1[62] = 0xc0; page1[63] = 0xab
  t.same(Object.fromEntries(decodeOne(network, muxed, page1, 3)), { Page: 1, OnPage1: -20, Tail: 0xabc })
  t.equal(choiceLabel(muxed.signals[0] as CanSignal, 1), 'one')

  const page2 = new Uint8Array(64)
  // Page = 2 selects Sub; Sub = 9 selects Deep (range 9-9); Deep 23|16@0+: MSB is byte 2 bit 7, so bytes 2..3 big-endian 0x1234 * 0.01
  page2[0] = 0x02; page2[1] = 9; page2[2] = 0x12; page2[3] = 0x34
  const values2 = decodeOne(network, muxed, page2, 3)
  t.equal(values2.get('Sub'), 9)
  t.ok(Math.abs((values2.get('Deep') as number) - 46.6) < 1e-9, 'Deep = 0x1234 * 0.01')
  page2[1] = 8 // outside 3-7 and 9-9: Deep is absent
  t.notOk(decodeOne(network, muxed, page2, 3).has('Deep'))
  page2[0] = 0x01 // page 1: Sub and Deep absent, OnPage1 present
  t.same([...decodeOne(network, muxed, page2, 3).keys()].sort(), ['OnPage1', 'Page', 'Tail'])
})

t.test('unknown ids and buses are counted; a short frame yields the signals it holds', async (t) => {
  const database = parseDbc(LAYOUTS, 'layouts.dbc')
  const network = compileCanNetwork([{ bus: 0, database }])
  const frames = new CanFrameColumns()
  const data = new Uint8Array(64)
  frames.clear(data)
  frames.count = 4
  // frame 0: id 100 on bus 0 with 4 of its 16 bytes; frame 1: unknown id; frame 2: id 100 on bus 1; frame 3: the 11-bit id 0x200 (the DBC has the 29-bit one)
  const rows: Array<[number, number, number]> = [[0, 100, 4], [0, 0x7ff, 8], [1, 100, 16], [0, 0x200, 64]]
  rows.forEach(([bus, id, len], i) => { frames.bus[i] = bus; frames.id[i] = id; frames.len[i] = len; frames.offset[i] = 0 })
  const out = new SampleBuffer()
  t.equal(network.decodeFrames(frames, out), 3, 'three frames nobody describes')
  t.same([...out.signal.subarray(0, out.length)].map((c) => network.channels[c]?.signal.name), ['F32'], 'F32 fits in 4 bytes; F64 and Counter64 do not')
})

t.test('names with quotes and code in them are data, not code', async (t) => {
  const hostile = 'x"); globalThis.pwned = 1; ("'
  const database = parseDbc(`BU_: A\nBO_ 1 M: 1 A\n SG_ S : 0|8@1+ (1,0) [0|0] "" A\n`, 'h.dbc')
  const message = database.messages[0] as CanMessage
  message.name = hostile
  ;(message.signals[0] as CanSignal).name = hostile
  const network = compileCanNetwork([{ bus: 0, database }])
  t.same(Object.fromEntries(decodeOne(network, message, Uint8Array.of(7))), { [hostile]: 7 })
  t.equal((globalThis as Record<string, unknown>).pwned, undefined)
})

t.test('random frames of any length and id, known or not, decode without throwing and unknown ones are counted', async (t) => {
  const rng = new SeededRandom(23)
  const lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]
  for (const { name, database, network } of databases()) {
    const known = database.messages.map((m) => m.extended ? (0x8000_0000 | m.id) >>> 0 : m.id)
    const knownSet = new Set(known)
    const data = Uint8Array.from({ length: 64 * 500 }, () => rng.int(0, 255))
    const frames = new CanFrameColumns()
    const out = new SampleBuffer(16)
    let expectedUnknown = 0
    for (let round = 0; round < 20; round++) {
      frames.clear(data, 1_700_000_000_000_000)
      frames.count = 500
      frames.reserve(500)
      for (let i = 0; i < 500; i++) {
        const id = rng.chance(0.7) ? known[rng.int(0, known.length - 1)] as number : rng.int(0, 0x7ff)
        frames.bus[i] = rng.chance(0.9) ? 0 : 1
        frames.id[i] = id
        frames.len[i] = lengths[rng.int(0, lengths.length - 1)] as number
        frames.offset[i] = i * 64
        frames.dtUs[i] = i
        if (frames.bus[i] !== 0 || !knownSet.has(id)) expectedUnknown++
      }
      out.clear()
      expectedUnknown -= network.decodeFrames(frames, out)
    }
    t.equal(expectedUnknown, 0, `${name}: 10,000 random frames, every unknown id or bus counted`)
  }
})

t.test('networks sharing a database each name their own channels, in frame order across buses', async (t) => {
  const demo = parseDbcBytes(readFileSync(demoDbc), 'demo-vehicle.dbc')
  const layouts = parseDbc(LAYOUTS, 'layouts.dbc')
  // two networks built alike (one decoder between them), and one with the demo DBC behind another bus, whose
  // second database comes after it in the list: bus 1's channels are one block, the demo's numbered after them
  const alone = compileCanNetwork([{ bus: 0, database: demo }])
  const twin = compileCanNetwork([{ bus: 0, database: demo }])
  const behind = compileCanNetwork([{ bus: 1, database: layouts }, { bus: 2, database: demo }, { bus: 1, database: parseDbc('BU_: A\nBO_ 7 Extra: 1 A\n SG_ E : 0|8@1+ (1,0) [0|255] "" A\n', 'extra.dbc') }])
  const engine = demo.messages.find((m) => m.name === 'ECM_EngineData') as CanMessage
  const payload = encodeMessage(engine, Object.fromEntries(engine.signals.map((s) => [s.name, s.name === 'EngineSpeed' ? 2000 : 0])))
  const frames = new CanFrameColumns()
  const data = new Uint8Array(64)
  data.set(payload, 0)
  data[16] = 42
  frames.clear(data)
  // a frame of the demo's on bus 2, the extra database's on bus 1, the demo's again on bus 2: three runs
  const rows: Array<[number, number, number, number]> = [[2, engine.id, payload.length, 0], [1, 7, 1, 16], [2, engine.id, payload.length, 0]]
  frames.count = rows.length
  rows.forEach(([bus, id, len, offset], i) => { frames.bus[i] = bus; frames.id[i] = id; frames.len[i] = len; frames.offset[i] = offset; frames.dtUs[i] = i })
  const named = (network: CompiledCanNetwork, out: SampleBuffer): string[] =>
    [...out.signal.subarray(0, out.length)].map((c) => `${network.channels[c]?.bus}:${network.channels[c]?.signal.name}=${out.value[out.signal.indexOf(c)]}`)
  const out = new SampleBuffer()
  t.equal(behind.decodeFrames(frames, out), 0, 'every frame known')
  const speed = `2:EngineSpeed=${decodeMessage(engine, payload).EngineSpeed}`
  const names = named(behind, out)
  t.equal(names.filter((n) => n === speed).length, 2, 'the demo frames decode to the demo database\'s channels on bus 2')
  t.ok(names.indexOf('1:E=42') > names.indexOf(speed) && names.indexOf('1:E=42') < names.lastIndexOf(speed), 'in frame order: bus 2, bus 1, bus 2')
  t.same(behind.channels.map((c) => c.channel), behind.channels.map((_, i) => i), 'channel i is the i-th entry')
  t.ok(behind.channels.every((c) => c.channel === behind.channels.indexOf(c)))
  // the same frames on bus 0 of the two networks built alike: the same channels, each decoding on its own
  rows.forEach((_, i) => { frames.bus[i] = 0 })
  const a = new SampleBuffer()
  const b = new SampleBuffer()
  t.equal(alone.decodeFrames(frames, a), 1, 'the extra database\'s id is unknown there')
  twin.decodeFrames(frames, b)
  t.same(named(twin, b), named(alone, a))
  t.ok(named(alone, a).includes(speed.replace('2:', '0:')))
})
