/**
 * The physical range a DBC declares for each signal, [minimum|maximum], as
 * the bounds decoded values are held to: a value outside it (a sensor's
 * "not available" code such as 0xFF, a float signal's NaN) is not a reading,
 * and a rule comparing it would raise a fault the vehicle does not have.
 * `[0|0]` (and any minimum not below the maximum) declares no range, as
 * cantools reads it: DBC editors write it for "unspecified".
 */
import type { SampleBuffer } from '../sample-buffer.js'
import type { SampleRejections } from '../sample-rejections.js'
import type { CanChannel } from './compile.js'

/** Per channel: the lowest and highest value kept (±Number.MAX_VALUE without a range: never ±Infinity or NaN). */
export interface ChannelRanges {
  readonly low: Float64Array
  readonly high: Float64Array
}

export function channelRanges (channels: readonly CanChannel[]): ChannelRanges {
  const low = new Float64Array(channels.length).fill(-Number.MAX_VALUE)
  const high = new Float64Array(channels.length).fill(Number.MAX_VALUE)
  for (const { channel, signal } of channels) {
    if (!(signal.minimum < signal.maximum)) continue
    // Half a scaled step of slack: raw * factor + offset at the end of the range
    // can land one rounding above a maximum written in decimal (65535 * 0.1).
    const slack = Math.abs(signal.factor) / 2
    low[channel] = signal.minimum - slack
    high[channel] = signal.maximum + slack
  }
  return { low, high }
}

/**
 * Keeps the samples of `buffer` from index `from` on whose value lies in its
 * channel's range, in order, and counts the others by reason. Compacts in
 * place; nothing allocated.
 */
export function keepSamplesInRange (buffer: SampleBuffer, from: number, ranges: ChannelRanges, counts: SampleRejections): void {
  const { timeUs, signal, value } = buffer
  const { low, high } = ranges
  const n = buffer.length
  let i = from
  // almost every batch keeps all its samples: read only, up to the first to leave out
  while (i < n) {
    const v = value[i] as number
    const c = signal[i] as number
    if (!(v >= (low[c] as number) && v <= (high[c] as number))) break
    i++
  }
  if (i === n) return
  let k = i
  for (; i < n; i++) {
    const c = signal[i] as number
    const v = value[i] as number
    // NaN fails both comparisons, so one test catches every kind
    if (v >= (low[c] as number) && v <= (high[c] as number)) {
      timeUs[k] = timeUs[i] as number
      signal[k] = c
      value[k] = v
      k++
    } else if (Number.isFinite(v)) {
      counts.canOutOfRange++
    } else {
      counts.canNonFinite++
    }
  }
  buffer.length = k
}
