/**
 * A vehicle's open DTCs come from dtc_latest_reports (migration 033), kept
 * by a trigger on dtc_events: checked against the reports themselves, as
 * they arrive in any order, after a database from before the migration is
 * migrated, after retention and after a rebuild deletes reports.
 */
import t from 'tap'
import pg from 'pg'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { poolOf, type Storage } from '../../storage/index.js'
import { migrate } from '../../storage/migrate.js'
import { BatchArchive } from '../../storage/batch-archive.js'
import { DAY_MS } from '../../storage/partitions.js'
import type { OpenDtc } from '../../storage/telemetry.js'

const FAILED = 0x0d
const T0 = Date.UTC(2026, 11, 1, 8)

interface Report { vehicle: number, ecu: number, dtc: number, ms: number, status: number }

/** What openDtcs must answer, from every report stored: each pair's latest report, failed, with its first. */
function expectedOpen (reports: readonly Report[], vehicle: number): OpenDtc[] {
  const pairs = new Map<string, { ecu: number, dtc: number, first: number, last: Report }>()
  for (const r of reports) {
    if (r.vehicle !== vehicle) continue
    const key = `${r.ecu}:${r.dtc}`
    const p = pairs.get(key)
    if (p === undefined) pairs.set(key, { ecu: r.ecu, dtc: r.dtc, first: r.ms, last: r })
    else {
      p.first = Math.min(p.first, r.ms)
      if (r.ms >= p.last.ms) p.last = r
    }
  }
  return [...pairs.values()].filter((p) => (p.last.status & FAILED) !== 0)
    .sort((a, b) => b.last.ms - a.last.ms || a.ecu - b.ecu || a.dtc - b.dtc)
    .map((p) => ({ ecu: p.ecu, dtc: p.dtc, status: p.last.status, firstSeen: new Date(p.first), lastSeen: new Date(p.last.ms) }))
}

/** Reports of a few pairs at distinct times, shuffled: the projector writes a vehicle's batches in any order. */
function randomReports (vehicles: readonly number[], count: number, seed: number): Report[] {
  // mulberry32
  let x = seed
  const next = (n: number): number => {
    x = (x + 0x6d2b79f5) | 0
    let z = Math.imul(x ^ (x >>> 15), 1 | x)
    z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z
    return ((z ^ (z >>> 14)) >>> 0) % n
  }
  const times = new Set<number>()
  const out: Report[] = []
  while (out.length < count) {
    const ms = T0 + next(600) * 1000
    if (times.has(ms)) continue
    times.add(ms)
    out.push({ vehicle: vehicles[next(vehicles.length)] as number, ecu: 0x7e8 + next(2), dtc: [0x021700, 0x030100, 0x012300][next(3)] as number, ms, status: [0x00, 0x08, 0x09, 0x10, 0x04][next(5)] as number })
  }
  return out
}

async function insertReports (pool: pg.Pool | Pick<pg.Pool, 'query'>, reports: readonly Report[]): Promise<void> {
  await pool.query(`INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
    SELECT to_timestamp(m / 1000.0), v, e, d, s FROM unnest($1::int[], $2::int[], $3::int[], $4::float8[], $5::int[]) AS u(v, e, d, m, s)`,
  [reports.map((r) => r.vehicle), reports.map((r) => r.ecu), reports.map((r) => r.dtc), reports.map((r) => r.ms), reports.map((r) => r.status)])
}

async function vehicles (storage: Storage, n: number): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < n; i++) ids.push(await storage.vehicles.add({ vin: `WPWDTC0000000000${i}`, model: 'demo-ev' }, 'scrypt$x'))
  return ids
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    const ids = await vehicles(storage, 3)
    const stored: Report[] = []

    t.test('reports in any order, several of a pair in one statement: the latest and the first of each', async (t) => {
      const reports = randomReports(ids, 240, 7)
      // statements of 1 to 40 reports, so a pair's reports meet both in one statement and across statements
      for (let i = 0, size = 1; i < reports.length; i += size, size = size % 40 + 7) {
        await insertReports(pool, reports.slice(i, i + size))
        stored.push(...reports.slice(i, i + size))
      }
      for (const id of ids) t.same(await storage.telemetry.openDtcs(id), expectedOpen(stored, id), `vehicle ${id}`)
      t.ok(ids.some((id) => expectedOpen(stored, id).length > 0) && ids.some((id) => expectedOpen(stored, id).length < 6), 'some pairs are open and some are not')
    })

    t.test('a report older than the latest moves only the first report', async (t) => {
      const id = ids[0] as number
      const open = await storage.telemetry.openDtcs(id)
      const pair = open[0] as OpenDtc
      const older = { vehicle: id, ecu: pair.ecu, dtc: pair.dtc, ms: T0 - 3600_000, status: 0 }
      await insertReports(pool, [older])
      stored.push(older)
      t.same(await storage.telemetry.openDtcs(id), expectedOpen(stored, id), 'still open (a cleared report from before does not close it), first seen an hour earlier')
      t.same((await storage.telemetry.openDtcs(id)).find((d) => d.ecu === pair.ecu && d.dtc === pair.dtc)?.firstSeen, new Date(T0 - 3600_000))
    })

    t.test('retention drops a pair whose latest report is past it', async (t) => {
      const id = ids[1] as number
      const recent = { vehicle: id, ecu: 0x7e0, dtc: 0x044000, ms: T0 + 40 * DAY_MS, status: 0x09 }
      await insertReports(pool, [recent])
      stored.push(recent)
      const before = (await storage.telemetry.openDtcs(id)).length
      t.ok(before > 1, 'the vehicle has older open DTCs and a recent one')
      // reports are kept 30 days: at T0 + 45 days only the recent one is
      await storage.retention.maintain({ retention: { raw: 90, samples: 90, positions: 90, dtcs: 30, deadLetters: 90 }, aheadDays: 1, compressAfterDays: 2 }, T0 + 45 * DAY_MS)
      t.same(await storage.telemetry.openDtcs(id), expectedOpen([recent], id), 'only the pair reported within 30 days')
    })
  })
}

t.test('a rebuild that deletes reports recomputes their pairs from those left', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const storage = await openTestStorage(t, 'postgres')
  const pool = poolOf(storage)
  const [a, b] = await vehicles(storage, 2) as [number, number]
  const reports: Report[] = [
    { vehicle: a, ecu: 0x7e8, dtc: 0x021700, ms: T0, status: 0x09 },
    { vehicle: a, ecu: 0x7e8, dtc: 0x021700, ms: T0 + 600_000, status: 0x00 }, // cleared, inside the rebuilt range
    { vehicle: a, ecu: 0x7e8, dtc: 0x030100, ms: T0 + 660_000, status: 0x09 }, // only report inside the range
    { vehicle: b, ecu: 0x7e8, dtc: 0x021700, ms: T0 + 600_000, status: 0x00 } // another vehicle: not rebuilt
  ]
  await insertReports(pool, reports)
  t.same((await storage.telemetry.openDtcs(a)).map((d) => d.dtc), [0x030100], 'before: P0301 open, P0217 cleared by its latest report')
  const rebuilt = await new BatchArchive(pool).unproject({ fromUs: (T0 + 300_000) * 1000, toUs: (T0 + 900_000) * 1000, vins: ['WPWDTC00000000000'], spanUs: 0 })
  t.equal(rebuilt.dtcs, 2, 'two reports deleted')
  t.same(await storage.telemetry.openDtcs(a), expectedOpen(reports.slice(0, 1), a), 'P0217 open again from its report left; P0301 has none left')
  const rows = await pool.query('SELECT vehicle_id, dtc FROM dtc_latest_reports ORDER BY vehicle_id, dtc')
  t.same(rows.rows, [{ vehicle_id: a, dtc: 0x021700 }, { vehicle_id: b, dtc: 0x021700 }], 'the other vehicle keeps its row')
})

t.test('a database from before migration 033 gets the table filled from its reports', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const db = await createTestDatabase()
  const pool = new pg.Pool({ connectionString: db.url, max: 2 })
  t.teardown(async () => { await pool.end(); await db.drop() })
  await migrate(pool, { through: '032_quiet_rollup_marks.sql' })
  for (let i = 0; i < 3; i++) await pool.query("INSERT INTO vehicles (vin, model) VALUES ($1, 'demo-ev')", [`WPWDTM0000000000${i}`])
  const ids = (await pool.query<{ id: number }>('SELECT id FROM vehicles ORDER BY id')).rows.map((r) => r.id)
  const reports = randomReports(ids, 120, 11)
  await insertReports(pool, reports)
  t.same(await migrate(pool), ['033_dtc_latest_reports.sql'])
  const open = await pool.query<{ vehicle_id: number, ecu: number, dtc: number, status: number, first_at: Date, last_at: Date }>(
    'SELECT vehicle_id, ecu, dtc, status, first_at, last_at FROM dtc_latest_reports WHERE status & 13 <> 0 ORDER BY last_at DESC, ecu, dtc')
  for (const id of ids) {
    t.same(open.rows.filter((r) => r.vehicle_id === id).map((r) => ({ ecu: r.ecu, dtc: r.dtc, status: r.status, firstSeen: r.first_at, lastSeen: r.last_at })), expectedOpen(reports, id), `vehicle ${id}`)
  }
})
