/**
 * CONNECT, in three steps: who the client says it is, whether its address
 * or VIN failed too often lately, then its secret.
 *
 * 1. The client id and the username are the vehicle's VIN, the password its
 *    device secret [MQTT-3.1.3]. A client id that is not a VIN, or differs
 *    from the username, gets return code 2.
 * 2. The throttle (ConnectThrottle below) answers from memory, before the
 *    credential is read or a scrypt runs: return code 3, server unavailable.
 *    Not 4 or 5: a T-box takes those as "my secret is wrong" and may stop
 *    retrying or ask for re-provisioning, while 3 says "later", which is
 *    true even for the right secret from a refused address.
 * 3. Unknown VIN and wrong secret get the same answer (return code 4) and
 *    both cost a full scrypt, so the broker does not tell which VINs exist;
 *    storage unreachable gets 3 (the device retries later).
 */
import type { AuthenticateError, Client } from 'aedes'
import { AuthThrottle, KeyedTurns, RecentSuccesses, sourceKey, type AuthThrottleSettings } from '../auth-throttle.js'
import type { VerifiedSecretCache } from '../credentials.js'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { VIN_PATTERN } from '../../proto/topics.js'
import type { VehicleCredential, VehicleStore } from '../../storage/vehicles.js'
import { peerCertificateOf } from '../client-certificates.js'
import { originOf, type PacketLimitedStream } from './packet-limit.js'
import { setSession, type LatestConnections, type VehicleSession } from './sessions.js'

// aedes's AuthErrorCode is a const enum, which isolated modules cannot import.
const IDENTIFIER_REJECTED = 2
const SERVER_UNAVAILABLE = 3
const BAD_USERNAME_OR_PASSWORD = 4
const NOT_AUTHORIZED = 5

/** Verifications of one address (or of one VIN) running at once. */
const VERIFICATIONS_AT_ONCE = 2

/** How long a vehicle's success from an address exempts it there (a T-box reconnects far more often). */
const KNOWN_VEHICLE_MS = 24 * 3600_000

function refuse (returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}

/**
 * Failed CONNECTs counted twice, by source address and by VIN:
 *
 * - by address: one address spraying secrets (or VINs) is refused after its
 *   free failures, whichever VIN it names;
 * - by VIN: guessing one VIN's secret from many addresses. So that an
 *   attacker cannot lock an honest vehicle out by failing on its VIN, the VIN
 *   refusal applies only to addresses that have failed themselves: a clean
 *   address always reaches the secret check (a distributed guesser gets one
 *   verification per address, after which its address has a failure);
 * - a VIN that connected from an address lately is exempt from both there
 *   (a vehicle behind a carrier NAT that an attacker shares), until it fails
 *   from that address.
 *
 * A success clears its VIN's failures and nothing else: an attacker holding
 * one vehicle's secret cannot wash its address's record with it.
 *
 * Failures are counted when a verification ends, so verifications take
 * turns: VERIFICATIONS_AT_ONCE at a time per address and per VIN, the rest
 * waiting in arrival order and asking the throttle again when their turn
 * comes. A vehicle known at its address skips the queue. An honest carrier
 * NAT reconnecting after a restart waits ~2 ms per vehicle ahead of it (one
 * scrypt, two at a time).
 */
export class ConnectThrottle {
  private readonly sources: AuthThrottle
  private readonly vins: AuthThrottle
  private readonly known: RecentSuccesses
  private readonly bySource = new KeyedTurns(VERIFICATIONS_AT_ONCE)
  private readonly byVin = new KeyedTurns(VERIFICATIONS_AT_ONCE)

  constructor (settings: AuthThrottleSettings, now: () => number = Date.now) {
    this.sources = new AuthThrottle({ ...settings, now })
    this.vins = new AuthThrottle({ ...settings, now })
    this.known = new RecentSuccesses(KNOWN_VEHICLE_MS, undefined, now)
  }

  /** Why this attempt is refused unchecked, or undefined when it may be verified. */
  refusal (vin: string, address: string): { by: 'source' | 'vin', retryAfterMs: number } | undefined {
    const source = sourceKey(address)
    if (this.known.has(`${vin}@${source}`)) return undefined
    const bySource = this.sources.retryAfterMs(source)
    if (bySource > 0) return { by: 'source', retryAfterMs: bySource }
    const byVin = this.vins.retryAfterMs(vin)
    if (byVin > 0 && this.sources.failures(source) > 0) return { by: 'vin', retryAfterMs: byVin }
    return undefined
  }

  /** A verified failure; returns the keys whose refusal it started, for one log line each. */
  failed (vin: string, address: string): Array<{ by: 'source' | 'vin', retryAfterMs: number, failures: number }> {
    const source = sourceKey(address)
    this.known.delete(`${vin}@${source}`)
    const started = []
    const bySource = this.sources.fail(source)
    if (bySource.refusalStarted) started.push({ by: 'source' as const, ...bySource })
    const byVin = this.vins.fail(vin)
    if (byVin.refusalStarted) started.push({ by: 'vin' as const, ...byVin })
    return started
  }

  /** Resolves when this attempt may be verified; call the function it gives when the verification is over. */
  async turn (vin: string, address: string): Promise<() => void> {
    const source = sourceKey(address)
    if (this.known.has(`${vin}@${source}`)) return () => {}
    const leaveSource = await this.bySource.enter(source)
    const leaveVin = await this.byVin.enter(vin)
    return () => { leaveVin(); leaveSource() }
  }

  succeeded (vin: string, address: string): void {
    this.vins.succeed(vin)
    this.known.add(`${vin}@${sourceKey(address)}`)
  }
}

export interface AuthenticateDeps {
  vehicles: Pick<VehicleStore, 'credential' | 'certificateCredential'>
  secrets: Pick<VerifiedSecretCache, 'verify' | 'verifyUnknown'>
  connections: LatestConnections
  throttle: ConnectThrottle
  metrics: Metrics
  log: Logger
  /**
   * Readies what a session starting on this node needs before its first
   * batch (the rules' state as storage has it, ../rule-resume.ts); the
   * CONNACK waits for it. Not called for a takeover on this node: the
   * vehicle never left, and this node's memory is the newest.
   */
  sessionStarting?: (session: VehicleSession) => Promise<void>
}

export function createAuthenticate (deps: AuthenticateDeps) {
  return function authenticate (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void
  ): void {
    const vin = client.id
    // `detail`: more for the log line (the certificate's verdict, its hash)
    const fail = (reason: string, code: number, message: string, detail?: object): void => {
      deps.metrics.authFailures.inc({ reason })
      deps.log.warn({ vin: untrusted(vin), reason, ...detail }, 'connection refused')
      done(refuse(code, message), false)
    }
    if (!VIN_PATTERN.test(vin) || username !== vin) {
      fail('client_id', IDENTIFIER_REJECTED, 'client id must be the VIN and equal the username')
      return
    }
    // every connection's stream is a PacketLimitedStream (./index.ts); aedes types it as a plain stream
    const origin = (client.conn as Partial<PacketLimitedStream>).origin ?? originOf(client.conn)
    const address = origin.address
    const certificate = peerCertificateOf(origin.tls, vin)
    if (certificate.kind === 'refused') {
      // a certificate that fails is not a reason to try the secret instead: the T-box meant to use it
      fail('certificate', NOT_AUTHORIZED, certificate.reason, { address, why: certificate.reason })
      return
    }
    if (certificate.kind === 'presented') {
      // a certificate the handshake verified, naming the VIN: admitted when it is registered for the vehicle and not revoked
      deps.vehicles.certificateCredential(vin, certificate.sha256).then((credential) => {
        if (client.closed) return done(refuse(NOT_AUTHORIZED, 'connection closed'), false)
        if (credential === undefined) {
          fail('certificate', NOT_AUTHORIZED, 'client certificate not registered for this vehicle, or revoked', { address, sha256: certificate.sha256.toString('hex') })
          return
        }
        admit(client, vin, address, credential, done)
      }).catch((err: unknown) => {
        deps.log.error({ vin, err }, 'certificate lookup failed')
        fail('storage', SERVER_UNAVAILABLE, 'server unavailable')
      })
      return
    }
    if (password === undefined || password.length === 0) {
      fail('no_secret', BAD_USERNAME_OR_PASSWORD, 'bad username or password')
      return
    }
    const throttled = (): boolean => {
      const refused = deps.throttle.refusal(vin, address)
      if (refused === undefined) return false
      // counted, not logged: the refusal's start was logged once (below)
      deps.metrics.authFailures.inc({ reason: 'throttled' })
      deps.metrics.authThrottled.inc({ listener: 'mqtt', by: refused.by })
      done(refuse(SERVER_UNAVAILABLE, `too many failed attempts; retry in ${Math.ceil(refused.retryAfterMs / 1000)} s`), false)
      return true
    }
    if (throttled()) return
    const failVerified = (reason: string): void => {
      for (const s of deps.throttle.failed(vin, address)) {
        deps.log.warn({ by: s.by, address, vin, failures: s.failures, retryAfterMs: s.retryAfterMs }, `MQTT authentication throttled: too many failed attempts by this ${s.by === 'vin' ? 'VIN' : 'address'}`)
      }
      fail(reason, BAD_USERNAME_OR_PASSWORD, 'bad username or password')
    }

    // Verifications wait their turn per address and per VIN, and the throttle is asked again
    // once it comes: without the turn, 500 CONNECTs sent at once from one address were all
    // verified before the first failure was counted.
    let leave: (() => void) | undefined
    deps.throttle.turn(vin, address).then(async (release) => {
      leave = release
      // A client that gave up while queued for verification costs nothing more.
      if (client.closed) return done(refuse(BAD_USERNAME_OR_PASSWORD, 'connection closed'), false)
      if (throttled()) return
      const credential = await deps.vehicles.credential(vin)
      if (credential === undefined) {
        await deps.secrets.verifyUnknown(password.toString('utf8'))
        failVerified('unknown_vin')
        return
      }
      if (!(await deps.secrets.verify(password.toString('utf8'), credential.secretHash))) {
        failVerified('bad_secret')
        return
      }
      admit(client, vin, address, credential, done)
    }).catch((err: unknown) => {
      deps.log.error({ vin: untrusted(vin), err }, 'credential lookup failed')
      fail('storage', SERVER_UNAVAILABLE, 'server unavailable')
    }).finally(() => { leave?.() })
  }

  function admit (client: Client, vin: string, address: string, credential: VehicleCredential, done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    deps.throttle.succeeded(vin, address)
    const session: VehicleSession = { vin, vehicleId: credential.vehicleId, model: credential.model, firmware: credential.firmware }
    const accept = (): void => {
      setSession(client, session)
      deps.connections.record(client, vin)
      done(null, true)
    }
    const starting = deps.sessionStarting === undefined || deps.connections.has(vin) ? undefined : deps.sessionStarting(session)
    if (starting === undefined) return accept()
    starting.then(() => {
      if (client.closed) return done(refuse(SERVER_UNAVAILABLE, 'connection closed'), false)
      accept()
    }, (err: unknown) => {
      // as when the credential cannot be read: without its rules' state the vehicle would raise its faults in force again
      deps.log.error({ vin, err }, 'rule state not loaded')
      deps.metrics.authFailures.inc({ reason: 'storage' })
      done(refuse(SERVER_UNAVAILABLE, 'server unavailable'), false)
    })
  }
}
