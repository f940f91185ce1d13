/**
 * Which decoded CAN samples are stored. Rules see every sample; storage keeps
 * the first sample of each signal in each interval of a batch, counted from
 * the batch's base time, because one vehicle's CAN bus yields thousands of samples a second
 * and the raw batch already keeps every frame for replay.
 *
 * The choice depends on the batch alone, not on what earlier batches kept, so
 * a batch retransmitted after a failed commit stores the same samples.
 */
import type { SampleBuffer } from '../decoders/sample-buffer.js'
import type { SampleColumns } from '../decoders/telemetry-rows.js'

export class SampleThinner {
  private lastBucket = new Float64Array(64)
  private readonly touched: number[] = []

  constructor (private readonly intervalUs: number) {
    if (!(intervalUs > 0)) throw new RangeError(`sample interval must be positive, got ${intervalUs} us`)
  }

  /**
   * Appends to `into` the samples of `buffer` worth storing: channel c is
   * catalog signal `catalogIds[c]` (0 = not in the catalog, never stored).
   * Returns how many were appended.
   */
  select (buffer: SampleBuffer, catalogIds: Uint32Array, originUs: number, into: SampleColumns): number {
    const before = into.signalId.length
    for (let i = 0; i < buffer.length; i++) {
      const id = catalogIds[buffer.signal[i] as number] as number
      if (id === 0) continue
      const t = buffer.timeUs[i] as number
      const value = buffer.value[i] as number
      if (!Number.isFinite(value)) continue
      // + 1: bucket 0 would read as "none yet" below
      const bucket = Math.floor((t - originUs) / this.intervalUs) + 1
      if (id >= this.lastBucket.length) this.growTo(id + 1)
      const last = this.lastBucket[id] as number
      if (last === bucket) continue
      if (last === 0) this.touched.push(id)
      this.lastBucket[id] = bucket
      into.timeUs.push(t)
      into.signalId.push(id)
      into.value.push(value)
    }
    for (const id of this.touched) this.lastBucket[id] = 0
    this.touched.length = 0
    return into.signalId.length - before
  }

  private growTo (size: number): void {
    const next = new Float64Array(Math.max(size, this.lastBucket.length * 2))
    next.set(this.lastBucket)
    this.lastBucket = next
  }
}
