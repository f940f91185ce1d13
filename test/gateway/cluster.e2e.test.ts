/**
 * Gateway nodes sharing one PostgreSQL database and one Redis
 * (PITWALL_REDIS_URL): what a vehicle sees through real MQTT clients when it
 * lands on another node, as MQTT brokers promise their users [MQTT-3.1.2-4,
 * MQTT-3.1.4-2]: its persistent session and the QoS 1 command in flight move
 * with it, one connection per VIN fleet-wide, the retained status and the
 * last will are the cluster's, not a node's. Each test has a Redis prefix
 * of its own (keys and channels), deleted afterwards.
 *
 * What other nodes see of the shared state is read through an observer: a
 * bare aedes broker on the same Redis prefix, which a plain MQTT client (no
 * ACL) subscribes through, as an MQTT cluster's monitoring would.
 */
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { SharedBrokerState } from '../../gateway/broker/shared-state.js'
import { createLogger } from '../../gateway/logger.js'
import { topics } from '../../proto/topics.js'
import type { CommandBody } from '../../actions/commands/model.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { closedByBroker, connectVehicle, startTestGateway } from '../helpers/gateway.js'
import { spawnGateway } from '../helpers/gateway-process.js'
import { fetchMetric } from '../helpers/metrics.js'
import { dropRedisPrefix, redisReachable, SKIP_REDIS, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis.js'
import { until } from '../helpers/until.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : !(await redisReachable()) ? SKIP_REDIS : false

interface Observer {
  /** its MQTT port: no authentication, no ACL */
  port: number
  /** the retained message on `topic` now, read by a fresh subscription; undefined when there is none */
  retained (topic: string): Promise<string | undefined>
  /** a subscription's messages as they come */
  watch (filter: string): Promise<{ messages: Array<{ topic: string, payload: string, retain: boolean }>, stop: () => Promise<void> }>
  close (): Promise<void>
}

/** A bare aedes node on the cluster's Redis prefix that never publishes wills (its heartbeat is an hour). */
async function observe (prefix: string): Promise<Observer> {
  const state = await SharedBrokerState.open({ url: TEST_REDIS_URL, prefix, heartbeatMs: 3_600_000 }, { log: createLogger('silent'), registry: new Registry() })
  const aedes = new Aedes({ persistence: state.persistence, mq: state.mq, heartbeatInterval: 3_600_000 })
  await aedes.listen()
  const server: Server = createServer(aedes.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  const connect = async (): Promise<MqttClient> => await mqtt.connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, reconnectPeriod: 0, clean: true })
  return {
    port,
    retained: async (topic) => {
      const client = await connect()
      try {
        const first = new Promise<string | undefined>((resolve) => {
          client.on('message', (_topic, payload, packet: IPublishPacket) => { if (packet.retain) resolve(payload.toString()) })
          setTimeout(() => resolve(undefined), 1000)
        })
        await client.subscribeAsync(topic, { qos: 1 })
        return await first
      } finally {
        await client.endAsync()
      }
    },
    watch: async (filter) => {
      const client = await connect()
      const messages: Array<{ topic: string, payload: string, retain: boolean }> = []
      client.on('message', (topic, payload, packet: IPublishPacket) => { messages.push({ topic, payload: payload.toString(), retain: packet.retain }) })
      await client.subscribeAsync(filter, { qos: 1 })
      return { messages, stop: async () => { await client.endAsync() } }
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve))
      await new Promise<void>((resolve) => aedes.close(() => resolve()))
      await state.close()
    }
  }
}

const stateOf = (payload: string | undefined): string | undefined => payload === undefined ? undefined : (JSON.parse(payload) as { state?: string }).state

const BALANCE: CommandBody = { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }

interface Vehicle {
  client: MqttClient
  connack: IConnackPacket
  /** PUBLISHes received, in order */
  messages: Array<{ topic: string, payload: Buffer }>
}

/**
 * A vehicle's MQTT connection with its message log attached before the
 * CONNECT goes out: a resumed session's queued packets follow the CONNACK
 * at once, in the same read. `ack: false` never acknowledges a PUBLISH (the
 * link drops before the T-box's PUBACK).
 */
async function vehicle (port: number, vin: string, secret: string, options: IClientOptions & { ack?: boolean } = {}): Promise<Vehicle> {
  const { ack = true, ...mqttOptions } = options
  const client = mqtt.connect({ host: '127.0.0.1', port, protocolVersion: 4, clientId: vin, username: vin, password: secret, reconnectPeriod: 0, connectTimeout: 5000, ...mqttOptions })
  const messages: Vehicle['messages'] = []
  const handle = client.handleMessage.bind(client)
  client.handleMessage = (packet, done) => {
    messages.push({ topic: packet.topic, payload: Buffer.from(packet.payload) })
    if (ack) handle(packet, done)
  }
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', (err) => { client.end(true); reject(err) })
    client.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
  return { client, connack, messages }
}

t.test('two gateway nodes on one database and one Redis', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const prefix = testRedisPrefix()
  // one signing key for the cluster, as its nodes share one command queue
  const keysDir = await mkdtemp(join(tmpdir(), 'pitwall-cluster-keys-'))
  const common = {
    databaseUrl: db.url,
    redisUrl: TEST_REDIS_URL,
    redisPrefix: prefix,
    commandKeysDir: keysDir,
    // a stopped node is dead after 1.5 s and its wills published within 2 s more
    redisHeartbeatMs: 500,
    // retries far off: a command a vehicle gets on node B came from its session, not from the dispatcher sending it again
    commandRetryMs: 600_000
  }
  const a = await startTestGateway('postgres', { ...common, nodeName: 'node-a' })
  const b = await startTestGateway('postgres', { ...common, nodeName: 'node-b' })
  const observer = await observe(prefix)
  t.teardown(async () => {
    await observer.close()
    await a.close()
    await b.close()
    await db.drop()
    await dropRedisPrefix(prefix)
    await rm(keysDir, { recursive: true, force: true })
  })

  t.test('a vehicle connecting to node B closes its connection on node A: one connection per VIN', async (t) => {
    const vin = 'WPWCLUA0000000001'
    const secret = await a.provision(vin)
    const first = await connectVehicle(a.gateway.mqttPort, vin, secret, { will: { topic: topics.status(vin), payload: Buffer.from(JSON.stringify({ state: 'lost' })), qos: 1, retain: true } })
    t.teardown(() => { first.end(true) })
    await until('the vehicle online on node A', async () => (await a.gateway.storage.vehicles.connectionState(vin))?.connected === true ? true : undefined)
    const watched = await observer.watch(topics.status(vin))
    t.teardown(async () => { await watched.stop() })
    const connecting = performance.now()
    const second = await connectVehicle(b.gateway.mqttPort, vin, secret)
    t.teardown(() => { second.end(true) })
    await closedByBroker(first)
    t.comment(`CONNECT to node B -> connection on node A closed: ${(performance.now() - connecting).toFixed(1)} ms (measured, not asserted)`)
    t.pass('node A closed the older connection')
    t.ok(second.connected, 'the connection on node B stays')
    await until('the vehicle online on node B', async () => (await b.gateway.storage.vehicles.connectionState(vin))?.node === 'node-b' ? true : undefined)
    await until('node B\'s "online"', async () => watched.messages.some((m) => !m.retain && stateOf(m.payload) === 'online') ? true : undefined)
    // what node A does after closing it must not undo the move, whichever lands last
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.same(watched.messages.filter((m) => !m.retain).map((m) => stateOf(m.payload)), ['online'], 'no "offline" from node A, nor the old connection\'s will: the vehicle never left')
    t.match(await a.gateway.storage.vehicles.connectionState(vin), { connected: true, node: 'node-b' }, 'the database says connected to node B')
    t.equal(stateOf(await observer.retained(topics.status(vin))), 'online', 'the retained status says online')
    t.equal((await fetchMetric(a.gateway.httpPort))('pitwall_mqtt_connected_vehicles'), 0, 'node A holds no connection')
  })

  t.test('a persistent session and the command in flight on node A move with the vehicle to node B', async (t) => {
    const vin = 'WPWCLUB0000000002'
    const secret = await a.provision(vin)
    const onA = await vehicle(a.gateway.mqttPort, vin, secret, { clean: false, ack: false })
    await onA.client.subscribeAsync(topics.command(vin), { qos: 1 })
    const issued = await a.gateway.storage.commands.enqueue({ vin, body: BALANCE, ttlMs: 600_000, requestedBy: 'eve' })
    await until('the command on node A', async () => onA.messages.length > 0 ? true : undefined)
    const sent = onA.messages[0]?.payload as Buffer
    // the radio link drops before the T-box's PUBACK: no DISCONNECT, the session stays
    onA.client.stream.destroy()
    onA.client.end(true)
    await until('the vehicle offline on node A', async () => (await a.gateway.storage.vehicles.connectionState(vin))?.connected === false ? true : undefined)

    const resuming = performance.now()
    const onB = await vehicle(b.gateway.mqttPort, vin, secret, { clean: false })
    t.teardown(() => { onB.client.end(true) })
    t.equal(onB.connack.sessionPresent, true, 'node B resumes the session node A held [MQTT-3.2.2-2]')
    await until('the command on node B', async () => onB.messages.some((m) => m.topic === topics.command(vin)) ? true : undefined, { timeoutMs: 5000 })
    t.comment(`CONNECT to node B -> queued command received: ${(performance.now() - resuming).toFixed(1)} ms (measured, not asserted)`)
    const resent = onB.messages.find((m) => m.topic === topics.command(vin))
    t.ok(resent?.payload.equals(sent), 'the same signed bytes: the packet queued in the session, not a new attempt by the dispatcher')
    t.equal((await a.gateway.storage.commands.get(issued.id)).attempts, 1, 'sent once by the dispatcher')

    // the session's subscription came along without a SUBSCRIBE: a message on its command topic, published from another node, arrives
    const sender = await mqtt.connectAsync({ host: '127.0.0.1', port: observer.port, protocolVersion: 4, reconnectPeriod: 0 })
    t.teardown(async () => { await sender.endAsync() })
    await sender.publishAsync(topics.command(vin), Buffer.from('through the restored subscription'), { qos: 1 })
    await until('the message through the restored subscription', async () => onB.messages.some((m) => m.payload.toString() === 'through the restored subscription') ? true : undefined, { timeoutMs: 5000 })
    t.pass('delivered to node B\'s connection by the subscription made on node A')
  })

  t.test('the retained status is the cluster\'s: stored by node A, read from another node', async (t) => {
    const vin = 'WPWCLUC0000000003'
    const secret = await a.provision(vin)
    const onA = await connectVehicle(a.gateway.mqttPort, vin, secret)
    t.teardown(() => { onA.end(true) })
    t.equal(stateOf(await observer.retained(topics.status(vin))), 'online', 'node A\'s "online" is read through the observer')
    // the vehicle's own status, a retained QoS 1 PUBLISH to node A
    await onA.publishAsync(topics.status(vin), Buffer.from(JSON.stringify({ state: 'parked', soc: 81 })), { qos: 1, retain: true })
    t.same(JSON.parse(await observer.retained(topics.status(vin)) ?? 'null'), { state: 'parked', soc: 81 }, 'the vehicle\'s own retained status, as published on node A')
    await onA.endAsync()
    await until('the retained status offline', async () => stateOf(await observer.retained(topics.status(vin))) === 'offline' ? true : undefined, { timeoutMs: 5000 })
    t.pass('a clean DISCONNECT from node A leaves "offline" retained for every node')
  })

  t.test('a node that dies: its vehicles\' last wills are published by another node, unless the vehicle came back', async (t) => {
    const gone = 'WPWCLUD0000000004'
    const back = 'WPWCLUE0000000005'
    const secrets = { gone: await a.provision(gone), back: await a.provision(back) }
    // a node of its own process, to be killed as a crash would; joined by the flag, the rest by the environment
    const dying = await spawnGateway(db.url, undefined, {
      PITWALL_REDIS_PREFIX: prefix, PITWALL_REDIS_HEARTBEAT_MS: '500', PITWALL_COMMAND_KEYS_DIR: keysDir, PITWALL_NODE_NAME: 'node-c'
    }, ['--redis-url', TEST_REDIS_URL])
    t.teardown(async () => { await dying.kill() })
    const will = (vin: string): IClientOptions['will'] => ({ topic: topics.status(vin), payload: Buffer.from(JSON.stringify({ state: 'lost' })), qos: 1, retain: true })
    // persistent sessions subscribed to their own status: a will published while they are away waits in the session
    const onC = await vehicle(dying.mqttPort, gone, secrets.gone, { clean: false, will: will(gone) })
    await onC.client.subscribeAsync(topics.status(gone), { qos: 1 })
    const backOnC = await vehicle(dying.mqttPort, back, secrets.back, { clean: false, will: will(back) })
    const watched = await observer.watch('v1/+/status')
    t.teardown(async () => { await watched.stop() })
    const [metricsA, metricsB] = [() => fetchMetric(a.gateway.httpPort), () => fetchMetric(b.gateway.httpPort)]
    const wills = async (outcome: string): Promise<number> => (await metricsA())(`pitwall_redis_wills_total{outcome="${outcome}"}`) + (await metricsB())(`pitwall_redis_wills_total{outcome="${outcome}"}`)

    await dying.kill()
    onC.client.end(true)
    backOnC.client.end(true)
    // one vehicle reconnects at once, to node B, before node C is known dead
    const backOnB = await vehicle(b.gateway.mqttPort, back, secrets.back, { clean: false })
    t.teardown(() => { backOnB.client.end(true) })

    await until('the will of the vehicle that stayed away', async () => watched.messages.some((m) => m.topic === topics.status(gone) && stateOf(m.payload) === 'lost') ? true : undefined, { timeoutMs: 10_000 })
    t.equal(stateOf(await observer.retained(topics.status(gone))), 'lost', 'its retained status is its will')
    await until('the other will dropped', async () => await wills('dropped') > 0 ? true : undefined, { timeoutMs: 10_000 })
    t.ok(await wills('published') >= 1, 'counted as published')
    t.equal(stateOf(await observer.retained(topics.status(back))), 'online', 'the vehicle back on node B stays online: its stale will was dropped')
    t.notOk(watched.messages.some((m) => m.topic === topics.status(back) && stateOf(m.payload) === 'lost'), 'and was never published')

    // the vehicle that stayed away finds the will in its session when it returns, on any node
    const goneOnA = await vehicle(a.gateway.mqttPort, gone, secrets.gone, { clean: false })
    t.teardown(() => { goneOnA.client.end(true) })
    await until('the queued will', async () => goneOnA.messages.some((m) => stateOf(m.payload.toString()) === 'lost') ? true : undefined, { timeoutMs: 5000 })
    t.pass('delivered from its session on node A')
  })

  t.test('a command sent through node A\'s API reaches a vehicle connected to node B', async (t) => {
    const token = (await a.gateway.storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
    const send = async (vin: string): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${a.gateway.httpPort}/api/v1/commands`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ vin, action: BALANCE.action })
      })
      t.equal(res.status, 201, `queued for ${vin} through node A`)
      return performance.now()
    }
    const [here, there] = ['WPWCLUF0000000006', 'WPWCLUG0000000007']
    const onA = await vehicle(a.gateway.mqttPort, here, await a.provision(here))
    const onB = await vehicle(b.gateway.mqttPort, there, await a.provision(there))
    t.teardown(() => { onA.client.end(true); onB.client.end(true) })
    await onA.client.subscribeAsync(topics.command(here), { qos: 1 })
    await onB.client.subscribeAsync(topics.command(there), { qos: 1 })
    const arrival = async (v: Vehicle, vin: string): Promise<number> => await until(`the command for ${vin}`, async () => v.messages.some((m) => m.topic === topics.command(vin)) ? performance.now() : undefined, { pollMs: 2, timeoutMs: 5000 })
    const sentHere = await send(here)
    const local = await arrival(onA, here) - sentHere
    const sentThere = await send(there)
    const remote = await arrival(onB, there) - sentThere
    t.pass('delivered by node B, where the vehicle is')
    t.comment(`API on node A -> command at the vehicle: ${local.toFixed(1)} ms on node A, ${remote.toFixed(1)} ms on node B (measured, not asserted; one sample each)`)
  })
})
