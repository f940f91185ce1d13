/**
 * The storage layer on both backends: group commit, idempotency, a poison
 * item isolated from its group, and the embedded database's durability when
 * its process dies.
 */
import t from 'tap'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import type { TelemetryRecord } from '../../storage/records.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { PROJECTED } from '../helpers/batches.js'

const record = (vehicleId: number, seq: number): TelemetryRecord => ({
  vehicleId,
  seq,
  baseTimeUs: 1_750_000_000_000_000 + seq,
  canFrames: 1,
  payload: new Uint8Array([seq & 0xff]),
  samples: { timeUs: [1_750_000_000_000_000 + seq], signalId: [1], value: [seq] },
  gnss: [],
  dtcs: []
})

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const groups: number[] = []
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://', writer: { onCommit: (s) => groups.push(s.items) } })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const vehicleId = await storage.vehicles.add({ vin: 'WDB12345678901234' }, 'scrypt$x')

    t.test('batches submitted together share commits and each learns its own outcome', async (t) => {
      groups.length = 0
      const outcomes = await Promise.all([1, 2, 3, 2, 4, 1].map(async (seq) => await storage.storeBatch(record(vehicleId, seq))))
      t.same(outcomes, ['stored', 'stored', 'stored', 'duplicate', 'stored', 'duplicate'])
      t.ok(groups.length < 6, `6 writes in ${groups.length} commits`)
      await storage.projector.idle()
      const { rows } = await poolOf(storage).query<{ n: number }>('SELECT count(*) AS n FROM signal_samples WHERE vehicle_id = $1', [vehicleId])
      t.equal(rows[0]?.n, 4, 'a duplicate adds no samples')
    })

    t.test('every row of a batch is stored as sent, and a retransmission adds none of them', async (t) => {
      const t0 = 1_760_000_000_123_456
      const full: TelemetryRecord = {
        ...record(vehicleId, 40),
        samples: { timeUs: [t0, t0 + 1, t0 + 999_999], signalId: [1, 2, 70], value: [-40.25, 1e-9, 123456789.125] },
        gnss: [{ timeUs: t0 + 5, lat: 48.137154, lon: 11.576124, speedMps: 13.5, headingDeg: 271.5, altM: 519, hdop: 0.9, satellites: 11 }],
        dtcs: [{ timeUs: t0 + 7, ecu: 0x7e8, dtc: 0x0301, status: 0x08 }]
      }
      t.same(await Promise.all([storage.storeBatch(full), storage.storeBatch(record(vehicleId, 41))]), ['stored', 'stored'])
      t.equal(await storage.storeBatch(full), 'duplicate')
      const micros = "(extract(epoch FROM time) * 1000000)::bigint::text AS us"
      await storage.projector.idle()
      const samples = await poolOf(storage).query(`SELECT ${micros}, signal_id, value FROM signal_samples WHERE vehicle_id = $1 AND time >= to_timestamp(${t0 / 1e6} - 1) ORDER BY time`, [vehicleId])
      t.same(samples.rows, [
        { us: String(t0), signal_id: 1, value: -40.25 },
        { us: String(t0 + 1), signal_id: 2, value: 1e-9 },
        { us: String(t0 + 999_999), signal_id: 70, value: 123456789.125 }
      ], 'times to the microsecond, values bit for bit, once')
      const gnss = await poolOf(storage).query(`SELECT ${micros}, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites FROM gnss_fixes WHERE vehicle_id = $1`, [vehicleId])
      t.same(gnss.rows, [{ us: String(t0 + 5), lat: 48.137154, lon: 11.576124, speed_mps: 13.5, heading_deg: 271.5, alt_m: 519, hdop: 0.9, satellites: 11 }], "real columns read back as the float4 nearest what was sent")
      const dtcs = await poolOf(storage).query(`SELECT ${micros}, ecu, dtc, status FROM dtc_events WHERE vehicle_id = $1`, [vehicleId])
      t.same(dtcs.rows, [{ us: String(t0 + 7), ecu: 0x7e8, dtc: 0x0301, status: 0x08 }])
    })

    t.test('a sample the database cannot hold costs its own batch its rows only: the batch stays archived with the reason, the others\' rows land', async (t) => {
      const bad: TelemetryRecord = { ...record(vehicleId, 50), samples: { timeUs: [1_750_000_000_000_000], signalId: [2 ** 31], value: [1] } }
      t.same(await Promise.all([storage.storeBatch(record(vehicleId, 51)), storage.storeBatch(bad), storage.storeBatch(record(vehicleId, 52))]), ['stored', 'stored', 'stored'], 'archived and acknowledged: the raw batch is what the PUBACK promises')
      await storage.projector.idle()
      const { rows } = await poolOf(storage).query<{ seq: number, projected: boolean, projection_error: string | null, samples: number }>(
        `SELECT b.seq, ${PROJECTED}, b.projection_error, (SELECT count(*)::int FROM signal_samples s WHERE s.vehicle_id = b.vehicle_id AND s.time = to_timestamp((1750000000000000 + b.seq) / 1e6)) AS samples
           FROM batches b WHERE b.vehicle_id = $1 AND b.seq IN (50, 51, 52) ORDER BY b.seq`, [vehicleId])
      t.match(rows, [
        { seq: 50, projected: true, projection_error: /refused its decoded rows/, samples: 0 },
        { seq: 51, projected: true, projection_error: null, samples: 1 },
        { seq: 52, projected: true, projection_error: null, samples: 1 }
      ], 'the bad batch is marked with the reason and not retried; the others are written')
    })

    t.test('a batch the database refuses fails alone; the rest of its group is stored', async (t) => {
      const results = await Promise.allSettled([
        storage.storeBatch(record(vehicleId, 10)),
        storage.storeBatch(record(999_999, 1)),
        storage.storeBatch(record(vehicleId, 11))
      ])
      t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled'])
      t.same(results.map((r) => r.status === 'fulfilled' ? r.value : 'refused'), ['stored', 'refused', 'stored'])
      const rejected = results[1] as PromiseRejectedResult
      t.equal((rejected.reason as { code: string }).code, 'PITWALL_ERR_STORAGE_REJECTED')
      t.match((rejected.reason as Error).message, /foreign key/)
    })

    t.test('a batch the database cannot take for now (disk full) waits on its own: other vehicles\' are stored meanwhile, its vehicle\'s later ones follow it in order', async (t) => {
      const pool = poolOf(storage)
      const other = await storage.vehicles.add({ vin: 'WDB12345678909999' }, 'scrypt$x')
      // what an INSERT that cannot extend its file gets, for the rows listed
      await pool.query(`CREATE TABLE test_disk_full (vehicle_id int, seq bigint);
        CREATE FUNCTION test_disk_full () RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          IF EXISTS (SELECT 1 FROM test_disk_full f WHERE f.vehicle_id = NEW.vehicle_id AND f.seq = NEW.seq) THEN
            RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
          END IF;
          RETURN NEW;
        END $fn$;
        CREATE TRIGGER test_disk_full BEFORE INSERT ON batches FOR EACH ROW EXECUTE FUNCTION test_disk_full();`)
      t.teardown(async () => { await pool.query('DROP TRIGGER test_disk_full ON batches; DROP FUNCTION test_disk_full; DROP TABLE test_disk_full') })
      await pool.query('INSERT INTO test_disk_full VALUES ($1, 60), ($1, 70)', [vehicleId])
      const settled: string[] = []
      const write = async (label: string, r: TelemetryRecord): Promise<string> => {
        const outcome = await storage.writer.writeBatch(r)
        settled.push(label)
        return outcome
      }
      const first = write('60', record(vehicleId, 60))
      t.same(await Promise.all([write('other 1', record(other, 1)), write('other 2', record(other, 2))]), ['stored', 'stored'], 'in the same group, stored')
      const later = write('61', record(vehicleId, 61))
      t.same(await write('other 3', record(other, 3)), 'stored', 'and after it')
      await new Promise((resolve) => setTimeout(resolve, 300))
      t.same(settled, ['other 1', 'other 2', 'other 3'], 'the full vehicle\'s batch and the one it sent after wait')
      t.equal(storage.writer.heldVehicles, 1)
      await pool.query('DELETE FROM test_disk_full WHERE seq = 60')
      t.same(await Promise.all([first, later]), ['stored', 'stored'])
      t.same(settled.slice(3), ['60', '61'], 'in the order they came')
      t.equal(storage.writer.heldVehicles, 0)

      // a writer closing while a batch is held refuses it (never acknowledged: the T-box sends it again) instead of waiting for room
      const { BatchWriter } = await import('../../storage/batch-writer.js')
      const writer = new BatchWriter(pool)
      const held = writer.writeBatch(record(vehicleId, 70))
      await new Promise((resolve) => setTimeout(resolve, 200))
      t.equal(writer.depth, 1)
      await writer.close(300)
      await t.rejects(held, { code: 'PITWALL_ERR_STORAGE_CLOSED' })
      const { rows } = await pool.query<{ seq: number }>('SELECT seq::int AS seq FROM batches WHERE vehicle_id = $1 AND seq >= 60 ORDER BY seq', [vehicleId])
      t.same(rows.map((r) => r.seq), [60, 61], 'each stored once, the refused one not at all')
    })

    t.test('a reused seq with other bytes is told apart from a retransmission', async (t) => {
      const other = (seq: number): TelemetryRecord => ({ ...record(vehicleId, seq), payload: new Uint8Array([0xee, seq & 0xff]) })
      t.equal(await storage.storeBatch(record(vehicleId, 30)), 'stored')
      t.equal(await storage.storeBatch(record(vehicleId, 30)), 'duplicate')
      t.equal(await storage.storeBatch(other(30)), 'seq_reused', 'across commits')
      t.same(await Promise.all([storage.storeBatch(record(vehicleId, 31)), storage.storeBatch(other(31))]),
        ['stored', 'seq_reused'], 'within one group')
    })

    t.test('a dead letter is stored whatever characters its topic and reason carry', async (t) => {
      await storage.writer.writeDeadLetter({ vin: 'X\u0000', topic: 'v1/X/\u0000', reasonCode: 'PITWALL_ERR_TEST', reason: 'nul \u0000 inside', payloadSize: 1, payload: new Uint8Array([0]) })
      const { rows } = await poolOf(storage).query<{ topic: string }>("SELECT topic FROM dead_letters WHERE reason_code = 'PITWALL_ERR_TEST'")
      t.same(rows, [{ topic: 'v1/X/\uFFFD' }])
    })

    t.test('a second registration of a VIN is refused unless rotating', async (t) => {
      await t.rejects(storage.vehicles.add({ vin: 'WDB12345678901234' }, 'scrypt$y'), { code: 'PITWALL_ERR_VEHICLE_EXISTS' })
      await storage.vehicles.add({ vin: 'WDB12345678901234' }, 'scrypt$z', true)
      t.equal((await storage.vehicles.credential('WDB12345678901234'))?.secretHash, 'scrypt$z')
    })
  })
}

// the durability test's data directory; its host, started again there, serves the last test too
const dir = mkdtempSync(join(tmpdir(), 'pitwall-durable-'))
let restarted: Storage | undefined
t.teardown(async () => { await restarted?.close() })

t.test('what the embedded database committed survives its process being killed', async (t) => {
  let storage = await openStorage({ dataDir: dir })
  const vehicleId = await storage.vehicles.add({ vin: 'WDB12345678901234' }, 'scrypt$x')
  await Promise.all(Array.from({ length: 20 }, async (_, i) => await storage.storeBatch(record(vehicleId, i + 1))))
  const { pid } = JSON.parse(readFileSync(join(dir, 'pitwall-host.json'), 'utf8')) as { pid: number }
  process.kill(pid, 'SIGKILL')
  await poolOf(storage).end().catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 200))
  storage = restarted = await openStorage({ dataDir: dir })
  const { rows } = await poolOf(storage).query<{ n: number }>('SELECT count(*) AS n FROM batches')
  t.equal(rows[0]?.n, 20)
})

t.test('signal sources are rewritten on every start, not appended', { skip: !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
  const db = await createTestDatabase()
  t.teardown(() => db.drop())
  const first = [
    { signalId: 1, kind: 'obd' as const, source: 'SAE J1979 01 0D speed', unit: 'km/h' },
    { signalId: 1, kind: 'dbc' as const, source: 'bus 0 Old.Speed', unit: 'km/h' }
  ]
  let storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://', signalSources: first })
  await storage.close()
  // the DBC changed between starts: its old source must go
  storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://', signalSources: [first[0] as (typeof first)[number], { ...first[1] as (typeof first)[number], source: 'bus 0 New.Speed' }] })
  t.teardown(() => storage.close())
  const rows = (await poolOf(storage).query<{ source: string }>('SELECT source FROM signal_sources ORDER BY source')).rows
  t.same(rows.map((r) => r.source), ['SAE J1979 01 0D speed', 'bus 0 New.Speed'])
})

t.test('groups are bounded by payload bytes as well as by count', async (t) => {
  const groups: number[] = []
  // a second storage on the host the durability test started again (as a CLI command opens one beside a running gateway), with a writer of its own
  const storage = await openStorage({ dataDir: dir, writer: { maxGroupBytes: 1000, onCommit: (s) => groups.push(s.items) } })
  t.teardown(() => storage.close())
  const vehicleId = await storage.vehicles.add({ vin: 'WDB12345678905678' }, 'scrypt$x')
  const big = (seq: number): TelemetryRecord => ({ ...record(vehicleId, seq), payload: new Uint8Array(400).fill(seq) })
  await Promise.all(Array.from({ length: 10 }, async (_, i) => await storage.storeBatch(big(i + 1))))
  t.ok(groups.every((n) => n <= 2), `groups of ${groups.join(', ')} items, none above 1000 bytes`)
})
