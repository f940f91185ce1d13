/**
 * Named statements (storage/prepared.ts): on PostgreSQL the hot statements
 * are prepared once per connection and keep answering right after their
 * plans are cached and after partitions come and go under them; with
 * `preparedStatements: false` (a pooler in front) nothing is prepared; on the
 * embedded engine, whose connections share one session, reads in parallel on
 * every connection do not collide.
 */
import t, { type Test } from 'tap'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import { Statement } from '../../storage/prepared.js'
import { DAY_MS, type Retention } from '../../storage/partitions.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'

const SPEED = 1
const RETENTION: Retention = { raw: 30, samples: 30, positions: 30, dtcs: 30, deadLetters: 30 }
const VIN = 'WPWPREP0000000001'

/** A vehicle with one stored batch (its GNSS fix and DTC projected) and a speed sample at `speedAtMs`. */
async function seeded (t: Test, storage: Storage, speedAtMs: number): Promise<number> {
  const vehicleId = await storage.vehicles.add({ vin: VIN, model: 'demo-ev' }, 'scrypt$x')
  const baseTimeUs = speedAtMs * 1000
  const outcome = await storage.storeBatch({ vehicleId, seq: 1, baseTimeUs, canFrames: 3, payload: testBatch({ vin: VIN, seq: 1, baseTimeUs }), manifestId: 0, samples: { timeUs: [baseTimeUs], signalId: [SPEED], value: [42] }, gnss: [{ timeUs: baseTimeUs, lat: 48.1, lon: 11.5, speedMps: 13.9, headingDeg: 90, altM: 520, hdop: 0.9, satellites: 11 }], dtcs: [{ timeUs: baseTimeUs, ecu: 0x7e0, dtc: 0x030100, status: 0x09 }] })
  t.equal(outcome, 'stored')
  await storage.projector.idle()
  return vehicleId
}

/** The state reads a console page makes, as plain values. */
async function stateOf (storage: Storage, vehicleId: number): Promise<unknown> {
  const [vehicle, signals, position, dtcs] = await Promise.all([
    storage.telemetry.vehicle(VIN), storage.telemetry.latestSignals(vehicleId), storage.telemetry.position(vehicleId), storage.telemetry.openDtcs(vehicleId)])
  return { vehicleId: vehicle.vehicleId, signals: signals.map((s) => [s.name, s.value, s.time.getTime()]), position: position?.time.getTime(), dtcs: dtcs.map((d) => [d.ecu, d.dtc]) }
}

t.test('a name is one statement\'s: taking it for other text fails at load', async (t) => {
  const first = new Statement('pitwall_test_name', 'SELECT 1')
  t.equal(new Statement('pitwall_test_name', 'SELECT 1').text, first.text, 'the same statement again is fine')
  t.throws(() => new Statement('pitwall_test_name', 'SELECT 2'), /statement name pitwall_test_name is taken/)
})

t.test('on postgres', { skip: !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
  t.test('the hot statements are prepared once per connection and stay right as partitions come and go', async (t) => {
    const db = await createTestDatabase()
    // one connection: every statement below runs on the session pg_prepared_statements describes
    const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://', poolSize: 1 })
    t.teardown(async () => { await storage.close(); await db.drop() })
    const now = Date.now()
    await storage.retention.maintain({ retention: RETENTION, aheadDays: 2, compressAfterDays: 2 }, now)
    const vehicleId = await seeded(t, storage, now - 60_000)
    const first = await stateOf(storage, vehicleId)
    t.match(first, { vehicleId, signals: [['Vehicle.Speed', 42]], dtcs: [[0x7e0, 0x030100]] })
    // past five runs PostgreSQL may keep a generic plan: the answers must not change
    for (let i = 0; i < 7; i++) t.same(await stateOf(storage, vehicleId), first)
    const named = (await poolOf(storage).query<{ name: string }>("SELECT name FROM pg_prepared_statements WHERE name LIKE 'pitwall_%' ORDER BY name")).rows.map((r) => r.name)
    t.same(named, ['pitwall_batch_group', 'pitwall_latest_position', 'pitwall_latest_signals', 'pitwall_open_dtcs', 'pitwall_projection_claim', 'pitwall_telemetry_vehicle'])

    // a partition made after the plans were cached (four days ahead), and a sample in it: the cached statements see it
    const later = now + 4 * DAY_MS
    await storage.retention.maintain({ retention: RETENTION, aheadDays: 5, compressAfterDays: 2 }, now)
    await poolOf(storage).query('INSERT INTO signal_samples (time, vehicle_id, signal_id, value) VALUES ($1, $2, $3, 99)', [new Date(later), vehicleId, SPEED])
    t.match(await stateOf(storage, vehicleId), { signals: [['Vehicle.Speed', 99, later]] }, 'the latest speed is the one in the new partition')
    // the partitions holding the first rows dropped (retention): the cached statements answer without them
    await storage.retention.maintain({ retention: { ...RETENTION, samples: 1, positions: 1, dtcs: 1 }, aheadDays: 5, compressAfterDays: 2 }, now + 3 * DAY_MS)
    t.match(await stateOf(storage, vehicleId), { signals: [['Vehicle.Speed', 99, later]], position: undefined, dtcs: [] }, 'what retention dropped is gone from the answers')
  })

  t.test('with preparedStatements false (a pooler in front), nothing is prepared', async (t) => {
    const db = await createTestDatabase()
    const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://', poolSize: 1, preparedStatements: false })
    t.teardown(async () => { await storage.close(); await db.drop() })
    const vehicleId = await seeded(t, storage, Date.now() - 60_000)
    t.match(await stateOf(storage, vehicleId), { signals: [['Vehicle.Speed', 42]] })
    const prepared = await poolOf(storage).query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')
    t.equal(prepared.rows[0]?.n, 0)
  })
})

t.test('on pglite, reads in parallel on every connection of the shared session do not collide', async (t) => {
  const storage = await openStorage({ dataDir: 'memory://', poolSize: 4 })
  t.teardown(async () => { await storage.close() })
  const vehicleId = await seeded(t, storage, Date.now() - 60_000)
  const states = await Promise.all(Array.from({ length: 24 }, async () => await stateOf(storage, vehicleId)))
  for (const s of states) t.match(s, { vehicleId, signals: [['Vehicle.Speed', 42]], dtcs: [[0x7e0, 0x030100]] })
  const named = await poolOf(storage).query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')
  t.equal(named.rows[0]?.n, 0, 'the embedded engine prepares no named statement')
})
