/**
 * Rules over HTTP on one storage backend: engineers list, edit, enable and
 * backtest; operators only read; dealers nothing. A rule that does not check
 * is refused with each problem's field, line and column (what the console's
 * editor shows in place) and nothing is stored. A rule's text round-trips:
 * saving what GET answered changes no version. Backtests are bounded, and a
 * request past a bound is a 400 naming the field to narrow. Last, on a
 * running gateway: a rule saved through the API is in force (the reloader
 * picks it up like a CLI change), and a backtest decodes CAN frames with the
 * gateway's --can-dbc default, as ingest did.
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadRuleFile } from '../../rules/load.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import type { Storage } from '../../storage/index.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { expectEngineerWrites, openApi, roleTokens } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { testBatch } from '../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'

const PACK = fileURLToPath(new URL('../../rules/packs/demo-vehicle.yaml', import.meta.url))
const HOT = 'id: coolant-hot\nname: Coolant hot\nseverity: major\nwhen: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: ">", value: 80 }\n'

/** Stores `count` archived test batches (coolant 90 °C from OBD-II) of a new vehicle, one a minute from `startMs`. */
async function archive (storage: Storage, vin: string, startMs: number, count: number): Promise<void> {
  const vehicleId = await storage.vehicles.add({ vin, model: 'demo-ev' }, 'scrypt$x')
  for (let seq = 1; seq <= count; seq++) {
    const baseTimeUs = (startMs + (seq - 1) * 60_000) * 1000
    await storage.storeBatch({
      vehicleId, seq, baseTimeUs, canFrames: 0, payload: testBatch({ vin, seq, baseTimeUs, frames: 0 }), samples: { timeUs: [], signalId: [], value: [] }, gnss: [], dtcs: []
    })
  }
}

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    const tokens = await roleTokens(storage.apiTokens)
    const { engineer, operator, dealer } = tokens
    const put = async (id: string, body: unknown): ReturnType<typeof call> => await call('PUT', `/api/v1/rules/${id}`, engineer, body)

    t.test('engineers write, operators read, dealers and anonymous callers are refused', async (t) => {
      await storage.rules.apply(loadRuleFile(PACK))
      await expectEngineerWrites(t, call, [
        ['GET', '/api/v1/rules'], ['GET', '/api/v1/rules/engine-overheat'],
        ['POST', '/api/v1/rules/engine-overheat/disable'], ['POST', '/api/v1/rules/engine-overheat/enable'],
        ['POST', '/api/v1/rules/backtest', { text: HOT, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }]
      ], tokens)
      for (const token of [undefined, dealer, operator]) {
        const res = await call('PUT', '/api/v1/rules/coolant-hot', token, { text: HOT })
        t.equal(res.statusCode, token === undefined ? 401 : 403, `PUT as ${token === operator ? 'an operator' : token === dealer ? 'a dealer' : 'nobody'}`)
      }
      const list = await call('GET', '/api/v1/rules', operator)
      t.equal(list.statusCode, 200)
      t.same(list.json().rules.map((r: { id: string }) => r.id), ['battery-12v-weak', 'brake-pads-worn', 'engine-overheat', 'hv-cell-imbalance', 'mil-with-dtc', 'tyre-pressure-loss'])
      t.match(list.json().rules.find((r: { id: string }) => r.id === 'engine-overheat'), {
        name: 'Engine overheating (cooling fan or thermostat)',
        severity: 'critical',
        enabled: true,
        condition: '{ signal: Vehicle.Powertrain.CombustionEngine.ECT, op: ">", value: 112 }',
        action: 'dealer_prestage',
        scope: { models: [], firmware: [] }
      })
    })

    t.test('every stored rule reads back as text that saves to the same version', async (t) => {
      for (const rule of await storage.rules.list()) {
        const view = (await call('GET', `/api/v1/rules/${rule.id}`, engineer)).json()
        t.equal(view.version, rule.version)
        t.notMatch(view.text, /enabled/, 'enabled is switched apart from the text')
        const saved = await put(rule.id, { text: view.text })
        t.equal(saved.statusCode, 200, `${rule.id} saved back`)
        t.equal(saved.json().version, rule.version, `${rule.id}: same version`)
        t.equal(saved.json().versions.length, 1, `${rule.id}: no new version`)
        const asJson = await put(rule.id, { format: 'json', text: JSON.stringify(view.file) })
        t.equal(asJson.json().version, rule.version, `${rule.id}: the JSON form too`)
      }
    })

    t.test('a new rule is created, a changed one gets a version, and enable/disable keep it', async (t) => {
      const created = await put('coolant-hot', { text: HOT })
      t.equal(created.statusCode, 201)
      t.match(created.json(), { id: 'coolant-hot', name: 'Coolant hot', enabled: true, action: null, versions: [{ version: created.json().version }] })
      const changed = await put('coolant-hot', { text: HOT.replace('80', '85') })
      t.equal(changed.statusCode, 200)
      t.not(changed.json().version, created.json().version)
      t.equal(changed.json().versions.length, 2)
      t.match(changed.json().text, /value: 85/)

      const disabled = await call('POST', '/api/v1/rules/coolant-hot/disable', engineer)
      t.match(disabled.json(), { enabled: false, version: changed.json().version })
      t.same((await storage.rules.active()).map((r) => r.id).includes('coolant-hot'), false, 'out of the engine\'s rules')
      const edited = await put('coolant-hot', { text: HOT.replace('80', '86') })
      t.equal(edited.json().enabled, false, 'saving a disabled rule keeps it disabled')
      t.equal((await call('POST', '/api/v1/rules/coolant-hot/enable', engineer)).json().enabled, true)
      t.equal((await put('coolant-hot', { rule: { severity: 'minor', when: { dtc: 'P0300' } } })).json().severity, 'minor', 'a rule may come as an object')

      await expectError(t, call('GET', '/api/v1/rules/no-such-rule', operator), 404, 'PITWALL_ERR_RULE_UNKNOWN', 'no rule no-such-rule')
      await expectError(t, call('POST', '/api/v1/rules/no-such-rule/enable', engineer), 404, 'PITWALL_ERR_RULE_UNKNOWN', /no rule no-such-rule/)
    })

    t.test('a rule that does not check is refused with each problem in place, and nothing is stored', async (t) => {
      const before = await storage.rules.revision()
      const refused = async (body: unknown, problem: object, message: RegExp): Promise<void> => {
        const res = await put('draft-rule', body)
        t.equal(res.statusCode, 400)
        t.match(res.json(), { code: 'PITWALL_ERR_RULE_FILE', message, problems: [problem] })
        t.equal(res.json().problems.length, 1)
      }
      await refused({ text: 'severity: major\nwhen: { signal: Vehicle.Speed, op: ">", value: 1\n' },
        { path: '', line: 3, column: 1, message: /^not valid YAML: / }, /^body\.text: not valid YAML: .*\(line 3, column 1\)$/)
      await refused({ text: 'severity: major\nwhen:\n  signal: Vehicle.Speed\n  op: "=>"\n  value: 1\n' },
        { path: 'when.op', line: 4, column: 3, message: 'must be one of >, >=, <, <=, ==, !=' }, /^body\.text: rule draft-rule: when\.op must be one of/)
      await refused({ text: 'severity: major\nwhen: { signal: Vehicle.Sped, op: ">", value: 1 }\n' },
        { path: 'when.signal', line: 2, column: 9, message: /names "Vehicle.Sped", which is not in the built-in catalog or any active decoder manifest \(closest: Vehicle\.Speed/ }, /when\.signal names/)
      await refused({ text: 'severity: major\nwhen: { dtc: P0300 }\nfore: 10s\n' },
        { path: 'fore', line: 3, column: 1, message: 'has an unknown field "fore"' }, /has an unknown field "fore"/)
      await refused({ text: 'when: { dtc: P0300 }\n' }, { path: '', line: 1, column: 1, message: 'needs the field "severity"' }, /needs the field "severity"/)
      await refused({ text: 'id: other\nseverity: major\nwhen: { dtc: P0300 }\n' },
        { path: 'id', line: 1, column: 1, message: 'is "other"; this rule\'s id is "draft-rule"' }, /^body\.text: id is "other"/)
      await refused({ format: 'json', text: '{\n  "severity": "major",\n  "when": { "dtc": "P0300" },\n}' },
        { path: '', line: 4, column: 1, message: /^not valid JSON: / }, /^body\.text: not valid JSON/)
      await refused({ format: 'json', text: '{\n  "severity": "major",\n  "when": { "dtc": "X0300" }\n}' },
        { path: 'when.dtc', line: 3, column: 13, message: /^is not a DTC/ }, /when\.dtc is not a DTC/)
      await refused({ rule: { severity: 'major', when: { all: [{ dtc: 'P0300' }, { signal: 'Vehicle.Speed', between: [9, 1] }] } } },
        { path: 'when.all[1].between', message: 'runs backwards: [9, 1]' }, /^body\.rule: rule draft-rule: when\.all\[1\]\.between runs backwards/)
      await refused({ text: '- severity: major\n' }, { path: '', message: /must be one rule/ }, /must be one rule/)
      t.equal(await storage.rules.revision(), before, 'nothing was stored')

      await expectError(t, put('draft-rule', { text: HOT, rule: {} }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs one of the fields "text" (YAML or JSON) or "rule" (an object)')
      await expectError(t, put('draft-rule', { text: HOT, format: 'toml' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.format "toml" is not one of yaml, json')
      await expectError(t, put('draft-rule', { text: HOT, enabled: true }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "enabled"')
    })

    t.test('a backtest says what a draft would have raised, bounded before it starts', async (t) => {
      const start = Date.UTC(2026, 2, 1, 8)
      await archive(storage, 'WBA3B5C50RULEAPX1', start, 5)
      await archive(storage, 'WBA3B5C50RULEAPX2', start + 3_600_000, 2)
      const backtest = async (body: object): ReturnType<typeof call> =>
        await call('POST', '/api/v1/rules/backtest', engineer, { from: '2026-03-01T07:00:00Z', to: '2026-03-01T12:00:00Z', ...body })

      const all = await backtest({ text: HOT })
      t.equal(all.statusCode, 200)
      t.match(all.json(), { vehicles: 2, batches: 7, skippedBatches: 0, decodedWith: { none: 7 }, byRule: { 'coolant-hot': 2 }, eventsTruncated: false })
      t.match(all.json().events, [
        { vin: 'WBA3B5C50RULEAPX1', ruleId: 'coolant-hot', type: 'opened', severity: 'major', occurrences: 1, evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', value: 90 }] },
        { vin: 'WBA3B5C50RULEAPX2', type: 'opened' }
      ])
      t.equal(all.json().events[0].time, new Date(start).toISOString())
      const one = await backtest({ text: HOT, vin: ['wba3b5c50ruleapx2'] })
      t.match(one.json(), { vehicles: 1, batches: 2 })
      t.same((await backtest({ text: HOT.replace('80', '95') })).json().events, [], 'a threshold above the readings raises nothing')
      t.match((await backtest({ text: HOT, to: '2026-03-01T08:02:30Z' })).json(), { vehicles: 1, batches: 3 }, 'only batches in the range')
      t.notOk((await storage.rules.list()).some((r) => r.id === 'draft'), 'a backtest stores nothing')

      await expectError(t, backtest({ text: HOT, from: '2026-03-01T00:00:00Z', to: '2026-03-09T00:00:00Z' }), 400, 'PITWALL_ERR_BAD_REQUEST',
        'body.to is more than 7 days after body.from; a backtest spans at most 7 days')
      await expectError(t, backtest({ text: HOT, to: '2026-03-01T06:00:00Z' }), 400, 'PITWALL_ERR_BAD_REQUEST', /^body\.to 2026-03-01T06:00:00Z is not after body\.from/)
      await expectError(t, backtest({ text: HOT, from: 'yesterday' }), 400, 'PITWALL_ERR_BAD_REQUEST', /^body\.from "yesterday" is not an ISO 8601 time/)
      await expectError(t, backtest({ text: HOT, vin: Array.from({ length: 21 }, (_, i) => `WBA3B5C50RULEX${String(i).padStart(3, '0')}`) }), 400, 'PITWALL_ERR_BAD_REQUEST',
        'body.vin names 21 vehicles; a backtest reads at most 20')
      await expectError(t, backtest({ text: HOT, vin: 'not-a-vin' }), 400, 'PITWALL_ERR_BAD_REQUEST', /^body\.vin "not-a-vin" is not a VIN/)
      await expectError(t, backtest({ text: HOT, vin: ['WBA3B5C50RULEAPX9'] }), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', 'no vehicle WBA3B5C50RULEAPX9 (body.vin)')
      const bad = await backtest({ text: 'severity: major\nwhen: { signal: Vehicle.Speed, op: "=>", value: 1 }\n' })
      t.equal(bad.statusCode, 400)
      t.match(bad.json(), { code: 'PITWALL_ERR_RULE_FILE', problems: [{ path: 'when.op', line: 2 }] })

      for (let i = 0; i < 19; i++) await archive(storage, `WBA3B5C50RULEB${String(i).padStart(3, '0')}`, start, 1)
      await expectError(t, backtest({ text: HOT }), 400, 'PITWALL_ERR_BAD_REQUEST',
        'more than 20 vehicles sent batches between body.from and body.to; name at most 20 in body.vin')
    })
  })
}

t.test('a rule saved through the API is in force on the running gateway', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { rulesPollMs: 100 })
  t.teardown(() => tg.close())
  const { storage } = tg.gateway
  const engineer = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const res = await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/api/v1/rules/coolant-hot`, {
    method: 'PUT', headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: HOT })
  })
  t.equal(res.status, 201)
  const vin = 'WBA3B5C50RULEAPX3'
  const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
  t.teardown(async () => { await client.endAsync() })
  // the reloader polls the rules table; batches go on until the rule is in force and trips
  let seq = 0
  const fault = await until('the saved rule to open a fault', async () => {
    await publishQos1(client, `v1/${vin}/telemetry`, testBatch({ vin, seq: ++seq }))
    return (await storage.faults.list({ vin })).find((f) => f.ruleId === 'coolant-hot')
  }, { timeoutMs: 10_000 })
  t.match(fault, { state: 'open', severity: 'major' })
})

t.test('a backtest over HTTP decodes CAN frames with the gateway\'s --can-dbc default, as ingest did', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { canDbc: `0=${DEMO_DBC_FILE}` })
  t.teardown(() => tg.close())
  const { storage } = tg.gateway
  const engineer = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const vin = 'WBA3B5C50RULEAPX4'
  const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
  t.teardown(async () => { await client.endAsync() })
  const batchUs = 5_000_000
  const t0Us = Date.now() * 1000 - 6 * batchUs
  const builder = new BatchBuilder({ vin, model: new VehicleModel({ seed: 3 }), seed: 4 })
  // acknowledged once stored (QoS 1 means stored)
  for (let k = 0; k < 6; k++) await publishQos1(client, `v1/${vin}/telemetry`, builder.build(t0Us + k * batchUs, batchUs).payload)

  // the state of charge reaches the gateway only in a CAN frame (0x3A0) that the demo DBC decodes
  const soc = 'Vehicle.Powertrain.TractionBattery.StateOfCharge.Current'
  const res = await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/api/v1/rules/backtest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: `id: soc-seen\nseverity: info\nwhen: { signal: ${soc}, op: ">", value: 0 }\n`, from: new Date(t0Us / 1000 - 60_000).toISOString(), to: new Date().toISOString() })
  })
  t.equal(res.status, 200)
  const report = await res.json() as { batches: number, decodedWith: Record<string, number>, byRule: Record<string, number>, events: Array<{ evidence: Array<{ signal: string }> }> }
  t.match(report, { batches: 6, decodedWith: { 'default (--can-dbc)': 6 }, byRule: { 'soc-seen': 1 } }, 'every batch decoded with the default, and the rule fired on a decoded CAN signal')
  t.ok(report.events[0]?.evidence.some((e) => e.signal === soc), 'with the decoded signal as evidence')
})
