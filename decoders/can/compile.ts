/**
 * CAN databases -> one decoder per bus, generated as straight-line
 * JavaScript at load time (the way protobufjs and pino precompile): a switch
 * on id over a batch's CanFrameColumns, each message's signals written out. A frame's signals go
 * into a SampleBuffer as (time, channel, value): no object per frame or
 * sample. Values equal the reference codec's (codec.ts) exactly; the tests
 * check that over every signal of the fixture databases.
 *
 * Only numbers computed here go into the generated source, never a name from
 * the DBC, so a hostile DBC cannot inject code.
 */
import { createHash } from 'node:crypto'
import type { CanFrameColumns } from '../can-frames.js'
import type { SampleBuffer } from '../sample-buffer.js'
import { type BitRun, bitRuns, bytesNeeded } from './bit-layout.js'
import { encodeMessage } from './codec.js'
import type { CanDatabase, CanMessage, CanSignal } from './model.js'
import { channelRanges, type ChannelRanges } from './signal-ranges.js'

/** What a channel number in the SampleBuffer stands for. */
export interface CanChannel {
  readonly channel: number
  readonly bus: number
  readonly message: CanMessage
  readonly signal: CanSignal
}

export interface CanBusDatabase {
  bus: number
  database: CanDatabase
}

/**
 * Decodes the frames `from .. to` of one bus into `out`; returns how many
 * frames had an id the bus's databases do not describe. The caller has
 * reserved room in `out` for every frame's signals.
 */
type BusDecoder = (frames: CanFrameColumns, from: number, to: number, out: SampleBuffer) => number

const EXTENDED_FLAG = 0x8000_0000

export class CompiledCanNetwork {
  readonly channels: readonly CanChannel[]
  /** each channel's DBC range, which ingest holds decoded values to (signal-ranges.ts) */
  readonly ranges: ChannelRanges
  private readonly messages = new Map<string, CanMessage>()
  private readonly buses = new Map<number, BusDecoder>()
  /** the most signals any message has: room for this many per frame is reserved before a batch is decoded */
  private readonly maxSignals: number

  constructor (databases: readonly CanBusDatabase[]) {
    const channels: CanChannel[] = []
    // a bus's databases together, buses in the order they first appear: each bus's channels are one block
    const byBus = new Map<number, CanDatabase[]>()
    for (const { bus, database } of databases) byBus.set(bus, [...(byBus.get(bus) ?? []), database])
    let maxSignals = 0
    for (const [bus, busDatabases] of byBus) {
      const base = channels.length
      const messages: CanMessage[] = []
      for (const database of busDatabases) {
        for (const message of database.messages) {
          for (const signal of message.signals) channels.push({ channel: channels.length, bus, message, signal })
          maxSignals = Math.max(maxSignals, message.signals.length)
          messages.push(message)
          // A name two BO_ share (the parser warns) means the first, as a manifest's `from:` resolves it
          // (decoders/manifest/resolve.ts): encoding and mapping must agree on one message.
          const key = `${bus}:${message.name}`
          if (!this.messages.has(key)) this.messages.set(key, message)
        }
      }
      this.buses.set(bus, busDecoder(messages, base))
    }
    this.channels = channels
    this.ranges = channelRanges(channels)
    this.maxSignals = maxSignals
  }

  /**
   * Appends the signals of every known frame to `out`. Returns how many frames
   * had an id no database on their bus describes (counted, not an error).
   */
  decodeFrames (frames: CanFrameColumns, out: SampleBuffer): number {
    // room for every frame carrying the most signals any message has: no check per sample. Here, not in the
    // generated loop: when V8 inlined reserve there, the loop was compiled ~1.5x slower (issue 19), and whether
    // it did varied from one process to the next
    out.reserve(out.length + frames.count * this.maxSignals)
    // a batch's frames come block by block, each block one bus's: one call per run of frames on one bus
    const count = frames.count
    const buses = frames.bus
    let unknown = 0
    let i = 0
    while (i < count) {
      const bus = buses[i] as number
      let end = i + 1
      while (end < count && buses[end] === bus) end++
      const decode = this.buses.get(bus)
      unknown += decode === undefined ? end - i : decode(frames, i, end, out)
      i = end
    }
    return unknown
  }

  /** The message `name` on `bus`, for encoding: the first of that name, when two share it. */
  message (bus: number, name: string): CanMessage | undefined {
    return this.messages.get(`${bus}:${name}`)
  }

  /** A payload carrying `values` (physical, by signal name): the encoder the simulator and tests use. */
  encode (bus: number, name: string, values: Readonly<Record<string, number>>): Uint8Array {
    const message = this.message(bus, name)
    if (message === undefined) throw new RangeError(`no message ${name} on bus ${bus}`)
    return encodeMessage(message, values)
  }
}

export function compileCanNetwork (databases: readonly CanBusDatabase[]): CompiledCanNetwork {
  return new CompiledCanNetwork(databases)
}

/** The text value of a decoded sample from a VAL_ table, if the signal has one. */
export function choiceLabel (signal: CanSignal, value: number): string | undefined {
  if (signal.choices === undefined) return undefined
  return signal.choices.get(Math.round((value - signal.offset) / signal.factor))
}

/** A message's generated source (see compileMessage). */
interface CompiledMessage {
  /** the fast path's statements, for a frame of at least `full` bytes */
  fast: string
  full: number
  /** the function for a shorter frame */
  short: string
}

/**
 * How much fast-path source (characters) is written into a bus's loop
 * itself; the messages past it are functions V8 may inline as its budget
 * allows. Calls V8 had to inline (one function per message) stopped at its
 * budget of ~920 bytecode bytes, four or five of the demo DBC's eleven
 * messages: 0.80-0.82x the hand-written ceiling, 0.90-0.92x with the budget
 * raised. Bounded: each character costs ~3 bytes of bytecode, and V8
 * optimizes no function over 60 KB of it; the demo DBC's eleven messages
 * take ~3,000, the 367 of a 3,210-signal opendbc file add 7 KB to their
 * calls' 28 KB.
 */
const INLINE_SOURCE = 4_000

/**
 * Bus decoders already compiled, by their source: networks whose bus
 * carries the same databases with the same channel numbers (the models of
 * one platform, a manifest's next version) run one function. V8 then
 * optimizes it once, and the branch predictor learns one copy of the id
 * switch instead of one per model: with 20 models decoding in turn, 20
 * copies of the same code ran ~10% slower than one. (Numbering channels from
 * a base passed in would share more widely, but the add per sample cost
 * 5–7% of the decode.) Held weakly: a decoder goes when the last network
 * using it does.
 */
const compiledBuses = new Map<string, WeakRef<BusDecoder>>()
const forgetBus = new FinalizationRegistry<string>((key) => {
  if (compiledBuses.get(key)?.deref() === undefined) compiledBuses.delete(key)
})

/**
 * One bus's decoder: the loop over a run of frames switching on id, each
 * case its message's fast path written in place (up to INLINE_SOURCE), or
 * a call to the message's own function, one function per call site so V8
 * can still inline it (a table of closures would make one megamorphic
 * call). A later message with an id an earlier one has wins, as a later
 * database on the bus does.
 */
function busDecoder (messages: readonly CanMessage[], firstChannel: number): BusDecoder {
  const constants: number[] = []
  const literal = (x: number): string => {
    if (Number.isFinite(x)) return Object.is(x, -0) ? '-0' : `(${String(x)})`
    constants.push(x)
    return `k_[${constants.length - 1}]`
  }
  const byId = new Map<number, number>()
  const compiled: CompiledMessage[] = []
  let first = firstChannel
  messages.forEach((message, index) => {
    compiled.push(compileMessage(message, index, first, literal))
    first += message.signals.length
    byId.set(message.extended ? (EXTENDED_FLAG | message.id) >>> 0 : message.id, index)
  })
  const functions = compiled.map((m) => m.short)
  let inlined = 0
  const idCases = [...byId].map(([id, index]) => {
    const m = compiled[index] as CompiledMessage
    if (inlined + m.fast.length <= INLINE_SOURCE) {
      inlined += m.fast.length
      return `case ${id}:
o = offs[i]; n = lens[i]; t = base + dts[i]
if (n < ${m.full}) k = short${index}(d, o, n, t, T, S, V, k)
else {
${m.fast}
}
break`
    }
    functions.push(`function msg${index} (d, o, n, t, T, S, V, k) {
if (n < ${m.full}) return short${index}(d, o, n, t, T, S, V, k)
const v = dv
${m.fast}
return k
}`)
    return `case ${id}: k = msg${index}(d, offs[i], lens[i], base + dts[i], T, S, V, k); break`
  })
  const source = `${functions.join('\n')}
return function decodeBus (frames, from, to, out) {
  const d = frames.data, ids = frames.id, lens = frames.len, offs = frames.offset, dts = frames.dtUs, base = frames.baseTimeUs
  const T = out.timeUs, S = out.signal, V = out.value
  const v = dv
  let k = out.length
  let unknown = 0
  // one o, n and t for every case: locals per case would each take a register, and past 256 of them every
  // instruction of the function needs a wide operand
  let o = 0, n = 0, t = 0
  for (let i = from; i < to; i++) {
    switch (ids[i]) {
${idCases.join('\n')}
      default: unknown++
    }
  }
  out.length = k
  return unknown
}`
  const key = createHash('sha256').update(source).update(constants.join(',')).digest('base64')
  const known = compiledBuses.get(key)?.deref()
  if (known !== undefined) return known
  // eslint-disable-next-line no-new-func -- generated from numbers only (see the file comment)
  const factory = new Function('k_', 'dv', 'sx', source) as (k: number[], dv: DataView, sx: typeof signExtend) => BusDecoder
  const decode = factory(constants, new DataView(new ArrayBuffer(8)), signExtend)
  compiledBuses.set(key, new WeakRef(decode))
  forgetBus.register(decode, key)
  return decode
}

/**
 * Generated source for one message: the statements that write the signals
 * of the frame `d[o .. o + n)` received at `t` into columns T/S/V from
 * index k on, as channels first, first + 1, … For a frame as long as the
 * whole layout (`full` bytes or more) they check no length per signal; a
 * shorter frame goes to `short<index>` (d, o, n, t, T, S, V, k), a function
 * returning the next free index, which checks each.
 * Switch signals (multiplexers) are computed first into locals `pK`
 * (present) and `mK` (raw value), so a multiplexed signal's condition is a
 * comparison on locals.
 */
function compileMessage (message: CanMessage, index: number, first: number, literal: (x: number) => string): CompiledMessage {
  const full = message.signals.reduce((most, s) => Math.max(most, bytesNeeded(s)), 0)
  const body = (checked: boolean): string => {
    const byName = new Map(message.signals.map((s, i) => [s.name, i]))
    const lines: string[] = []
    const presence = new Map<number, string>()
    const switches = new Set<number>()
    const declareSwitch = (s: number, present: string): void => {
      if (switches.has(s)) return
      switches.add(s)
      lines.push(`const p${s} = ${present}`, `const m${s} = p${s} ? ${rawExpression(message.signals[s] as CanSignal)} : 0`)
    }
    const presentExpr = (i: number, visiting: Set<number>): string => {
      const known = presence.get(i)
      if (known !== undefined) return known
      const signal = message.signals[i] as CanSignal
      const fits = checked ? `n >= ${bytesNeeded(signal)}` : 'true'
      let expr = fits
      const condition = signal.multiplexedBy
      if (condition !== undefined) {
        const s = byName.get(condition.switchName)
        if (s === undefined || visiting.has(s)) {
          expr = 'false'
        } else {
          visiting.add(i)
          const switchPresent = presentExpr(s, visiting)
          visiting.delete(i)
          if (switchPresent === 'false') {
            expr = 'false'
          } else {
            declareSwitch(s, switchPresent)
            const ranges = condition.ranges.map(([lo, hi]) => lo === hi ? `m${s} === ${literal(lo)}` : `(m${s} >= ${literal(lo)} && m${s} <= ${literal(hi)})`)
            expr = `p${s} && (${ranges.join(' || ') || 'false'})${checked ? ` && ${fits}` : ''}`
          }
        }
      }
      presence.set(i, expr)
      return expr
    }
    // every presence first, so each switch is a local before any signal is emitted
    const present = message.signals.map((_, i) => presentExpr(i, new Set()))
    const emits: string[] = []
    message.signals.forEach((signal, i) => {
      const when = present[i] as string
      if (when === 'false') return
      const raw = switches.has(i) ? `m${i}` : rawExpression(signal)
      const physical = physicalExpression(signal, raw, literal)
      const write = `T[k] = t; S[k] = ${first + i}; V[k++] = ${physical}`
      emits.push(when === 'true' ? write : `if (${when}) { ${write} }`)
    })
    return [...lines, ...emits].join('\n')
  }
  return {
    full,
    fast: body(false),
    short: `function short${index} (d, o, n, t, T, S, V, k) {
const v = dv
${body(true)}
return k
}`
  }
}

/**
 * raw * factor + offset, without the operations that cannot change the
 * result: V8 cannot drop `+ 0` itself (it turns -0 into +0), and the
 * ceiling does not pay for it. An integer raw value is never -0, so for an
 * integer signal `raw * factor` with factor > 0 is what `+ 0` would give,
 * and `raw * 1` is raw; a float keeps the whole formula (-0.0 is a float).
 */
function physicalExpression (signal: CanSignal, raw: string, literal: (x: number) => string): string {
  const { factor, offset } = signal
  const integer = signal.valueType === 'integer'
  if (integer && factor === 1) return offset === 0 ? raw : `${raw} + ${literal(offset)}`
  if (integer && offset === 0 && factor > 0) return `${raw} * ${literal(factor)}`
  return `${raw} * ${literal(factor)} + ${literal(offset)}`
}

/** Two's complement of an unsigned value `u` of a field whose sign bit is worth `half` (= full / 2). */
function signExtend (u: number, half: number, full: number): number {
  return u >= half ? u - full : u
}

/** Expression for the signal's raw value over payload `d` starting at `o`. */
function rawExpression (signal: CanSignal): string {
  if (signal.valueType === 'float32') {
    return `(v.setUint32(0, ${unsignedExpression(bitRuns(signal), 32)}), v.getFloat32(0))`
  }
  if (signal.valueType === 'float64') {
    const lo = unsignedExpression(bitRuns(signal, 0, 32), 32)
    const hi = unsignedExpression(bitRuns(signal, 32, 32), 32)
    return `(v.setUint32(0, ${hi}), v.setUint32(4, ${lo}), v.getFloat64(0))`
  }
  const n = signal.length
  if (n <= 32) {
    const u = unsignedExpression(bitRuns(signal), n)
    if (!signal.signed) return u
    return n === 32 ? `((${u}) | 0)` : `(((${u}) << ${32 - n}) >> ${32 - n})`
  }
  if (n <= 53) {
    const u = unsignedExpression(bitRuns(signal), n)
    if (!signal.signed) return u
    return `sx(${u}, ${2 ** (n - 1)}, ${2 ** n})`
  }
  // Wider than a double's integers: hi * 2^32 + lo rounds once, as Number(bigint) does.
  const lo = unsignedExpression(bitRuns(signal, 0, 32), 32)
  const hiBits = n - 32
  const hiUnsigned = unsignedExpression(bitRuns(signal, 32, hiBits), hiBits)
  const hi = signal.signed ? `sx(${hiUnsigned}, ${2 ** (hiBits - 1)}, ${2 ** hiBits})` : hiUnsigned
  return `(${hi} * 4294967296 + ${lo})`
}

/** Unsigned integer from `runs` (total `bits` wide): bit operations up to 31 bits, arithmetic above. */
function unsignedExpression (runs: BitRun[], bits: number): string {
  if (runs.length === 0) return '0'
  const terms = runs.map((run) => {
    const byte = `d[o + ${run.byte}]`
    const field = run.shift === 0 && run.width === 8 ? byte : `((${byte} >> ${run.shift}) & ${(1 << run.width) - 1})`
    if (run.weight === 0) return field
    return bits <= 31 ? `(${field} << ${run.weight})` : `${field} * ${2 ** run.weight}`
  })
  if (bits <= 31) return `(${terms.join(' | ')})`
  return `(${terms.join(' + ')})`
}
