/**
 * Dealer pre-staging through a running gateway: a vehicle's batch raises a
 * fault whose rule asks for pre-staging; the fault's outbox row becomes an
 * alert for the nearest dealer (by the vehicle's last position), which
 * arrives at the dealer's endpoint as a signed webhook and sits in that
 * dealer's inbox, out of another dealer's sight.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { verifyWebhook } from '../../actions/webhook-signature.js'
import { pitwall } from '../../proto/index.js'
import { parseRules } from '../../rules/load.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'

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

  const tg = await startTestGateway('pglite', { rulesPollMs: 100 })
  t.teardown(() => tg.close())
  const { storage } = tg.gateway
  await storage.rules.apply(parseRules(RULES, 'rules.yaml'))
  const munich = await storage.dealers.add({ id: 'dealer-munich', name: 'Autohaus München', lat: 48.137, lon: 11.575, webhookUrl: url })
  await storage.dealers.add({ id: 'dealer-berlin', name: 'Autohaus Berlin', lat: 52.52, lon: 13.405 })
  await new Promise((resolve) => setTimeout(resolve, 400)) // the reloader's next poll

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
})
