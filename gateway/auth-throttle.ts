/**
 * Failed authentications by key (a source address, a VIN): the first
 * `failuresBeforeBackoff` cost nothing, each further one refuses the key for
 * twice as long as the last (1 s, 2 s, 4 s, …) up to `maxBackoffMs`, the
 * temporary refusal. A refused attempt is answered from memory, before any
 * secret hash is computed or any row read: a wrong-secret flood (issue 16:
 * 574 CONNECTs/s from one address) costs a verification only as often as the
 * back-off lets through, so honest connects keep their latency.
 *
 * Refused attempts do not lengthen the refusal: a client retrying in a loop
 * gets in once its time is up, and an attacker gains nothing from it either.
 * A key is forgotten `maxBackoffMs` after its last failure or refusal ended.
 *
 * Memory is bounded: at most `maxKeys` keys, kept in the order of their last
 * failure; past the cap the longest-quiet key is dropped (measured: ~134
 * bytes a key, 13 MB at the default cap). Spraying from many addresses
 * evicts old keys rather than growing the map; an evicted key starts afresh.
 */
import { normalizeIP } from '@fastify/rate-limit'

/** The first refusal past the free failures; each further failure doubles it. */
export const FIRST_BACKOFF_MS = 1000
export const DEFAULT_MAX_THROTTLED_KEYS = 100_000
/** The settings' defaults (gateway/config.ts): five failures free, then 1 s doubling to a minute. */
export const DEFAULT_AUTH_THROTTLE: AuthThrottleSettings = { failuresBeforeBackoff: 5, maxBackoffMs: 60_000 }
/** API requests a token may make per minute (gateway/api/index.ts): 10 a second, past any dashboard's polling. */
export const DEFAULT_API_RATE_LIMIT = 600

export interface AuthThrottleSettings {
  /** failures of one key answered normally before its back-off starts */
  failuresBeforeBackoff: number
  /** the longest refusal, once the back-off has grown to it */
  maxBackoffMs: number
}

export interface AuthThrottleOptions extends AuthThrottleSettings {
  maxKeys?: number
  /** the clock, in ms (tests step it) */
  now?: () => number
}

interface Failures {
  count: number
  lastFailureAt: number
  refusedUntil: number
}

/** What a failure did to its key. */
export interface FailureOutcome {
  /** how long the key is refused from now; 0: not refused */
  retryAfterMs: number
  /** this failure started a refusal (log it: once per refusal, not per attempt) */
  refusalStarted: boolean
  failures: number
}

export class AuthThrottle {
  private readonly keys = new Map<string, Failures>()
  private readonly failuresBeforeBackoff: number
  private readonly maxBackoffMs: number
  private readonly maxKeys: number
  private readonly now: () => number

  constructor (options: AuthThrottleOptions) {
    this.failuresBeforeBackoff = options.failuresBeforeBackoff
    this.maxBackoffMs = options.maxBackoffMs
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_THROTTLED_KEYS
    this.now = options.now ?? Date.now
  }

  /** How long `key` is still refused, in ms; 0 when an attempt may go ahead. */
  retryAfterMs (key: string): number {
    const entry = this.live(key)
    return entry === undefined ? 0 : Math.max(0, entry.refusedUntil - this.now())
  }

  /** Recent failures of `key` (0 when it has none or they were forgotten). */
  failures (key: string): number {
    return this.live(key)?.count ?? 0
  }

  fail (key: string): FailureOutcome {
    const now = this.now()
    const entry = this.live(key) ?? { count: 0, lastFailureAt: now, refusedUntil: 0 }
    const wasRefused = entry.refusedUntil > now
    entry.count++
    entry.lastFailureAt = now
    const over = entry.count - this.failuresBeforeBackoff
    if (over >= 0) {
      // 2^over overflows to Infinity long after it passed the cap: min() still holds
      entry.refusedUntil = Math.max(entry.refusedUntil, now + Math.min(FIRST_BACKOFF_MS * 2 ** over, this.maxBackoffMs))
    }
    // re-inserted at the end: the map's order is the order of last failure
    this.keys.delete(key)
    this.keys.set(key, entry)
    this.bound(now)
    const retryAfterMs = Math.max(0, entry.refusedUntil - now)
    return { retryAfterMs, refusalStarted: retryAfterMs > 0 && !wasRefused, failures: entry.count }
  }

  /** `key` authenticated: its failures are forgotten (and no other key's). */
  succeed (key: string): void {
    this.keys.delete(key)
  }

  /** keys held now (for tests and the bound) */
  get size (): number {
    return this.keys.size
  }

  private live (key: string): Failures | undefined {
    const entry = this.keys.get(key)
    if (entry === undefined) return undefined
    if (this.expired(entry, this.now())) {
      this.keys.delete(key)
      return undefined
    }
    return entry
  }

  private expired (entry: Failures, now: number): boolean {
    return now >= Math.max(entry.lastFailureAt, entry.refusedUntil) + this.maxBackoffMs
  }

  /** Drops expired keys from the quiet end, then the quietest past the cap. */
  private bound (now: number): void {
    for (const [key, entry] of this.keys) {
      if (this.keys.size <= this.maxKeys && !this.expired(entry, now)) break
      this.keys.delete(key)
    }
  }
}

/**
 * Keys that authenticated lately (a VIN from an address), so a vehicle that
 * connected from an address before is not refused because others at that
 * address (a carrier's NAT) or others guessing at its VIN failed. Only a
 * success adds a key, so an attacker cannot fill this map by failing; past
 * the cap the oldest success is dropped, which costs that vehicle only the
 * exemption.
 */
export class RecentSuccesses {
  private readonly keys = new Map<string, number>()
  private readonly now: () => number

  constructor (private readonly ttlMs: number, private readonly maxKeys = DEFAULT_MAX_THROTTLED_KEYS, now: () => number = Date.now) {
    this.now = now
  }

  add (key: string): void {
    this.keys.delete(key)
    this.keys.set(key, this.now())
    if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value as string)
  }

  has (key: string): boolean {
    const at = this.keys.get(key)
    if (at === undefined) return false
    if (this.now() - at < this.ttlMs) return true
    this.keys.delete(key)
    return false
  }

  delete (key: string): void {
    this.keys.delete(key)
  }
}

/**
 * The throttle key of a peer address: IPv4 as is, an IPv4-mapped IPv6
 * address as IPv4, other IPv6 by its /64 (one host commonly holds a whole
 * /64, so per-address keys would be free to multiply).
 */
export function sourceKey (address: string): string {
  return normalizeIP(address, 64)
}

/**
 * At most `limit` holders per key at a time; the others wait in arrival
 * order and are handed a freed turn directly, so a newcomer never takes it
 * from under them. Keys without holders are forgotten: the map holds only
 * what is running or waiting, each a live connection (capped elsewhere).
 */
export class KeyedTurns {
  private readonly keys = new Map<string, { holders: number, waiting: Array<() => void> }>()

  constructor (private readonly limit: number) {}

  /** Resolves once `key` has a turn free; the function it gives ends the turn (once). */
  async enter (key: string): Promise<() => void> {
    let entry = this.keys.get(key)
    if (entry === undefined) {
      entry = { holders: 0, waiting: [] }
      this.keys.set(key, entry)
    }
    const held = entry
    if (held.holders < this.limit) held.holders++
    else await new Promise<void>((resolve) => held.waiting.push(resolve))
    let left = false
    return () => {
      if (left) return
      left = true
      const next = held.waiting.shift()
      if (next !== undefined) {
        next()
      } else if (--held.holders === 0) {
        this.keys.delete(key)
      }
    }
  }

  /** keys with a turn held or awaited */
  get size (): number {
    return this.keys.size
  }
}
