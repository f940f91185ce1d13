/**
 * Issue 20 item 5: two gateway nodes on one database, started with
 * different --can-dbc files, and given different rule versions on each
 * node, end decoding and evaluating the same ones: the database is the
 * source of truth, a node's start-up file is imported once (the last start's
 * wins), and each node follows the database at its next poll without
 * reloading again and again afterwards.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import t from 'tap'
import { startGateway, type Gateway } from '../../gateway/app.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { parseRules } from '../../rules/load.js'
import { poolOf } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { pitwallInProcess } from '../helpers/cli.js'
import { connectVehicle, publishQos1, testGatewayConfig } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : false
const POLL_MS = 200

/** `until`, a timeout read as false: what follows still runs and says what differs */
const within = async (what: string, probe: () => boolean): Promise<boolean> =>
  await until(what, async () => probe() ? true : undefined, { timeoutMs: 5000, pollMs: 50 }).catch(() => false)

/** One message, 0x101, whose first byte is the speed; `factor` is what tells the two files apart. */
const dbc = (factor: number): string => `VERSION "convergence ${factor}"

NS_ :

BS_:

BU_: ESC

BO_ 257 Speed: 8 ESC
 SG_ VehicleSpeed : 0|8@1+ (${factor},0) [0|${255 * factor}] "km/h" ESC

BA_DEF_ SG_ "VssSignal" STRING ;
BA_DEF_DEF_ "VssSignal" "";
BA_ "VssSignal" SG_ 257 VehicleSpeed "Vehicle.Speed";
`

/** coolant over `threshold` (a rule's version is a hash of its definition) */
const rule = (threshold: number): string => `rules:
  - id: coolant-hot
    severity: major
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: ${threshold} }
`

interface Node { name: string, gateway: Gateway, logs: Array<{ msg: string, default?: string, revision?: string }> }

t.test('nodes started with different --can-dbc files and given different rule versions converge', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const dir = await mkdtemp(join(tmpdir(), 'pitwall-convergence-'))
  await writeFile(join(dir, 'speed-x1.dbc'), dbc(1))
  await writeFile(join(dir, 'speed-x2.dbc'), dbc(2))
  const nodes: Node[] = []
  t.teardown(async () => {
    for (const n of nodes.reverse()) await n.gateway.close()
    await db.drop()
    await rm(dir, { recursive: true, force: true })
  })
  const start = async (name: string, canDbc: string): Promise<Node> => {
    const logs: Node['logs'] = []
    const sink = new Writable({ write (chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line)); done() } })
    const config = await testGatewayConfig({ databaseUrl: db.url, nodeName: name, canDbc, rulesPollMs: POLL_MS, sampleIntervalMs: 1 })
    const node = { name, gateway: await startGateway(config, pino({ level: 'info' }, sink)), logs }
    nodes.push(node)
    return node
  }
  const loads = (n: Node, msg: string): number => n.logs.filter((l) => l.msg === msg).length
  const defaultOf = (n: Node): string | undefined => n.logs.filter((l) => l.msg === 'decoder manifests loaded').at(-1)?.default

  const a = await start('node-a', `0=${join(dir, 'speed-x1.dbc')}`)
  await a.gateway.storage.rules.apply(parseRules(rule(110), 'rules-v1.yaml'))
  await a.gateway.rules.refresh()
  // B starts later with the other file: its import is the last, so both decode with it
  const b = await start('node-b', `0=${join(dir, 'speed-x2.dbc')}`)
  t.equal(defaultOf(b), '*@2', 'B decodes with the default it imported')
  t.ok(await within('node A to take up the default B imported', () => defaultOf(a) === '*@2'), 'A follows within its poll')
  const defaults = await a.gateway.storage.manifests.list({ model: '*' })
  t.same(defaults.map((m) => [m.version, m.active, m.createdBy]), [[1, false, 'node-a (--can-dbc)'], [2, true, 'node-b (--can-dbc)']], 'both starts\' files kept as versions, the last one active')

  // a rule version applied on B (pitwall rules apply through its database connection); neither node is asked to refresh
  const v2 = parseRules(rule(100), 'rules-v2.yaml')
  await b.gateway.storage.rules.apply(v2)
  const revision = await a.gateway.storage.rules.revision()
  await until('both nodes to load rule version 2', async () =>
    nodes.every((n) => n.logs.filter((l) => l.msg === 'rules loaded').at(-1)?.revision === revision) ? true : undefined, { timeoutMs: 5000, pollMs: 50 })

  // each node decodes and evaluates a vehicle of its own: the speed byte is 8, the coolant 105 °C (only version 2 fires)
  const pool = poolOf(a.gateway.storage)
  for (const n of nodes) {
    const vin = `WPWCNVRGE0000${n.name === 'node-a' ? 'A' : 'B'}001`
    const client = await connectVehicle(n.gateway.mqttPort, vin, (await provisionDevice(n.gateway.storage.vehicles, { vin })).secret)
    t.teardown(async () => { await client.endAsync() })
    await publishQos1(client, `v1/${vin}/telemetry`, testBatch({ vin, seq: 1, coolantC: 105 }))
    await n.gateway.storage.projector.idle()
    const speed = (await pool.query<{ value: number }>(
      `SELECT s.value FROM signal_samples s JOIN signal_catalog c ON c.id = s.signal_id JOIN vehicles v ON v.id = s.vehicle_id
        WHERE v.vin = $1 AND c.name = 'Vehicle.Speed'`, [vin])).rows
      .map((r) => r.value)
    t.same(speed, [16], `${n.name} decodes with the last imported DBC (factor 2)`)
    const faults = (await pool.query<{ rule_version: string }>(
      'SELECT f.rule_version FROM faults f JOIN vehicles v ON v.id = f.vehicle_id WHERE v.vin = $1', [vin])).rows
    t.same(faults, [{ rule_version: v2[0]?.version }], `${n.name} evaluates the version applied on B`)
  }

  // settled: neither node reloads again, poll after poll (nothing flaps back)
  const before = nodes.map((n) => [loads(n, 'rules loaded'), loads(n, 'decoder manifests loaded')])
  await new Promise((resolve) => setTimeout(resolve, 6 * POLL_MS))
  t.same(nodes.map((n) => [loads(n, 'rules loaded'), loads(n, 'decoder manifests loaded')]), before, 'no reload after they converged')

  // A restarts with its old file: the last start's file wins again, on both nodes (same content: its stored version, no new one)
  await a.gateway.close()
  nodes.splice(nodes.indexOf(a), 1)
  const again = await start('node-a', `0=${join(dir, 'speed-x1.dbc')}`)
  t.equal(defaultOf(again), '*@1', 'the restarted node decodes with the file it was started with')
  t.ok(await within('node B to follow the restart', () => defaultOf(b) === '*@1'), 'B follows the restart')
  t.equal((await again.gateway.storage.manifests.list({ model: '*' })).length, 2, 'the same file is one stored version')

  // the tools decode as the gateways do: a backtest without --can-dbc takes the stored default (factor 1 now: 8 km/h)
  await writeFile(join(dir, 'moving.yaml'), `rules:
  - id: moving
    severity: minor
    when: { signal: Vehicle.Speed, op: '>', value: 5 }
`)
  const backtest = await pitwallInProcess('rules', 'backtest', join(dir, 'moving.yaml'), '--database-url', db.url, '--json')
  t.equal(backtest.code, 0, backtest.stderr)
  t.match(JSON.parse(backtest.stdout), { batches: 2, decodedWith: { 'default (--can-dbc)': 2 }, byRule: { moving: 2 } }, 'decoded with the default in force')
})
