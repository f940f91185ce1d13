/**
 * CAN databases -> one decoder per message, generated as straight-line
 * JavaScript at load time (the way protobufjs and pino precompile), looked up
 * by (bus, id) and run over a batch's CanFrameColumns. A frame's signals go
 * into a SampleBuffer as (time, channel, value): no object per frame or
 * sample. Values equal the reference codec's (codec.ts) exactly; the tests
 * check that over every signal of the fixture databases.
 *
 * Only numbers computed here go into the generated source, never a name from
 * the DBC, so a hostile DBC cannot inject code.
 */
import type { CanFrameColumns } from '../can-frames.js'
import type { SampleBuffer } from '../sample-buffer.js'
import { type BitRun, bitRuns, bytesNeeded } from './bit-layout.js'
import { encodeMessage } from './codec.js'
import type { CanDatabase, CanMessage, CanSignal } from './model.js'

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

/** Decodes one frame: payload `data[offset .. offset + length)`, received at `timeUs`. */
type FrameDecoder = (data: Uint8Array, offset: number, length: number, timeUs: number, out: SampleBuffer) => void

interface BusDecoders {
  standard: Array<FrameDecoder | undefined>
  extended: Map<number, FrameDecoder>
}

const EXTENDED_FLAG = 0x8000_0000
const ID_MASK = 0x1fff_ffff

export class CompiledCanNetwork {
  readonly channels: readonly CanChannel[]
  private readonly buses: Array<BusDecoders | undefined> = []
  private readonly messages = new Map<string, CanMessage>()

  constructor (databases: readonly CanBusDatabase[]) {
    const channels: CanChannel[] = []
    for (const { bus, database } of databases) {
      const decoders: BusDecoders = this.buses[bus] ?? { standard: new Array<FrameDecoder | undefined>(0x800).fill(undefined), extended: new Map() }
      this.buses[bus] = decoders
      for (const message of database.messages) {
        const first = channels.length
        for (const signal of message.signals) channels.push({ channel: channels.length, bus, message, signal })
        const decode = compileMessage(message, first)
        if (message.extended) decoders.extended.set(message.id, decode)
        else decoders.standard[message.id] = decode
        this.messages.set(`${bus}:${message.name}`, message)
      }
    }
    this.channels = channels
  }

  /**
   * Appends the signals of every known frame to `out`. Returns how many frames
   * had an id no database on their bus describes (counted, not an error).
   */
  decodeFrames (frames: CanFrameColumns, out: SampleBuffer): number {
    const { bus, id, len, offset, timeUs, data } = frames
    let unknown = 0
    let currentBus = -1
    let decoders: BusDecoders | undefined
    for (let i = 0; i < frames.count; i++) {
      const b = bus[i] as number
      if (b !== currentBus) {
        currentBus = b
        decoders = this.buses[b]
      }
      if (decoders === undefined) {
        unknown++
        continue
      }
      const frameId = id[i] as number
      const decode = frameId < EXTENDED_FLAG ? decoders.standard[frameId] : decoders.extended.get(frameId & ID_MASK)
      if (decode === undefined) {
        unknown++
        continue
      }
      decode(data, offset[i] as number, len[i] as number, timeUs[i] as number, out)
    }
    return unknown
  }

  /** The message `name` on `bus`, for encoding. */
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

/**
 * Generated source for one message. Switch signals (multiplexers) come first,
 * each into locals `pK` (present) and `mK` (raw value), so a multiplexed
 * signal's condition is a comparison on locals.
 */
function compileMessage (message: CanMessage, firstChannel: number): FrameDecoder {
  const constants: number[] = []
  const literal = (x: number): string => {
    if (Number.isFinite(x)) return Object.is(x, -0) ? '-0' : `(${String(x)})`
    constants.push(x)
    return `k[${constants.length - 1}]`
  }
  const byName = new Map(message.signals.map((s, i) => [s.name, i]))
  const lines: string[] = []
  // presence expression of signal i, or 'false'; memoised, cycle-safe
  const presence = new Map<number, string>()
  const switches = new Set<number>()
  const presentExpr = (i: number, visiting: Set<number>): string => {
    const known = presence.get(i)
    if (known !== undefined) return known
    const signal = message.signals[i] as CanSignal
    const fits = `n >= ${bytesNeeded(signal)}`
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
          expr = `p${s} && (${ranges.join(' || ') || 'false'}) && ${fits}`
        }
      }
    }
    presence.set(i, expr)
    return expr
  }
  const declareSwitch = (s: number, present: string): void => {
    if (switches.has(s)) return
    switches.add(s)
    lines.push(`const p${s} = ${present}`, `const m${s} = p${s} ? ${rawExpression(message.signals[s] as CanSignal)} : 0`)
  }
  // every presence first, so each switch is a local before any signal is emitted
  const present = message.signals.map((_, i) => presentExpr(i, new Set()))
  const emits: string[] = []
  message.signals.forEach((signal, i) => {
    if (present[i] === 'false') return
    const channel = firstChannel + i
    const raw = switches.has(i) ? `m${i}` : rawExpression(signal)
    const physical = signal.factor === 1 && signal.offset === 0 ? raw : `${raw} * ${literal(signal.factor)} + ${literal(signal.offset)}`
    emits.push(`if (${present[i] as string}) out.push(t, ${channel}, ${physical})`)
  })
  // Switches are declared while presence is worked out, so they precede every use.
  const body = [
    'const v = dv',
    ...lines,
    ...emits
  ].join('\n')
  const source = `return function decode_${firstChannel} (d, o, n, t, out) {\n${body}\n}`
  // eslint-disable-next-line no-new-func -- generated from numbers only (see the file comment)
  const factory = new Function('k', 'dv', 'sx', source) as (k: number[], dv: DataView, sx: typeof signExtend) => FrameDecoder
  return factory(constants, new DataView(new ArrayBuffer(8)), signExtend)
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
