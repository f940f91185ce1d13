/**
 * A node that loses Redis (issue 20, item 5): its connected vehicles'
 * telemetry is still stored and acknowledged (PUBACK after the durable
 * commit, as ever), what needs Redis is refused with a log line and a
 * metric that say so, and the node takes connections and delivers commands
 * again once Redis is back. The Redis is the test's own (a redis-server on a
 * free port, killed by its PID), never the shared one.
 */
import { Writable } from 'node:stream'
import type { MqttClient } from 'mqtt'
import { pino } from 'pino'
import t from 'tap'
import type { CommandBody } from '../../actions/commands/model.js'
import { commandsBetween, redisCommandCalls } from '../../bench/reliability/redis-keys.js'
import { startGateway } from '../../gateway/app.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { topics } from '../../proto/topics.js'
import { freePort } from '../../runtime/free-port.js'
import { poolOf } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1, testGatewayConfig } from '../helpers/gateway.js'
import { fetchMetric } from '../helpers/metrics.js'
import { redisServerInstalled, SKIP_REDIS_SERVER, startPrivateRedis } from '../helpers/redis.js'
import { until } from '../helpers/until.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : !redisServerInstalled() ? SKIP_REDIS_SERVER : false

const BALANCE: CommandBody = { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }
/** batches sent while Redis is down, all at once (more than aedes reads ahead on one connection) */
const DURING = 60

/** batches whose cost in Redis commands is counted, Redis up */
const COUNTED = 50

/** Rejects when `work` has not settled within `ms`: a PUBACK that never comes fails the test instead of hanging it. */
async function within<T> (ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms) })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

t.test('a node that loses Redis keeps its vehicles\' ingest durable, refuses what needs Redis, and recovers', { skip }, async (t) => {
  const redis = await startPrivateRedis()
  const db = await createTestDatabase({ migrated: true })
  const lines: Array<{ msg?: string, level?: number, refused?: Record<string, number> }> = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l)); done() } })
  const config = await testGatewayConfig({
    databaseUrl: db.url,
    redisUrl: redis.url,
    nodeName: 'node-r',
    // a command refused for want of Redis goes out at the next pass after Redis is back
    commandRetryMs: 500
  })
  const gateway = await startGateway(config, pino({ level: 'info' }, sink))
  t.teardown(async () => {
    await gateway.close()
    await redis.close()
    await db.drop()
  })
  const metric = async (series: string): Promise<number> => (await fetchMetric(gateway.httpPort))(series)
  const vin = 'WPWRDSA0000000001'
  const { secret } = await provisionDevice(gateway.storage.vehicles, { vin })
  const late = 'WPWRDSB0000000002'
  const lateSecret = (await provisionDevice(gateway.storage.vehicles, { vin: late })).secret

  const messages: string[] = []
  const client: MqttClient = await connectVehicle(gateway.mqttPort, vin, secret, { clean: false })
  t.teardown(() => { client.end(true) })
  let closed = 0
  client.on('close', () => { closed++ })
  client.on('message', (topic, payload) => { if (topic === topics.command(vin)) messages.push(payload.toString('hex')) })
  await client.subscribeAsync(topics.command(vin), { qos: 1 })
  await publishQos1(client, topics.telemetry(vin), testBatch({ vin, seq: 1 }))
  // what a batch costs in Redis commands: nothing (telemetry is never routed); the node's PINGs and heartbeats are the rest
  const before = await redisCommandCalls(redis.url)
  for (let seq = 2; seq <= 1 + COUNTED; seq++) await publishQos1(client, topics.telemetry(vin), testBatch({ vin, seq }))
  const spent = [...commandsBetween(before, await redisCommandCalls(redis.url)).values()].reduce((sum, calls) => sum + calls, 0)
  t.comment(`Redis commands other than PING while ${COUNTED} batches were acknowledged: ${spent}`)
  t.ok(spent < COUNTED / 10, `telemetry costs no Redis round trip (${spent} commands for ${COUNTED} batches)`)

  await redis.kill()
  await until('the node to see Redis gone', async () => await metric('pitwall_redis_up') === 0 ? true : undefined, { timeoutMs: 5000 })
  t.ok(lines.some((l) => l.level === 50 && l.msg?.startsWith('Redis does not answer') === true), 'an error line says Redis is gone and what is refused meanwhile')
  const ready = await fetch(`http://127.0.0.1:${gateway.httpPort}/readyz`)
  t.equal(ready.status, 503, '/readyz sends a load balancer\'s new connections elsewhere')
  t.match(await ready.json(), { code: 'PITWALL_ERR_REDIS_UNAVAILABLE' })

  const started = Date.now()
  await within(15_000, 'the batches sent while Redis is down', Promise.all(Array.from({ length: DURING }, async (_, i) => {
    await publishQos1(client, topics.telemetry(vin), testBatch({ vin, seq: 2 + COUNTED + i }))
  })))
  t.comment(`${DURING} batches acknowledged in ${Date.now() - started} ms with Redis down`)
  const [stored] = (await poolOf(gateway.storage).query<{ n: number, distinct: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1', [vin])).rows
  t.strictSame(stored, { n: 1 + COUNTED + DURING, distinct: 1 + COUNTED + DURING }, 'every acknowledged batch is stored, once')

  // the vehicle's own status: acknowledged, not routed, and the connection stays
  await within(5000, 'the status PUBACK', client.publishAsync(topics.status(vin), Buffer.from('{"state":"parked"}'), { qos: 1, retain: true }))
  t.equal(await metric('pitwall_redis_refused_total{operation="route"}'), 1, 'the status it could not pass on is counted, and only it: batches are not routed')

  const refusedConnect = await connectVehicle(gateway.mqttPort, late, lateSecret).then(() => undefined, (err: Error & { code?: number }) => err)
  t.equal(refusedConnect?.code, 3, 'a new connection gets return code 3, server unavailable')
  t.equal(await metric('pitwall_redis_refused_total{operation="connect"}'), 1, 'counted as a refused connect')
  t.equal(await metric('pitwall_mqtt_auth_failures_total{reason="redis"}'), 1, 'and among the refused connections, by its reason')

  // mqtt.js rejects a SUBACK that refuses a filter, with the SUBACK
  const refusedSubscribe = await client.subscribeAsync(`v1/${vin}/cmd/+`, { qos: 1 }).then(() => undefined, (err: Error & { packet?: { granted?: number[] } }) => err)
  t.same(refusedSubscribe?.packet?.granted, [128], 'a SUBSCRIBE is refused (0x80) and the connection stays')
  t.equal(await metric('pitwall_redis_refused_total{operation="subscribe"}'), 1)

  const command = await gateway.storage.commands.enqueue({ vin, body: BALANCE, ttlMs: 600_000, requestedBy: 'eve' })
  await until('the command refused at publish', async () => await metric('pitwall_redis_refused_total{operation="publish"}') > 0 ? true : undefined, { timeoutMs: 5000 })
  t.same(messages, [], 'no command reaches the vehicle while the node cannot route it')
  t.match(await gateway.storage.commands.get(command.id), { state: 'queued', attempts: 0 }, 'nor is it recorded as sent: nothing left the node')
  t.equal(closed, 0, 'the vehicle\'s connection stayed up throughout')

  await redis.start()
  await until('the node to see Redis back', async () => await metric('pitwall_redis_up') === 1 ? true : undefined, { timeoutMs: 10_000 })
  const back = lines.find((l) => l.msg?.startsWith('Redis answers again') === true)
  t.ok(back, 'an info line says Redis is back')
  t.ok((back?.refused?.connect ?? 0) >= 1 && (back?.refused?.subscribe ?? 0) >= 1, 'with what was refused during the outage')
  t.equal((await fetch(`http://127.0.0.1:${gateway.httpPort}/readyz`)).status, 200, 'ready again')
  await until('the command delivered', async () => messages.length > 0 ? true : undefined, { timeoutMs: 10_000 })
  t.match(await gateway.storage.commands.get(command.id), { state: 'sent', attempts: 1 }, 'the command waited in the database and went out once Redis answered, sent once')
  const connected = await connectVehicle(gateway.mqttPort, late, lateSecret).then((c) => { c.end(true); return true }, () => false)
  t.ok(connected, 'new connections are accepted again')
  await within(5000, 'a batch after the outage', publishQos1(client, topics.telemetry(vin), testBatch({ vin, seq: 2 + COUNTED + DURING })))
  t.equal(closed, 0, 'and the vehicle never had to reconnect')
})


t.test('a node does not start without Redis, and stops in time while Redis is away', { skip }, async (t) => {
  const redis = await startPrivateRedis()
  const db = await createTestDatabase({ migrated: true })
  t.teardown(async () => {
    await redis.close()
    await db.drop()
  })
  const nobody = `redis://:hunter2@127.0.0.1:${await freePort()}/3`
  await t.rejects(startGateway(await testGatewayConfig({ databaseUrl: db.url, redisUrl: nobody })),
    { code: 'PITWALL_ERR_REDIS_UNAVAILABLE', message: /^Redis at redis:\/\/127\.0\.0\.1:\d+\/3 does not answer/ }, 'refused at start, naming where (never the password)')

  const lines: Array<{ msg?: string, level?: number }> = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l)); done() } })
  const gateway = await startGateway(await testGatewayConfig({ databaseUrl: db.url, redisUrl: redis.url }), pino({ level: 'info' }, sink))
  const vin = 'WPWRDSC0000000003'
  const { secret } = await provisionDevice(gateway.storage.vehicles, { vin })
  const client = await connectVehicle(gateway.mqttPort, vin, secret, { clean: false })
  t.teardown(() => { client.end(true) })
  await client.subscribeAsync(topics.command(vin), { qos: 1 })
  await redis.kill()
  await until('the node to see Redis gone', async () => await (await fetchMetric(gateway.httpPort))('pitwall_redis_up') === 0 ? true : undefined, { timeoutMs: 5000 })
  const stopping = Date.now()
  await within(10_000, 'gateway.close() with Redis away', gateway.close())
  t.comment(`stopped in ${Date.now() - stopping} ms with Redis away`)
  t.pass('the node stops: its vehicles disconnected, nothing waits for Redis')

  // a stop with Redis up is not an outage
  await redis.start()
  const calm: typeof lines = []
  const calmSink = new Writable({ write (chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n')) if (l !== '') calm.push(JSON.parse(l)); done() } })
  const again = await startGateway(await testGatewayConfig({ databaseUrl: db.url, redisUrl: redis.url }), pino({ level: 'info' }, calmSink))
  await again.close()
  t.same(calm.filter((l) => (l.level ?? 0) >= 40).map((l) => l.msg), [], 'no warning or error on a clean stop')
})
