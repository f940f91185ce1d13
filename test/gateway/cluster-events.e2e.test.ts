/**
 * The console's live events on a cluster (issue 20 item 2): nodes on one
 * PostgreSQL database and one Redis, a console streaming
 * /api/v1/events from node B, a vehicle connected to node A. What the
 * vehicle causes on node A (a fault its telemetry opens, a command's
 * states as node A sends it and the vehicle answers) reaches the stream on
 * node B: fleet events are NOTIFYs from triggers in the writing transaction,
 * heard by every node's listener (see ARCHITECTURE.md, Live events).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import t from 'tap'
import { pitwall } from '../../proto/index.js'
import { topics } from '../../proto/topics.js'
import { parseRules } from '../../rules/load.js'
import { roleTokens } from '../helpers/api-client.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { dropRedisPrefix, redisReachable, SKIP_REDIS, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis.js'
import { until } from '../helpers/until.js'
import { dataOf, SseClient, type SseEvent } from './events/sse-client.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : !(await redisReachable()) ? SKIP_REDIS : false

const RULES = `rules:
  - id: coolant-hot
    severity: major
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
`

const isEvent = (kind: string, match: Record<string, unknown>) => (e: SseEvent): boolean =>
  e.event === kind && Object.entries(match).every(([k, v]) => dataOf(e)[k] === v)

t.test('a console on node B sees what a vehicle connected to node A causes', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const prefix = testRedisPrefix()
  const keysDir = await mkdtemp(join(tmpdir(), 'pitwall-cluster-events-keys-'))
  const common = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix, commandKeysDir: keysDir, redisHeartbeatMs: 500 }
  const a = await startTestGateway('postgres', { ...common, nodeName: 'node-a' })
  const b = await startTestGateway('postgres', { ...common, nodeName: 'node-b' })
  t.teardown(async () => {
    await a.close()
    await b.close()
    await db.drop()
    await dropRedisPrefix(prefix)
    await rm(keysDir, { recursive: true, force: true })
  })
  const { storage } = a.gateway
  await storage.rules.apply(parseRules(RULES, 'rules.yaml'))
  await a.gateway.rules.refresh()
  const tokens = await roleTokens(storage.apiTokens)
  const events = await SseClient.open(b.gateway.httpPort, '/api/v1/events', tokens.engineer)
  t.teardown(() => { events.close() })
  t.equal(events.status, 200, 'the console\'s stream, on node B')

  const vin = 'WPWCLEV0000000001'
  const vehicle: MqttClient = await connectVehicle(a.gateway.mqttPort, vin, await a.provision(vin))
  t.teardown(async () => { await vehicle.endAsync() })
  const commands: Buffer[] = []
  vehicle.on('message', (topic, payload) => { if (topic === topics.command(vin)) commands.push(payload) })
  await vehicle.subscribeAsync(topics.command(vin), { qos: 1 })
  t.match(dataOf(await events.next(isEvent('vehicle', { vin, connected: true }))), { node: 'node-a' }, 'the vehicle online, on node A')

  await publishQos1(vehicle, `v1/${vin}/telemetry`, testBatch({ vin, seq: 1, coolantC: 120 }))
  const [fault] = await storage.faults.list({ vin })
  t.match(fault, { ruleId: 'coolant-hot', state: 'open' }, 'node A\'s rules opened the fault')
  t.match(dataOf(await events.next(isEvent('fault', { id: fault?.id, event: 'opened' }))), { vin, state: 'open', severity: 'major', rule: 'coolant-hot' },
    'the opening reaches the console on node B')

  // an engineer on node B sends a remote action; node A, where the vehicle is, delivers it
  const res = await fetch(`http://127.0.0.1:${b.gateway.httpPort}/api/v1/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.engineer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ vin, action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } })
  })
  t.equal(res.status, 201)
  const { id } = await res.json() as { id: string }
  t.match(dataOf(await events.next(isEvent('command', { id, state: 'queued' }))), { vin })
  await until('the command at the vehicle', async () => commands.length > 0 ? true : undefined)
  t.match(dataOf(await events.next(isEvent('command', { id, state: 'sent' }))), { vin }, 'sent by node A, heard on node B')
  await publishQos1(vehicle, topics.commandAck(vin), pitwall.v1.CommandAck.encode({ id, state: pitwall.v1.CommandAck.State.SUCCEEDED, progress: 100 }).finish())
  t.match(dataOf(await events.next(isEvent('command', { id, state: 'succeeded' }))), { vin }, 'the vehicle\'s answer to node A, heard on node B')
})
