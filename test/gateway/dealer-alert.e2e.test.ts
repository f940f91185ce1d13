/**
 * Dealer pre-staging through a running gateway: a vehicle's batch raises a
 * fault whose rule asks for pre-staging; the fault's outbox row becomes an
 * alert for the nearest dealer (by the vehicle's last position), which
 * arrives at the dealer's endpoint as a signed webhook and sits in that
 * dealer's inbox, out of another dealer's sight. The dealer then works it
 * through the HTTP API to repaired, and the KPIs show the journey.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { verifyWebhook } from '../../actions/dealer-alerts/webhook-signature.js'
import { pitwall } from '../../proto/index.js'
import { parseRules } from '../../rules/load.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { oneBackend } from '../helpers/backends.js'

const RULES = `rules:
  - id: overheat-prestage
    severity: major
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    action: { type: dealer_prestage, parts: [radiator fan assembly], repairHours: 2.5, fix: Replace the fan assembly. }
`
const ECT = 3 // Vehicle.Powertrain.CombustionEngine.ECT in the catalog

t.test('a pre-staging fault reaches the nearest dealer as a signed webhook and in its inbox', async (t) => {
  const received: Array<{ headers: Record<string, string | string[] | undefined>, body: string }> = []
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(200).end() })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { receiver.close() })
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pitwall`

  // the dealer system on loopback is let through by the allow list (PITWALL_WEBHOOK_ALLOW), as one on premises would be
  const tg = await startTestGateway(await oneBackend(), { rulesPollMs: 100, webhookAllow: '127.0.0.1' })
  t.teardown(() => tg.close())
  const { storage } = tg.gateway
  await storage.rules.apply(parseRules(RULES, 'rules.yaml'))
  const munich = await storage.dealers.add({ id: 'dealer-munich', name: 'Autohaus München', lat: 48.137, lon: 11.575, webhookUrl: url })
  await storage.dealers.add({ id: 'dealer-berlin', name: 'Autohaus Berlin', lat: 52.52, lon: 13.405 })
  await tg.gateway.rules.refresh()

  const vin = 'WPWDLR00000000001'
  const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
  t.teardown(async () => { await client.endAsync() })
  const now = Date.now() * 1000
  // near Augsburg: Munich is 60 km away, Berlin 500 km
  await publishQos1(client, `v1/${vin}/telemetry`, pitwall.v1.TelemetryBatch.encode({
    vin, seq: 1, baseTimeUs: now, gnss: [{ dtUs: 0, latE7: 483705000, lonE7: 108978000, speedCms: 0 }], signals: { dtUs: [0], signalId: [ECT], value: [115] }
  }).finish())

  const deadline = Date.now() + 20_000
  while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(received.length, 1, 'one webhook')
  const hook = received[0] as { headers: Record<string, string | string[] | undefined>, body: string }
  const check = verifyWebhook(munich.webhookSecret as string, hook.headers, hook.body)
  t.ok(check.ok, 'signed with the dealer\'s secret')
  t.match(JSON.parse(hook.body), { schema: 'pitwall.dealer-alert/1', vehicle: { vin, lastPosition: { lat: 48.3705 } }, fault: { ruleId: 'overheat-prestage' }, suggestion: { source: 'rule', parts: ['radiator fan assembly'], repairHours: 2.5 }, alert: { dealerId: 'dealer-munich' } })

  const inbox = await storage.dealerAlerts.list('dealer-munich')
  t.equal(inbox.length, 1, 'the alert is in the nearest dealer\'s inbox')
  t.same(await storage.dealerAlerts.list('dealer-berlin'), [], 'and not in another dealer\'s')
  await t.rejects(storage.dealerAlerts.get('dealer-berlin', (inbox[0] as { id: number }).id), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN' })

  // the dealer's staff work the alert over HTTP, as a dealer management system would
  const api = `http://127.0.0.1:${tg.gateway.httpPort}/api/v1`
  const munichToken = (await storage.apiTokens.create({ name: 'Werkstatt München', role: 'dealer', dealerId: 'dealer-munich' })).token
  const berlinToken = (await storage.apiTokens.create({ name: 'Werkstatt Berlin', role: 'dealer', dealerId: 'dealer-berlin' })).token
  const engineerToken = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
  // any: JSON bodies read field by field, their shape checked by the assertions
  const call = async (token: string, path: string, body?: object): Promise<{ status: number, json: any }> => {
    const res = await fetch(api + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, json: await res.json() }
  }
  const listed = await call(munichToken, '/inbox/alerts?status=new')
  t.equal(listed.status, 200)
  const alertId = listed.json.alerts[0]?.id as number
  t.equal(alertId, (inbox[0] as { id: number }).id, 'the dealer finds it among its new alerts')
  t.equal((await call(berlinToken, `/inbox/alerts/${alertId}`)).status, 404, 'another dealer cannot read it')
  t.equal((await call(berlinToken, `/inbox/alerts/${alertId}/transitions`, { to: 'acknowledged' })).status, 404, 'nor move it')
  for (const step of [{ to: 'acknowledged' }, { to: 'parts_staged', note: 'fan assembly on the shelf' }, { to: 'appointment_booked' }, { to: 'repaired', firstTimeFix: true }]) {
    const moved = await call(munichToken, `/inbox/alerts/${alertId}/transitions`, step)
    t.equal(moved.status, 200, `moved to ${step.to}`)
  }
  const back = await call(munichToken, `/inbox/alerts/${alertId}/transitions`, { to: 'parts_staged' })
  t.match(back, { status: 409, json: { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION' } }, 'an alert does not move back')
  const shown = await call(munichToken, `/inbox/alerts/${alertId}`)
  t.same(shown.json.timeline.map((e: { status: string, by: string }) => [e.status, e.by]), [
    ['new', 'pitwall'], ['acknowledged', 'Werkstatt München'], ['parts_staged', 'Werkstatt München'], ['appointment_booked', 'Werkstatt München'], ['repaired', 'Werkstatt München']
  ], 'every step with who took it')

  const kpis = await call(engineerToken, '/kpis')
  t.match(kpis.json, { faultToAlert: { count: 1, undelivered: 0 }, alertToPartsStaged: { count: 1 }, firstTimeFix: { count: 1, hits: 1, rate: 1 }, downtime: { count: 1 }, repairTime: { count: 1 } },
    'the KPIs count the journey')
  t.match((await call(berlinToken, '/kpis')).json, { dealerId: 'dealer-berlin', faultToAlert: { count: 0 }, firstTimeFix: { count: 0 } }, "Berlin's own KPIs hold none of it")
})
