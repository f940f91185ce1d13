/**
 * The MQTT broker: aedes with Pitwall's hooks plugged in, one file each,
 * served on TCP and (through the HTTP server) on WebSocket. Every connection
 * passes through the packet-size limit before aedes parses a byte.
 */
import type { Aedes } from 'aedes'
import type { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { VehicleStore } from '../../storage/vehicles.js'
import { sourceKey, type AuthThrottleSettings } from '../auth-throttle.js'
import { VerifiedSecretCache } from '../credentials.js'
import type { ConnectionStates } from '../events/connection-state.js'
import type { TelemetryIngest } from '../ingest.js'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { ConnectThrottle, createAuthenticate } from './authenticate.js'
import { authorizeForward } from './authorize-forward.js'
import { createAuthorizePublish, type CommandAckSink } from './authorize-publish.js'
import { createAuthorizeSubscribe, SubscriptionCounts } from './authorize-subscribe.js'
import { DEFAULT_ADMISSION, UnauthenticatedConnections, type AdmissionSettings } from './connect-guard.js'
import { IngestRates } from './ingest-rate.js'
import { originOf, PacketLimitedStream, type ConnectionOrigin, type PacketLimits } from './packet-limit.js'
import { PitwallAedes } from './pitwall-aedes.js'
import { createPreConnect } from './pre-connect.js'
import { gateConnect, gateSubscribe } from './redis-gate.js'
import { LatestConnections, type VehicleSession } from './sessions.js'
import type { SharedBrokerState } from './shared-state.js'
import { trackVehicleStatus } from './status.js'

export interface BrokerDeps {
  vehicles: VehicleStore
  ingest: TelemetryIngest
  metrics: Metrics
  log: Logger
  maxPacketBytes: number
  /** filters one connection may hold; default DEFAULT_MAX_SUBSCRIPTIONS */
  maxSubscriptions?: number
  /** back-off of failed CONNECTs by address and VIN (./authenticate.ts ConnectThrottle) */
  authThrottle: AuthThrottleSettings
  /** where command acknowledgements go; absent: passed through unread */
  commands?: CommandAckSink
  /** CONNECT limit, connect timeout, caps on unauthenticated connections, per-vehicle ingest rate; default DEFAULT_ADMISSION */
  admission?: AdmissionSettings
  /** where vehicles' connections are recorded for every node (../events/connection-state.ts); absent: only their last-seen time */
  connectionStates?: ConnectionStates
  /** sessions, retained messages, wills and the bus between nodes on Redis (./shared-state.ts); absent: in this process's memory */
  shared?: SharedBrokerState
  /** what a vehicle's session starting on this node needs before its CONNACK (./authenticate.ts AuthenticateDeps.sessionStarting) */
  sessionStarting?: (session: VehicleSession) => Promise<void>
}

export interface PitwallBroker {
  aedes: Aedes
  /**
   * hands a raw connection (TCP socket or WebSocket stream) to the broker;
   * `origin` is the peer's address as the listener saw it (a WebSocket stream has none of its own);
   * returns the screened stream aedes reads (it emits 'admitted' once authenticated), or
   * undefined when the connection was refused and closed (too many unauthenticated ones)
   */
  handle (stream: Socket | Duplex, origin?: ConnectionOrigin, reserved?: () => void): PacketLimitedStream | undefined
  /**
   * counts a connection not yet handed over, from `address` (a TLS handshake
   * in progress) against the caps on unauthenticated connections; returns the
   * function that stops counting it (give it to handle() with the connection),
   * or undefined when a cap is reached and the connection must be closed
   */
  reserve (address: string): (() => void) | undefined
  close (): Promise<void>
}

export async function createBroker (deps: BrokerDeps): Promise<PitwallBroker> {
  const log = deps.log.child({ module: 'broker' })
  const connections = new LatestConnections()
  const subscriptions = new SubscriptionCounts()
  const admission = deps.admission ?? DEFAULT_ADMISSION
  const unauthenticated = new UnauthenticatedConnections(admission.unauthenticated, deps.metrics, log)
  const rates = new IngestRates(admission.ingestRate, deps.metrics)
  const authenticate = createAuthenticate({ vehicles: deps.vehicles, secrets: new VerifiedSecretCache(), connections, throttle: new ConnectThrottle(deps.authThrottle), metrics: deps.metrics, log, sessionStarting: deps.sessionStarting })
  const authorizeSubscribe = createAuthorizeSubscribe({ metrics: deps.metrics, log, maxSubscriptions: deps.maxSubscriptions }, subscriptions)
  const shared = deps.shared
  const gate = shared === undefined ? undefined : { shared, metrics: deps.metrics, log }
  const aedes = new PitwallAedes({
    // VINs are 17 characters, inside MQTT 3.1's 23-character client id limit.
    maxClientsIdLength: 23,
    connectTimeout: admission.connectTimeoutMs,
    preConnect: createPreConnect({ metrics: deps.metrics, log }),
    authenticate: gate === undefined ? authenticate : gateConnect(authenticate, gate),
    authorizePublish: createAuthorizePublish({ ingest: deps.ingest, commands: deps.commands, metrics: deps.metrics, log, maxPacketBytes: deps.maxPacketBytes }),
    authorizeSubscribe: gate === undefined ? authorizeSubscribe : gateSubscribe(authorizeSubscribe, gate),
    authorizeForward,
    ...(shared === undefined ? {} : { persistence: shared.persistence, mq: shared.mq, heartbeatInterval: shared.heartbeatMs })
  }, shared, log)
  // errors aedes cannot pin on a client (a will pass that could not read Redis): unheard, an 'error' event would end the process
  const events: EventEmitter = aedes
  events.on('error', (err: Error) => {
    // while Redis is away each will pass fails so: the outage was logged once already
    if (shared?.available === false) log.debug({ err: err.message }, 'broker error: Redis does not answer')
    else log.warn({ err: err.message }, 'broker error')
  })
  await aedes.listen()
  if (shared !== undefined) log.info({ brokerId: aedes.id, redis: shared.where }, 'broker state shared through Redis')
  subscriptions.track(aedes)
  trackVehicleStatus(aedes, { vehicles: deps.vehicles, connections, states: deps.connectionStates, movedAway: (client) => aedes.wasMovedAway(client), metrics: deps.metrics, log })
  aedes.on('clientError', (client, err) => log.debug({ vin: untrusted(client.id), err: untrusted(err.message) }, 'client error'))
  aedes.on('connectionError', (_client, err) => log.debug({ err: untrusted(err.message) }, 'connection error'))
  // authenticated ('client' comes just before the CONNACK): the full packet limit and the vehicle's
  // ingest rate apply; the stream gives the rate back when it is destroyed
  aedes.on('client', (client) => {
    const conn = client.conn
    if (!(conn instanceof PacketLimitedStream) || conn.destroyed) return
    conn.admit(rates.acquire(client.id))
  })
  // one object for every connection's stream
  const limits: Readonly<PacketLimits> = Object.freeze({ maxBytes: deps.maxPacketBytes, maxConnectBytes: Math.min(admission.maxConnectBytes, deps.maxPacketBytes) })
  return {
    aedes,
    reserve: (address) => unauthenticated.admit(sourceKey(address)),
    handle: (stream, origin = originOf(stream), reserved) => {
      const counted = reserved ?? unauthenticated.admit(sourceKey(origin.address))
      if (counted === undefined) {
        stream.destroy()
        return undefined
      }
      // counted as unauthenticated until admitted or closed
      const conn = new PacketLimitedStream(stream, limits, origin, counted)
      aedes.handle(conn)
      return conn
    },
    close: async () => { await new Promise<void>((resolve) => aedes.close(() => resolve())) }
  }
}
