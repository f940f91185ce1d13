/**
 * Partition maintenance under faults the database reports, on PostgreSQL
 * (the faults are injected there, as triggers): a disk too full to create a
 * partition, and a batch being projected while the pass moves it out of
 * the DEFAULT partition. Nothing is refused, lost or written twice.
 */
import t from 'tap'
import { openStorage, poolOf } from '../../storage/index.js'
import { dayOf, partitionName, type Retention } from '../../storage/partitions.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { PROJECTED, testBatch } from '../helpers/batches.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
const RETENTION: Retention = { raw: 30, samples: 30, positions: 30, dtcs: 30, deadLetters: 30 }
const SETTINGS = { retention: RETENTION, aheadDays: 3, compressAfterDays: 2 }

t.test('a disk too full to create a partition: the pass says so, rows wait in the DEFAULT partition, and move once there is room', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  t.teardown(async () => { await storage.close(); await db.drop() })
  const pool = poolOf(storage)
  // what CREATE TABLE gets when the server cannot write the new relation's file
  await pool.query(`CREATE FUNCTION test_disk_full () RETURNS event_trigger LANGUAGE plpgsql AS $fn$
    BEGIN RAISE EXCEPTION 'could not create file "base/16384/17001": No space left on device' USING ERRCODE = 'disk_full'; END $fn$;
    CREATE EVENT TRIGGER test_disk_full ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION test_disk_full();`)
  const full = await storage.retention.maintain(SETTINGS, NOW)
  t.same(full.created, [])
  const today = partitionName('batches', dayOf(NOW))
  t.match(full.failures.find((f) => f.action === `create ${today}`), {
    table: 'batches',
    error: {
      code: 'PITWALL_ERR_PARTITION',
      message: `batches (raw batch archive): could not create ${today}: could not create file "base/16384/17001": No space left on device: the database is out of disk space; its rows go to batches_default meanwhile`
    }
  })
  t.equal(full.failures.length, 6 * 5, 'each table\'s five days, each reported')

  const vin = 'WPWPART0000000006'
  const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
  const record = { vehicleId, seq: 1, baseTimeUs: NOW * 1000, canFrames: 0, payload: testBatch({ vin, seq: 1, baseTimeUs: NOW * 1000 }) }
  t.equal(await storage.storeBatch({ ...record, samples: { timeUs: [NOW * 1000, NOW * 1000 + 1], signalId: [1, 2], value: [1, 2] }, gnss: [], dtcs: [] }), 'stored', 'acknowledged all the same')
  await storage.projector.idle()
  const parts = async (): Promise<string[]> => (await pool.query<{ part: string }>(
    `SELECT tableoid::regclass::text AS part FROM batches WHERE vehicle_id = $1
     UNION ALL SELECT tableoid::regclass::text FROM signal_samples WHERE vehicle_id = $1 ORDER BY 1`, [vehicleId])).rows.map((r) => r.part)
  t.same(await parts(), ['batches_default', 'signal_samples_default', 'signal_samples_default'])

  await pool.query('DROP EVENT TRIGGER test_disk_full')
  const room = await storage.retention.maintain(SETTINGS, NOW)
  t.same(room.failures, [])
  t.equal(room.created.length, 6 * 5, 'every partition made')
  t.same(room.created.find((c) => c.partition === today), { table: 'batches', partition: today, movedRows: 1 }, 'today\'s with the waiting row')
  t.same(await parts(), [today, partitionName('signal_samples', dayOf(NOW)), partitionName('signal_samples', dayOf(NOW))], 'each row once, in its day')
})

t.test('a batch whose rows are being written while the pass moves it out of the DEFAULT partition gets them once', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  t.teardown(async () => { await storage.close(); await db.drop() })
  const pool = poolOf(storage)
  const vin = 'WPWPART0000000005'
  const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
  const record = { vehicleId, seq: 1, baseTimeUs: NOW * 1000, canFrames: 0, payload: testBatch({ vin, seq: 1, baseTimeUs: NOW * 1000 }) }
  t.equal(await storage.writer.writeBatch(record), 'stored')
  // the pass's move of today's strays, slowed so the projector's claim starts while it holds the DEFAULT partition
  await pool.query(`CREATE FUNCTION test_slow_move () RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN PERFORM pg_sleep(0.5); RETURN OLD; END $fn$;
    CREATE TRIGGER test_slow_move BEFORE DELETE ON batches_default FOR EACH ROW EXECUTE FUNCTION test_slow_move();`)
  const pass = storage.retention.maintain(SETTINGS, NOW)
  const activity = async (where: string): Promise<boolean> => ((await pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND ${where}`)).rowCount ?? 0) > 0
  while (!await activity("wait_event = 'PgSleep'")) await new Promise((resolve) => setTimeout(resolve, 10))
  storage.projector.add({ ...record, samples: { timeUs: [NOW * 1000, NOW * 1000 + 1, NOW * 1000 + 2], signalId: [1, 2, 3], value: [1, 2, 3] }, gnss: [], dtcs: [] })
  while (!await activity("wait_event_type = 'Lock' AND query LIKE '%claimed%'")) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same((await pass).failures, [])
  await storage.projector.idle()
  const batch = await pool.query<{ part: string, projected: boolean }>(`SELECT tableoid::regclass::text AS part, ${PROJECTED} FROM batches b WHERE vehicle_id = $1`, [vehicleId])
  t.same(batch.rows, [{ part: partitionName('batches', dayOf(NOW)), projected: true }], 'moved into its day\'s partition, and projected')
  const samples = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM signal_samples WHERE vehicle_id = $1', [vehicleId])
  t.equal(samples.rows[0]?.n, 3, 'its rows written, once')
})
