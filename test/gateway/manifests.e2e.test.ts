/**
 * Decoder manifests in a running gateway: each vehicle's batches decoded by
 * its model's active manifest, picked up without a restart; a model without
 * one archived raw and counted; each batch records the version that decoded
 * it; rules read the signals a manifest adds once it is active; backtests
 * decode history with the version of the day, or a trial one.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadManifestFile } from '../../decoders/manifest/load.js'
import { runBacktest } from '../../gateway/backtest.js'
import { addManifest, ruleSignals, storedCatalog, StoredManifests, trialManifest } from '../../gateway/manifests.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { parseRules, RuleFileError } from '../../rules/load.js'
import { BatchArchive } from '../../storage/batch-archive.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { fetchMetric } from '../helpers/metrics.js'
import { until } from '../helpers/until.js'
import { poolOf } from '../../storage/index.js'
import { oneBackend } from '../helpers/backends.js'

const DEMO_MANIFEST = new URL('../../sim/demo-vehicle.manifest.yaml', import.meta.url).pathname
const T0 = Date.now() * 1000 - 600_000_000

/** A folder with the demo DBC and a manifest beside it. */
function manifestFile (yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-manifest-'))
  copyFileSync(DEMO_DBC_FILE, join(dir, 'demo.dbc'))
  writeFileSync(join(dir, 'm.yaml'), yaml)
  return join(dir, 'm.yaml')
}

/** Demo batches of one vehicle, one second each, from `start` s. */
function batches (vin: string, seed: number): (i: number) => Uint8Array {
  const model = new VehicleModel({ seed })
  model.step(300)
  const builder = new BatchBuilder({ vin, model, seed, startSeq: 1 })
  return (i) => builder.build(T0 + i * 1_000_000, 1_000_000).payload
}

t.test('a running gateway decodes each model with its active manifest and picks up changes without a restart', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { rulesPollMs: 200 })
  t.teardown(() => tg.close())
  const { storage, mqttPort, httpPort } = tg.gateway
  // decoded rows follow the PUBACK (storage/projector.ts): counted once the projector has written what it holds
  const count = async (vin: string, signal: string): Promise<number> => await storage.projector.idle().then(async () => Number((await poolOf(storage).query<{ n: string }>(
    `SELECT count(*) AS n FROM signal_samples s JOIN vehicles v ON v.id = s.vehicle_id JOIN signal_catalog c ON c.id = s.signal_id
      WHERE v.vin = $1 AND c.name = $2`, [vin, signal])).rows[0]?.n))
  const manifestsOf = async (vin: string): Promise<Array<number | null>> => (await poolOf(storage).query<{ manifest_id: number | null }>(
    'SELECT b.manifest_id FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = $1 ORDER BY b.seq', [vin])).rows.map((r) => r.manifest_id)

  const demoVin = 'WPWMAN00000000010'
  const otherVin = 'WPWMAN00000000011'
  const demo = await connectVehicle(mqttPort, demoVin, (await provisionDevice(storage.vehicles, { vin: demoVin, model: 'Pitwall Demo PHEV' })).secret)
  const other = await connectVehicle(mqttPort, otherVin, (await provisionDevice(storage.vehicles, { vin: otherVin, model: 'Other Model' })).secret)
  t.teardown(async () => { await demo.endAsync(); await other.endAsync() })
  const demoBatch = batches(demoVin, 3)
  const otherBatch = batches(otherVin, 4)

  // Before any manifest (and without --can-dbc): CAN frames archived raw only, counted per model.
  await publishQos1(other, `v1/${otherVin}/telemetry`, otherBatch(0))
  t.equal(await count(otherVin, 'Vehicle.Powertrain.CombustionEngine.EngineHours'), 0, 'no CAN signal stored without a manifest')
  t.equal((await fetchMetric(httpPort))('pitwall_batches_without_manifest_total{model="Other Model"}'), 1)

  // The rule names a signal only the demo manifest adds: refused until it is active.
  const ruleText = `rules:
  - id: pack-discharge
    severity: info
    when: { signal: Vehicle.Powertrain.TractionBattery.CurrentCurrent, op: '>', value: -10000 }
`
  const refused = t.throws(() => parseRules(ruleText, 'r.yaml', { has: () => false, names: () => ['Vehicle.Powertrain.TractionBattery.CurrentVoltage', 'Vehicle.Speed'], where: 'nowhere' }))
  t.type(refused, RuleFileError)
  let signals = await ruleSignals(storage.manifests)
  t.throws(() => parseRules(ruleText, 'r.yaml', signals), {
    code: 'PITWALL_ERR_RULE_FILE',
    message: /^r\.yaml: rule pack-discharge: when\.signal names "Vehicle\.Powertrain\.TractionBattery\.CurrentCurrent", which is not in the built-in catalog or any active decoder manifest \(closest: Vehicle\.Powertrain\.TractionBattery\.CurrentVoltage, /
  }, 'names the rule, the signal and the closest known names')

  const v1 = await addManifest(storage.manifests, loadManifestFile(DEMO_MANIFEST), 'test', true)
  await until('the gateway to load the demo manifest', async () => (await fetchMetric(httpPort))('pitwall_decoder_manifests_active') === 1 ? true : undefined)
  signals = await ruleSignals(storage.manifests)
  await storage.rules.apply(parseRules(ruleText, 'r.yaml', signals))

  for (let i = 0; i < 3; i++) await publishQos1(demo, `v1/${demoVin}/telemetry`, demoBatch(i))
  t.equal(await count(demoVin, 'Vehicle.Powertrain.CombustionEngine.EngineHours'), 3, 'built-in signals by the DBC\'s VssSignal, once a second')
  t.equal(await count(demoVin, 'Vehicle.Acceleration.Longitudinal'), 15, 'an added signal, at its own 200 ms interval')
  t.same(await manifestsOf(demoVin), [v1.manifest.id, v1.manifest.id, v1.manifest.id], 'each batch records the version that decoded it')
  // the gateway loads the rule within a poll or two; batches keep coming meanwhile
  let next = 3
  const fault = await until('the rule on the added signal to open a fault', async () => {
    await publishQos1(demo, `v1/${demoVin}/telemetry`, demoBatch(next++))
    return (await storage.faults.list({ vin: demoVin })).find((f) => f.ruleId === 'pack-discharge')
  }, { pollMs: 200 })
  t.equal(fault.evidence[0]?.signal, 'Vehicle.Powertrain.TractionBattery.CurrentCurrent', 'the evidence names the added signal')

  // A manifest for the other model, activated while the gateway runs.
  const otherV1 = await addManifest(storage.manifests, loadManifestFile(manifestFile('model: Other Model\nvssAttribute: false\nbuses:\n  - { bus: 0, dbc: demo.dbc }\nsignals:\n  - { from: ECM_EngineTemps.EngineHours, signal: Vehicle.Powertrain.CombustionEngine.EngineHours }\n')), 'test', true)
  await until('the gateway to load the second manifest', async () => (await fetchMetric(httpPort))('pitwall_decoder_manifests_active') === 2 ? true : undefined)
  await publishQos1(other, `v1/${otherVin}/telemetry`, otherBatch(1))
  t.equal(await count(otherVin, 'Vehicle.Powertrain.CombustionEngine.EngineHours'), 1, 'now decoded with its own manifest')
  t.equal(await count(otherVin, 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'), 0, 'and only what it maps (state of charge comes from CAN alone)')

  await storage.manifests.deactivate('Other Model', 'test')
  await until('the gateway to drop the deactivated manifest', async () => (await fetchMetric(httpPort))('pitwall_decoder_manifests_active') === 1 ? true : undefined)
  await publishQos1(other, `v1/${otherVin}/telemetry`, otherBatch(2))
  t.equal(await count(otherVin, 'Vehicle.Powertrain.CombustionEngine.EngineHours'), 1, 'raw only again')
  t.same(await manifestsOf(otherVin), [null, otherV1.manifest.id, null])
  t.equal((await fetchMetric(httpPort))('pitwall_batches_without_manifest_total{model="Other Model"}'), 2)

  // Backtest: each batch with the version that decoded it, or a trial manifest for its model.
  const catalog = await storedCatalog(storage.manifests)
  const stored = new StoredManifests(storage.manifests, catalog, 1)
  const draft = parseRules(`rules:
  - id: hours
    severity: info
    when: { signal: Vehicle.Powertrain.CombustionEngine.EngineHours, op: '>', value: -1 }
`, 'd.yaml')
  const archive = new BatchArchive(poolOf(storage))
  const asThen = await runBacktest(archive, draft, { vins: [otherVin] }, { catalog, stored: async (id) => await stored.get(id) })
  t.same(asThen.decodedWith, { none: 2, 'Other Model@1': 1 })
  t.equal(asThen.byRule.hours, 1, 'the hours rule fires on the one batch a manifest decoded')
  const trial = trialManifest(manifestFile('model: Other Model\nvssAttribute: false\nbuses:\n  - { bus: 0, dbc: demo.dbc }\nsignals:\n  - { from: ECM_EngineTemps.EngineHours, signal: Vehicle.Powertrain.CombustionEngine.EngineHours }\n'), catalog, 1)
  const tried = await runBacktest(archive, draft, { vins: [otherVin] }, { catalog: trial.catalog, stored: async (id) => await stored.get(id), trial: trial.manifest })
  t.equal(tried.batches, 3)
  t.same(Object.values(tried.decodedWith), [3], 'every batch of its model decoded with the trial manifest')
})
