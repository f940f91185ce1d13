/**
 * A vehicle's rule state follows it across gateway nodes on one database
 * and one Redis (issue 20 item 2): a fault condition that persists while
 * the vehicle moves to another node is the same fault, with the same
 * occurrences, no new timeline entry and no second dealer alert; the node
 * it lands on clears it when the condition goes, a node it returns to
 * reopens the auto-cleared fault rather than trusting its stale memory, and
 * a restarted node takes the fault in force as it finds it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseRules } from '../../rules/load.js'
import { poolOf } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { closedByBroker, connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { dropRedisPrefix, redisReachable, SKIP_REDIS, TEST_REDIS_URL, testRedisPrefix } from '../helpers/redis.js'
import { until } from '../helpers/until.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : !(await redisReachable()) ? SKIP_REDIS : false

// no `for` and no clear window: a hot batch opens the fault, a cool one clears it
const RULES = `rules:
  - id: coolant-hot
    severity: major
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    reopenWithin: 10m
    action: { type: dealer_prestage, parts: [radiator fan assembly], repairHours: 2.5, fix: Replace the fan assembly. }
`

t.test('a vehicle holding a fault condition moves between nodes: one fault, its occurrences, one dealer alert', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const prefix = testRedisPrefix()
  const keysDir = await mkdtemp(join(tmpdir(), 'pitwall-rule-state-keys-'))
  const common = { databaseUrl: db.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix, commandKeysDir: keysDir, redisHeartbeatMs: 500 }
  const a = await startTestGateway('postgres', { ...common, nodeName: 'node-a' })
  const b = await startTestGateway('postgres', { ...common, nodeName: 'node-b' })
  let restarted: Awaited<ReturnType<typeof startTestGateway>> | undefined
  t.teardown(async () => {
    await restarted?.close()
    await a.close()
    if (restarted === undefined) await b.close()
    await db.drop()
    await dropRedisPrefix(prefix)
    await rm(keysDir, { recursive: true, force: true })
  })
  const { storage } = a.gateway
  const pool = poolOf(storage)
  await storage.rules.apply(parseRules(RULES, 'rules.yaml'))
  // where the test batches' GNSS fix is (Munich): the nearest dealer
  await storage.dealers.add({ id: 'dealer-munich', name: 'Autohaus München', lat: 48.137, lon: 11.575 })
  await a.gateway.rules.refresh()
  await b.gateway.rules.refresh()

  const vin = 'WPWRULESTATE00001'
  const secret = await a.provision(vin)
  const t0 = Date.now() * 1000
  let seq = 0
  const send = async (client: Awaited<ReturnType<typeof connectVehicle>>, coolantC: number): Promise<void> => {
    seq++
    await publishQos1(client, `v1/${vin}/telemetry`, testBatch({ vin, seq, baseTimeUs: t0 + seq * 1_000_000, coolantC }))
  }
  const faultRows = async (): Promise<Array<{ id: number, state: string, occurrences: number }>> =>
    (await pool.query('SELECT f.id, f.state, f.occurrences FROM faults f JOIN vehicles v ON v.id = f.vehicle_id WHERE v.vin = $1 ORDER BY f.id', [vin])).rows
  const timeline = async (faultId: number): Promise<string[]> => (await storage.faults.timeline(faultId)).map((e) => `${e.type} #${String(e.detail?.occurrences)}`)
  const alerts = async (): Promise<number> => (await storage.dealerAlerts.list('dealer-munich')).length
  const prestageActions = async (): Promise<number> =>
    Number((await pool.query("SELECT count(*) AS n FROM fault_actions WHERE kind = 'dealer_prestage'")).rows[0].n)
  // the outbox worked off, on whichever node
  const actionsDone = async (): Promise<void> => {
    await until('the fault actions handled', async () =>
      Number((await pool.query('SELECT count(*) AS n FROM fault_actions WHERE done_at IS NULL')).rows[0].n) === 0 ? true : undefined)
  }

  // on node A the coolant goes over 110 °C: the fault opens, the dealer is alerted
  const onA = await connectVehicle(a.gateway.mqttPort, vin, secret)
  await send(onA, 120)
  await send(onA, 121)
  const [fault] = await faultRows()
  t.match(fault, { state: 'open', occurrences: 1 }, 'node A opened the fault')
  const faultId = (fault as { id: number }).id
  await actionsDone()
  t.equal(await alerts(), 1, 'the dealer is alerted')

  // the link drops; the vehicle reconnects through the load balancer to node B, the coolant still hot
  const movedAway = closedByBroker(onA)
  const onB = await connectVehicle(b.gateway.mqttPort, vin, secret)
  await movedAway
  await send(onB, 122)
  await send(onB, 119)
  t.same(await faultRows(), [{ id: faultId, state: 'open', occurrences: 1 }], 'one fault row, its occurrences unchanged')
  t.same(await timeline(faultId), ['opened #1'], 'no second opening (nor a reoccurrence) in its timeline')
  await actionsDone()
  t.equal(await prestageActions(), 1, 'one pre-staging action in the outbox')
  t.equal(await alerts(), 1, 'one dealer alert')

  // node B knows the fault is open: the condition going away clears it there
  await send(onB, 90)
  t.same(await faultRows(), [{ id: faultId, state: 'auto_cleared', occurrences: 1 }], 'node B cleared the fault it resumed')

  // back on node A, whose memory still says open: the condition returning reopens the auto-cleared fault
  const movedBack = closedByBroker(onB)
  const backOnA = await connectVehicle(a.gateway.mqttPort, vin, secret)
  await movedBack
  await send(backOnA, 125)
  t.same(await faultRows(), [{ id: faultId, state: 'open', occurrences: 2 }], 'the same fault reopened, a second occurrence')
  t.same(await timeline(faultId), ['opened #1', 'cleared #1', 'reoccurred #2'])
  await actionsDone()
  t.equal(await alerts(), 1, 'a reoccurrence alerts no one again')

  // node B restarts (a new process: an empty engine) and the vehicle lands on it, still hot
  await backOnA.endAsync()
  await b.close()
  restarted = await startTestGateway('postgres', { ...common, nodeName: 'node-b' })
  await restarted.gateway.rules.refresh()
  const onRestarted = await connectVehicle(restarted.gateway.mqttPort, vin, secret)
  await send(onRestarted, 123)
  await onRestarted.endAsync()
  t.same(await faultRows(), [{ id: faultId, state: 'open', occurrences: 2 }], 'after a restart, the persisting condition is still the same occurrence')
  t.same(await timeline(faultId), ['opened #1', 'cleared #1', 'reoccurred #2'], 'nothing new in the timeline')
})
