/**
 * Decoder manifests in storage, on both backends: versions per model, one
 * active, the same content stored once, catalog ids handed out once and kept,
 * the change token gateways poll, and refusals that leave everything as it was.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { dbcOf, loadManifestFile } from '../../decoders/manifest/load.js'
import type { ManifestSource } from '../../decoders/manifest/model.js'
import { resolveManifest } from '../../decoders/manifest/resolve.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { addManifest, ruleSignals } from '../../gateway/manifests.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const DEMO_MANIFEST = new URL('../../sim/demo-vehicle.manifest.yaml', import.meta.url).pathname
const DEMO_DBC = readFileSync(DEMO_DBC_FILE)

/** A manifest of `model` mapping the demo DBC's unmapped signals as `signals` says. */
function source (model: string, signals: Array<{ from: string, signal: string }>, catalog: Array<{ name: string, unit: string }> = []): ManifestSource {
  return {
    origin: `${model}.yaml`,
    spec: { model, strict: false, vssAttribute: false, buses: [{ bus: 0, dbc: 'demo.dbc' }], signals: signals.map((s) => ({ ...s, policy: {} })), catalog, defaults: {} },
    dbcs: new Map([['demo.dbc', dbcOf('demo.dbc', DEMO_DBC)]])
  }
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const store = storage.manifests

    t.test('a manifest is stored as its model\'s next version with its DBC, its additions get new ids, and it can be activated', async (t) => {
      const revision = await store.revision()
      const added = await addManifest(store, loadManifestFile(DEMO_MANIFEST), 'alice', true)
      t.match(added, { created: true, activated: true, manifest: { model: 'Pitwall Demo PHEV', version: 1, active: true, createdBy: 'alice', mappedSignals: 23 } })
      t.same(added.catalogAdded.map((c) => c.name).sort(), ['Vehicle.Acceleration.Longitudinal', 'Vehicle.Chassis.TirePressureMonitoring.TemperatureMax', 'Vehicle.Powertrain.TractionBattery.CurrentCurrent'])
      t.ok(added.catalogAdded.every((c) => c.id >= 1000), 'added ids come after the built-in ones')
      t.not(await store.revision(), revision, 'the change token moved')
      const again = await addManifest(store, loadManifestFile(DEMO_MANIFEST), 'bob', true)
      t.match(again, { created: false, activated: false, manifest: { version: 1, active: true }, catalogAdded: [] }, 'the same content again is the same version')
      const shown = await store.get({ model: 'Pitwall Demo PHEV' })
      t.equal(shown.buses[0]?.dbc, 'demo-vehicle.dbc')
      t.same(shown.events.map((e) => [e.type, e.by]), [['added', 'alice'], ['activated', 'alice']])
      const src = await store.source(shown.id)
      t.same(Buffer.from(src.dbcs.get(shown.buses[0]?.sha256 as string)?.bytes ?? []), DEMO_DBC, 'the DBC comes back byte for byte')
      const sources = await poolOf(storage).query<{ source: string }>("SELECT source FROM signal_sources WHERE source LIKE 'Pitwall Demo PHEV@1 %' ORDER BY source")
      t.equal(sources.rows.length, 23, 'the active manifest says what feeds each catalog signal')
    })

    t.test('one version active per model: activating another ends the one before; deactivating leaves none', async (t) => {
      const v1 = await addManifest(store, source('Model X', [{ from: 'IC_Odometer.TripDistance', signal: 'Acme.Trip' }], [{ name: 'Acme.Trip', unit: 'km' }]), 'alice', true)
      const v2 = await addManifest(store, source('Model X', [{ from: 'IC_Odometer.TripDistance', signal: 'Acme.Trip' }, { from: 'BCM_PowerSupply.Battery12vCurrent', signal: 'Acme.Aux.Current' }],
        [{ name: 'Acme.Trip', unit: 'km' }, { name: 'Acme.Aux.Current', unit: 'A' }]), 'alice')
      t.same([v1.manifest.version, v2.manifest.version, v2.manifest.active], [1, 2, false])
      t.equal(v2.catalogAdded.map((c) => c.name).join(), 'Acme.Aux.Current', 'a name added before keeps its id')
      t.equal(await store.activate('Model X', 2, 'carol'), true)
      t.equal(await store.activate('Model X', 2, 'carol'), false, 'already active')
      t.same((await store.list({ model: 'Model X' })).map((m) => [m.version, m.active]), [[1, false], [2, true]])
      t.same((await store.active()).map((m) => `${m.model}@${m.version}`), ['Model X@2', 'Pitwall Demo PHEV@1'])
      t.same((await store.get({ model: 'Model X', version: 1 })).events.map((e) => e.type), ['added', 'activated', 'deactivated'])
      t.equal(await store.deactivate('Model X', 'carol'), true)
      t.equal(await store.deactivate('Model X', 'carol'), false)
      t.same((await store.active()).map((m) => m.model), ['Pitwall Demo PHEV'])
      await t.rejects(store.activate('Model X', 9, 'carol'), { code: 'PITWALL_ERR_MANIFEST_UNKNOWN', message: 'model Model X has no decoder manifest version 9 (versions: 1, 2)' })
      await t.rejects(store.get({ model: 'Model X' }), { code: 'PITWALL_ERR_MANIFEST_UNKNOWN', message: 'model Model X has no active decoder manifest (versions: 1, 2)' })
      await t.rejects(store.deactivate('Nobody', 'carol'), { code: 'PITWALL_ERR_MANIFEST_UNKNOWN' })
    })

    t.test('two activations at once leave exactly one version active', async (t) => {
      const a = await addManifest(store, source('Race', [{ from: 'IC_Odometer.TripDistance', signal: 'Acme.Trip' }]), 'x')
      const b = await addManifest(store, source('Race', [{ from: 'IC_Odometer.Odometer', signal: 'Acme.Trip' }]), 'x')
      await Promise.all([store.activate('Race', a.manifest.version, 'x'), store.activate('Race', b.manifest.version, 'y')])
      t.equal((await store.list({ model: 'Race', active: true })).length, 1)
    })

    t.test('catalog ids are never reused, and a name keeps its unit: a clash is refused and nothing is stored', async (t) => {
      const before = await store.catalog()
      const ids = new Map(before.map((e) => [e.name, e.id]))
      t.equal(new Set(before.map((e) => e.id)).size, before.length)
      const catalog = new SignalCatalog()
      catalog.add(before)
      const clash = source('Clash', [{ from: 'IC_Odometer.TripDistance', signal: 'Acme.Trip' }], [{ name: 'Acme.Trip', unit: 'mi' }])
      t.throws(() => resolveManifest(clash, catalog), { code: 'PITWALL_ERR_MANIFEST_INVALID', message: /Clash\.yaml: catalog\[0\] Acme\.Trip is in "mi", but the catalog has it in "km"/ })
      // checked against an older catalog (another node added the name meanwhile): storage refuses it
      const stale = resolveManifest(source('Clash', [], [{ name: 'Acme.Trip', unit: 'mi' }]), new SignalCatalog())
      const revision = await store.revision()
      await t.rejects(store.add(stale, 'x'), { code: 'PITWALL_ERR_MANIFEST_INVALID', message: /Acme\.Trip is in "km" in the catalog \(added meanwhile\), not "mi"/ })
      t.equal(await store.revision(), revision, 'nothing was stored')
      t.same((await store.list({ model: 'Clash' })), [])
      const after = await store.catalog()
      t.same(after.filter((e) => ids.has(e.name)).map((e) => [e.name, e.id]), before.map((e) => [e.name, e.id]), 'every id as it was')
    })

    t.test('rules may read what the built-in catalog or an active manifest provides', async (t) => {
      const signals = await ruleSignals(store)
      t.ok(signals.has('Vehicle.Speed'))
      t.ok(signals.has('Vehicle.Powertrain.TractionBattery.CurrentCurrent'), 'fed by the active demo manifest')
      t.notOk(signals.has('Acme.Aux.Current'), 'only Model X@2 feeds it, and no Model X version is active')
    })

    t.test('each vehicle shows its model\'s active manifest', async (t) => {
      await storage.vehicles.add({ vin: 'WPWMAN00000000001', model: 'Pitwall Demo PHEV' }, 'scrypt$x')
      await storage.vehicles.add({ vin: 'WPWMAN00000000002', model: 'Model X' }, 'scrypt$x')
      const list = await storage.vehicles.list()
      t.same(list.filter((v) => v.vin.startsWith('WPWMAN')).map((v) => [v.vin, v.manifest?.version ?? null]), [['WPWMAN00000000001', 1], ['WPWMAN00000000002', null]])
    })
  })
}
