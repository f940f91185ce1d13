/**
 * One vehicle publishing as fast as it can is held to its ingest rate by
 * back-pressure on its own socket (issue 16, "quotas that protect the
 * fleet"): its batches are all still acknowledged and stored, only later,
 * and the other vehicles' batches go through meanwhile. How much this keeps
 * the fleet's PUBACK latency is measured in bench/e2e/hostile-vehicle.ts.
 */
import t from 'tap'
import type { MqttClient } from 'mqtt'
import { IngestRates, VehicleIngestRate } from '../../../gateway/broker/ingest-rate.js'
import { createMetrics } from '../../../gateway/metrics.js'
import { poolOf } from '../../../storage/index.js'
import { testBatch } from '../../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway } from '../../helpers/gateway.js'
import { oneBackend } from '../../helpers/backends.js'

const HOSTILE = 'WDB00000000000001'
const HONEST = ['WDB00000000000002', 'WDB00000000000003', 'WDB00000000000004']
const RATE = 5
const BURST_S = 1
/** ~18 KB each (standard ids 0x100 up to 0x6db): a 64 KiB socket read, which is charged whole, holds at most 4 */
const FRAMES = 1500
const PER_READ = 4

t.test('a vehicle publishing at full speed is held to its batch rate; every batch, its own included, is acknowledged and stored', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { vehicleBatchesPerS: RATE, vehicleBurstS: BURST_S })
  t.teardown(async () => { await tg.close() })
  const port = tg.gateway.mqttPort
  const clients = new Map<string, MqttClient>()
  for (const vin of [HOSTILE, ...HONEST]) clients.set(vin, await connectVehicle(port, vin, await tg.provision(vin)))
  t.teardown(() => { for (const c of clients.values()) c.end(true) })

  const started = performance.now()
  // when each of the hostile vehicle's PUBACKs came, in seconds since it started
  const hostileAcks: number[] = []
  const hostile = clients.get(HOSTILE) as MqttClient
  const flood = Promise.all(Array.from({ length: 40 }, async (_, i) =>
    await publishQos1(hostile, `v1/${HOSTILE}/telemetry`, testBatch({ vin: HOSTILE, seq: i + 1, frames: FRAMES }))
      .then(() => { hostileAcks.push((performance.now() - started) / 1000) })))
  // within their burst: never paused
  await Promise.all(HONEST.map(async (vin) => {
    for (let seq = 1; seq <= RATE * BURST_S; seq++) await publishQos1(clients.get(vin) as MqttClient, `v1/${vin}/telemetry`, testBatch({ vin, seq }))
  }))
  await flood

  // the k-th acknowledgement came no earlier than the bucket allowed: a count bound, so a slower machine only loosens it
  const overRate = hostileAcks.map((at, i) => i + 1 - (RATE * BURST_S + RATE * at + PER_READ))
  t.ok(Math.max(...overRate) <= 0, `the hostile vehicle's acknowledged batches stay within ${RATE * BURST_S} + ${RATE}/s (+ one socket read): worst ${Math.max(...overRate).toFixed(1)} over`)
  const throttled = (await tg.gateway.metrics.ingestThrottled.get()).values.find((v) => v.labels.limit === 'batches')?.value ?? 0
  t.ok(throttled > 0, 'pitwall_ingest_throttled_total{limit="batches"} counts the pauses')
  t.ok(((await tg.gateway.metrics.ingestThrottledSeconds.get()).values[0]?.value ?? 0) > 0, 'and pitwall_ingest_throttled_seconds_total their length')

  const stored = await poolOf(tg.gateway.storage).query<{ vin: string, n: number }>(
    'SELECT v.vin, count(*)::int AS n FROM batches b JOIN vehicles v ON v.id = b.vehicle_id GROUP BY v.vin ORDER BY v.vin')
  t.same(stored.rows, [{ vin: HOSTILE, n: 40 }, ...HONEST.map((vin) => ({ vin, n: RATE * BURST_S }))], 'nothing dropped: every batch stored')
})

t.test('a vehicle\'s debt outlives its connection, so reconnecting does not refill its buckets', async (t) => {
  const metrics = createMetrics()
  const rates = new IngestRates({ batchesPerS: 10, bytesPerS: 1_000_000, burstS: 1, maxInflight: 16 }, metrics)
  const first = rates.acquire(HOSTILE)
  t.equal(first.charge(10, 100), 0, 'the burst is free')
  t.ok(first.charge(10, 100) > 0, 'past it, the vehicle is in debt')
  rates.release(HOSTILE)
  const again = rates.acquire(HOSTILE)
  t.equal(again, first, 'a new connection of the vehicle gets the same buckets')
  t.ok(again.charge(1, 100) > 0, 'still in debt')
  t.equal(rates.acquire(HONEST[0] as string).charge(10, 100), 0, 'another vehicle is not')
})

t.test('a vehicle\'s buckets: a burst free, debt in ms at each rate, refilled with time up to the burst', async (t) => {
  const rate = new VehicleIngestRate({ batchesPerS: 10, bytesPerS: 1000, burstS: 2, maxInflight: 4 }, createMetrics(), 0)
  t.equal(rate.maxInflight, 4)
  t.equal(rate.charge(20, 2000, 0), 0, 'the burst: 20 batches, 2,000 bytes')
  t.equal(rate.charge(5, 0, 0), 500, '5 batches in debt at 10/s')
  t.equal(rate.charge(0, 800, 0), 800, '800 bytes in debt at 1,000/s outweigh the batches')
  t.equal(rate.untilFull(1000), 1800, 'a second later: 15 batches and 1,800 bytes short, 1.5 and 1.8 s away')
  t.equal(rate.charge(0, 0, 1000), 0, 'out of debt')
  t.equal(rate.untilFull(60_000), 0, 'full again, and no fuller')
  t.equal(rate.charge(20, 2000, 60_000), 0, 'a whole burst again')
})
