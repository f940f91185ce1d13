/**
 * The database goes away under load: no PUBACK is released for what is not
 * stored, the gateway stops reading the vehicle's socket instead of
 * queueing without bound, and when the database is back everything the
 * vehicle sent is stored exactly once.
 */
import t from 'tap'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { startTestDatabase, viaPort } from '../helpers/storage-server.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'
import { poolOf } from '../../storage/index.js'

const VIN = 'WDB12345678901234'
const BATCHES = 1500

// The backends side by side: each has its own database, proxy and gateway,
// and a run is mostly waiting (for the embedded database to start, through the outage).
t.jobs = 2
for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = await startTestDatabase(backend)
    t.teardown(() => db.close())
    const proxy = await TcpProxy.start(db.address)
    t.teardown(() => proxy.close())
    // the vehicle's rate limit (100 batches/s) out of the way: what stops the
    // reading must be the database, and the drain afterwards is not paced by it
    const tg = await startTestGateway(backend, { databaseUrl: viaPort(db.url, proxy.port), vehicleBatchesPerS: 1_000_000, vehicleBytesPerS: 1 << 30 })
    t.teardown(() => tg.close())
    const { gateway } = tg
    const secret = await tg.provision(VIN)
    const client = await connectVehicle(gateway.mqttPort, VIN, secret, { keepalive: 0 })
    t.teardown(() => client.end(true))
    await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq: 1 }))

    proxy.cut()
    let acked = 0
    const all = Promise.all(Array.from({ length: BATCHES }, async (_, i) => {
      await publishQos1(client, `v1/${VIN}/telemetry`, testBatch({ vin: VIN, seq: 2 + i }))
      acked++
    }))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    t.equal(acked, 0, 'no PUBACK while the database is down')
    const depth = gateway.storage.writer.depth
    t.ok(depth > 0 && depth < BATCHES / 2, `the gateway stopped reading: ${depth} of ${BATCHES} batches queued`)
    const ready = await fetch(`http://127.0.0.1:${gateway.httpPort}/readyz`)
    t.equal(ready.status, 503, 'readiness reports the outage')
    t.same(await ready.json(), { status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message: 'storage cannot be reached' }, 'in words, not the driver\'s text')

    proxy.restore()
    await all
    t.equal(acked, BATCHES, 'every batch acknowledged once the database is back')
    const [row] = (await poolOf(gateway.storage).query<{ n: number, distinct: number }>(
      'SELECT count(*) AS n, count(DISTINCT seq) AS distinct FROM batches')).rows
    t.strictSame(row, { n: BATCHES + 1, distinct: BATCHES + 1 })
  })
}
