/**
 * What one vehicle may send: PUBLISHes per second and bytes per second, each
 * a token bucket holding `burstS` seconds of its rate. PacketLimitedStream
 * charges every chunk it hands on; a vehicle whose bucket goes into debt has
 * its socket paused until the debt is repaid, so TCP back-pressure slows that
 * vehicle and nobody else. Nothing already received is dropped or refused:
 * the batch that overdraws is accepted and acknowledged, the next ones wait
 * in the vehicle's (and the kernel's) buffers.
 *
 * Buckets are kept per VIN, not per connection, so reconnecting does not
 * refill them; a vehicle's entry goes once it has no connection and its
 * buckets are full again.
 */
import type { Metrics } from '../metrics.js'

export interface IngestRateLimits {
  /** PUBLISH packets per second (telemetry batches, status, command acknowledgements) */
  batchesPerS: number
  /** bytes per second, MQTT framing included */
  bytesPerS: number
  /** seconds of either rate a vehicle may send at once after being quiet */
  burstS: number
  /**
   * PUBLISHes awaiting their PUBACK (stored) past which nothing more is read
   * from the vehicle (packet-limit.ts): what one vehicle can make the gateway
   * hold while storage is slower than it publishes
   */
  maxInflight: number
}

/**
 * An honest T-box sends a batch every 1 to 10 s (the simulator's fleet: 1 s;
 * the fault-latency bench: 10 per second), a few KB each (the demo batch is
 * 3.3 KB), and after an outage drains its store-and-forward backlog as fast
 * as PUBACKs come back. The throughput bench offers up to 16,000 batches/s
 * over 200 vehicles, 80 per vehicle (3.3 KB: 0.27 MB/s); 100 batches/s keeps
 * that unthrottled and still holds a hostile vehicle to a fraction of one
 * core. 512 KiB/s is 150 demo batches' worth and one maximum-size (1 MB)
 * packet every 2 s: what moves honest vehicles' PUBACK p99 is how long one
 * big batch holds the event loop (a 1 MB batch of CAN frames: 6-16 ms to
 * decode) times how often one comes, and at 2 MiB/s a hostile vehicle moved
 * it from 8.6 to 13 ms (bench hostile-vehicle). 2 s of burst is one
 * maximum-size packet without waiting.
 */
export const DEFAULT_INGEST_RATE: Readonly<IngestRateLimits> = Object.freeze({
  batchesPerS: 100,
  bytesPerS: 512 * 1024,
  burstS: 2,
  // Half EMQX's default Receive Maximum (32): a T-box at 1 batch/s never has
  // more than one or two in flight, a backlog drains at 16 per PUBACK round
  // trip, and 10,000 vehicles held at once are ~160,000 batches (~0.5 GiB)
  maxInflight: 16
})

/**
 * One vehicle's two token buckets (batches and bytes), shared by its
 * connections (a session takeover overlaps two). A bucket may go into debt:
 * what was received is never given back. Both are held in the entry itself
 * and refilled at one instant, as they are always charged together: as two
 * bucket objects with a clock each, an entry cost ~150 bytes more per
 * connected vehicle (heap snapshot at 2,000 idle vehicles).
 */
export class VehicleIngestRate {
  /** connections holding this entry */
  holders = 0
  private batchTokens: number
  private byteTokens: number
  private at: number

  /**
   * `rates` and `vin`: where release() gives the entry back, so a connection
   * holds the entry alone, with no closure of its own to release it
   */
  constructor (
    private readonly limits: Readonly<IngestRateLimits>,
    private readonly metrics: Pick<Metrics, 'ingestThrottled' | 'ingestThrottledSeconds'>,
    now: number,
    private readonly rates?: IngestRates,
    private readonly vin = ''
  ) {
    this.batchTokens = limits.batchesPerS * limits.burstS
    this.byteTokens = limits.bytesPerS * limits.burstS
    this.at = now
  }

  get maxInflight (): number {
    return this.limits.maxInflight
  }

  /** Charges what was just received; returns how long to stop reading (ms, 0: go on). */
  charge (publishes: number, bytes: number, now = performance.now()): number {
    this.refill(now)
    this.batchTokens -= publishes
    this.byteTokens -= bytes
    const batchWait = this.batchTokens >= 0 ? 0 : (-this.batchTokens * 1000) / this.limits.batchesPerS
    const byteWait = this.byteTokens >= 0 ? 0 : (-this.byteTokens * 1000) / this.limits.bytesPerS
    const wait = Math.max(batchWait, byteWait)
    if (wait > 0) {
      this.metrics.ingestThrottled.inc({ limit: batchWait >= byteWait ? 'batches' : 'bytes' })
      this.metrics.ingestThrottledSeconds.inc(wait / 1000)
    }
    return wait
  }

  /** milliseconds until both buckets are full again */
  untilFull (now: number): number {
    this.refill(now)
    const { batchesPerS, bytesPerS, burstS } = this.limits
    return Math.max(((batchesPerS * burstS - this.batchTokens) * 1000) / batchesPerS, ((bytesPerS * burstS - this.byteTokens) * 1000) / bytesPerS)
  }

  /** One connection holding the entry is gone: IngestRates.release for its vehicle. */
  release (): void {
    this.rates?.release(this.vin)
  }

  private refill (now: number): void {
    if (now <= this.at) return
    const { batchesPerS, bytesPerS, burstS } = this.limits
    this.batchTokens = Math.min(batchesPerS * burstS, this.batchTokens + ((now - this.at) * batchesPerS) / 1000)
    this.byteTokens = Math.min(bytesPerS * burstS, this.byteTokens + ((now - this.at) * bytesPerS) / 1000)
    this.at = now
  }
}

/** The ingest rates of the vehicles connected (or recently connected and still in debt). */
export class IngestRates {
  private readonly vehicles = new Map<string, VehicleIngestRate>()

  constructor (private readonly limits: IngestRateLimits, private readonly metrics: Pick<Metrics, 'ingestThrottled' | 'ingestThrottledSeconds'>) {}

  /** The vehicle's rate, for one more connection of it; give it back with release(). */
  acquire (vin: string): VehicleIngestRate {
    let rate = this.vehicles.get(vin)
    if (rate === undefined) {
      rate = new VehicleIngestRate(this.limits, this.metrics, performance.now(), this, vin)
      this.vehicles.set(vin, rate)
    }
    rate.holders++
    return rate
  }

  release (vin: string): void {
    const rate = this.vehicles.get(vin)
    if (rate === undefined || --rate.holders > 0) return
    const forget = (): void => {
      if (rate.holders === 0 && this.vehicles.get(vin) === rate) this.vehicles.delete(vin)
    }
    const untilFull = rate.untilFull(performance.now())
    // a debt outlives the connection, so reconnecting does not wipe it
    if (untilFull <= 0) forget()
    else setTimeout(forget, untilFull).unref()
  }
}
