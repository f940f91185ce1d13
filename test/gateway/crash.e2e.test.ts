/**
 * A gateway killed (SIGKILL) after receiving a batch but before committing
 * it has not acknowledged it; the vehicle's MQTT session retransmits it to
 * the restarted gateway, which stores it exactly once.
 */
import t from 'tap'
import mqtt from 'mqtt'
import pg from 'pg'
import { provisionDevice } from '../../gateway/provisioning.js'
import { openStorage, poolOf } from '../../storage/index.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { spawnGateway } from '../helpers/gateway-process.js'
import { startTestDatabase } from '../helpers/storage-server.js'

const VIN = 'WDB12345678901234'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = await startTestDatabase(backend)
    t.teardown(() => db.close())
    const first = await spawnGateway(db.url)
    t.teardown(() => first.kill())
    // The gateway migrated the schema; provision through storage directly.
    const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://', poolSize: 2 })
    t.teardown(() => storage.close())
    const { secret } = await provisionDevice(storage.vehicles, { vin: VIN })

    const client = mqtt.connect({
      host: '127.0.0.1',
      port: first.mqttPort,
      protocolVersion: 4,
      clientId: VIN,
      username: VIN,
      password: secret,
      clean: false,
      reconnectPeriod: 200
    })
    t.teardown(() => client.end(true))
    await new Promise((resolve) => client.once('connect', resolve))

    // Hold the batches table so the gateway's commit cannot finish.
    const blocker = new pg.Client({ connectionString: db.url })
    blocker.on('error', () => {})
    await blocker.connect()
    await blocker.query('BEGIN')
    await blocker.query('LOCK TABLE batches IN ACCESS EXCLUSIVE MODE')

    let acked = false
    const puback = client.publishAsync(`v1/${VIN}/telemetry`, Buffer.from(testBatch({ vin: VIN, seq: 7 })), { qos: 1 })
      .then(() => { acked = true })
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.notOk(acked, 'no PUBACK while the commit is blocked')

    await first.kill()
    await blocker.query('ROLLBACK')
    await blocker.end()

    const second = await spawnGateway(db.url, first.mqttPort)
    t.teardown(() => second.kill())
    await puback
    t.ok(acked, 'the retransmitted batch is acknowledged by the restarted gateway')
    const { rows } = await poolOf(storage).query<{ n: number }>('SELECT count(*) AS n FROM batches WHERE seq = 7')
    t.equal(rows[0]?.n, 1, 'stored exactly once')
  })
}
