/**
 * The MQTT broker: aedes with Pitwall's hooks plugged in, one file each,
 * served on TCP and (through the HTTP server) on WebSocket. Every connection
 * passes through the packet-size limit before aedes parses a byte.
 */
import { Aedes } from 'aedes'
import { createServer, type Server, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { VehicleStore } from '../../storage/vehicles.js'
import { VerifiedSecretCache } from '../credentials.js'
import type { TelemetryIngest } from '../ingest.js'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { createAuthenticate } from './authenticate.js'
import { authorizeForward } from './authorize-forward.js'
import { createAuthorizePublish, type CommandAckSink } from './authorize-publish.js'
import { createAuthorizeSubscribe, SubscriptionCounts } from './authorize-subscribe.js'
import { originOf, PacketLimitedStream, type ConnectionOrigin } from './packet-limit.js'
import { createPreConnect } from './pre-connect.js'
import { LatestConnections } from './sessions.js'
import { trackVehicleStatus } from './status.js'

export interface BrokerDeps {
  vehicles: VehicleStore
  ingest: TelemetryIngest
  metrics: Metrics
  log: Logger
  maxPacketBytes: number
  /** filters one connection may hold; default DEFAULT_MAX_SUBSCRIPTIONS */
  maxSubscriptions?: number
  /** where command acknowledgements go; absent: passed through unread */
  commands?: CommandAckSink
}

export interface PitwallBroker {
  aedes: Aedes
  /**
   * hands a raw connection (TCP socket or WebSocket stream) to the broker;
   * `origin` is the peer's address as the listener saw it (a WebSocket stream has none of its own)
   */
  handle (stream: Socket | Duplex, origin?: ConnectionOrigin): void
  close (): Promise<void>
}

export async function createBroker (deps: BrokerDeps): Promise<PitwallBroker> {
  const log = deps.log.child({ module: 'broker' })
  const connections = new LatestConnections()
  const subscriptions = new SubscriptionCounts()
  const aedes = await Aedes.createBroker({
    // VINs are 17 characters, inside MQTT 3.1's 23-character client id limit.
    maxClientsIdLength: 23,
    preConnect: createPreConnect({ metrics: deps.metrics, log }),
    authenticate: createAuthenticate({ vehicles: deps.vehicles, secrets: new VerifiedSecretCache(), connections, metrics: deps.metrics, log }),
    authorizePublish: createAuthorizePublish({ ingest: deps.ingest, commands: deps.commands, metrics: deps.metrics, log, maxPacketBytes: deps.maxPacketBytes }),
    authorizeSubscribe: createAuthorizeSubscribe({ metrics: deps.metrics, log, maxSubscriptions: deps.maxSubscriptions }, subscriptions),
    authorizeForward
  })
  subscriptions.track(aedes)
  trackVehicleStatus(aedes, { vehicles: deps.vehicles, connections, metrics: deps.metrics, log })
  aedes.on('clientError', (client, err) => log.debug({ vin: untrusted(client.id), err: untrusted(err.message) }, 'client error'))
  aedes.on('connectionError', (_client, err) => log.debug({ err: untrusted(err.message) }, 'connection error'))
  return {
    aedes,
    handle: (stream, origin) => { aedes.handle(new PacketLimitedStream(stream, deps.maxPacketBytes, origin ?? originOf(stream))) },
    close: async () => { await new Promise<void>((resolve) => aedes.close(() => resolve())) }
  }
}

/** Plain MQTT over TCP. */
export async function listenTcp (broker: PitwallBroker, host: string, port: number): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    broker.handle(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return server
}
