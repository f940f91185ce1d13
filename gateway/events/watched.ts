/**
 * The vehicles someone watches live, on any node: each node announces the
 * VINs its clients watch every ANNOUNCE_MS on pitwall_watch (./live-feed.ts),
 * and every node keeps what it heard for WATCH_TTL_MS. Ingest asks `has`
 * for every batch, so a vehicle nobody watches costs one Set lookup.
 */
import { VIN_PATTERN } from '../../proto/topics.js'
import { NOTIFY_CHUNK_BYTES } from './model.js'

export const ANNOUNCE_MS = 2_000
/** three announcements: one lost NOTIFY (a listener reconnecting) does not stop a watched vehicle's values */
export const WATCH_TTL_MS = 3 * ANNOUNCE_MS + 1_000

/** VINs as pitwall_watch payloads: comma-separated, each under NOTIFY_CHUNK_BYTES. */
export function watchPayloads (vins: readonly string[]): string[] {
  // 17 characters and a comma each
  const perPayload = Math.floor(NOTIFY_CHUNK_BYTES / 18)
  const payloads: string[] = []
  for (let i = 0; i < vins.length; i += perPayload) payloads.push(vins.slice(i, i + perPayload).join(','))
  return payloads
}

export class WatchedVehicles {
  private readonly vins = new Set<string>()
  private readonly until = new Map<string, number>()

  constructor (private readonly now: () => number = Date.now) {}

  has (vin: string): boolean {
    return this.vins.has(vin)
  }

  /** A pitwall_watch payload; anything that is not a VIN is ignored. */
  note (payload: string): void {
    const until = this.now() + WATCH_TTL_MS
    for (const vin of payload.split(',')) {
      if (!VIN_PATTERN.test(vin)) continue
      this.vins.add(vin)
      this.until.set(vin, until)
    }
  }

  /** Forgets VINs whose watchers stopped announcing; returns those still watched. */
  prune (): ReadonlySet<string> {
    const now = this.now()
    for (const [vin, until] of this.until) {
      if (until > now) continue
      this.until.delete(vin)
      this.vins.delete(vin)
    }
    return this.vins
  }
}
