/**
 * Bounds what strangers can make the gateway hold: connections that have not
 * authenticated yet are counted, in total and per source address, and one
 * past either cap is closed before aedes sees a byte. With the CONNECT limit
 * (packet-limit.ts) each costs a few KiB at most, and aedes closes one whose
 * CONNECT has not arrived within the connect timeout (slowloris), so the
 * memory strangers can pin is about cap × (CONNECT limit + a connection).
 * Over WebSocket the frame limit is the CONNECT limit until then too
 * (websocket-limit.ts). A refused vehicle reconnects later, as after any
 * refusal; the caps only bite in a flood or a reconnect storm.
 */
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { DEFAULT_INGEST_RATE, type IngestRateLimits } from './ingest-rate.js'
import { DEFAULT_MAX_CONNECT_BYTES } from './packet-limit.js'

export interface UnauthenticatedLimits {
  /** connections not yet authenticated, all sources together */
  total: number
  /** connections not yet authenticated from one source address */
  perAddress: number
}

/**
 * A connection is unauthenticated for one round trip and a credential check
 * (3.4 ms of scrypt on a cold cache, one SHA-256 after), so an honest fleet
 * has few at a time; a 100,000-vehicle fleet reconnecting at once through
 * four scrypt threads gets the rest refused and retries. Vehicles behind one
 * carrier NAT share an address, hence a per-address cap well above one
 * T-box. 5,000 half-sent 4 KB CONNECTs took the RSS up by 58 MiB (~12 KiB
 * each), against 863 MiB for 1,000 half-sent 1 MB ones before the CONNECT limit.
 */
export const DEFAULT_UNAUTHENTICATED_LIMITS: Readonly<UnauthenticatedLimits> = Object.freeze({ total: 5000, perAddress: 500 })

/**
 * aedes closes a connection whose CONNECT has not arrived after this long
 * (its default is 30 s). A CONNECT is at most 4 KiB: seconds even over GPRS.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** What a connection may do before and after it authenticates (gateway/config.ts admissionOf). */
export interface AdmissionSettings {
  /** largest packet before authentication (packet-limit.ts) */
  maxConnectBytes: number
  /** aedes closes a connection whose CONNECT has not arrived by then */
  connectTimeoutMs: number
  unauthenticated: UnauthenticatedLimits
  /** per vehicle, once authenticated (ingest-rate.ts) */
  ingestRate: IngestRateLimits
}

export const DEFAULT_ADMISSION: Readonly<AdmissionSettings> = Object.freeze({
  maxConnectBytes: DEFAULT_MAX_CONNECT_BYTES,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  unauthenticated: DEFAULT_UNAUTHENTICATED_LIMITS,
  ingestRate: DEFAULT_INGEST_RATE
})

export class UnauthenticatedConnections {
  private total = 0
  private readonly byAddress = new Map<string, number>()

  constructor (
    private readonly limits: UnauthenticatedLimits,
    private readonly metrics: Pick<Metrics, 'authFailures' | 'unauthenticatedConnections'>,
    private readonly log: Logger
  ) {}

  /**
   * Counts a new connection from `address`; returns the function that stops
   * counting it (call on authentication or close, once or more), or
   * undefined when a cap is reached and the connection must be closed.
   */
  admit (address: string): (() => void) | undefined {
    const fromAddress = this.byAddress.get(address) ?? 0
    const reason = this.total >= this.limits.total ? 'unauthenticated_total' : fromAddress >= this.limits.perAddress ? 'unauthenticated_per_address' : undefined
    if (reason !== undefined) {
      this.metrics.authFailures.inc({ reason })
      // debug: a flood must not become a flood of log lines; the metric counts it
      this.log.debug({ address, reason }, 'connection refused: too many unauthenticated connections')
      return undefined
    }
    this.total++
    this.byAddress.set(address, fromAddress + 1)
    this.metrics.unauthenticatedConnections.set(this.total)
    let counted = true
    return () => {
      if (!counted) return
      counted = false
      this.total--
      const left = (this.byAddress.get(address) ?? 1) - 1
      if (left === 0) this.byAddress.delete(address)
      else this.byAddress.set(address, left)
      this.metrics.unauthenticatedConnections.set(this.total)
    }
  }
}
