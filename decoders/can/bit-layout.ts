/**
 * Where a DBC signal's bits lie in the payload, as runs of adjacent bits in
 * one byte. Both byte orders reduce to the same shape: raw bit k (k = 0 the
 * least significant) sits at some (byte, bit-in-byte), and raw bits k, k+1 in
 * the same byte are always at adjacent bit-in-byte positions, k+1 above k.
 *
 * Intel (`@1`): raw bit k is DBC bit startBit + k.
 * Motorola (`@0`): the start bit is the MSB; in big-endian linear numbering
 * (byte * 8 + 7 - bit) the signal occupies consecutive positions, LSB last.
 */
import type { CanSignal } from './model.js'

export interface BitRun {
  /** payload byte index */
  byte: number
  /** bit-in-byte of the run's lowest bit (0 = least significant) */
  shift: number
  width: number
  /** raw bit index of the run's lowest bit, counted from `fromBit` */
  weight: number
}

/** The runs that carry raw bits [fromBit, fromBit + count) of `signal`. */
export function bitRuns (signal: CanSignal, fromBit = 0, count = signal.length): BitRun[] {
  const runs: BitRun[] = []
  for (let k = fromBit; k < fromBit + count; k++) {
    const [byte, bit] = bitPosition(signal, k)
    const last = runs[runs.length - 1]
    if (last !== undefined && last.byte === byte && last.shift + last.width === bit) {
      last.width++
    } else {
      runs.push({ byte, shift: bit, width: 1, weight: k - fromBit })
    }
  }
  return runs
}

/** Bytes a payload needs to hold the whole signal. */
export function bytesNeeded (signal: CanSignal): number {
  let max = 0
  for (const run of bitRuns(signal)) max = Math.max(max, run.byte + 1)
  return max
}

/** DBC start bit -> big-endian linear position of a Motorola signal's MSB. */
export function motorolaMsbPosition (startBit: number): number {
  return (startBit >> 3) * 8 + 7 - (startBit & 7)
}

function bitPosition (signal: CanSignal, k: number): [number, number] {
  if (signal.byteOrder === 'little_endian') {
    const p = signal.startBit + k
    return [p >> 3, p & 7]
  }
  const linear = motorolaMsbPosition(signal.startBit) + signal.length - 1 - k
  return [linear >> 3, 7 - (linear & 7)]
}
