/**
 * aedes with Pitwall's routing decisions: what the broker passes on to
 * subscribers (and, on several nodes, through Redis to the other nodes), and
 * what a node does when another node takes one of its vehicles or dies.
 *
 * - Telemetry is stored by ingest before its PUBACK and forwarded to nobody
 *   (./authorize-forward.ts), so it is not routed at all. aedes routes a
 *   QoS 1 PUBLISH after writing its PUBACK, and reads the connection's next
 *   packet only once routing is done (lib/handlers/publish.js,
 *   lib/client.js): routed, every batch would cost a Redis round trip and a
 *   Redis outage would stop each vehicle's ingest after its next batch.
 * - Cross-node takeover [MQTT-3.1.4-2]: a node that registers a client
 *   publishes $SYS/<broker>/new/clients and the node holding the VIN closes
 *   its connection. That connection's will is not published and its status
 *   does not go offline: the vehicle is online, on the other node (as MQTT 5
 *   does for a session resumed within the will delay). Published from the old
 *   node after the new node's "online", either would be the retained status
 *   of a connected vehicle.
 * - A node that stops beating is dead for aedes after three heartbeats, and
 *   every other node publishes the wills it stored. A will whose vehicle has
 *   connected to a live node since (the retained status was last published by
 *   one) is dropped instead: a failover would otherwise mark every moved
 *   vehicle offline a minute after it came back.
 * - While Redis does not answer, publishes that need it are refused at once
 *   (./shared-state.ts says what and why).
 */
import { Aedes, type AedesOptions, type Client, type PublishPacket } from 'aedes'
import type { StoredPacket } from 'aedes-persistence-redis/asyncPersistence.js'
import { PitwallError } from '../../runtime/errors.js'
import type { Logger } from '../logger.js'
import { publishTopicOf } from '../../proto/topics.js'
import { sessionOf } from './sessions.js'
import type { SharedBrokerState } from './shared-state.js'

type Done = (error?: Error) => void
/** aedes' publish as it is: the typings omit the client its handlers pass */
type PublishAs = (this: Aedes, packet: PublishPacket, client: Client | null, done: Done) => void
/** what aedes keeps that its typings omit */
interface AedesInternals {
  mq: { on: (topic: string, listener: (packet: { topic: string, payload: Buffer }, done: () => void) => void) => void }
  clients: Record<string, Client | undefined>
  brokers: Record<string, number>
  persistence: SharedBrokerState['persistence']
}
/** A will as aedes-persistence stored it: with its client and the broker it was registered on. */
type StoredWill = PublishPacket & Required<Pick<StoredPacket, 'clientId' | 'brokerId'>>

const SYS = '$SYS/'
/** aedes takes a broker as dead after three missed heartbeats (aedes.js _clearWills). */
const HEARTBEATS_TO_DEATH = 3

export class PitwallAedes extends Aedes {
  private readonly moved = new WeakSet<Client>()
  private readonly internals: AedesInternals

  constructor (options: AedesOptions, private readonly shared: SharedBrokerState | undefined, private readonly log: Logger) {
    super(options)
    this.internals = this as unknown as AedesInternals
    // Registered before aedes' own listener (made in listen()), so it runs first: the connection is marked before aedes closes it.
    this.internals.mq.on(`${SYS}+/new/clients`, (packet, done) => {
      const broker = packet.topic.split('/')[1]
      const client = this.internals.clients[packet.payload.toString()]
      if (broker !== this.id && client !== undefined && !client.closed) this.movedAway(client)
      done()
    })
    // aedes learns of a node from its heartbeats only: for a heartbeat after its start, its vehicles' wills would be another node's to publish
    this.internals.mq.on(`${SYS}+/birth`, (packet, done) => {
      this.internals.brokers[packet.payload.toString()] = Date.now()
      done()
    })
  }

  /** Whether the connection was closed because its vehicle connected to another node. */
  wasMovedAway (client: Client): boolean {
    return this.moved.has(client)
  }

  override publish (packet: PublishPacket, clientOrDone: Client | null | Done, maybeDone?: Done): void {
    const client = typeof clientOrDone === 'function' ? null : clientOrDone
    const done = (typeof clientOrDone === 'function' ? clientOrDone : maybeDone) ?? (() => {})
    const session = sessionOf(client)
    if (session !== undefined && publishTopicOf(packet.topic, session.vin) === 'telemetry') {
      process.nextTick(done)
      return
    }
    const shared = this.shared
    const publish = Aedes.prototype.publish as unknown as PublishAs
    if (shared === undefined || packet.topic.startsWith(SYS)) {
      publish.call(this, packet, client, done)
      return
    }
    if (client === null && isForeignWill(packet, this.id)) {
      this.publishWill(packet, shared, publish, done)
      return
    }
    if (client !== null) {
      // A vehicle's publish: its PUBACK is out (aedes routes a QoS 1 PUBLISH after acknowledging it), and a
      // routing error would make aedes close a connection whose telemetry does not need Redis.
      if (!shared.available) {
        shared.refused('route')
        process.nextTick(done)
        return
      }
      publish.call(this, packet, client, (err) => {
        if (err !== undefined && err !== null) {
          shared.refused('route')
          this.log.debug({ vin: session?.vin, topic: packet.topic, err: err.message }, 'vehicle publish acknowledged but not routed: Redis did not answer')
        }
        done()
      })
      return
    }
    if (!shared.available) {
      shared.refused('publish')
      process.nextTick(done, new PitwallError('PITWALL_ERR_REDIS_UNAVAILABLE', `publish to ${packet.topic} refused: Redis (shared broker state) does not answer`))
      return
    }
    publish.call(this, packet, null, done)
  }

  private movedAway (client: Client): void {
    this.moved.add(client)
    // Closed without its DISCONNECT, aedes would publish the will: of a vehicle now online elsewhere.
    const holder = client as Client & { will: unknown }
    if (holder.will === null || holder.will === undefined) return
    holder.will = null
    this.internals.persistence.delWill({ id: client.id, brokerId: this.id }).catch(() => {})
  }

  /** A will a dead node stored: published unless its vehicle has connected to a live node since. */
  private publishWill (will: StoredWill, shared: SharedBrokerState, publish: PublishAs, done: Done): void {
    this.willIsStale(will).then((stale) => {
      if (stale) {
        shared.will('dropped')
        this.log.info({ vin: will.clientId, deadBroker: will.brokerId }, 'last will of a stopped node dropped: the vehicle connected to a live node since')
        done()
        return
      }
      shared.will('published')
      this.log.info({ vin: will.clientId, deadBroker: will.brokerId }, 'last will of a vehicle on a stopped node published')
      // Published as this node's own message. aedes would keep the dead node's id on it with this node's
      // counter (aedes-packet), and every subscriber that had a higher count from the dead node would drop
      // it as a duplicate (lib/client.js dedupe): a will lost or delivered by luck.
      publish.call(this, { cmd: 'publish', topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, dup: false }, null, done)
    }, (err: Error) => { done(err) })
  }

  private async willIsStale (will: StoredWill): Promise<boolean> {
    if (this.internals.clients[will.clientId] !== undefined) return true
    for await (const retained of this.internals.persistence.createRetainedStream(will.topic)) {
      const by = retained.brokerId
      return by !== undefined && by !== will.brokerId && this.isAlive(by)
    }
    return false
  }

  private isAlive (brokerId: string): boolean {
    const seen = this.internals.brokers[brokerId]
    return seen !== undefined && seen + HEARTBEATS_TO_DEATH * (this.shared?.heartbeatMs ?? 0) >= Date.now()
  }
}

function isForeignWill (packet: PublishPacket, self: string): packet is StoredWill {
  const stored = packet as PublishPacket & Partial<StoredPacket>
  return typeof stored.brokerId === 'string' && stored.brokerId !== self && typeof stored.clientId === 'string'
}
