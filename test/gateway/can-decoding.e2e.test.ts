/**
 * CAN frames decoded on ingest with the configured DBC: the catalog-mapped
 * signals are stored (thinned to one per signal per interval), the rest
 * counted; without a DBC the frames stay raw and are counted as unknown.
 */
import t from 'tap'
import { fetchMetric } from '../helpers/metrics.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { poolOf } from '../../storage/index.js'
import { oneBackend } from '../helpers/backends.js'

const VIN = 'WPWDEC00000000042'
const T0_US = Date.now() * 1000 - 60_000_000

function demoBatches (count: number): { payloads: Uint8Array[], engineHours: number, canFrames: number } {
  const model = new VehicleModel({ seed: 3 })
  model.step(300) // warm and moving
  const builder = new BatchBuilder({ vin: VIN, model, seed: 4, startSeq: 1 })
  const payloads: Uint8Array[] = []
  let canFrames = 0
  for (let i = 0; i < count; i++) {
    const built = builder.build(T0_US + i * 1_000_000, 1_000_000)
    payloads.push(built.payload)
    canFrames += built.canFrames
  }
  return { payloads, engineHours: model.state.engineHours, canFrames }
}

t.test('with the demo DBC, CAN-only signals are stored at most once per second per signal', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { canDbc: `0=${DEMO_DBC_FILE}`, sampleIntervalMs: 1000 })
  t.teardown(() => tg.close())
  const client = await connectVehicle(tg.gateway.mqttPort, VIN, await tg.provision(VIN))
  t.teardown(() => client.endAsync())
  const { payloads, engineHours, canFrames } = demoBatches(3)
  for (const payload of payloads) await publishQos1(client, `v1/${VIN}/telemetry`, payload)
  // the PUBACKs promise the raw batches; their decoded rows follow (storage/projector.ts)
  await tg.gateway.storage.projector.idle()

  // Engine hours and state of charge come only from CAN (ECM_EngineTemps at 5 Hz, BMS_PackStatus at 10 Hz).
  const rows = (await poolOf(tg.gateway.storage).query<{ name: string, n: string, last: number }>(
    `SELECT c.name, count(*) AS n, (array_agg(s.value ORDER BY s.time DESC))[1] AS last
       FROM signal_samples s JOIN signal_catalog c ON c.id = s.signal_id
      WHERE c.name IN ('Vehicle.Powertrain.CombustionEngine.EngineHours', 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current')
      GROUP BY c.name ORDER BY c.name`)).rows
  t.same(rows.map((r) => r.name), ['Vehicle.Powertrain.CombustionEngine.EngineHours', 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'])
  for (const row of rows) {
    // three 1 s batches, one interval each
    t.equal(Number(row.n), 3, `${row.name} (${row.n}): 3 samples stored for 3 s of frames at 5-10 Hz`)
  }
  const hours = rows[0]?.last as number
  t.ok(Math.abs(hours - engineHours) <= 0.05 + 1e-9, `engine hours ${hours} decoded from CAN, model at ${engineHours} (DBC LSB 0.05 h)`)

  const sources = (await poolOf(tg.gateway.storage).query<{ kind: string, source: string }>(
    `SELECT s.kind, s.source FROM signal_sources s JOIN signal_catalog c ON c.id = s.signal_id
      WHERE c.name = 'Vehicle.Speed' ORDER BY s.kind, s.source`)).rows
  t.same(sources, [
    // the stored default manifest (model *), version 1: the one this start imported
    { kind: 'dbc', source: '*@1 bus 0 ESC_VehicleSpeed.VehicleSpeed' },
    { kind: 'obd', source: 'SAE J1979 01 0D speed' }
  ], 'the catalog says where Vehicle.Speed comes from')

  const metrics = await fetchMetric(tg.gateway.httpPort)
  t.equal(metrics('pitwall_can_frames_total'), canFrames)
  t.ok(metrics('pitwall_can_signals_decoded_total') > canFrames, 'every frame carries at least one signal')
  t.equal(metrics('pitwall_can_frames_unknown_total'), 0, 'the demo DBC describes every frame the demo T-box sends')
})

t.test('without a DBC, frames are stored raw and counted as unknown', async (t) => {
  const tg = await startTestGateway(await oneBackend())
  t.teardown(() => tg.close())
  const client = await connectVehicle(tg.gateway.mqttPort, VIN, await tg.provision(VIN))
  t.teardown(() => client.endAsync())
  const { payloads, canFrames } = demoBatches(1)
  await publishQos1(client, `v1/${VIN}/telemetry`, payloads[0] as Uint8Array)
  const [row] = (await poolOf(tg.gateway.storage).query<{ n: string }>(
    `SELECT count(*) AS n FROM signal_samples s JOIN signal_catalog c ON c.id = s.signal_id
      WHERE c.name = 'Vehicle.Powertrain.CombustionEngine.EngineHours'`)).rows
  t.equal(Number(row?.n), 0)
  const metrics = await fetchMetric(tg.gateway.httpPort)
  t.equal(metrics('pitwall_can_frames_unknown_total'), canFrames)
})

t.test('a DBC that maps a signal onto the catalog in the wrong unit stops the start, naming both', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const file = join(mkdtempSync(join(tmpdir(), 'pitwall-dbc-')), 'bad.dbc')
  writeFileSync(file, `BU_: ECM
BO_ 256 Engine: 8 ECM
 SG_ Coolant : 0|8@1+ (1,-40) [-40|215] "degF" ECM
BA_DEF_ SG_ "VssSignal" STRING ;
BA_ "VssSignal" SG_ 256 Coolant "Vehicle.Powertrain.CombustionEngine.ECT";
`)
  await t.rejects(startTestGateway('pglite', { canDbc: `0=${file}` }), {
    code: 'PITWALL_ERR_MANIFEST_INVALID',
    message: /^--can-dbc: .*bad\.dbc bus 0 Engine\.Coolant is in "degF" but Vehicle\.Powertrain\.CombustionEngine\.ECT \(its VssSignal\) is in "degC"$/
  })
})
