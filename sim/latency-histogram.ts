/**
 * A small log-bucketed histogram for PUBACK latency: constant memory however
 * many samples, quantiles within one bucket (about 10 %).
 */
const MIN_MS = 0.05
const GROWTH = 1.1
const BUCKETS = 140 // 0.05 ms * 1.1^140 ~ 30 min

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS + 1)
  private total = 0
  private maxMs = 0

  get max (): number {
    return this.maxMs
  }

  record (ms: number): void {
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)))
    this.counts[index] = (this.counts[index] as number) + 1
    this.total++
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** Upper bound of the bucket holding quantile q (0..1); 0 with no samples. */
  quantile (q: number): number {
    if (this.total === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.total))
    let seen = 0
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i] as number
      if (seen >= rank) return Math.min(this.maxMs, MIN_MS * GROWTH ** i)
    }
    return this.maxMs
  }
}
