/**
 * Several pooled connections at once, on both backends. The embedded host
 * serves them all from one PGlite session; these are the interleavings that
 * broke it (lookups answered with another VIN's row, "portal does not
 * exist", acknowledged writes rolled back, a host stuck for good).
 */
import t from 'tap'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const vin = (round: number, i: number): string => `WDB${String(round).padStart(3, '0')}${String(i).padStart(3, '0')}11111111`

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })

    t.test('vehicles provisioned concurrently, each looked up as it is stored, while another connection polls', { timeout: 20_000 }, async (t) => {
      let polling = true
      const pollErrors: string[] = []
      const poller = (async () => {
        while (polling) {
          await poolOf(storage).query('SELECT count(*) FROM rules').catch((err: Error) => pollErrors.push(err.message))
          await poolOf(storage).query('SELECT $1::int AS n', [1]).catch((err: Error) => pollErrors.push(err.message))
        }
      })()
      const problems: string[] = []
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: 7 }, async (_, i) => {
          const v = vin(round, i)
          try {
            const id = await storage.vehicles.add({ vin: v }, `hash-${v}`)
            const found = await storage.vehicles.credential(v)
            if (found === undefined) problems.push(`${v}: no credential`)
            else if (found.vehicleId !== id || found.secretHash !== `hash-${v}`) problems.push(`${v}: got ${JSON.stringify(found)}`)
            else await storage.vehicles.markSeen(id)
          } catch (err) {
            problems.push(`${v}: ${(err as Error).message}`)
          }
        }))
      }
      polling = false
      await poller
      t.same(problems, [], 'every lookup finds the credential just stored')
      t.same(pollErrors, [], 'no plain query fails')
    })

    t.test('an acknowledged write survives other connections\' rolled-back transactions', { timeout: 20_000 }, async (t) => {
      await storage.vehicles.add({ vin: vin(99, 0) }, 'h')
      let acknowledged = 0
      const refusals = new Set<string>()
      await Promise.all(Array.from({ length: 80 }, async (_, i) => {
        if (i % 2 === 0) {
          // Refused inside its transaction (the VIN exists): ROLLBACK.
          await storage.vehicles.add({ vin: vin(99, 0) }, 'h').catch((err: { code?: string }) => refusals.add(err.code ?? String(err)))
        } else {
          await poolOf(storage).query(
            'INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size) VALUES ($1, $2, $3, $4, $5)',
            [vin(99, 0), 'test', 'test', `write ${i}`, 0])
          acknowledged++
        }
      }))
      const { rows } = await poolOf(storage).query<{ n: number }>("SELECT count(*) AS n FROM dead_letters WHERE topic = 'test'")
      t.equal(Number(rows[0]?.n), acknowledged, 'every acknowledged insert is stored')
      t.equal(acknowledged, 40)
      t.same([...refusals], ['PITWALL_ERR_VEHICLE_EXISTS'], 'each duplicate is refused as such')
    })

    t.test('a connection that goes away inside a transaction leaves nothing and blocks no one', { timeout: 20_000 }, async (t) => {
      const client = new pg.Client({ connectionString: db?.url ?? (poolOf(storage).options as { connectionString: string }).connectionString })
      client.on('error', () => {})
      await client.connect()
      await client.query('BEGIN')
      await client.query("INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size) VALUES (NULL, 'abandoned', 'test', 'x', 0)")
      const ended = new Promise((resolve) => client.once('end', resolve))
      ;(client as unknown as { connection: { stream: { destroy: () => void } } }).connection.stream.destroy()
      await ended
      const { rows } = await poolOf(storage).query<{ n: number }>("SELECT count(*) AS n FROM dead_letters WHERE topic = 'abandoned'")
      t.equal(rows[0]?.n, 0)
      t.ok(await storage.vehicles.add({ vin: vin(98, 0) }, 'h'), 'a transaction on another connection still commits')
    })

    t.test('COPY FROM STDIN is refused by the embedded host, which rolls back and goes on serving', { skip: backend === 'postgres' ? 'PostgreSQL carries COPY' : false, timeout: 20_000 }, async (t) => {
      const url = (poolOf(storage).options as { connectionString: string }).connectionString
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => {})
      await client.connect()
      await client.query('BEGIN')
      await client.query("INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size) VALUES (NULL, 'before-copy', 'test', 'x', 0)")
      const copy = client.query(copyFrom('COPY signal_samples (time, vehicle_id, signal_id, value) FROM STDIN'))
      const refused = await new Promise<Error>((resolve) => { copy.on('error', resolve); client.once('error', resolve) })
      t.match(refused.message, /COPY FROM STDIN is not supported by the embedded database|Connection terminated/)
      const { rows } = await poolOf(storage).query<{ n: number }>("SELECT count(*) AS n FROM dead_letters WHERE topic = 'before-copy'")
      t.equal(rows[0]?.n, 0, 'its open transaction was rolled back')
      // a second Storage reaching the same host by URL, as `--database-url` would
      const byUrl = await openStorage({ databaseUrl: url, dataDir: 'memory://' })
      t.teardown(() => byUrl.close())
      const vehicleId = await byUrl.vehicles.add({ vin: vin(97, 0) }, 'h')
      const outcome = await byUrl.storeBatch({ vehicleId, seq: 1, baseTimeUs: 1_750_000_000_000_000, canFrames: 0, payload: new Uint8Array([1]), samples: { timeUs: [1_750_000_000_000_000], signalId: [1], value: [2.5] }, gnss: [], dtcs: [] })
      t.equal(outcome, 'stored')
      await byUrl.projector.idle()
      const samples = await poolOf(byUrl).query<{ value: number }>('SELECT value FROM signal_samples WHERE vehicle_id = $1', [vehicleId])
      t.same(samples.rows, [{ value: 2.5 }])
    })
  })
}
