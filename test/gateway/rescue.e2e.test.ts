/**
 * A rescue through a running gateway, on one backend: a vehicle standing
 * near Ulm reports a critical fault; the rescue request reaches the dealers
 * in range (Munich by signed webhook, Stuttgart in its inbox); Munich
 * accepts first over HTTP and Stuttgart is told it was taken; Munich moves
 * it through dispatched (with an ETA), on site, towed and closed, each step
 * with its time, signed to its webhook endpoint in order and shown in its
 * inbox timeline.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { verifyWebhook } from '../../actions/dealer-alerts/webhook-signature.js'
import { pitwall } from '../../proto/index.js'
import { parseRules } from '../../rules/load.js'
import { connectVehicle, publishQos1, startTestGateway } from '../helpers/gateway.js'
import { oneBackend } from '../helpers/backends.js'
import { until } from '../helpers/until.js'

const RULES = `rules:
  - id: engine-seized
    severity: critical
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 125 }
`
const ECT = 3 // Vehicle.Powertrain.CombustionEngine.ECT in the catalog
const ULM = { latE7: 484011000, lonE7: 99876000 }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}: a rescue request moves through its states with times recorded`, async (t) => {
    const received: Array<{ headers: Record<string, string | string[] | undefined>, body: string }> = []
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => { body += chunk.toString() })
      req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(200).end() })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    t.teardown(() => { receiver.close() })

    const tg = await startTestGateway(backend, { rulesPollMs: 100, webhookAllow: '127.0.0.1' })
    t.teardown(() => tg.close())
    const { storage } = tg.gateway
    await storage.rules.apply(parseRules(RULES, 'rules.yaml'))
    const munich = await storage.dealers.add({ id: 'muc', name: 'Autohaus München', lat: 48.1374, lon: 11.5755, webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pitwall` })
    await storage.dealers.add({ id: 'str', name: 'Autohaus Stuttgart', lat: 48.7758, lon: 9.1829 })
    await tg.gateway.rules.refresh()

    const vin = backend === 'pglite' ? 'WPWRSC00000000001' : 'WPWRSC00000000002'
    const client = await connectVehicle(tg.gateway.mqttPort, vin, await tg.provision(vin))
    t.teardown(async () => { await client.endAsync() })
    // three minutes standing at Ulm, then the engine temperature runs away
    const start = (Date.now() - 200_000) * 1000
    await publishQos1(client, `v1/${vin}/telemetry`, pitwall.v1.TelemetryBatch.encode({
      vin,
      seq: 1,
      baseTimeUs: start,
      gnss: [0, 60, 120, 180].map((s) => ({ dtUs: s * 1_000_000, ...ULM, speedCms: 0 })),
      signals: { dtUs: [190_000_000], signalId: [ECT], value: [131] }
    }).finish())

    const rescueOf = (body: string): { alert: { rescueId?: number } } => JSON.parse(body) as { alert: { rescueId?: number } }
    const created = await until('the rescue request at Munich\'s endpoint', async () =>
      received.find((r) => r.headers['pitwall-event'] === 'rescue_request.created'), { timeoutMs: 30_000 })
    t.ok(verifyWebhook(munich.webhookSecret as string, created.headers, created.body).ok, 'signed with Munich\'s secret')
    const rescueId = rescueOf(created.body).alert.rescueId as number
    t.ok(rescueId > 0, 'the webhook names the request to accept')

    const api = `http://127.0.0.1:${tg.gateway.httpPort}/api/v1`
    const munichToken = (await storage.apiTokens.create({ name: 'Pannendienst München', role: 'dealer', dealerId: 'muc' })).token
    const stuttgartToken = (await storage.apiTokens.create({ name: 'Pannendienst Stuttgart', role: 'dealer', dealerId: 'str' })).token
    // any: JSON bodies read field by field, their shape checked by the assertions
    const call = async (token: string, path: string, body?: object): Promise<{ status: number, json: any }> => {
      const res = await fetch(api + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      return { status: res.status, json: await res.json() }
    }
    const offered = await call(stuttgartToken, '/rescue-requests?state=requested')
    t.match(offered.json.rescues, [{ id: rescueId, source: 'fault', vin, state: 'requested', lat: 48.4011, offer: { dealerId: 'str' } }], 'in Stuttgart\'s list too')
    const stuttgartCopy = offered.json.rescues[0].offer.alertId as number

    const move = async (token: string, body: object): Promise<{ status: number, json: any }> => await call(token, `/rescue-requests/${rescueId}/transitions`, body)
    t.match(await move(munichToken, { to: 'accepted', note: 'truck 3 is free' }), { status: 200, json: { state: 'accepted', acceptedDealerId: 'muc' } })
    t.match(await move(stuttgartToken, { to: 'accepted' }), { status: 409, json: { code: 'PITWALL_ERR_RESCUE_TAKEN' } }, 'Stuttgart was second')
    const eta = new Date(Date.now() + 50 * 60_000).toISOString()
    t.match(await move(munichToken, { to: 'dispatched', eta }), { status: 200, json: { state: 'dispatched', eta } })
    t.match(await move(munichToken, { to: 'on_site' }), { status: 200, json: { state: 'on_site' } })
    t.match(await move(munichToken, { to: 'towed', towedTo: 'muc' }), { status: 200, json: { state: 'towed', towedToDealerId: 'muc' } })
    t.match(await move(munichToken, { to: 'closed', outcome: 'towed_to_workshop', note: 'seized water pump' }), { status: 200, json: { state: 'closed', outcome: 'towed_to_workshop' } })
    t.match(await move(munichToken, { to: 'on_site' }), { status: 409, json: { code: 'PITWALL_ERR_RESCUE_TRANSITION' } }, 'a closed rescue stays closed')

    const done = (await call(munichToken, `/rescue-requests/${rescueId}`)).json
    const times = ['requestedAt', 'acceptedAt', 'dispatchedAt', 'onSiteAt', 'towedAt', 'closedAt'].map((k) => Date.parse(done[k] as string))
    t.ok(times.every((ms) => Number.isFinite(ms)), 'every step has its time')
    t.same([...times].sort((a, b) => a - b), times, 'in the order the steps were made')
    t.ok((times[1] as number) >= (times[0] as number), 'request → accepted is a response time the KPIs can read')
    t.same(done.timeline.map((e: { state: string, dealerId: string | null, by: string }) => [e.state, e.dealerId, e.by]), [
      ['requested', null, 'pitwall'], ...['accepted', 'dispatched', 'on_site', 'towed', 'closed'].map((s) => [s, 'muc', 'Pannendienst München'])
    ])
    t.equal(done.contactPhone, null, 'a fault\'s rescue has no caller')

    const events = ['rescue_request.created', 'rescue_request.accepted', 'rescue_request.dispatched', 'rescue_request.on_site', 'rescue_request.towed', 'rescue_request.closed']
    const hooks = await until('every step at Munich\'s endpoint', async () => {
      const rescueHooks = received.filter((r) => String(r.headers['pitwall-event']).startsWith('rescue_request.'))
      return rescueHooks.length >= events.length ? rescueHooks : undefined
    })
    t.same(hooks.map((h) => h.headers['pitwall-event']), events, 'each step once, in order')
    t.ok(hooks.every((h) => verifyWebhook(munich.webhookSecret as string, h.headers, h.body).ok), 'each signed')
    t.match(JSON.parse(hooks[2]?.body ?? '{}'), { schema: 'pitwall.rescue-event/1', rescue: { id: rescueId, state: 'dispatched', eta } })

    const alertId = (await call(munichToken, '/inbox/alerts?kind=rescue')).json.alerts[0]?.id as number
    const inbox = (await call(munichToken, `/inbox/alerts/${alertId}`)).json
    t.same(inbox.timeline.map((e: { status: string, detail: { rescue?: string } | null }) => [e.status, e.detail?.rescue ?? null]), [
      ['new', null], ['acknowledged', 'accepted'], ['acknowledged', 'dispatched'], ['acknowledged', 'on_site'], ['acknowledged', 'towed'], ['closed', 'closed']
    ], 'the inbox timeline shows each step')
    t.match((await call(stuttgartToken, `/inbox/alerts/${stuttgartCopy}`)).json, { status: 'closed', timeline: [{ status: 'new' }, { status: 'closed', by: 'pitwall', detail: { rescue: 'taken' } }] })
  })
}
