/**
 * CONNECT: the client id and the username are the vehicle's VIN, the
 * password its device secret [MQTT-3.1.3]. Unknown VIN and wrong secret get
 * the same answer (return code 4), so the broker does not tell which VINs
 * exist; a client id that is not a VIN, or differs from the username, gets
 * return code 2; storage unreachable gets 3 (the device retries later).
 */
import type { AuthenticateError, Client } from 'aedes'
import type { VerifiedSecretCache } from '../credentials.js'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { VIN_PATTERN } from '../../proto/topics.js'
import type { VehicleStore } from '../../storage/vehicles.js'
import { setSession, type LatestConnections } from './sessions.js'

// aedes's AuthErrorCode is a const enum, which isolated modules cannot import.
const IDENTIFIER_REJECTED = 2
const SERVER_UNAVAILABLE = 3
const BAD_USERNAME_OR_PASSWORD = 4

function refuse (returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError
}

export interface AuthenticateDeps {
  vehicles: VehicleStore
  secrets: VerifiedSecretCache
  connections: LatestConnections
  metrics: Metrics
  log: Logger
}

export function createAuthenticate (deps: AuthenticateDeps) {
  return function authenticate (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void
  ): void {
    const vin = client.id
    const fail = (reason: string, code: number, message: string): void => {
      deps.metrics.authFailures.inc({ reason })
      deps.log.warn({ vin: untrusted(vin), reason }, 'connection refused')
      done(refuse(code, message), false)
    }
    if (!VIN_PATTERN.test(vin) || username !== vin) {
      fail('client_id', IDENTIFIER_REJECTED, 'client id must be the VIN and equal the username')
      return
    }
    if (password === undefined || password.length === 0) {
      fail('no_secret', BAD_USERNAME_OR_PASSWORD, 'bad username or password')
      return
    }
    deps.vehicles.credential(vin).then(async (credential) => {
      // A client that gave up while queued for verification costs nothing more.
      if (client.closed) return done(refuse(BAD_USERNAME_OR_PASSWORD, 'connection closed'), false)
      if (credential === undefined) {
        await deps.secrets.verifyUnknown(password.toString('utf8'))
        fail('unknown_vin', BAD_USERNAME_OR_PASSWORD, 'bad username or password')
        return
      }
      if (!(await deps.secrets.verify(password.toString('utf8'), credential.secretHash))) {
        fail('bad_secret', BAD_USERNAME_OR_PASSWORD, 'bad username or password')
        return
      }
      setSession(client, { vin, vehicleId: credential.vehicleId, model: credential.model, firmware: credential.firmware })
      deps.connections.record(client, vin)
      done(null, true)
    }).catch((err: unknown) => {
      deps.log.error({ vin: untrusted(vin), err }, 'credential lookup failed')
      fail('storage', SERVER_UNAVAILABLE, 'server unavailable')
    })
  }
}
