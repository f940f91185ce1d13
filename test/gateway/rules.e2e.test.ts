/**
 * The demo rule pack against the simulator's fault injection, end to end:
 * simulated T-boxes publish 15 minutes of driving (in 5 s batches, as fast as
 * PUBACKs come) to a gateway decoding with the demo DBC; each injected fault
 * opens its rule's fault, a healthy vehicle opens none. Rules are applied
 * through the rules table while the gateway runs (hot reload).
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runBacktest } from '../../gateway/backtest.js'
import { loadDefaultManifest } from '../../gateway/default-manifest.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { loadRuleFile, parseRules } from '../../rules/load.js'
import { BatchArchive } from '../../storage/batch-archive.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { FAULT_NAMES, type FaultName } from '../../sim/faults.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { poolOf } from '../../storage/index.js'
import { oneBackend } from '../helpers/backends.js'

const PACK = fileURLToPath(new URL('../../rules/packs/demo-vehicle.yaml', import.meta.url))
const EXPECTED: Record<FaultName, string> = {
  overheat: 'engine-overheat',
  battery12v: 'battery-12v-weak',
  cellimbalance: 'hv-cell-imbalance',
  tyreleak: 'tyre-pressure-loss',
  brakewear: 'brake-pads-worn',
  mil: 'mil-with-dtc'
}
const BATCH_US = 5_000_000
const BATCHES = 180 // 15 minutes of driving

t.test('each injected fault opens its rule\'s fault with evidence; a healthy vehicle opens none', async (t) => {
  const starting = startTestGateway(await oneBackend(), { canDbc: `0=${DEMO_DBC_FILE}`, rulesPollMs: 100 })
  t.teardown(async () => { await (await starting).close() })

  // The drives are simulated while the gateway starts (its embedded database
  // starts in a process of its own): a batch at a time, letting the start go on in between.
  const t0 = Date.now() * 1000 - BATCHES * BATCH_US
  const vehicles = [...FAULT_NAMES, 'healthy' as const].map((fault, i) => ({ fault, vin: `PWLRULE00000000${String(i).padStart(2, '0')}`, batches: [] as Uint8Array[] }))
  for (const [i, { fault, vin, batches }] of vehicles.entries()) {
    const model = new VehicleModel({ seed: 100 + i, faults: fault === 'healthy' ? [] : [fault] })
    const builder = new BatchBuilder({ vin, model, seed: 200 + i, startSeq: 1 })
    for (let k = 0; k < BATCHES; k++) {
      batches.push(builder.build(t0 + k * BATCH_US, BATCH_US).payload)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  const tg = await starting
  const { storage } = tg.gateway
  const applied = await storage.rules.apply(loadRuleFile(PACK))
  t.equal(applied.added.length, 6)
  // the running gateway picks the rules up from the table
  await tg.gateway.rules.refresh()

  // provisioned concurrently, each connecting as soon as it is registered (the embedded host once mixed these up)
  await Promise.all(vehicles.map(async ({ vin, batches }) => {
    const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
    try {
      for (const payload of batches) await publishQos1(client, `v1/${vin}/telemetry`, payload)
    } finally {
      await client.endAsync()
    }
  }))

  const faults = await storage.faults.list({ limit: 1000 })
  for (const { fault, vin } of vehicles) {
    const rules = faults.filter((f) => f.vin === vin).map((f) => f.ruleId).sort()
    if (fault === 'healthy') {
      t.same(rules, [], 'the healthy vehicle has no faults')
    } else {
      t.same(rules, [EXPECTED[fault]], `${fault}: ${EXPECTED[fault]} and nothing else`)
    }
  }
  const overheat = faults.find((f) => f.ruleId === 'engine-overheat')
  t.ok((overheat?.evidence.length ?? 0) > 10, 'the fault carries its freeze frame')
  t.ok(overheat?.evidence.every((e) => e.signal === 'Vehicle.Powertrain.CombustionEngine.ECT' && e.value > 90), 'of the coolant temperature climbing')
  t.match(overheat, { severity: 'critical', state: 'open', action: { type: 'dealer_prestage' }, caseId: 'case-cooling-fan' })
  t.match(faults.find((f) => f.ruleId === 'hv-cell-imbalance')?.action, { type: 'remote_fix', name: 'bms-extended-balancing', approval: 'auto' })

  // Backtest over the stored batches: the same decoders and engine, so the same faults at the same times.
  const archive = new BatchArchive(poolOf(storage))
  const decoders = { catalog: new SignalCatalog(), stored: async () => { throw new Error('no stored manifests here') }, fallback: loadDefaultManifest(`0=${DEMO_DBC_FILE}`, 1) }
  const replayed = await runBacktest(archive, loadRuleFile(PACK), {}, decoders)
  t.equal(replayed.batches, vehicles.length * BATCHES, 'every stored batch replayed')
  // to the millisecond: opened_at is a timestamptz read back as a Date
  const opened = (list: Array<{ vin: string, ruleId: string, timeUs: number }>): string[] => list.map((f) => `${f.vin} ${f.ruleId} ${Math.floor(f.timeUs / 1000)}`).sort()
  t.same(opened(replayed.events.filter((e) => e.type === 'opened')),
    opened(faults.map((f) => ({ vin: f.vin, ruleId: f.ruleId, timeUs: f.openedAt.getTime() * 1000 }))),
    'the backtest raises exactly the live faults')

  // A draft with a lower threshold, before anyone enables it, on one vehicle and a time range.
  const draft = parseRules(`rules:
  - id: engine-warm
    severity: info
    enabled: false
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 95 }
    for: 20s
`, 'draft.yaml')
  const overheatVin = vehicles[0]?.vin as string
  const all = await runBacktest(archive, draft, { vins: [overheatVin] }, decoders)
  t.equal(all.vehicles, 1)
  t.ok((all.byRule['engine-warm'] ?? 0) >= 1, 'the draft would have fired on the overheating vehicle')
  const early = await runBacktest(archive, draft, { vins: [overheatVin], toUs: t0 + 60 * 1_000_000 }, decoders)
  t.equal(early.batches, 13, 'a time range limits the batches (base times 0..60 s)')
  t.same(await storage.rules.list().then((l) => l.map((r) => r.id).includes('engine-warm')), false, 'a backtest stores nothing')
})
