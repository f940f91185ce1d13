/**
 * v1/{vin}/status: retained {"state":"online"|"offline"} kept by the gateway
 * itself, so it is right even for a T-box that sets no last will; a T-box's
 * own will on the same topic is honoured too. The same two moments are
 * stored as the vehicle's connection state (../events/connection-state.ts),
 * which every node and the console read.
 */
import type { Aedes, Client } from 'aedes'
import type { VehicleStore } from '../../storage/vehicles.js'
import type { ConnectionStates } from '../events/connection-state.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { topics } from '../../proto/topics.js'
import { isPitwallError } from '../../runtime/errors.js'
import { sessionOf, type LatestConnections } from './sessions.js'

/**
 * The payload in a Buffer of its own. Buffer.from(string) slices Node's
 * shared 8 KiB pool, and aedes keeps each vehicle's retained status for as
 * long as the broker runs, so every ~50-byte status pinned a whole slab
 * (heap snapshot at 2,000 idle vehicles: 301 slabs, ~1.2 KiB per connection).
 */
function unpooled (text: string): Buffer {
  const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(text))
  buf.write(text, 'utf8')
  return buf
}

export interface StatusDeps {
  vehicles: Pick<VehicleStore, 'markSeen'>
  connections: LatestConnections
  /** where connections are recorded; absent (a broker in a test): only the last-seen time */
  states?: Pick<ConnectionStates, 'connected' | 'disconnected'> | undefined
  /** whether a connection was closed because its vehicle connected to another node (./pitwall-aedes.ts); absent: never */
  movedAway?: (client: Client) => boolean
  metrics: Metrics
  log: Logger
}

export function trackVehicleStatus (broker: Aedes, deps: StatusDeps): void {
  const publishStatus = (vin: string, state: 'online' | 'offline'): void => {
    broker.publish({
      cmd: 'publish',
      topic: topics.status(vin),
      payload: unpooled(JSON.stringify({ state, time: new Date().toISOString() })),
      qos: 1,
      retain: true,
      dup: false
    }, (err) => {
      if (err === undefined || err === null) return
      // refused while Redis does not answer: the outage was logged once, and pitwall_redis_refused_total counts each
      if (isPitwallError(err, 'PITWALL_ERR_REDIS_UNAVAILABLE')) deps.log.debug({ vin, state }, 'status not published: Redis does not answer')
      else deps.log.warn({ vin, err }, 'status publish failed')
    })
  }
  broker.on('clientReady', (client: Client) => {
    const session = sessionOf(client)
    if (session === undefined) return
    deps.metrics.connections.set(broker.connectedClients)
    deps.log.info({ vin: session.vin }, 'vehicle connected')
    publishStatus(session.vin, 'online')
    if (deps.states !== undefined) deps.states.connected(session.vehicleId)
    else deps.vehicles.markSeen(session.vehicleId).catch((err: unknown) => deps.log.warn({ vin: session.vin, err }, 'last-seen update failed'))
  })
  broker.on('clientDisconnect', (client: Client) => {
    const session = sessionOf(client)
    if (session === undefined) return
    deps.metrics.connections.set(broker.connectedClients)
    deps.log.info({ vin: session.vin }, 'vehicle disconnected')
    // A session takeover replaces the connection: the vehicle is still online.
    if (!deps.connections.end(client, session.vin)) return
    // Taken over by another node, it is online there; its connection state there is stored by that node
    // (the row names it, and this node's write only clears a row naming this node).
    if (deps.movedAway?.(client) !== true) publishStatus(session.vin, 'offline')
    deps.states?.disconnected(session.vehicleId)
  })
}
