/**
 * Decoded rows projected off the PUBACK path, on both backends: a batch's
 * rows land once however many writers offer them (two nodes, the recovery
 * pass), a batch archived by a node that stopped before writing its rows is
 * found and decoded again from its payload, a reprojection rebuilds exactly
 * the rows of its range, and a projector that cannot write holds ingest back
 * instead of growing without end.
 */
import t from 'tap'
import pg from 'pg'
import { ArchiveRedecoder, ProjectionRecovery, reproject } from '../../gateway/archive-projection.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { BatchArchive } from '../../storage/batch-archive.js'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import { migrate } from '../../storage/migrate.js'
import { SampleProjector, type ProjectionRecord, type ProjectionStats } from '../../storage/projector.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { PROJECTED, testBatch } from '../helpers/batches.js'

const T0 = Date.parse('2026-11-02T08:00:00Z') * 1000
const silent = { info: () => {}, warn: () => {}, error: () => {} }
const decoders = { catalog: new SignalCatalog(), stored: async () => { throw new Error('no stored manifests in this test') } }

interface Counts { samples: number, gnss: number, dtcs: number }

async function counts (storage: Storage, vehicleId: number, range: [number, number] = [0, Number.MAX_SAFE_INTEGER]): Promise<Counts> {
  const q = async (table: string): Promise<number> => (await poolOf(storage).query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE vehicle_id = $1 AND time >= to_timestamp($2 / 1e6) AND time < to_timestamp($3 / 1e6)`, [vehicleId, range[0], Math.min(range[1], 32503680000e6)])).rows[0]?.n ?? 0
  return { samples: await q('signal_samples'), gnss: await q('gnss_fixes'), dtcs: await q('dtc_events') }
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    let n = 0
    /** a vehicle with `count` archived batches a minute apart from T0 (not projected: as if its node stopped after the PUBACKs) */
    const archived = async (count: number): Promise<{ vehicleId: number, vin: string }> => {
      const vin = `WPWPRJ${String(++n).padStart(11, '0')}`
      const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
      for (let seq = 1; seq <= count; seq++) {
        const outcome = await storage.writer.writeBatch({ vehicleId, seq, baseTimeUs: T0 + (seq - 1) * 60e6, canFrames: 3, payload: testBatch({ vin, seq, baseTimeUs: T0 + (seq - 1) * 60e6 }) })
        t.equal(outcome, 'stored')
      }
      return { vehicleId, vin }
    }
    const rowsOf = async (vin: string, vehicleId: number, seq: number): Promise<ProjectionRecord> =>
      await new ArchiveRedecoder(decoders).record({ vehicleId, vin, model: 'demo-ev', seq, baseTimeUs: T0 + (seq - 1) * 60e6, manifestId: 0, payload: testBatch({ vin, seq, baseTimeUs: T0 + (seq - 1) * 60e6 }) }) as ProjectionRecord

    t.test('offered by two writers at once (two nodes, or a node and the recovery pass), a batch\'s rows land once', async (t) => {
      const { vehicleId, vin } = await archived(3)
      const other = new SampleProjector(poolOf(storage))
      for (const seq of [1, 2, 3]) {
        const record = await rowsOf(vin, vehicleId, seq)
        storage.projector.add(record)
        other.add(record)
      }
      await Promise.all([storage.projector.idle(), other.idle()])
      t.same(await counts(storage, vehicleId), { samples: 9, gnss: 3, dtcs: 3 }, '3 samples, a fix and a DTC row per batch, once')
      const left = await poolOf(storage).query<{ n: number }>('SELECT count(*)::int AS n FROM unprojected_batches WHERE vehicle_id = $1', [vehicleId])
      t.equal(left.rows[0]?.n, 0, 'no batch is left unprojected')
    })

    t.test('offered by three writers at once in different orders, each batch is written by exactly one of them', async (t) => {
      const { vehicleId, vin } = await archived(24)
      const records = await Promise.all(Array.from({ length: 24 }, async (_, i) => await rowsOf(vin, vehicleId, i + 1)))
      const written = { batches: 0, samples: 0 }
      const onCommit = (s: ProjectionStats): void => { written.batches += s.projected; written.samples += s.samples }
      // as openStorage makes them: by COPY on PostgreSQL
      const writers = [0, 1, 2].map(() => new SampleProjector(poolOf(storage), { copy: backend === 'postgres', onCommit, retryDelayMs: 5 }))
      const orders = [records, records.slice().reverse(), [...records.slice(12), ...records.slice(0, 12)]]
      writers.forEach((w, i) => { for (const r of orders[i] as ProjectionRecord[]) w.add(r) })
      await Promise.all(writers.map(async (w) => await w.idle()))
      t.same(await counts(storage, vehicleId), { samples: 72, gnss: 24, dtcs: 24 }, 'every row once')
      t.same(written, { batches: 24, samples: 72 }, 'the writers\' reports add up to each batch once')
    })

    t.test('a group some of whose batches another writer wrote already writes the rest, and only the rest', async (t) => {
      const { vehicleId, vin } = await archived(4)
      const records = await Promise.all([1, 2, 3, 4].map(async (seq) => await rowsOf(vin, vehicleId, seq)))
      storage.projector.add(records[0] as ProjectionRecord)
      storage.projector.add(records[2] as ProjectionRecord)
      await storage.projector.idle()
      const stats: ProjectionStats[] = []
      const late = new SampleProjector(poolOf(storage), { copy: backend === 'postgres', onCommit: (s) => stats.push(s) })
      for (const r of records) late.add(r)
      await late.idle()
      t.match(stats, [{ batches: 4, projected: 2, samples: 6 }], 'one group of 4: 2 batches and their 6 samples were its own')
      t.same(await counts(storage, vehicleId), { samples: 12, gnss: 4, dtcs: 4 }, 'every row once')
      const rpm = await poolOf(storage).query<{ seq: number }>(
        'SELECT (extract(epoch FROM time - to_timestamp($2 / 1e6)) / 60)::int + 1 AS seq FROM signal_samples WHERE vehicle_id = $1 AND signal_id = 2 ORDER BY time', [vehicleId, T0])
      t.same(rpm.rows.map((r) => r.seq), [1, 2, 3, 4], 'the engine speed of each batch, once each')
    })

    t.test('batches a stopped node archived without their rows are decoded again from the archive, once', async (t) => {
      const { vehicleId } = await archived(4)
      const recovered: number[] = []
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 0, log: silent, recovered: (k) => recovered.push(k) })
      t.ok(await recovery.runOnce() >= 4, 'found and offered')
      t.same(await counts(storage, vehicleId), { samples: 12, gnss: 4, dtcs: 4 }, 'the rows the gateway would have written')
      const rpm = await poolOf(storage).query<{ value: number }>('SELECT value FROM signal_samples WHERE vehicle_id = $1 AND signal_id = 2 ORDER BY time LIMIT 1', [vehicleId])
      t.same(rpm.rows, [{ value: 1800 }], 'decoded as ingest decodes (OBD-II 0C = 1800 rpm)')
      t.equal(await recovery.runOnce(), 0, 'a second pass finds nothing left')
      t.same(await counts(storage, vehicleId), { samples: 12, gnss: 4, dtcs: 4 }, 'and adds nothing')
    })

    t.test('a recovery pass under live ingest finishes: it waits for its own page, not for the queue to empty', async (t) => {
      const { vehicleId } = await archived(3)
      const live = await archived(400)
      // ingest never stops: a batch queued every millisecond keeps the projector busy
      let feeding = true
      const feeder = (async () => {
        for (let seq = 1; feeding && seq <= 400; seq++) {
          storage.projector.add(await rowsOf(live.vin, live.vehicleId, seq))
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
      })()
      t.teardown(async () => { feeding = false; await feeder })
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 0, log: silent })
      t.ok(await recovery.runOnce() >= 3, 'the pass ended while batches were still being queued')
      t.ok(feeding && storage.projector.pendingBatches > 0, 'and ingest still had rows queued')
      t.same(await counts(storage, vehicleId), { samples: 9, gnss: 3, dtcs: 3 }, 'the left-behind batches\' rows are written')
      feeding = false
      await feeder
      await storage.projector.idle()
    })

    t.test('a batch whose archive retention dropped before its rows were written is forgotten by the recovery pass, not looked for again', async (t) => {
      const { vehicleId } = await archived(2)
      // as dropping batch 1's day partition (or chunk) would
      await poolOf(storage).query('DELETE FROM batches WHERE vehicle_id = $1 AND seq = 1', [vehicleId])
      const warned: unknown[] = []
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 0, log: { ...silent, warn: (o: unknown) => warned.push(o) } })
      t.ok(await recovery.runOnce() >= 1)
      t.same(await counts(storage, vehicleId), { samples: 3, gnss: 1, dtcs: 1 }, 'the batch still archived gets its rows')
      const left = await poolOf(storage).query('SELECT seq FROM unprojected_batches WHERE vehicle_id = $1', [vehicleId])
      t.same(left.rows, [], 'and the gone one is no longer waited for')
      t.match(warned, [{ batches: 1 }, { batches: Number }], 'the forgotten one is logged')
    })

    const autovacuum = (await poolOf(storage).query<{ on: string }>("SELECT current_setting('autovacuum') AS on")).rows[0]?.on
    t.test('the queues every batch passes through leave no dead rows behind where the engine runs no autovacuum (the embedded one, or a server with it off)', { skip: backend === 'postgres' && autovacuum === 'on' ? 'this PostgreSQL\'s autovacuum does this' : false }, async (t) => {
      const { vehicleId, vin } = await archived(400)
      for (let seq = 1; seq <= 400; seq++) storage.projector.add(await rowsOf(vin, vehicleId, seq))
      await storage.projector.idle()
      // as the rollup pass takes them
      await poolOf(storage).query('DELETE FROM signal_minutes_pending')
      const size = async (table: string): Promise<number> => Number((await poolOf(storage).query<{ n: string }>('SELECT pg_relation_size($1) AS n', [table])).rows[0]?.n)
      t.ok(await size('unprojected_batches') > 0, 'the deleted keys take room')
      t.ok(await size('signal_minutes_pending') > 0, 'and so do the taken rollup marks')
      await new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 3_600_000, log: silent }).runOnce()
      t.equal(await size('unprojected_batches'), 0, 'a recovery pass gives it back')
      t.equal(await size('signal_minutes_pending'), 0)
    })

    t.test('a batch too young to be left behind (a live projector may still hold it) is not taken', async (t) => {
      await archived(1)
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 3_600_000, log: silent })
      t.equal(await recovery.runOnce(), 0)
    })

    t.test('reprojecting a range rebuilds exactly its rows; rows outside it are untouched', async (t) => {
      const { vehicleId, vin } = await archived(5)
      for (let seq = 1; seq <= 5; seq++) storage.projector.add(await rowsOf(vin, vehicleId, seq))
      await storage.projector.idle()
      // lose the rows of batches 2 and 3 (a DBC that was wrong for them, say) and add one that should not be there
      await poolOf(storage).query('DELETE FROM signal_samples WHERE vehicle_id = $1 AND time >= to_timestamp($2 / 1e6) AND time < to_timestamp($3 / 1e6)', [vehicleId, T0 + 60e6, T0 + 180e6])
      await poolOf(storage).query('INSERT INTO signal_samples (time, vehicle_id, signal_id, value) VALUES (to_timestamp($2 / 1e6), $1, 1, 999)', [vehicleId, T0 + 90e6])
      const before = await counts(storage, vehicleId, [T0, T0 + 60e6])
      const after4 = await counts(storage, vehicleId, [T0 + 180e6, T0 + 300e6])
      const report = await reproject(storage.archive, storage.projector, decoders, { fromUs: T0 + 60e6, toUs: T0 + 180e6, vins: [vin] })
      t.match(report, { deleted: { samples: 1, gnss: 2, dtcs: 2 }, written: { samples: 6 }, skipped: 0 })
      t.same(await counts(storage, vehicleId, [T0 + 60e6, T0 + 180e6]), { samples: 6, gnss: 2, dtcs: 2 }, 'the range holds what its batches decode to, the stray row gone')
      t.same(await counts(storage, vehicleId, [T0, T0 + 60e6]), before, 'before the range: as it was')
      t.same(await counts(storage, vehicleId, [T0 + 180e6, T0 + 300e6]), after4, 'after it: as it was, though batch 1 was decoded again for it')
      const marks = await poolOf(storage).query<{ n: number }>('SELECT count(*)::int AS n FROM signal_minutes_pending WHERE vehicle_id = $1 AND minute >= to_timestamp($2 / 1e6) AND minute < to_timestamp($3 / 1e6)', [vehicleId, T0 + 60e6, T0 + 180e6])
      t.ok((marks.rows[0]?.n ?? 0) > 0, 'the rollup is told to recompute the range\'s minutes')
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 0, log: silent })
      await recovery.runOnce()
      t.same(await counts(storage, vehicleId, [T0 + 60e6, T0 + 180e6]), { samples: 6, gnss: 2, dtcs: 2 }, 'a recovery pass after it adds nothing')
    })

    t.test('a reprojection leaves batches whose rows were never written to the recovery pass, which writes all of them', async (t) => {
      const { vehicleId } = await archived(2)
      const report = await reproject(storage.archive, storage.projector, decoders, { fromUs: T0 + 60e6, toUs: T0 + 120e6, vins: [`WPWPRJ${String(n).padStart(11, '0')}`] })
      t.equal(report.batches, 0, 'not flagged: their rows are not the range\'s to write')
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 0, log: silent })
      await recovery.runOnce()
      t.same(await counts(storage, vehicleId), { samples: 6, gnss: 2, dtcs: 2 }, 'every row of both, inside and outside the range')
    })

    t.test('a batch being reprojected is left to the reprojection, not decoded whole by the recovery pass', async (t) => {
      const { vehicleId, vin } = await archived(2)
      for (let seq = 1; seq <= 2; seq++) storage.projector.add(await rowsOf(vin, vehicleId, seq))
      await storage.projector.idle()
      // the reprojection has unprojected the range's batches and not yet written them
      await storage.archive.unproject({ fromUs: T0 + 60e6, toUs: T0 + 120e6, vins: [vin], spanUs: 3600e6 })
      const recovery = new ProjectionRecovery({ archive: storage.archive, projector: storage.projector, decoders, intervalMs: 0, log: silent })
      await recovery.runOnce()
      t.same(await counts(storage, vehicleId, [T0, T0 + 60e6]), { samples: 3, gnss: 1, dtcs: 1 }, 'batch 1, outside the range, is not written twice')
    })
  })
}

t.test('a projector that cannot write holds ingest back past its bound, says how far behind it is, and lets go when it catches up', async (t) => {
  let release: () => void = () => {}
  const blocked = new Promise<void>((resolve) => { release = resolve })
  let now = 1_000
  const pool = { query: async () => { await blocked; return { rows: [] } } } as unknown as pg.Pool
  const projector = new SampleProjector(pool, { maxPendingRows: 10, nowMs: () => now })
  const record = (seq: number): ProjectionRecord => ({ vehicleId: 1, seq, baseTimeUs: seq, samples: { timeUs: [1, 2, 3, 4], signalId: [1, 1, 1, 1], value: [1, 2, 3, 4] }, gnss: [], dtcs: [] })
  projector.add(record(1))
  projector.add(record(2))
  let roomy = false
  void projector.room().then(() => { roomy = true })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(roomy, true, 'under its bound: ingest goes on')
  projector.add(record(3))
  roomy = false
  const waiting = projector.room().then(() => { roomy = true })
  now += 4_500
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(roomy, false, '12 samples queued, bound 10: the next batch waits')
  t.equal(projector.pendingBatches, 3)
  t.equal(projector.lagMs, 4_500, 'the oldest has waited 4.5 s')
  release()
  await waiting
  await projector.idle()
  t.equal(roomy, true, 'written: ingest goes on')
  t.equal(projector.lagMs, 0)
})

t.test('with a linger, batches that come within it form one group; a full group, idle() and close() do not wait', async (t) => {
  const pool = { query: async () => ({ rows: [] }) } as unknown as pg.Pool
  const record = (seq: number): ProjectionRecord => ({ vehicleId: 1, seq, baseTimeUs: seq, samples: { timeUs: [1, 2, 3, 4], signalId: [1, 1, 1, 1], value: [1, 2, 3, 4] }, gnss: [], dtcs: [] })
  const pause = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 30)) }
  const groups: number[] = []
  const projector = new SampleProjector(pool, { lingerMs: 60_000, onCommit: (s) => groups.push(s.batches) })
  projector.add(record(1))
  await pause()
  projector.add(record(2))
  projector.add(record(3))
  await pause()
  t.same(groups, [], 'nothing written while the first batch lingers')
  await projector.idle()
  t.same(groups, [3], 'idle() writes the three as one group at once')

  const full: number[] = []
  const small = new SampleProjector(pool, { lingerMs: 60_000, maxGroupRows: 8, onCommit: (s) => full.push(s.batches) })
  for (let seq = 1; seq <= 3; seq++) small.add(record(seq))
  await pause()
  t.same(full, [2], 'a full group (8 samples) is written without waiting; the rest lingers')
  await small.close()
  t.same(full, [2, 1], 'close() writes what lingers')
})

t.test('on PostgreSQL, a connection lost between the claim and the copy of its samples costs a retry, not the rows: the claim is rolled back and the retry writes every row once', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const db = await createTestDatabase()
  const storage = await openStorage({ databaseUrl: db.url, dataDir: '' })
  // a pool of its own whose connections go away when a COPY is about to start, while the drop is armed
  const pool = new pg.Pool({ connectionString: db.url, max: 2 })
  let drops = 1
  pool.on('connect', (client) => {
    client.on('error', () => {})
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    // pg's query() has many overloads; this only looks at the first argument and passes every call on
    ;(client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = (args[0] as { text?: unknown } | undefined)?.text
      if (drops > 0 && typeof text === 'string' && text.startsWith('COPY')) {
        drops--
        ;(client as unknown as { connection: { stream: { destroy: () => void } } }).connection.stream.destroy()
      }
      return query(...args)
    }
  })
  t.teardown(async () => { await pool.end(); await storage.close(); await db.drop() })
  const vin = 'WPWPRJDRP00000001'
  const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
  const records: ProjectionRecord[] = []
  for (let seq = 1; seq <= 3; seq++) {
    const baseTimeUs = T0 + (seq - 1) * 60e6
    const payload = testBatch({ vin, seq, baseTimeUs })
    t.equal(await storage.writer.writeBatch({ vehicleId, seq, baseTimeUs, canFrames: 3, payload }), 'stored')
    records.push(await new ArchiveRedecoder(decoders).record({ vehicleId, vin, model: 'demo-ev', seq, baseTimeUs, manifestId: 0, payload }) as ProjectionRecord)
  }
  const errors: string[] = []
  const projector = new SampleProjector(pool, { copy: true, retryDelayMs: 5, onError: (err) => errors.push(err.message) })
  for (const r of records) projector.add(r)
  await projector.idle()
  t.equal(drops, 0, 'the connection was dropped')
  t.match(errors, [/Connection terminated|connection/i], 'one failed attempt, taken for an outage')
  t.same(await counts(storage, vehicleId), { samples: 9, gnss: 3, dtcs: 3 }, 'every row once: the fixes and DTC rows of the lost attempt were rolled back with its claim')
  const flags = await poolOf(storage).query<{ projected: boolean, projection_error: string | null }>(`SELECT ${PROJECTED}, projection_error FROM batches b WHERE vehicle_id = $1`, [vehicleId])
  t.same(flags.rows, [0, 1, 2].map(() => ({ projected: true, projection_error: null })), 'projected, without an error')
})

t.test('a database from before migration 031 keeps its unprojected batches unprojected, and a reprojection\'s as such', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const db = await createTestDatabase()
  const pool = new pg.Pool({ connectionString: db.url, max: 2 })
  t.teardown(async () => { await pool.end(); await db.drop() })
  await migrate(pool, { through: '030_job_runs.sql' })
  const vin = 'WPWPRJ00000000M31'
  await pool.query("INSERT INTO vehicles (vin, model) VALUES ($1, 'demo-ev')", [vin])
  const flags: Array<[number, boolean, boolean]> = [[1, true, false], [2, false, false], [3, false, true]]
  for (const [seq, projected, reprojecting] of flags) {
    const baseTimeUs = T0 + seq * 60e6
    await pool.query(`INSERT INTO batches (vehicle_id, seq, base_time, received_at, can_frames, payload, projected, reprojecting)
      VALUES (1, $1, to_timestamp($2 / 1e6), now() - interval '1 hour', 3, $3, $4, $5)`, [seq, baseTimeUs, testBatch({ vin, seq, baseTimeUs }), projected, reprojecting])
  }
  t.same(await migrate(pool), ['031_unprojected_batches.sql', '032_quiet_rollup_marks.sql', '033_dtc_latest_reports.sql'])
  const keys = await pool.query('SELECT seq::int AS seq, reprojecting, received_at < now() - interval \'59 minutes\' AS kept_time FROM unprojected_batches ORDER BY seq')
  t.same(keys.rows, [{ seq: 2, reprojecting: false, kept_time: true }, { seq: 3, reprojecting: true, kept_time: true }], 'the two unprojected batches wait, with when they came')
  const columns = await pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'batches' AND column_name IN ('projected', 'reprojecting')")
  t.same(columns.rows, [], 'the flags are gone from the archive')
  const left = await new BatchArchive(pool).unprojected(60_000, 10)
  t.same(left.map((b) => b.seq), [2], 'the recovery pass takes the one a node left behind, and leaves the reprojection\'s to it')
})
