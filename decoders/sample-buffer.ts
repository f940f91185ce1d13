/**
 * The signal stream as columns: sample i is (timeUs[i], signal[i], value[i]).
 * Every decoder (compiled DBC, OBD-II, ULog) appends here, so the hot path
 * writes three numbers per sample and allocates only when a column grows.
 *
 * `signal` is a channel number whose meaning belongs to the producer: an index
 * into a compiled DBC's signal table, a ULog field index, or a catalog id once
 * mapped. Whoever reads the buffer knows which.
 */
const INITIAL_CAPACITY = 1024

export class SampleBuffer {
  timeUs: Float64Array
  signal: Uint32Array
  value: Float64Array
  length = 0

  constructor (capacity = INITIAL_CAPACITY) {
    const size = Math.max(1, capacity)
    this.timeUs = new Float64Array(size)
    this.signal = new Uint32Array(size)
    this.value = new Float64Array(size)
  }

  push (timeUs: number, signal: number, value: number): void {
    const i = this.length
    if (i === this.value.length) this.reserve(i + 1)
    this.timeUs[i] = timeUs
    this.signal[i] = signal
    this.value[i] = value
    this.length = i + 1
  }

  /** Forgets the samples and keeps the capacity, so a reused buffer stops allocating. */
  clear (): void {
    this.length = 0
  }

  /** Makes room for `capacity` samples in all; writers that fill the columns directly call this first. */
  reserve (capacity: number): void {
    if (capacity <= this.value.length) return
    this.grow(Math.max(capacity, this.value.length * 2))
  }

  private grow (capacity: number): void {
    const timeUs = new Float64Array(capacity)
    const signal = new Uint32Array(capacity)
    const value = new Float64Array(capacity)
    timeUs.set(this.timeUs.subarray(0, this.length))
    signal.set(this.signal.subarray(0, this.length))
    value.set(this.value.subarray(0, this.length))
    this.timeUs = timeUs
    this.signal = signal
    this.value = value
  }
}
