/**
 * Daily partitions and retention on plain PostgreSQL and the embedded
 * PGlite (migration 028, storage/partitions.ts): a day's rows land in that
 * day's partition, rows of a day without one wait in the DEFAULT partition
 * and move in once it is made, expired days are dropped whole, a partition
 * that cannot be made loses nothing, and a database from before partitioning
 * is migrated with every row kept.
 */
import t from 'tap'
import pg from 'pg'
import { openEmbedded } from '../../storage/embedded.js'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import { migrate } from '../../storage/migrate.js'
import { DAY_MS, dayOf, partitionName, type Retention } from '../../storage/partitions.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'

const NOW = Date.parse('2026-11-20T12:00:00Z')
const RETENTION: Retention = { raw: 30, samples: 30, positions: 30, dtcs: 30, deadLetters: 30 }
const SETTINGS = { retention: RETENTION, aheadDays: 3, compressAfterDays: 2 }

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  const skip = backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false

  t.test(`on ${backend}: rows by day, waiting rows, expiry`, { skip }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const pool = poolOf(storage)
    const vehicleId = await storage.vehicles.add({ vin: 'WPWPART0000000001', model: 'demo-ev' }, 'scrypt$x')
    let seq = 0
    const store = async (timeMs: number): Promise<{ seq: number, outcome: string }> => {
      const s = ++seq
      const payload = testBatch({ vin: 'WPWPART0000000001', seq: s, baseTimeUs: timeMs * 1000 })
      return { seq: s, outcome: await storage.writer.writeBatch({ vehicleId, seq: s, baseTimeUs: timeMs * 1000, canFrames: 3, payload }) }
    }
    const whereIs = async (s: number): Promise<string | undefined> =>
      (await pool.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM batches WHERE vehicle_id = $1 AND seq = $2', [vehicleId, s])).rows[0]?.part

    t.equal(await storage.retention.shape(), 'partitions')
    const first = await storage.retention.maintain(SETTINGS, NOW)
    t.same(first.failures, [])
    const made = first.created.filter((c) => c.table === 'batches').map((c) => c.partition)
    t.same(made, [-1, 0, 1, 2, 3].map((d) => partitionName('batches', dayOf(NOW) + d * DAY_MS)), 'yesterday to 3 days ahead')
    t.equal(first.created.length, 6 * 5, 'for each of the six tables')
    t.same((await storage.retention.maintain(SETTINGS, NOW)).created, [], 'a second pass finds them made')

    const today = await store(NOW)
    t.equal(today.outcome, 'stored')
    t.equal(await whereIs(today.seq), partitionName('batches', dayOf(NOW)))
    const again = testBatch({ vin: 'WPWPART0000000001', seq: today.seq, baseTimeUs: NOW * 1000 })
    t.equal(await storage.writer.writeBatch({ vehicleId, seq: today.seq, baseTimeUs: NOW * 1000, canFrames: 3, payload: again }), 'duplicate', 'redelivery is still found in the partition')

    // a backlog from 10 days ago: no partition for that day yet
    const backlog = await store(NOW - 10 * DAY_MS)
    t.equal(backlog.outcome, 'stored', 'acknowledged although its day has no partition')
    t.equal(await whereIs(backlog.seq), 'batches_default')
    // older than the retention: kept until the next pass, then deleted as its partition would have been
    const expired = await store(NOW - 40 * DAY_MS)
    t.equal(expired.outcome, 'stored')
    t.same((await storage.retention.status(RETENTION, NOW)).find((s) => s.table === 'batches')?.strayRows, 2, 'status counts the waiting rows')

    const second = await storage.retention.maintain(SETTINGS, NOW)
    t.same(second.created, [{ table: 'batches', partition: partitionName('batches', dayOf(NOW - 10 * DAY_MS)), movedRows: 1 }], 'the waiting row got its day\'s partition')
    t.equal(await whereIs(backlog.seq), partitionName('batches', dayOf(NOW - 10 * DAY_MS)))
    t.equal(second.expiredStrays, 1)
    t.equal(await whereIs(expired.seq), undefined, 'the expired one is gone')
    t.same(second.failures, [], 'and the DEFAULT partition vacuumed after (on the embedded engine too)')
    if (backend === 'postgres') {
      // its index would otherwise keep the moved rows, and every lookup reaching it step over them
      const stats = await pool.query<{ relname: string, vacuumed: boolean, analyzed: boolean }>(
        'SELECT relname, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname',
        [['batches_default', partitionName('batches', dayOf(NOW - 10 * DAY_MS))]])
      t.same(stats.rows, [
        { relname: 'batches_default', vacuumed: true, analyzed: true },
        { relname: partitionName('batches', dayOf(NOW - 10 * DAY_MS)), vacuumed: false, analyzed: true }
      ], 'vacuumed, and the partition given its rows analyzed')
    }

    const status = (await storage.retention.status(RETENTION, NOW)).find((s) => s.table === 'batches')
    t.match(status, {
      rows: 2,
      rowsEstimated: false,
      parts: 7,
      oldestMs: NOW - 10 * DAY_MS,
      newestMs: NOW,
      strayRows: 0,
      nextDrop: { atMs: dayOf(NOW - 10 * DAY_MS) + DAY_MS + 30 * DAY_MS, part: partitionName('batches', dayOf(NOW - 10 * DAY_MS)) }
    })
    t.ok((status?.bytes ?? 0) > 0)

    // 25 days later the backlog's day has expired, today's has not
    const later = await storage.retention.maintain(SETTINGS, NOW + 25 * DAY_MS)
    t.same(later.failures, [])
    t.ok(later.dropped.some((d) => d.partition === partitionName('batches', dayOf(NOW - 10 * DAY_MS))), 'the expired day is dropped')
    t.notOk(later.dropped.some((d) => d.partition === partitionName('batches', dayOf(NOW))), 'a day within retention is kept')
    t.equal(await whereIs(backlog.seq), undefined)
    t.equal(await whereIs(today.seq), partitionName('batches', dayOf(NOW)))
  })

  t.test(`on ${backend}: a partition that cannot be made loses nothing`, { skip }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const pool = poolOf(storage)
    const vehicleId = await storage.vehicles.add({ vin: 'WPWPART0000000002', model: 'demo-ev' }, 'scrypt$x')
    const blocked = partitionName('signal_samples', dayOf(NOW))
    // a table already holding the partition's name: what a failed CREATE looks like from here, whatever the cause
    await pool.query(`CREATE TABLE ${blocked} (x int)`)
    const pass = await storage.retention.maintain(SETTINGS, NOW)
    const failure = pass.failures.find((f) => f.table === 'signal_samples')
    t.equal(failure?.error.code, 'PITWALL_ERR_PARTITION')
    t.match(failure?.error.message, `signal_samples (decoded signal samples): could not create ${blocked}`)
    t.match(failure?.error.message, 'its rows go to signal_samples_default meanwhile')
    t.ok(pass.created.some((c) => c.table === 'batches'), 'the other tables still got theirs')

    const record = { vehicleId, seq: 1, baseTimeUs: NOW * 1000, canFrames: 0, payload: testBatch({ vin: 'WPWPART0000000002', seq: 1, baseTimeUs: NOW * 1000 }) }
    t.equal(await storage.storeBatch({ ...record, samples: { timeUs: [NOW * 1000, NOW * 1000 + 1], signalId: [1, 2], value: [1.5, 2.5] }, gnss: [], dtcs: [] }), 'stored')
    await storage.projector.idle()
    const rows = await pool.query<{ part: string, value: number }>('SELECT tableoid::regclass::text AS part, value FROM signal_samples WHERE vehicle_id = $1 ORDER BY value', [vehicleId])
    t.same(rows.rows, [{ part: 'signal_samples_default', value: 1.5 }, { part: 'signal_samples_default', value: 2.5 }], 'the samples wait in the DEFAULT partition')

    await pool.query(`DROP TABLE ${blocked}`)
    const healed = await storage.retention.maintain(SETTINGS, NOW)
    t.same(healed.failures, [])
    t.same(healed.created, [{ table: 'signal_samples', partition: blocked, movedRows: 2 }])
    const moved = await pool.query<{ part: string }>('SELECT DISTINCT tableoid::regclass::text AS part FROM signal_samples WHERE vehicle_id = $1', [vehicleId])
    t.same(moved.rows, [{ part: blocked }])
  })

  t.test(`on ${backend}: a database from before partitioning keeps every row`, { skip }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const embedded = db === undefined ? await openEmbedded('memory://') : undefined
    const pool = new pg.Pool({ connectionString: db?.url ?? embedded?.url, max: 2 })
    t.teardown(async () => { await pool.end(); await embedded?.close(); await db?.drop() })
    await migrate(pool, { through: '027_batch_projection.sql' })
    // the legacy partition ends after the later of its newest row and the migration's day: the clock's, not NOW
    const now = Date.now()
    const days = 5
    await pool.query("INSERT INTO vehicles (vin, model) VALUES ('WPWPART0000000003', 'demo-ev'), ('WPWPART0000000004', 'demo-ev')")
    // five days of history, from two vehicles, in every table migration 028 partitions
    await pool.query(`INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload, projected)
      SELECT v, s, to_timestamp($1 / 1000.0) - (s * interval '1 hour'), 3, decode(md5(v || '-' || s), 'hex'), true
        FROM generate_series(1, 2) v, generate_series(1, ${days * 24}) s`, [now])
    await pool.query(`INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
      SELECT to_timestamp($1 / 1000.0) - (s * interval '1 minute'), v, 1 + s % 7, s * 0.5 FROM generate_series(1, 2) v, generate_series(1, ${days * 1440}) s`, [now])
    await pool.query(`INSERT INTO gnss_fixes (time, vehicle_id, lat, lon) SELECT to_timestamp($1 / 1000.0) - (s * interval '10 minutes'), v, 48 + s * 1e-4, 11 FROM generate_series(1, 2) v, generate_series(1, 500) s`, [now])
    await pool.query(`INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) SELECT to_timestamp($1 / 1000.0) - (s * interval '1 hour'), 1, 2016, 4660 + s, 9 FROM generate_series(1, 100) s`, [now])
    await pool.query(`INSERT INTO signal_minutes (vehicle_id, signal_id, minute, min, max, sum, count)
      SELECT 1, 1, date_trunc('minute', to_timestamp($1 / 1000.0)) - (s * interval '1 minute'), 0, s, s, 1 FROM generate_series(1, 3000) s`, [now])
    await pool.query(`INSERT INTO dead_letters (received_at, vin, topic, reason_code, reason, payload_size)
      SELECT to_timestamp($1 / 1000.0) - (s * interval '1 day'), 'WPWPART0000000003', 'v1/x/telemetry', 'PITWALL_ERR_BAD_TIME', 'r' || s, 10 FROM generate_series(1, ${days}) s`, [now])
    const fingerprint = async (): Promise<Record<string, string>> => {
      const out: Record<string, string> = {}
      for (const table of ['batches', 'signal_samples', 'gnss_fixes', 'dtc_events', 'signal_minutes', 'dead_letters']) {
        const res = await pool.query<{ n: string, h: string }>(`SELECT count(*)::text AS n, md5(string_agg(x::text, ',' ORDER BY x::text)) AS h FROM ${table} x`)
        out[table] = `${res.rows[0]?.n} ${res.rows[0]?.h}`
      }
      return out
    }
    const before = await fingerprint()
    const lastId = (await pool.query<{ id: string }>('SELECT max(id)::text AS id FROM dead_letters')).rows[0]?.id

    t.same(await migrate(pool, { through: '029_continuous_aggregates.sql' }), ['028_time_partitions.sql', '029_continuous_aggregates.sql'])
    t.same(await fingerprint(), before, 'every row of every table, unchanged')
    const views = await pool.query("SELECT relname FROM pg_class WHERE relname IN ('signal_minutes', 'dtc_report_hours', 'continuous_aggregate_fills') AND relkind NOT IN ('p', 'r')")
    t.same(views.rows, [], 'migration 029 leaves the rollups tables without TimescaleDB')
    const legacy = await pool.query<{ bound: string }>("SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_class c WHERE c.relname = 'batches_legacy'")
    t.match(legacy.rows[0]?.bound, /^FOR VALUES FROM \(MINVALUE\) TO/, 'the old table is the legacy partition')
    const dup = await pool.query(`INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload)
      SELECT vehicle_id, seq, base_time, 3, payload FROM batches WHERE vehicle_id = 1 AND seq = 7 ON CONFLICT (vehicle_id, seq, base_time) DO NOTHING`)
    t.equal(dup.rowCount, 0, 'an old batch sent again is still a duplicate')
    const id = await pool.query<{ id: string }>("INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size) VALUES ('x', 't', 'c', 'r', 1) RETURNING id::text")
    t.ok(BigInt(id.rows[0]?.id ?? 0) > BigInt(lastId ?? 0), 'dead letter ids go on after the old ones')
    await pool.query('INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) VALUES (to_timestamp($1 / 1000.0), 2, 2016, 4242, 9)', [now])
    const rolled = await pool.query('SELECT 1 FROM dtc_report_hours WHERE vehicle_id = 2 AND dtc = 4242')
    t.equal(rolled.rowCount, 1, 'the quality report\'s DTC rollup follows the partitioned table')

    // the gateway's maintenance after the upgrade (to the last migration, as the gateway migrates before it starts):
    // partitions after the legacy one's end, the legacy one dropped once all of it expired
    await migrate(pool)
    const { RetentionStore } = await import('../../storage/retention.js')
    const retention = new RetentionStore(pool)
    const pass = await retention.maintain(SETTINGS, now)
    t.same(pass.failures, [])
    t.same(pass.created.filter((c) => c.table === 'batches').map((c) => c.partition),
      [1, 2, 3].map((d) => partitionName('batches', dayOf(now) + d * DAY_MS)), 'new days start where the legacy partition ends')
    const expiredAll = await retention.maintain(SETTINGS, now + 32 * DAY_MS)
    t.ok(expiredAll.dropped.some((d) => d.partition === 'batches_legacy'), 'dropped whole once its newest row expired')
  })
}

t.test('retention settings: whole days, and compression before expiry', async (t) => {
  const { loadConfig, retentionNotes } = await import('../../gateway/config.js')
  t.throws(() => loadConfig({ PITWALL_RETENTION_RAW_DAYS: '0' }), /retentionRawDays \(PITWALL_RETENTION_RAW_DAYS\) must be >= 1/)
  t.throws(() => loadConfig({ PITWALL_RETENTION_SAMPLES_DAYS: '0.5' }), /retentionSamplesDays \(PITWALL_RETENTION_SAMPLES_DAYS\) must be integer/)
  t.throws(() => loadConfig({ PITWALL_RETENTION_DTCS_DAYS: '99999' }), /PITWALL_RETENTION_DTCS_DAYS\) must be <= 36500/)
  t.throws(() => loadConfig({ PITWALL_RETENTION_RAW_DAYS: '2', PITWALL_COMPRESS_AFTER_DAYS: '7' }),
    /PITWALL_COMPRESS_AFTER_DAYS \(7 days\) must be shorter than PITWALL_RETENTION_RAW_DAYS \(2 days\): the data would be dropped before it is compressed/)
  t.same(retentionNotes(loadConfig({ PITWALL_RETENTION_RAW_DAYS: '7', PITWALL_RETENTION_SAMPLES_DAYS: '7', PITWALL_RETENTION_POSITIONS_DAYS: '7', PITWALL_RETENTION_DTCS_DAYS: '7' })), [])
  t.same(retentionNotes(loadConfig({ PITWALL_RETENTION_RAW_DAYS: '7', PITWALL_RETENTION_SAMPLES_DAYS: '30', PITWALL_RETENTION_POSITIONS_DAYS: '7', PITWALL_RETENTION_DTCS_DAYS: '7' })),
    ['PITWALL_RETENTION_SAMPLES_DAYS (30 days) is longer than PITWALL_RETENTION_RAW_DAYS (7 days): rows older than the raw archive cannot be rebuilt by pitwall reproject'])
})
