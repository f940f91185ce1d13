import { SampleBuffer } from '../sample-buffer.js'

/**
 * Puts samples in time order with bounded memory.
 *
 * A ULog's data section is in write order, not time order: topics interleave
 * late, and the logger writes the last value of slow topics when logging
 * starts (in sample_log_small.ulg, position_setpoint_triplet stamped 1.4 s
 * sits among samples stamped 20.3 s). Sorting the whole file is what
 * @foxglove/ulog's index does, at O(messages) memory.
 *
 * Here samples collect up to `capacity`; when full, they are sorted and the
 * older half is emitted. A sample older than what was already emitted cannot
 * take its place any more: the reader asks `isLate` first and emits such
 * samples on their own, flagged (UlogChunk.late), never drops them. PX4 logs
 * make them: some topics carry timestamp 0, or one constant timestamp, in
 * every message (commander_state in sample_appended_multiple.ulg is stamped
 * 1.88 s in all 95 messages over 10 s; a long log's sensor_preflight had
 * 17,072 such messages).
 */
export class TimeOrderBuffer {
  readonly capacity: number
  private readonly timeUs: Float64Array
  private readonly signal: Uint32Array
  private readonly value: Float64Array
  private readonly order: Uint32Array
  private length = 0
  /** Time of the newest sample emitted; earlier samples are late. */
  private watermark = -Infinity

  constructor (capacity: number) {
    this.capacity = Math.max(2, capacity)
    this.timeUs = new Float64Array(this.capacity)
    this.signal = new Uint32Array(this.capacity)
    this.value = new Float64Array(this.capacity)
    this.order = new Uint32Array(this.capacity)
  }

  get size (): number {
    return this.length
  }

  /** A sample of this time can no longer be emitted in order: newer ones are out already. */
  isLate (timeUs: number): boolean {
    return timeUs < this.watermark
  }

  /** Call only with room left and a time that is not late: the caller drains first, so a message's samples stay together. */
  push (timeUs: number, signal: number, value: number): void {
    const i = this.length
    this.timeUs[i] = timeUs
    this.signal[i] = signal
    this.value[i] = value
    this.length = i + 1
  }
  /** Emits the older half (or everything when `all`), in time order; ties keep arrival order. */
  drain (all: boolean): SampleBuffer {
    const n = this.length
    const { timeUs, signal, value, order } = this
    for (let i = 0; i < n; i++) order[i] = i
    const sorted = order.subarray(0, n).sort((a, b) => (timeUs[a] as number) - (timeUs[b] as number) || a - b)
    const emit = all ? n : n >> 1
    const out = new SampleBuffer(Math.max(1, emit))
    for (let k = 0; k < emit; k++) {
      const i = sorted[k] as number
      out.push(timeUs[i] as number, signal[i] as number, value[i] as number)
    }
    if (emit > 0) this.watermark = out.timeUs[emit - 1] as number
    // Keep the rest, already sorted, at the front: the next sort meets long runs.
    const keepT = new Float64Array(n - emit)
    const keepS = new Uint32Array(n - emit)
    const keepV = new Float64Array(n - emit)
    for (let k = emit; k < n; k++) {
      const i = sorted[k] as number
      keepT[k - emit] = timeUs[i] as number
      keepS[k - emit] = signal[i] as number
      keepV[k - emit] = value[i] as number
    }
    timeUs.set(keepT)
    signal.set(keepS)
    value.set(keepV)
    this.length = n - emit
    return out
  }
}
