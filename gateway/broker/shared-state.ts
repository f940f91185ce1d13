/**
 * Broker state shared by every gateway node on one Redis (PITWALL_REDIS_URL):
 * persistent sessions, their subscriptions and queued QoS 1 packets, retained
 * messages and last wills (aedes-persistence-redis), and the message bus
 * between the nodes' brokers (mqemitter-redis), which carries commands to
 * the node a vehicle is connected to and the takeover notices that keep one
 * connection per VIN fleet-wide. Without it each node's broker keeps all of
 * that in its own memory (the embedded single-node default).
 *
 * Redis is not on the telemetry path: a batch's PUBACK waits for PostgreSQL
 * only (./pitwall-aedes.ts keeps batches off the bus). What needs Redis is
 * refused while it does not answer, each refusal counted by operation
 * (pitwall_redis_refused_total) and the outage logged once when it starts and
 * once when it ends:
 *
 * - CONNECT gets return code 3 (server unavailable): a session cannot be
 *   resumed or stored, nor another node's connection of the same VIN closed;
 * - SUBSCRIBE gets 0x80 per filter: it could be neither stored nor routed;
 * - commands are refused at publish (the dispatcher keeps them queued in the
 *   database and sends them again), status publishes are skipped;
 * - a vehicle's own status or command acknowledgement, already acknowledged
 *   by aedes (PUBACK before routing), is not routed, and a PUBACK of a
 *   command is not cleared from the session queue (the command may come
 *   again when the session resumes; T-boxes drop a command id seen before):
 *   either would otherwise close a connection whose telemetry still works.
 *
 * Every connection to Redis runs without ioredis' offline queue: a command
 * issued while Redis is away fails at once instead of waiting in memory for
 * as long as the outage lasts (unbounded) and holding up the connection whose
 * packet issued it. A PING every second finds a Redis that stopped answering
 * without closing the connection (a network partition), within the command
 * timeout.
 */
import { EventEmitter } from 'node:events'
import { Readable } from 'node:stream'
import AsyncRedisPersistence, { type StoredPacket } from 'aedes-persistence-redis/asyncPersistence.js'
import { Redis, type RedisOptions } from 'ioredis'
import MQEmitterRedis from 'mqemitter-redis'
import { Counter, Gauge, type Registry } from 'prom-client'
import { PitwallError } from '../../runtime/errors.js'
import type { Logger } from '../logger.js'

export interface SharedStateSettings {
  /** redis:// or rediss:// URL, with a database index as its path if not 0 */
  url: string
  /** keys (prefix:) and channels (prefix/) of this cluster: clusters sharing one Redis need different ones */
  prefix: string
  /** how often each node's broker tells the others it is alive (aedes heartbeatInterval) */
  heartbeatMs: number
}

/** What a node refuses while Redis does not answer (the label of pitwall_redis_refused_total). */
export type RefusedOperation = 'connect' | 'subscribe' | 'publish' | 'route' | 'puback' | 'retained'

const PROBE_MS = 1000
/** A command Redis has not answered by then fails (and a PING marks Redis down). */
const COMMAND_TIMEOUT_MS = 5000
const CONNECT_TIMEOUT_MS = 5000

/**
 * How long a QoS 1 packet queued for an offline session is kept. Commands are
 * the only ones queued, and their record is the database's queue: a vehicle
 * returning later gets what is still due from the dispatcher, so Redis need
 * not hold packets for vehicles that never come back.
 */
const QUEUED_PACKET_TTL_S = 24 * 3600

/** Where Redis is, for logs and errors: host, port and database, never a password. */
function redisWhere (url: string): string {
  try {
    const u = new URL(url)
    const db = u.pathname.replace(/^\//, '')
    return `${u.protocol}//${u.hostname}:${u.port === '' ? '6379' : u.port}${db === '' ? '' : `/${db}`}`
  } catch {
    return 'redis (unparseable URL)'
  }
}

/** The ioredis connection mqemitter-redis keeps, with what a close needs of its internals. */
interface RedisEmitter extends EventEmitter {
  subConn: Redis
  pubConn: Redis
  /** errors of both connections (an EventEmitter: unheard, an 'error' would crash the process) */
  state: EventEmitter
  closing?: boolean
  /** channels subscribed, by mqemitter-redis' pattern (wildcards made *), and how many listeners each */
  _topics: Record<string, number>
  /** mqemitter's own close (the local matcher) */
  _close (cb: () => void): void
  close (cb: () => void): void
}

// mqemitter-redis exports the prefixed emitter beside its default; its typings omit it
const { MQEmitterRedisPrefix } = MQEmitterRedis as unknown as {
  MQEmitterRedisPrefix: new (prefix: string, options: object) => RedisEmitter
}

/**
 * mqemitter-redis with a close that ends: its own QUITs both connections and
 * waits for their 'end', which never comes while Redis is away (QUIT fails
 * without the offline queue, and ioredis does not end a reconnecting
 * connection it is told to disconnect), so a node could not stop during an outage.
 */
class SharedBus extends MQEmitterRedisPrefix {
  override close (cb: () => void): void {
    this.closing = true
    const end = async (conn: Redis): Promise<void> => {
      if (conn.status === 'ready') await conn.quit().then(() => {}, () => { conn.disconnect() })
      else conn.disconnect()
    }
    void Promise.all([end(this.subConn), end(this.pubConn)]).then(() => { this._close(cb) })
  }

  /** Subscribes every channel again: one subscribed while Redis was away failed, and mqemitter-redis does not retry it. */
  resubscribe (): void {
    for (const channel of Object.keys(this._topics)) {
      const subscribed = channel.includes('*') ? this.subConn.psubscribe(channel) : this.subConn.subscribe(channel)
      subscribed.catch(() => {})
    }
  }
}

/**
 * The session store as aedes 1.2 uses it:
 *
 * - retained messages as a stream: aedes pipes them to a new subscription
 *   (lib/handlers/subscribe.js), and aedes-persistence-redis 11.2 gives an
 *   async generator, which has no pipe() (a SUBSCRIBE threw in aedes);
 * - a PUBACK of a command that cannot be cleared from Redis counted instead
 *   of failing: aedes would close the connection, and the vehicle, refused
 *   by this node's CONNECT while Redis is away, would lose its telemetry
 *   path for a queue entry.
 */
class SessionStore extends AsyncRedisPersistence {
  constructor (options: ConstructorParameters<typeof AsyncRedisPersistence>[0], private readonly ackNotCleared: (err: Error) => void,
    private readonly retainedNotRead: (err: Error) => void) {
    super(options)
  }

  /**
   * createRetainedStream (one pattern) calls this one. A lookup that fails
   * (Redis went away after the subscription was let through) ends the
   * stream with what it read, reported: aedes listens for no 'error' on it,
   * and an error event nobody hears ends the process.
   */
  override createRetainedStreamCombi (patterns: string[]): Readable {
    const source = super.createRetainedStreamCombi(patterns)
    const notRead = this.retainedNotRead
    return Readable.from((async function * () {
      try {
        yield * source
      } catch (err) {
        notRead(err as Error)
      }
    })())
  }

  override async outgoingClearMessageId (client: { id: string }, packet: { messageId?: number }): Promise<StoredPacket | undefined> {
    try {
      return await super.outgoingClearMessageId(client, packet)
    } catch (err) {
      this.ackNotCleared(err as Error)
      return undefined
    }
  }
}

/**
 * `target` with the promise of every method call marked handled, still
 * rejecting for whoever awaits it. Both libraries fire some calls without
 * awaiting them: aedes-persistence-redis the LREM and RPUSH of putWill and
 * delWill and the LREM of a stale queue entry, aedes its persistence's
 * storeRetained. When Redis goes away with one in flight, its rejection
 * would be unhandled, which ends a Node process. `except`: methods passed
 * through as they are (aedes requires `setup` to be an AsyncFunction).
 */
function awaitedOrIgnored<T extends object> (target: T, except: readonly string[] = []): T {
  return new Proxy(target, {
    get (object, property) {
      const value: unknown = Reflect.get(object, property, object)
      if (typeof value !== 'function') return value
      // bound, so that a private field is set on the object itself; still an AsyncFunction where it was one
      if (except.includes(String(property))) return value.bind(object)
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, object, args)
        if (result instanceof Promise) result.catch(() => {})
        return result
      }
    }
  })
}

export interface SharedStateDeps {
  log: Logger
  registry: Registry
}

export class SharedBrokerState {
  /** the sessions, retained messages and wills (aedes `persistence`) */
  readonly persistence: SessionStore
  /** the bus between the nodes' brokers (aedes `mq`) */
  readonly mq: SharedBus
  readonly heartbeatMs: number
  /** where Redis is, for logs */
  readonly where: string
  private readonly db: Redis
  private readonly log: Logger
  private readonly upGauge: Gauge
  private readonly refusals: Counter<'operation'>
  private readonly wills: Counter<'outcome'>
  private up = true
  private probeFailed = false
  private downSince = 0
  private refusedDuringOutage = new Map<RefusedOperation, number>()
  private readonly recovered: Array<() => void> = []
  private probe: NodeJS.Timeout | undefined
  private closed = false

  /** Connects (all three connections answering, or a PITWALL_ERR_REDIS_UNAVAILABLE naming where). */
  static async open (settings: SharedStateSettings, deps: SharedStateDeps): Promise<SharedBrokerState> {
    const where = redisWhere(settings.url)
    const base: RedisOptions = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableOfflineQueue: false,
      // a command in flight when the connection drops fails after one retry, not twenty
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 100, 2000)
    }
    const db = new Redis(settings.url, { ...base, commandTimeout: COMMAND_TIMEOUT_MS, keyPrefix: `${settings.prefix}:`, connectionName: 'pitwall-sessions' })
    const pub = new Redis(settings.url, { ...base, commandTimeout: COMMAND_TIMEOUT_MS, enableAutoPipelining: true, connectionName: 'pitwall-bus-pub' })
    // no command timeout: a (P)SUBSCRIBE answers once, and a late answer is still the subscription
    const sub = new Redis(settings.url, { ...base, connectionName: 'pitwall-bus-sub' })
    const connections = [db, pub, sub]
    // ioredis reports every failed reconnect as an 'error'; the outage is logged once, by its start and end
    for (const conn of connections) conn.on('error', () => {})
    try {
      await Promise.all(connections.map(async (conn) => { await conn.connect() }))
    } catch (err) {
      for (const conn of connections) conn.disconnect()
      throw new PitwallError('PITWALL_ERR_REDIS_UNAVAILABLE', `Redis at ${where} does not answer (${(err as Error).message}): PITWALL_REDIS_URL`, { cause: err })
    }
    return new SharedBrokerState(settings, where, db, pub, sub, deps)
  }

  private constructor (settings: SharedStateSettings, where: string, db: Redis, pub: Redis, sub: Redis, deps: SharedStateDeps) {
    this.where = where
    this.heartbeatMs = settings.heartbeatMs
    this.db = db
    this.log = deps.log
    const registers = [deps.registry]
    this.upGauge = new Gauge({ name: 'pitwall_redis_up', help: 'Whether Redis (shared broker state, PITWALL_REDIS_URL) answers this node: 1 yes, 0 no (new connections and subscriptions are refused meanwhile)', registers })
    this.refusals = new Counter({
      name: 'pitwall_redis_refused_total',
      help: 'What this node refused or left undone because Redis did not answer, by operation: connect (CONNACK 3), subscribe (SUBACK 0x80), publish (a command or status from the gateway), route (a vehicle\'s status or command acknowledgement, acknowledged but not passed on), puback (a command\'s PUBACK not cleared from its session queue), retained (a new subscription\'s retained messages not read: Redis went away after it was let through)',
      labelNames: ['operation'],
      registers
    })
    this.wills = new Counter({
      name: 'pitwall_redis_wills_total',
      help: 'Last wills of vehicles connected to a node that stopped beating, by outcome: published by this node, or dropped because the vehicle has connected to a live node since',
      labelNames: ['outcome'],
      registers
    })
    this.upGauge.set(1)
    this.mq = new SharedBus(`${settings.prefix}/`, {
      subConn: sub,
      pubConn: pub,
      // as aedes' own emitter: a bounded number of messages in delivery at once, and '#' matching its parent level [MQTT-4.7.1-3]
      concurrency: 100,
      matchEmptyLevels: true
    })
    this.mq.state.on('error', () => {})
    this.persistence = awaitedOrIgnored(new SessionStore({ conn: awaitedOrIgnored(db), packetTTL: () => QUEUED_PACKET_TTL_S },
      () => { this.refused('puback') }, () => { this.refused('retained') }), ['setup'])
    for (const conn of [db, pub, sub]) {
      conn.on('ready', () => { this.update() })
      conn.on('close', () => { this.update() })
    }
    this.probe = setInterval(() => {
      if (db.status !== 'ready') return
      db.ping().then(() => { this.probeFailed = false }, () => { this.probeFailed = true }).finally(() => { this.update() })
    }, PROBE_MS)
    this.probe.unref()
    this.recovered.push(() => { this.mq.resubscribe() })
  }

  /** Whether Redis answers now: what needs it is refused while it does not. */
  get available (): boolean {
    return this.up
  }

  /** Counts something refused (or left undone) for want of Redis. */
  refused (operation: RefusedOperation): void {
    this.refusals.inc({ operation })
    this.refusedDuringOutage.set(operation, (this.refusedDuringOutage.get(operation) ?? 0) + 1)
  }

  /** Counts a dead node's will this node published or dropped. */
  will (outcome: 'published' | 'dropped'): void {
    this.wills.inc({ outcome })
  }

  /** `listener` runs each time Redis answers again after an outage. */
  onRecovered (listener: () => void): void {
    this.recovered.push(listener)
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.probe)
    // the bus is closed with the broker (aedes closes its mq); the session store's connection is ours
    if (this.db.status === 'ready') await this.db.quit().catch(() => { this.db.disconnect() })
    else this.db.disconnect()
  }

  private update (): void {
    // the bus closes with the broker, before this: its connections ending is the node stopping, not an outage
    if (this.closed || this.mq.closing === true) return
    const up = !this.probeFailed && [this.db, this.mq.pubConn, this.mq.subConn].every((conn) => conn.status === 'ready')
    if (up === this.up) return
    this.up = up
    this.upGauge.set(up ? 1 : 0)
    if (!up) {
      this.downSince = Date.now()
      this.refusedDuringOutage = new Map()
      this.log.error({ redis: this.where, unanswered: this.probeFailed }, 'Redis does not answer: new MQTT connections and subscriptions are refused and commands wait; connected vehicles\' telemetry is still stored and acknowledged')
      return
    }
    this.log.info({ redis: this.where, downMs: Date.now() - this.downSince, refused: Object.fromEntries(this.refusedDuringOutage) }, 'Redis answers again: accepting connections and subscriptions')
    for (const listener of this.recovered) listener()
  }
}
