/**
 * The dealer loop closed, through a running gateway on one backend: a
 * simulated T-box's drifting HV cell raises a fault whose alert reaches the
 * dealer's endpoint as a signed webhook; an engineer's remote fix runs on the
 * T-box, fresh data clears the fault, and the dealer receives one signed
 * "fixed remotely" update naming the command (not a clearing and then a
 * fix). An alert the dealer closed hears nothing when its fault clears. A
 * rule's service reminder reaches the same endpoint when it opens and when
 * the dealer's recorded service closes it.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { verifyWebhook } from '../../actions/dealer-alerts/webhook-signature.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { pitwall } from '../../proto/index.js'
import { parseRules } from '../../rules/load.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { Tbox } from '../../sim/tbox.js'
import { oneBackend } from '../helpers/backends.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'

const RULES = `rules:
  - id: cell-imbalance-prestage
    severity: major
    when: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '>', value: 0.12 }
    clear: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '<', value: 0.06 }
    clearFor: 1s
    scope: { models: [PW-LOOP] }
    action: { type: dealer_prestage, parts: [HV battery module], fix: Balance the HV battery; replace the module if the spread returns., repairHours: 3 }
  - id: coolant-overheat-prestage
    severity: major
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    clearFor: 1s
    scope: { models: [PW-CLOSED] }
    action: { type: dealer_prestage, parts: [radiator fan assembly], fix: Replace the fan assembly. }
  - id: coolant-inspection
    severity: minor
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    scope: { models: [PW-REMIND] }
    action: { type: service_reminder, task: Coolant system inspection }
`
const ECT = 3 // Vehicle.Powertrain.CombustionEngine.ECT in the catalog

interface Hook { headers: IncomingHttpHeaders, body: string, json: any }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const received: Hook[] = []
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => { body += chunk.toString() })
      req.on('end', () => { received.push({ headers: req.headers, body, json: JSON.parse(body) }); res.writeHead(200).end() })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    t.teardown(() => { receiver.close() })

    const tg = await startTestGateway(backend, { canDbc: `0=${DEMO_DBC_FILE}`, rulesPollMs: 100, webhookAllow: '127.0.0.1' })
    t.teardown(() => tg.close())
    const { storage, commandKeys } = tg.gateway
    await storage.rules.apply(parseRules(RULES, 'rules.yaml'))
    const { webhookSecret } = await storage.dealers.add({
      id: 'dealer-loop', name: 'Autohaus am Ring', lat: 48.137, lon: 11.575, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pitwall`
    })
    await tg.gateway.rules.refresh()
    const api = `http://127.0.0.1:${tg.gateway.httpPort}/api/v1`
    const dealerToken = (await storage.apiTokens.create({ name: 'Serviceannahme', role: 'dealer', dealerId: 'dealer-loop' })).token
    const call = async (path: string, body?: object): Promise<{ status: number, json: any }> => {
      const res = await fetch(api + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${dealerToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      return { status: res.status, json: await res.json() }
    }
    /** The webhook of `event` about `vin`, once it arrived, checked against the dealer's secret. */
    const hook = async (t: Test, event: string, vin: string): Promise<Hook> => {
      const found = await until(`${event} for ${vin}`, async () => received.find((h) => h.json.event === event && h.json.vehicle?.vin === vin))
      const check = verifyWebhook(webhookSecret as string, found.headers, found.body)
      t.ok(check.ok, `${event} is signed with the dealer's secret`)
      t.match(check, { event, idempotencyKey: /^[0-9a-f-]{36}$/ })
      return found
    }
    const vehicle = async (vin: string, model: string): Promise<string> => {
      const { secret } = await provisionDevice(storage.vehicles, { vin, model })
      await storage.vehicles.assignDealer(vin, 'dealer-loop')
      return secret
    }

    t.test('the alert, then one "fixed remotely" update once the engineer\'s remote fix cleared the fault', async (t) => {
      const vin = 'WPWLP000000000001'
      const tbox = new Tbox({
        url: `mqtt://127.0.0.1:${tg.gateway.mqttPort}`,
        vin,
        secret: await vehicle(vin, 'PW-LOOP'),
        seed: 21,
        rateHz: 5,
        faults: ['cellimbalance'],
        commands: { trustedKeys: commandKeys.publicKeys, stepMs: 20 }
      })
      for (let s = 0; s < 300; s++) tbox.model.step(1) // the drifting cell is past the threshold
      tbox.start()
      t.teardown(async () => { await tbox.stop() })

      const created = await hook(t, 'dealer_alert.created', vin)
      t.match(created.json, { fault: { ruleId: 'cell-imbalance-prestage' }, alert: { dealerId: 'dealer-loop' } })
      const alertId = created.json.alert.id as number
      const fault = await storage.faults.get(created.json.fault.id as number)
      // the engineer, seeing the alert's fault, sends the balancing as the fault's remote fix
      const command = await storage.commands.enqueue({
        vin, body: { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }, ttlMs: 600_000, requestedBy: 'eva', faultId: fault.id
      })

      const fixed = await hook(t, 'dealer_alert.fixed_remotely', vin)
      t.not(fixed.headers['idempotency-key'], created.headers['idempotency-key'], 'the update has a key of its own')
      t.match(fixed.json, {
        schema: 'pitwall.dealer-alert-update/1',
        update: 'fixed_remotely',
        alert: { id: alertId, dealerId: 'dealer-loop' },
        vehicle: { vin },
        fault: { id: fault.id, ruleId: 'cell-imbalance-prestage', state: 'auto_cleared' },
        command: { id: command.id, requestedBy: 'eva', action: { name: 'bms-extended-balancing' } },
        summary: new RegExp(`command ${command.id}, remote action bms-extended-balancing`),
        partsStaged: null
      })
      t.equal((await storage.commands.get(command.id)).fixCheck, 'confirmed')
      t.same(received.filter((h) => h.json.alert?.id === alertId && h.json.event === 'dealer_alert.fault_cleared'), [], 'the clearing was not sent on its own')
      const shown = await call(`/inbox/alerts/${alertId as number}`)
      t.match(shown.json, { lastUpdate: 'fixed_remotely' })
      t.same(shown.json.timeline.map((e: { update: string | null }) => e.update), [null, 'fixed_remotely'], 'the inbox timeline shows it')
    })

    t.test('an alert the dealer closed gets no update when its fault clears', async (t) => {
      const vin = 'WPWLP000000000002'
      const client = await connectVehicle(tg.gateway.mqttPort, vin, await vehicle(vin, 'PW-CLOSED'))
      t.teardown(async () => { await client.endAsync() })
      const now = Date.now() * 1000
      await publishQos1(client, `v1/${vin}/telemetry`, pitwall.v1.TelemetryBatch.encode({ vin, seq: 1, baseTimeUs: now, signals: { dtUs: [0], signalId: [ECT], value: [118] } }).finish())
      const created = await hook(t, 'dealer_alert.created', vin)
      const alertId = created.json.alert.id as number
      t.equal((await call(`/inbox/alerts/${alertId}/transitions`, { to: 'closed', note: 'customer had it fixed elsewhere' })).status, 200)

      await publishQos1(client, `v1/${vin}/telemetry`, pitwall.v1.TelemetryBatch.encode({
        vin, seq: 2, baseTimeUs: now + 5_000_000, signals: { dtUs: [0, 2_000_000], signalId: [ECT, ECT], value: [90, 90] }
      }).finish())
      await until('the fault to clear', async () => (await storage.faults.get(created.json.fault.id as number)).state === 'auto_cleared' ? true : undefined)
      // the clearing committed with its notices: none was written for the closed alert, so nothing can follow
      t.same(await storage.dealerNotices.list({ alertId }), [])
      t.same((await storage.dealerAlerts.deliveries(alertId)).map((d) => d.event), ['dealer_alert.created'])
      t.same((await call(`/inbox/alerts/${alertId}`)).json.timeline.map((e: { status: string, update: string | null }) => [e.status, e.update]),
        [['new', null], ['closed', null]])
    })

    t.test('a rule\'s service reminder reaches the webhook when it opens and when the dealer\'s service closes it', async (t) => {
      const vin = 'WPWLP000000000003'
      const client = await connectVehicle(tg.gateway.mqttPort, vin, await vehicle(vin, 'PW-REMIND'))
      t.teardown(async () => { await client.endAsync() })
      await publishQos1(client, `v1/${vin}/telemetry`, pitwall.v1.TelemetryBatch.encode({ vin, seq: 1, baseTimeUs: Date.now() * 1000, signals: { dtUs: [0], signalId: [ECT], value: [121] } }).finish())
      const opened = await hook(t, 'service_reminder.created', vin)
      t.match(opened.json, {
        schema: 'pitwall.service-reminder/1', dealerId: 'dealer-loop', vehicle: { vin, model: 'PW-REMIND' },
        reminder: { ruleId: 'coolant-inspection', kind: 'fault', task: 'Coolant system inspection', state: 'open' }
      })
      t.equal((await call(`/vehicles/${vin}/services`, { covers: ['coolant-inspection'], description: 'coolant hoses and pump checked' })).status, 201)
      const closed = await hook(t, 'service_reminder.closed', vin)
      t.match(closed.json, { reminder: { id: opened.json.reminder.id, state: 'done', closedBy: 'Serviceannahme' } })
      t.not(closed.headers['idempotency-key'], opened.headers['idempotency-key'])
    })
  })
}
