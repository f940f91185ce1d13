/**
 * Caps per batch through a real gateway (issue 16, "row amplification"): a
 * hostile batch is dead-lettered whole and acknowledged, and the vehicles
 * around it carry on.
 */
import t from 'tap'
import { oneBackend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { fetchMetric } from '../helpers/metrics.js'
import { REFUSED_PAYLOAD_KEPT_BYTES } from '../../gateway/ingest.js'
import { pitwall } from '../../proto/index.js'
import { poolOf } from '../../storage/index.js'

const HOSTILE_VIN = 'WDBHSTLE000000001'
const HONEST_VIN = 'WDBHNEST000000002'
const FIXES = 100_000

/** A TelemetryBatch of `n` empty GNSS fixes: two bytes each (field 7, length 0). */
function emptyFixes (vin: string, seq: number, n: number): Buffer {
  const head = pitwall.v1.TelemetryBatch.encode({ vin, seq, baseTimeUs: Date.now() * 1000 }).finish()
  const payload = Buffer.alloc(head.length + 2 * n)
  payload.set(head)
  for (let i = 0; i < n; i++) payload[head.length + 2 * i] = (7 << 3) | 2
  return payload
}

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const tg = await startTestGateway(backend)
    t.teardown(() => tg.close())
    const { gateway } = tg
    const q = async <R extends object>(sql: string, params: unknown[] = []): Promise<R[]> =>
      (await poolOf(gateway.storage).query<R>(sql, params)).rows
    const metric = async (series: string): Promise<number> => (await fetchMetric(gateway.httpPort))(series)
    const refused = 'pitwall_dead_letters_total{code="PITWALL_ERR_BATCH_LIMIT"}'

    t.test('a batch of 100,000 empty GNSS fixes is dead-lettered and acknowledged; an honest vehicle\'s batch right after is stored', async (t) => {
      const hostile = await connectVehicle(gateway.mqttPort, HOSTILE_VIN, await tg.provision(HOSTILE_VIN))
      t.teardown(() => hostile.endAsync())
      const honest = await connectVehicle(gateway.mqttPort, HONEST_VIN, await tg.provision(HONEST_VIN))
      t.teardown(() => honest.endAsync())
      const before = await metric(refused)

      // the honest batch is sent while the hostile one is in flight; each resolves on its PUBACK
      await Promise.all([
        publishQos1(hostile, `v1/${HOSTILE_VIN}/telemetry`, emptyFixes(HOSTILE_VIN, 17, FIXES)),
        publishQos1(honest, `v1/${HONEST_VIN}/telemetry`, testBatch({ vin: HONEST_VIN, seq: 1 }))
      ])

      const letters = await q<{ reason_code: string, reason: string, payload_size: number, payload: Buffer }>(
        'SELECT reason_code, reason, payload_size, payload FROM dead_letters WHERE vin = $1', [HOSTILE_VIN])
      t.same(letters.map((l) => l.reason_code), ['PITWALL_ERR_BATCH_LIMIT'])
      t.equal(letters[0]?.reason, `batch 17 from ${HOSTILE_VIN}: ${FIXES} gnss fixes, more than the 1000 allowed (PITWALL_MAX_GNSS_PER_BATCH)`)
      t.equal(Number(letters[0]?.payload_size), 2 * FIXES + emptyFixes(HOSTILE_VIN, 17, 0).length)
      t.equal(letters[0]?.payload.length, REFUSED_PAYLOAD_KEPT_BYTES, 'its first 64 KiB are kept to look at, not all 200 KB of it')
      t.ok(letters[0]?.payload.includes(HOSTILE_VIN), 'from its start, where the batch names its vehicle')
      // decoded rows follow the PUBACK (storage/projector.ts)
      await gateway.storage.projector.idle()
      const [hostileRows] = await q<{ batches: number, gnss: number }>(
        `SELECT (SELECT count(*) FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1) AS batches,
                (SELECT count(*) FROM gnss_fixes g JOIN vehicles v ON v.id = g.vehicle_id WHERE v.vin = $1) AS gnss`, [HOSTILE_VIN])
      t.same({ batches: Number(hostileRows?.batches), gnss: Number(hostileRows?.gnss) }, { batches: 0, gnss: 0 }, 'nothing of it stored')
      t.equal(await metric(refused) - before, 1, 'counted with the other refusals')

      const [honestRows] = await q<{ batches: number, gnss: number }>(
        `SELECT (SELECT count(*) FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1) AS batches,
                (SELECT count(*) FROM gnss_fixes g JOIN vehicles v ON v.id = g.vehicle_id WHERE v.vin = $1) AS gnss`, [HONEST_VIN])
      t.same({ batches: Number(honestRows?.batches), gnss: Number(honestRows?.gnss) }, { batches: 1, gnss: 1 }, 'the honest batch is stored')

      // the hostile vehicle's own next batch flows too
      await publishQos1(hostile, `v1/${HOSTILE_VIN}/telemetry`, testBatch({ vin: HOSTILE_VIN, seq: 18 }))
      const [next] = await q<{ n: number }>('SELECT count(*) AS n FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 AND seq = 18', [HOSTILE_VIN])
      t.equal(Number(next?.n), 1)
    })
  })
}
