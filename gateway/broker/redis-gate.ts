/**
 * CONNECT and SUBSCRIBE while Redis (the shared broker state) does not
 * answer: refused before the hooks they wrap run, since what they would
 * start cannot be finished. A CONNECT needs the session store (resume or
 * clean it, store the will) and the bus (close the VIN's connection on
 * another node): return code 3, server unavailable, which a T-box retries,
 * through the load balancer on another node. A SUBSCRIBE needs both to be
 * stored and routed: 0x80 per filter [MQTT-3.9.3], the connection stays.
 * The scrypt of a CONNECT refused anyway is not spent.
 */
import type { AuthenticateError, Client, Subscription } from 'aedes'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { SharedBrokerState } from './shared-state.js'

/** aedes's AuthErrorCode is a const enum, which isolated modules cannot import. */
const SERVER_UNAVAILABLE = 3

type Authenticate = (client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void) => void
type AuthorizeSubscribe = (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) => void

export interface RedisGateDeps {
  shared: Pick<SharedBrokerState, 'available' | 'refused'>
  metrics: Pick<Metrics, 'authFailures'>
  log: Logger
}

export function gateConnect (authenticate: Authenticate, deps: RedisGateDeps): Authenticate {
  return function authenticateWithRedis (client, username, password, done) {
    if (deps.shared.available) {
      authenticate(client, username, password, done)
      return
    }
    deps.shared.refused('connect')
    deps.metrics.authFailures.inc({ reason: 'redis' })
    // debug: the outage was logged when it began, and a fleet reconnecting must not become a flood of lines; the metrics count each
    deps.log.debug({ vin: untrusted(client.id) }, 'connection refused: Redis does not answer')
    done(Object.assign(new Error('server unavailable: shared broker state (Redis) does not answer'), { returnCode: SERVER_UNAVAILABLE }) as AuthenticateError, false)
  }
}

export function gateSubscribe (authorizeSubscribe: AuthorizeSubscribe, deps: RedisGateDeps): AuthorizeSubscribe {
  return function authorizeSubscribeWithRedis (client, sub, callback) {
    if (deps.shared.available) {
      authorizeSubscribe(client, sub, callback)
      return
    }
    deps.shared.refused('subscribe')
    deps.log.debug({ vin: untrusted(client.id), topic: untrusted(sub.topic) }, 'subscription refused: Redis does not answer')
    callback(null, null)
  }
}
