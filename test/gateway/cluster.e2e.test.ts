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
import { createServer, type AddressInfo, type Server } from 'node:net'
import { Aedes } from 'aedes'
import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { SharedBrokerState } from '../../gateway/broker/shared-state.js'
import { createLogger } from '../../gateway/logger.js'
import { topics } from '../../proto/topics.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { closedByBroker, connectVehicle, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { dropRedisPrefix, redisReachable, SKIP_REDIS, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis.js'
import { until } from '../helpers/until.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : !(await redisReachable()) ? SKIP_REDIS : false

interface Observer {
  /** the retained message on `topic` now, read by a fresh subscription; undefined when there is none */
  retained (topic: string): Promise<string | undefined>
  /** a subscription's messages as they come */
  watch (filter: string): Promise<{ messages: Array<{ payload: string, retain: boolean }>, stop: () => Promise<void> }>
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
      const messages: Array<{ payload: string, retain: boolean }> = []
      client.on('message', (_topic, payload, packet: IPublishPacket) => { messages.push({ payload: payload.toString(), retain: packet.retain }) })
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

t.test('two gateway nodes on one database and one Redis', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const prefix = testRedisPrefix()
  // retries far off: a command a vehicle gets on node B came from its session, not from the dispatcher sending it again
  const common = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix, commandRetryMs: 600_000 }
  const a = await startTestGateway('postgres', { ...common, nodeName: 'node-a' })
  const b = await startTestGateway('postgres', { ...common, nodeName: 'node-b' })
  const observer = await observe(prefix)
  t.teardown(async () => {
    await observer.close()
    await a.close()
    await b.close()
    await db.drop()
    await dropRedisPrefix(prefix)
  })

  t.test('a vehicle connecting to node B closes its connection on node A: one connection per VIN', async (t) => {
    const vin = 'WPWCLUA0000000001'
    const secret = await a.provision(vin)
    const first = await connectVehicle(a.gateway.mqttPort, vin, secret)
    t.teardown(() => { first.end(true) })
    await until('the vehicle online on node A', async () => (await a.gateway.storage.vehicles.connectionState(vin))?.connected === true ? true : undefined)
    const second = await connectVehicle(b.gateway.mqttPort, vin, secret)
    t.teardown(() => { second.end(true) })
    await closedByBroker(first)
    t.pass('node A closed the older connection')
    t.ok(second.connected, 'the connection on node B stays')
    await until('the vehicle online on node B', async () => (await b.gateway.storage.vehicles.connectionState(vin))?.node === 'node-b' ? true : undefined)
    // what node A does after closing it must not undo the move: no offline status, no offline row
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.match(await a.gateway.storage.vehicles.connectionState(vin), { connected: true, node: 'node-b' }, 'the database says connected to node B')
    t.equal(stateOf(await observer.retained(topics.status(vin))), 'online', 'the retained status says online')
  })
})
