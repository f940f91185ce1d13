/**
 * Bits <-> values for DBC signals over a CAN / CAN FD payload (up to 64 bytes,
 * ISO 11898-1:2015). This is the reference codec: straightforward and exact.
 * The gateway's hot path compiles messages into generated code (compile.ts)
 * and is tested against this.
 *
 * Bit numbering is DBC's: bit b of byte k is bit k * 8 + b, b = 0 the least
 * significant. An Intel (little-endian) signal's start bit is its LSB and it
 * grows toward higher bit numbers, into the next byte. A Motorola (big-endian)
 * signal's start bit is its MSB; it runs down to bit 0 of that byte and
 * continues at bit 7 of the next byte (the "sawtooth"). bit-layout.ts turns
 * both into runs of bits within one byte, which the functions below walk.
 */
import { type BitRun, bitRuns, motorolaMsbPosition } from './bit-layout.js'
import type { CanMessage, CanSignal } from './model.js'

const MAX_NUMBER_BITS = 53

/** Raw value of a signal: the integer in its bits (two's complement when signed), or the IEEE float. */
export function decodeRaw (signal: CanSignal, data: Uint8Array): number {
  checkFits(signal, data.length)
  const scratch = new DataView(new ArrayBuffer(8))
  if (signal.valueType === 'float32') {
    scratch.setUint32(0, readUnsigned(signal, data))
    return scratch.getFloat32(0)
  }
  if (signal.valueType === 'float64') {
    scratch.setBigUint64(0, readUnsignedBig(signal, data))
    return scratch.getFloat64(0)
  }
  if (signal.length > MAX_NUMBER_BITS) {
    const raw = readUnsignedBig(signal, data)
    return Number(signal.signed ? BigInt.asIntN(signal.length, raw) : raw)
  }
  const raw = readUnsigned(signal, data)
  if (signal.signed && raw >= 2 ** (signal.length - 1)) return raw - 2 ** signal.length
  return raw
}

/** Physical value: raw * factor + offset. */
export function decodeSignal (signal: CanSignal, data: Uint8Array): number {
  return decodeRaw(signal, data) * signal.factor + signal.offset
}

/**
 * Writes a raw value into the signal's bits, leaving the other bits of `data`
 * untouched. Integers beyond the signal's range saturate at its ends.
 */
export function encodeRaw (signal: CanSignal, data: Uint8Array, raw: number): void {
  checkFits(signal, data.length)
  if (Number.isNaN(raw)) throw new RangeError(`signal ${signal.name}: cannot encode NaN`)
  const scratch = new DataView(new ArrayBuffer(8))
  if (signal.valueType === 'float32') {
    scratch.setFloat32(0, raw)
    writeUnsigned(signal, data, scratch.getUint32(0))
    return
  }
  if (signal.valueType === 'float64') {
    scratch.setFloat64(0, raw)
    writeUnsignedBig(signal, data, scratch.getBigUint64(0))
    return
  }
  if (!Number.isFinite(raw)) throw new RangeError(`signal ${signal.name}: cannot encode ${raw} in an integer signal`)
  const integer = Math.round(raw)
  if (signal.length > MAX_NUMBER_BITS) {
    const bits = BigInt(signal.length)
    const lo = signal.signed ? -(1n << (bits - 1n)) : 0n
    const hi = signal.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n
    const big = BigInt(integer)
    writeUnsignedBig(signal, data, BigInt.asUintN(signal.length, big < lo ? lo : big > hi ? hi : big))
    return
  }
  const lo = signal.signed ? -(2 ** (signal.length - 1)) : 0
  const hi = signal.signed ? 2 ** (signal.length - 1) - 1 : 2 ** signal.length - 1
  const clamped = Math.min(Math.max(integer, lo), hi)
  writeUnsigned(signal, data, clamped < 0 ? clamped + 2 ** signal.length : clamped)
}

/**
 * Physical -> raw: clamps to [minimum, maximum] when the DBC gives a real
 * range (minimum < maximum; [0|0] means "unspecified"), then rounds integer
 * signals to the nearest raw step.
 */
export function physicalToRaw (signal: CanSignal, value: number): number {
  if (Number.isNaN(value)) throw new RangeError(`signal ${signal.name}: cannot encode NaN`)
  const physical = signal.minimum < signal.maximum
    ? Math.min(Math.max(value, signal.minimum), signal.maximum)
    : value
  const raw = (physical - signal.offset) / signal.factor
  return signal.valueType === 'integer' ? Math.round(raw) : raw
}

export function encodeSignal (signal: CanSignal, data: Uint8Array, value: number): void {
  encodeRaw(signal, data, physicalToRaw(signal, value))
}

/**
 * A payload of `message.length` bytes carrying `values` (physical, by signal
 * name). Every signal present under the given multiplexer values needs a value;
 * values for signals of other multiplexer pages are ignored. Unused bits are 0.
 */
export function encodeMessage (message: CanMessage, values: Readonly<Record<string, number>>): Uint8Array {
  const data = new Uint8Array(message.length)
  const valueOf = (signal: CanSignal): number => {
    const value = values[signal.name]
    if (value === undefined) throw new RangeError(`message ${message.name}: no value for signal ${signal.name}`)
    return value
  }
  const present = presentSignals(message, (s) => physicalToRaw(s, valueOf(s)))
  for (const signal of present) encodeSignal(signal, data, valueOf(signal))
  return data
}

/** Physical values of the signals present in `data`, by name (multiplexed signals only under their switch value). */
export function decodeMessage (message: CanMessage, data: Uint8Array): Record<string, number> {
  const values: Record<string, number> = {}
  for (const signal of presentSignals(message, (s) => decodeRaw(s, data))) {
    values[signal.name] = decodeSignal(signal, data)
  }
  return values
}

/**
 * The signals present given how to read a switch's raw value: a signal is
 * present when it is not multiplexed, or when its switch is present and holds
 * a raw value inside one of the signal's ranges (switches may nest).
 */
function presentSignals (message: CanMessage, switchRaw: (signal: CanSignal) => number): CanSignal[] {
  const memo = new Map<CanSignal, boolean>()
  const byName = new Map(message.signals.map((s) => [s.name, s]))
  const isPresent = (signal: CanSignal, depth: number): boolean => {
    const known = memo.get(signal)
    if (known !== undefined) return known
    let present = true
    const condition = signal.multiplexedBy
    if (condition !== undefined) {
      const switchSignal = byName.get(condition.switchName)
      // depth bounds a malformed DBC whose switches refer to each other
      if (switchSignal === undefined || depth > message.signals.length || !isPresent(switchSignal, depth + 1)) {
        present = false
      } else {
        const raw = switchRaw(switchSignal)
        present = condition.ranges.some(([lo, hi]) => raw >= lo && raw <= hi)
      }
    }
    memo.set(signal, present)
    return present
  }
  return message.signals.filter((s) => isPresent(s, 0))
}

function checkFits (signal: CanSignal, bytes: number): void {
  const first = signal.byteOrder === 'little_endian' ? signal.startBit : motorolaMsbPosition(signal.startBit)
  if (first + signal.length > bytes * 8) {
    throw new RangeError(`signal ${signal.name} (start bit ${signal.startBit}, ${signal.length} bits) does not fit in ${bytes} bytes`)
  }
}

/**
 * The signal's bits as runs within one byte, least significant first: the
 * same layout the compiled decoders are generated from (bit-layout.ts), kept
 * per signal because the simulator encodes the same signals frame after frame.
 */
const runsBySignal = new WeakMap<CanSignal, BitRun[]>()
function runsOf (signal: CanSignal): BitRun[] {
  let runs = runsBySignal.get(signal)
  if (runs === undefined) {
    runs = bitRuns(signal)
    runsBySignal.set(signal, runs)
  }
  return runs
}

function readUnsigned (signal: CanSignal, data: Uint8Array): number {
  let value = 0
  for (const run of runsOf(signal)) {
    value += (((data[run.byte] as number) >> run.shift) & ((1 << run.width) - 1)) * 2 ** run.weight
  }
  return value
}

function writeUnsigned (signal: CanSignal, data: Uint8Array, raw: number): void {
  let rest = raw
  for (const run of runsOf(signal)) {
    const span = 1 << run.width
    const mask = (span - 1) << run.shift
    data[run.byte] = ((data[run.byte] as number) & ~mask) | ((rest % span) << run.shift)
    rest = Math.floor(rest / span)
  }
}

function readUnsignedBig (signal: CanSignal, data: Uint8Array): bigint {
  let value = 0n
  for (const run of runsOf(signal)) {
    value |= BigInt(((data[run.byte] as number) >> run.shift) & ((1 << run.width) - 1)) << BigInt(run.weight)
  }
  return value
}

function writeUnsignedBig (signal: CanSignal, data: Uint8Array, raw: bigint): void {
  let rest = raw
  for (const run of runsOf(signal)) {
    const mask = ((1 << run.width) - 1) << run.shift
    data[run.byte] = ((data[run.byte] as number) & ~mask) | (Number(rest & BigInt((1 << run.width) - 1)) << run.shift)
    rest >>= BigInt(run.width)
  }
}
