/**
 * Decoder manifests over the HTTP API, on one storage backend, through a
 * fastify instance of the test's own (injected requests, no port): the demo
 * manifest added and activated by an engineer with its DBC in the body, read
 * back by an operator, its signals in the catalog; a second version taking
 * over; the denials, and the 400s naming the field, the DBC or the message.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse as parseYaml } from 'yaml'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { expectEngineerWrites, openApi, roleTokens, type RouteCall } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

const DEMO = parseYaml(readFileSync(new URL('../../sim/demo-vehicle.manifest.yaml', import.meta.url), 'utf8')) as Record<string, unknown> & { signals: Array<{ from: string }> }
const DBC = readFileSync(new URL('../../sim/demo-vehicle.dbc', import.meta.url), 'utf8')
const MODEL = 'Pitwall Demo PHEV'
const ADDED = ['Vehicle.Acceleration.Longitudinal', 'Vehicle.Powertrain.TractionBattery.CurrentCurrent', 'Vehicle.Chassis.TirePressureMonitoring.TemperatureMax']

/** The demo manifest as a request body, with `change` applied to the manifest. */
function demoBody (change: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { manifest: { ...DEMO, ...change }, dbcs: { 'demo-vehicle.dbc': DBC }, ...extra }
}

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const tokens = storage.apiTokens
    const { call, expectError } = await openApi(t, storage)

    const { engineer, operator, dealer } = await roleTokens(tokens)

    t.test('no token: 401; a dealer token: 403; an operator reads but does not write', async (t) => {
      const routes: RouteCall[] = [
        ['GET', '/api/v1/manifests'],
        ['GET', '/api/v1/manifests/1'],
        ['GET', '/api/v1/catalog'],
        ['POST', '/api/v1/manifests', demoBody({ model: 'denied' })],
        ['POST', '/api/v1/manifests/1/activate'],
        ['POST', '/api/v1/manifests/deactivate', { model: MODEL }]
      ]
      await expectEngineerWrites(t, call, routes, { dealer, operator })
      t.same((await call('GET', '/api/v1/manifests', operator)).json(), { manifests: [] }, 'nothing was stored')
      t.equal((await call('GET', '/api/v1/catalog', operator)).statusCode, 200, 'an operator reads the catalog')
    })

    t.test('the demo manifest added, activated, read back, and its signals in the catalog', async (t) => {
      const added = await call('POST', '/api/v1/manifests', engineer, demoBody({}, { activate: true }))
      t.equal(added.statusCode, 201)
      const body = added.json()
      t.match(body, {
        created: true,
        activated: true,
        manifest: { model: MODEL, version: 1, active: true, createdBy: 'alice', buses: [{ bus: 0, dbc: 'demo-vehicle.dbc', name: 'powertrain' }] },
        warnings: Array
      })
      const addedNames = body.catalogAdded.map((c: { name: string }) => c.name)
      for (const name of ADDED) t.ok(addedNames.includes(name), `${name} added to the catalog`)
      t.ok(body.catalogAdded.every((c: { id: number }) => c.id >= 1000), 'added signals get ids from 1000 up')
      const id = body.manifest.id as number

      const listed = (await call('GET', '/api/v1/manifests', operator)).json().manifests
      t.match(listed, [{ id, model: MODEL, version: 1, active: true }])
      t.equal(listed.length, 1)
      t.same((await call('GET', '/api/v1/manifests?active=false', operator)).json().manifests, [], 'no inactive versions')
      t.same((await call('GET', '/api/v1/manifests?model=ID-9', operator)).json().manifests, [], 'none of another model')

      const shown = await call('GET', `/api/v1/manifests/${id}`, operator)
      t.equal(shown.statusCode, 200)
      const manifest = shown.json()
      t.match(manifest, { id, model: MODEL, version: 1, active: true, definition: { model: MODEL, defaults: { minIntervalS: 1 } } })
      t.match(manifest.mappings, Array(manifest.mappedSignals).fill({ bus: 0 }))
      t.ok(manifest.mappings.some((m: { message: string, signal: string, catalog: string, via: string }) =>
        m.message === 'BMS_PackStatus' && m.signal === 'PackCurrent' && m.catalog === 'Vehicle.Powertrain.TractionBattery.CurrentCurrent' && m.via === 'signals'), 'a signals: entry is mapped')
      t.ok(manifest.mappings.some((m: { catalog: string, via: string }) => m.catalog === 'Vehicle.Speed' && m.via === 'VssSignal'), 'a VssSignal attribute is mapped')
      t.same(manifest.events.map((e: { type: string, by: string }) => [e.type, e.by]), [['added', 'alice'], ['activated', 'alice']])

      const catalog = (await call('GET', '/api/v1/catalog', operator)).json().signals as Array<{ id: number, name: string, unit: string }>
      for (const name of ADDED) {
        const entry = catalog.find((c) => c.name === name)
        t.ok(entry !== undefined && entry.id >= 1000, `${name} is in the catalog with an added id`)
      }
      t.ok(catalog.some((c) => c.name === 'Vehicle.Speed' && c.id < 1000), 'built-in signals are listed too')

      const again = await call('POST', '/api/v1/manifests', engineer, demoBody())
      t.equal(again.statusCode, 200, 'the same content again is no new version')
      t.match(again.json(), { created: false, activated: false, catalogAdded: [], manifest: { id, version: 1, active: true } })
      t.equal((await call('GET', '/api/v1/manifests', operator)).json().manifests.length, 1)
    })

    t.test('a second version with a changed mapping takes over, and activation by id and deactivation move it', async (t) => {
      const [v1] = (await call('GET', `/api/v1/manifests?model=${encodeURIComponent(MODEL)}&active=true`, operator)).json().manifests as Array<{ id: number, mappedSignals: number }>
      if (v1 === undefined) throw new Error('the demo manifest is not active')
      const signals = DEMO.signals.filter((s) => s.from !== 'TPMS_TyreStatus.TyreTemperatureMax')
      const second = await call('POST', '/api/v1/manifests', engineer, demoBody({ signals }, { activate: true }))
      t.equal(second.statusCode, 201)
      t.match(second.json(), { created: true, activated: true, catalogAdded: [], manifest: { model: MODEL, version: 2, active: true, mappedSignals: v1.mappedSignals - 1 } })
      const v2 = second.json().manifest.id as number
      t.same((await call('GET', '/api/v1/manifests', operator)).json().manifests.map((m: { version: number, active: boolean }) => [m.version, m.active]),
        [[1, false], [2, true]], 'the first version stopped')
      t.notOk((await call('GET', `/api/v1/manifests/${v2}`, operator)).json().mappings.some((m: { signal: string }) => m.signal === 'TyreTemperatureMax'), 'the dropped mapping is gone')

      const back = await call('POST', `/api/v1/manifests/${v1.id}/activate`, engineer)
      t.equal(back.statusCode, 200)
      t.match(back.json(), { changed: true, manifest: { id: v1.id, version: 1, active: true } })
      t.same(back.json().manifest.events.map((e: { type: string }) => e.type), ['added', 'activated', 'deactivated', 'activated'])
      t.match((await call('GET', `/api/v1/manifests/${v2}`, operator)).json(), { active: false })
      t.match((await call('POST', `/api/v1/manifests/${v1.id}/activate`, engineer)).json(), { changed: false, manifest: { active: true } }, 'activating the active one changes nothing')

      const off = await call('POST', '/api/v1/manifests/deactivate', engineer, { model: MODEL })
      t.equal(off.statusCode, 200)
      t.same(off.json(), { model: MODEL, changed: true })
      t.same((await call('GET', '/api/v1/manifests?active=true', operator)).json().manifests, [], 'no version is active')
      t.same((await call('POST', '/api/v1/manifests/deactivate', engineer, { model: MODEL })).json(), { model: MODEL, changed: false })
    })

    t.test('a manifest its DBC does not bear out is refused, naming what is wrong; nothing is stored', async (t) => {
      const before = (await call('GET', '/api/v1/manifests', operator)).json().manifests.length
      const misspelt = [{ from: 'ESC_VehicleSped.LongitudinalAccel', signal: 'Vehicle.Acceleration.Longitudinal' }]
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ model: 'typo', signals: misspelt })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', /signals\[0\] \(ESC_VehicleSped\.LongitudinalAccel\): no message ESC_VehicleSped in demo-vehicle\.dbc \(closest: ESC_VehicleSpeed/)
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ model: 'typo', signals: [{ from: 'ESC_VehicleSpeed.LongitudinalAccel', signal: 'Vehicle.Speed' }] })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', /is in "m\/s\^2" but Vehicle\.Speed is in "km\/h"/)
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ defaults: { minInterval: 'often' } })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', /^manifest: defaults\.minInterval/)
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ model: undefined })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', 'manifest: the manifest needs the field "model"')
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ dbcs: {} })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', 'manifest: the manifest has an unknown field "dbcs"')
      // a DBC that does not read at all (a string never closed)
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ model: 'broken' }, { dbcs: { 'demo-vehicle.dbc': 'BO_ 256 Broken: 8 ECM\n SG_ X : 0|8@1+ (1,0) [0|1] "" TBOX\nCM_ "never closed\n' } })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', /^request: buses\[0\] \(bus 0\): /)
      // one that reads but leaves out a signal no frame can carry (99 bits), with a warning: the mapping then names what is missing
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({ model: 'broken' }, { dbcs: { 'demo-vehicle.dbc': 'BO_ 256 Broken: 8 ECM\n SG_ X : 0|99@1+ (1,0) [0|1] "" TBOX\n' } })),
        400, 'PITWALL_ERR_MANIFEST_INVALID', /no message ESC_VehicleSpeed in demo-vehicle\.dbc/)
      t.equal((await call('GET', '/api/v1/manifests', operator)).json().manifests.length, before)
    })

    t.test('DBC files the buses do not match are refused, naming the file', async (t) => {
      const before = (await call('GET', '/api/v1/manifests', operator)).json().manifests.length
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { manifest: DEMO, dbcs: { 'demo.dbc': DBC } }),
        400, 'PITWALL_ERR_BAD_REQUEST', 'body.manifest.buses[0].dbc names "demo-vehicle.dbc", which is not in body.dbcs (it has "demo.dbc")')
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { manifest: DEMO, dbcs: { 'demo-vehicle.dbc': DBC, 'chassis.dbc': DBC } }),
        400, 'PITWALL_ERR_BAD_REQUEST', 'body.dbcs["chassis.dbc"] is the DBC of no bus in body.manifest.buses')
      const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`bus${i}.dbc`, DBC]))
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { manifest: DEMO, dbcs: many }),
        400, 'PITWALL_ERR_BAD_REQUEST', /^body\.dbcs must NOT have more than 16 properties/)
      t.equal((await call('GET', '/api/v1/manifests', operator)).json().manifests.length, before)
    })

    t.test('a request of the wrong shape is a 400 naming the field; an unknown manifest or model a 404', async (t) => {
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { manifest: DEMO }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "dbcs"')
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { dbcs: { 'demo-vehicle.dbc': DBC } }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "manifest"')
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({}, { activate: 'yes' })), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.activate must be boolean')
      await expectError(t, call('POST', '/api/v1/manifests', engineer, demoBody({}, { dbc: DBC })), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "dbc"')
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { manifest: DEMO, dbcs: { 'demo-vehicle.dbc': 42 } }), 400, 'PITWALL_ERR_BAD_REQUEST', /^body\.dbcs\.demo-vehicle\.dbc must be string/)
      await expectError(t, call('POST', '/api/v1/manifests', engineer, { manifest: 'model: x', dbcs: { 'demo-vehicle.dbc': DBC } }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.manifest must be object')
      await expectError(t, call('GET', '/api/v1/manifests?active=maybe', operator), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.active must be boolean')
      await expectError(t, call('GET', '/api/v1/manifests/first', operator), 400, 'PITWALL_ERR_BAD_REQUEST', 'params.id must be integer')
      await expectError(t, call('POST', '/api/v1/manifests/first/activate', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'params.id must be integer')
      await expectError(t, call('POST', '/api/v1/manifests/deactivate', engineer, {}), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "model"')

      await expectError(t, call('GET', '/api/v1/manifests/9999', operator), 404, 'PITWALL_ERR_MANIFEST_UNKNOWN', 'no decoder manifest 9999')
      await expectError(t, call('POST', '/api/v1/manifests/9999/activate', engineer), 404, 'PITWALL_ERR_MANIFEST_UNKNOWN', 'no decoder manifest 9999')
      await expectError(t, call('POST', '/api/v1/manifests/deactivate', engineer, { model: 'ID-9' }), 404, 'PITWALL_ERR_MANIFEST_UNKNOWN', /no decoder manifest for model ID-9/)
    })

    t.test('a body larger than the limit is refused before it is read whole', async (t) => {
      const huge = await call('POST', '/api/v1/manifests', engineer, { manifest: DEMO, dbcs: { 'demo-vehicle.dbc': 'x'.repeat(33 * 1024 * 1024) } })
      t.equal(huge.statusCode, 413)
      t.match(huge.json(), { code: 'PITWALL_ERR_BAD_REQUEST' })
    })
  })
}
