/**
 * The gateway's database role may not create partitions (it lacks CREATE on
 * the schema and does not own the tables, as a least-privilege role set up
 * by hand would): every maintenance pass logs why, naming the table, the
 * partition and the database's own words, and counts it; ingest goes on
 * (rows wait in the DEFAULT partitions) and every acknowledged batch is
 * stored; once the role is given the privilege, the next pass moves the
 * waiting rows into their days' partitions, none lost or doubled.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import pg from 'pg'
import { pino } from 'pino'
import { startGateway } from '../../gateway/app.js'
import { loadConfig } from '../../gateway/config.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { freePort } from '../../runtime/free-port.js'
import { DAY_MS, partitionName } from '../../storage/partitions.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1 } from '../helpers/gateway.js'
import { fetchMetric } from '../helpers/metrics.js'
import { until } from '../helpers/until.js'

const VIN = 'WPWPR1V1LEGE00001'
const TABLES = ['batches', 'signal_samples', 'signal_minutes', 'gnss_fixes', 'dtc_events', 'dead_letters']

interface LogLine { level: number, msg: string, [field: string]: unknown }

t.test('a role that may not create partitions: clear errors, nothing refused or lost, the rows moved once it may', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const admin = new pg.Pool({ connectionString: db.url, max: 1 })
  // roles are the server's, not the database's: named for this run, dropped after the database
  const suffix = randomBytes(4).toString('hex')
  const owner = `pitwall_owner_${suffix}`
  const app = `pitwall_app_${suffix}`
  t.teardown(async () => {
    await admin.end()
    await db.drop()
    const server = new pg.Client({ connectionString: new URL('/postgres', db.url).toString() })
    await server.connect()
    await server.query(`DROP ROLE IF EXISTS ${app}`)
    await server.query(`DROP ROLE IF EXISTS ${owner}`)
    await server.end()
  })
  // the schema belongs to a migration role; the gateway runs as a role with DML only
  await admin.query(`CREATE ROLE ${owner} NOLOGIN; CREATE ROLE ${app} LOGIN;
    GRANT CREATE, USAGE ON SCHEMA public TO ${owner};
    DO $do$ DECLARE r record; BEGIN
      FOR r IN SELECT c.oid::regclass AS name FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v') LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO ${owner}', r.name);
      END LOOP;
    END $do$;
    GRANT USAGE ON SCHEMA public TO ${app};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${app};`)
  const asApp = new URL(db.url)
  asApp.username = app

  const lines: LogLine[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as LogLine); done() } })
  const config = loadConfig({}, {
    mqttHost: '127.0.0.1', mqttPort: await freePort(), httpHost: '127.0.0.1', httpPort: 0, dataDir: 'memory://', databaseUrl: asApp.toString(),
    // a pass every second, so the test sees the next one soon after the grant
    storageMaintenanceIntervalMs: 1000
  })
  const gateway = await startGateway(config, pino({ level: 'info' }, sink))
  t.teardown(() => gateway.close())
  const { secret } = await provisionDevice(gateway.storage.vehicles, { vin: VIN })
  const client = await connectVehicle(gateway.mqttPort, VIN, secret)
  t.teardown(() => client.end(true))

  const today = partitionName('batches', Math.floor(Date.now() / DAY_MS) * DAY_MS)
  const failure = await until('the pass to fail for today\'s batches partition', async () =>
    lines.find((l) => l.msg.startsWith('partition maintenance failed') && l.action === `create ${today}`))
  t.match(failure, {
    code: 'PITWALL_ERR_PARTITION',
    sqlState: '42501',
    table: 'batches',
    err: `batches (raw batch archive): could not create ${today}: permission denied for schema public`
  }, 'the table, the partition and the database\'s reason')
  t.match(failure.err, /must have CREATE on the schema and own the table .*; its rows go to batches_default meanwhile/, 'what to grant, and that nothing is refused meanwhile')
  const failures = await fetchMetric(gateway.httpPort)
  t.ok(failures('pitwall_partition_failures_total{table="batches"}') >= 1, 'counted per table')
  t.ok(failures('pitwall_partition_failures_total{table="signal_samples"}') >= 1)

  const baseUs = Date.now() * 1000
  const send = async (seq: number): Promise<void> => { await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq, baseTimeUs: baseUs + seq * 1000 })) }
  for (let seq = 1; seq <= 5; seq++) await send(seq)
  await gateway.storage.projector.idle()
  const where = async (): Promise<Record<string, number>> => {
    const out: Record<string, number> = {}
    for (const table of ['batches', 'signal_samples', 'gnss_fixes', 'dtc_events']) {
      for (const r of (await admin.query<{ part: string, n: number }>(`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ${table} GROUP BY 1`)).rows) out[r.part] = r.n
    }
    return out
  }
  t.same(await where(), { batches_default: 5, signal_samples_default: 15, gnss_fixes_default: 5, dtc_events_default: 5 }, 'acknowledged and stored, waiting in the DEFAULT partitions')

  // the fix an operator makes; batches keep coming meanwhile
  const sending = (async () => { for (let seq = 6; seq <= 15; seq++) { await send(seq); await new Promise((resolve) => setTimeout(resolve, 100)) } })()
  await new Promise((resolve) => setTimeout(resolve, 300))
  await admin.query(`GRANT ${owner} TO ${app}`)
  await sending
  // the pass logs and counts what it did once it has done all of it
  const created = await until('the pass to create today\'s batches partition', async () => lines.find((l) => l.msg === 'partition created' && l.partition === today))
  const moved = await until('the waiting rows to move into their days\' partitions', async () => {
    await gateway.storage.projector.idle()
    const parts = await where()
    return Object.keys(parts).some((p) => p.endsWith('_default')) ? undefined : parts
  })
  const day = (table: string, n: number): void => {
    // summed: a run that crosses midnight (UTC) has rows in two days' partitions
    const inDays = Object.entries(moved).filter(([part]) => part.startsWith(`${table}_p`)).reduce((sum, [, rows]) => sum + rows, 0)
    t.equal(inDays, n, `${table}: ${n} rows in day partitions`)
  }
  day('batches', 15)
  day('signal_samples', 45)
  day('gnss_fixes', 15)
  day('dtc_events', 15)
  const once = await admin.query<{ n: number, distinct: number, unprojected: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct, (SELECT count(*)::int FROM unprojected_batches) AS unprojected FROM batches')
  t.same(once.rows[0], { n: 15, distinct: 15, unprojected: 0 }, 'every batch once, with its rows')
  const doubled = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT time, signal_id FROM signal_samples GROUP BY 1, 2 HAVING count(*) > 1) d')
  t.equal(doubled.rows[0]?.n, 0, 'no sample twice')
  t.match(created, { table: 'batches', partition: today }, 'the pass says what it made')
  t.ok((created.movedRows as number) >= 5, `and how many waiting rows it moved (${String(created.movedRows)})`)
  const made = await fetchMetric(gateway.httpPort)
  for (const table of TABLES) t.ok(made(`pitwall_partitions_created_total{table="${table}"}`) >= 1, `${table}: partitions created`)
})
