/**
 * A starting gateway makes today's partitions before its broker listens: the
 * first batch a vehicle sends lands in its day's partition, not in a DEFAULT
 * one from which a later move could hide it from a query running across
 * the move. Rows already waiting in a DEFAULT partition are left to the
 * background pass, which moves them.
 */
import t from 'tap'
import { poolOf } from '../../storage/index.js'
import { dayOf, partitionName } from '../../storage/partitions.js'
import { oneBackend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'

const backend = await oneBackend()

t.test(`on ${backend}: the first batch after start lands in today's partition`, async (t) => {
  const tg = await startTestGateway(backend)
  t.teardown(() => tg.close())
  const pool = poolOf(tg.gateway.storage)
  const today = dayOf(Date.now())
  for (const table of ['batches', 'signal_samples', 'gnss_fixes', 'dtc_events', 'signal_minutes', 'dead_letters']) {
    const made = await pool.query('SELECT 1 FROM pg_class WHERE relname = $1', [partitionName(table, today)])
    t.equal(made.rowCount, 1, `${table}: today's partition made before the broker listened`)
  }

  const vin = 'WPWMNT00000000001'
  const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
  t.teardown(async () => { await client.endAsync() })
  await publishQos1(client, `v1/${vin}/telemetry`, testBatch({ vin, seq: 1 }))
  const where = await pool.query<{ part: string }>('SELECT b.tableoid::regclass::text AS part FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1', [vin])
  t.same(where.rows, [{ part: partitionName('batches', today) }], 'acknowledged and stored in its day\'s partition')
  await tg.gateway.storage.projector.idle()
  const samples = await until('the batch\'s samples', async () => {
    const res = await pool.query<{ part: string }>('SELECT DISTINCT s.tableoid::regclass::text AS part FROM signal_samples s JOIN vehicles v ON v.id = s.vehicle_id WHERE v.vin = $1', [vin])
    return res.rows.length > 0 ? res.rows : undefined
  })
  t.same(samples, [{ part: partitionName('signal_samples', today) }])
})
