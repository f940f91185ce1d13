/**
 * Fleet events and live signals over Server-Sent Events, through real HTTP
 * streams: two gateway nodes on one PostgreSQL database (what happens on
 * node A reaches a stream opened on node B: a fault acknowledged through
 * A's API, a vehicle connecting to A, the live values of a vehicle
 * publishing to A), the embedded backend on its own, and the refusals
 * (tokens, dealer scope, bad input, stream caps).
 */
import t, { type Test } from 'tap'
import type { DealerAlert } from '../../../actions/dealer-alerts/model.js'
import { PLACES, seedFault } from '../../actions/dealer-fixtures.js'
import { roleTokens } from '../../helpers/api-client.js'
import { createTestDatabase, oneBackend, postgresReachable, SKIP_POSTGRES } from '../../helpers/backends.js'
import { testBatch } from '../../helpers/batches.js'
import { connectVehicle, publishQos1, startTestGateway, type TestGateway } from '../../helpers/gateway.js'
import { fetchMetric } from '../../helpers/metrics.js'
import type { Storage } from '../../../storage/index.js'
import { dataOf, SseClient, type SseEvent } from '../events/sse-client.js'

const envelope = (a: DealerAlert, key: string): { event: string, body: string } => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) })

async function post (port: number, path: string, token: string, body: unknown = {}): Promise<{ status: number, json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

/** Opens a stream and closes it when `t` ends. */
async function stream (t: Test, port: number, path: string, token?: string, headers?: Record<string, string>): Promise<SseClient> {
  const client = await SseClient.open(port, path, token, headers)
  t.teardown(() => { client.close() })
  return client
}

const isEvent = (kind: string, match: Record<string, unknown>) => (e: SseEvent): boolean =>
  e.event === kind && Object.entries(match).every(([k, v]) => dataOf(e)[k] === v)

/** A vehicle publishing a test batch (ECT 90 °C, 1800 rpm, tyre pressure, a GNSS fix) every 200 ms until stopped. */
async function publishing (t: Test, tg: TestGateway, vin: string, secret: string): Promise<void> {
  const client = await connectVehicle(tg.gateway.mqttPort, vin, secret)
  let seq = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      await publishQos1(client, `v1/${vin}/telemetry`, testBatch({ vin, seq: ++seq }))
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()
  t.teardown(async () => { stopped = true; await loop; await client.endAsync() })
}

/**
 * From a fault acknowledged (the commit returned to its writer) to its event
 * read by `events`, over 10 faults: median and worst, for the report.
 */
async function commitToEvent (storage: Storage, events: SseClient): Promise<string> {
  const faults = []
  for (let i = 0; i < 10; i++) faults.push(await seedFault(storage))
  const ms: number[] = []
  for (const f of faults) {
    await storage.faults.acknowledge(f.faultId, 'eva')
    const committed = performance.now()
    ms.push((await events.next(isEvent('fault', { id: f.faultId, event: 'acknowledged' }))).at - committed)
  }
  ms.sort((x, y) => x - y)
  return `median ${((ms[4] as number + (ms[5] as number)) / 2).toFixed(1)} ms, worst ${(ms[9] as number).toFixed(1)} ms of ${ms.length}`
}

t.test('two gateway nodes on one PostgreSQL database', { skip: !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
  const db = await createTestDatabase()
  const a = await startTestGateway('postgres', { databaseUrl: db.url, nodeName: 'node-a' })
  const b = await startTestGateway('postgres', { databaseUrl: db.url, nodeName: 'node-b' })
  t.teardown(async () => { await b.close(); await a.close(); await db.drop() })
  const storage = a.gateway.storage
  const tokens = await roleTokens(storage.apiTokens)
  const portA = a.gateway.httpPort
  const portB = b.gateway.httpPort

  t.test('a fault acknowledged through node A reaches a stream opened on node B', async (t) => {
    const events = await stream(t, portB, '/api/v1/events', tokens.engineer)
    t.equal(events.status, 200)
    t.match(events.response.headers['content-type'], /^text\/event-stream/)
    const f = await seedFault(storage)
    const opened = await events.next(isEvent('fault', { id: f.faultId, event: 'opened' }))
    t.match(dataOf(opened), { kind: 'fault', vin: f.vin, state: 'open', severity: 'major' }, 'the rules\' opening, written on node A, with what a list needs')
    t.match(opened.id, /^\d+$/, 'with an event id')
    const ack = await post(portA, `/api/v1/faults/${f.faultId}/acknowledge`, tokens.engineer)
    t.equal(ack.status, 200)
    const acknowledged = await events.next(isEvent('fault', { id: f.faultId, event: 'acknowledged' }))
    t.match(dataOf(acknowledged), { state: 'acknowledged', vin: f.vin, time: /^\d{4}-\d{2}-\d{2}T.*Z$/ })
    t.ok(Number(acknowledged.id) > Number(opened.id), 'ids grow')
    t.equal(events.retry, 3000, 'the stream says how long to wait before reconnecting')
  })

  t.test('commit on node A to event on node B (measured, not asserted)', async (t) => {
    const events = await stream(t, portB, '/api/v1/events', tokens.engineer)
    t.comment(`PostgreSQL, node A commit -> node B SSE client: ${await commitToEvent(storage, events)}`)
  })

  t.test('a vehicle connecting to node A is online on node B, and offline once it leaves', async (t) => {
    const events = await stream(t, portB, '/api/v1/events', tokens.operator)
    const vin = 'WDBAAAAA000000001'
    const secret = await a.provision(vin)
    const before = performance.now()
    const vehicle = await connectVehicle(a.gateway.mqttPort, vin, secret)
    const connack = performance.now()
    const online = await events.next(isEvent('vehicle', { vin, connected: true }))
    t.match(dataOf(online), { node: 'node-a' })
    t.comment(`CONNECT to node A -> online on node B: ${(online.at - before).toFixed(1)} ms (CONNACK after ${(connack - before).toFixed(1)} ms: the secret's scrypt)`)
    t.match(await b.gateway.storage.vehicles.connectionState(vin), { connected: true, node: 'node-a' }, 'node B reads where it is connected')
    await vehicle.endAsync()
    t.match(dataOf(await events.next(isEvent('vehicle', { vin, connected: false }))), { node: 'node-a' })
    t.match(await b.gateway.storage.vehicles.connectionState(vin), { connected: false, node: null })
  })

  t.test('the live signals of a vehicle publishing to node A, watched from node B', async (t) => {
    const vin = 'WDBAAAAA000000002'
    const secret = await a.provision(vin)
    const live = await stream(t, portB, `/api/v1/vehicles/${vin}/live?intervalMs=250`, tokens.engineer)
    t.equal(live.status, 200)
    t.match(dataOf(await live.next((e) => e.event === 'connection')), { vin, connected: false, node: null }, 'where the vehicle is, first')
    await publishing(t, a, vin, secret)
    const snapshot = await live.next((e) => e.event === 'signals')
    const { signals } = dataOf<{ signals: Array<{ name: string, unit: string, value: number, timeMs: number }> }>(snapshot)
    const byName = new Map(signals.map((s) => [s.name, s]))
    t.match(byName.get('Vehicle.Powertrain.CombustionEngine.ECT'), { value: 90, unit: /C/ }, 'decoded on node A, seen on node B')
    t.match(byName.get('Vehicle.Powertrain.CombustionEngine.Speed'), { value: 1800 })
    t.match(byName.get('Vehicle.CurrentLocation.Latitude'), { value: 48.1372 })
    t.ok(Math.abs((byName.get('Vehicle.Powertrain.CombustionEngine.ECT')?.timeMs ?? 0) - Date.now()) < 60_000, 'sample times in Unix ms')
    await live.next((e) => e.event === 'signals' && e !== snapshot)
    t.pass('and again as new batches arrive')
  })

  t.test('a dealer sees its own alerts and its own customers online, nothing else', async (t) => {
    await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.berlin })
    await storage.dealers.add({ id: 'dealer-sued', name: 'Autohaus Süd', ...PLACES.munich })
    const own = await seedFault(storage)
    const foreign = await seedFault(storage)
    await storage.vehicles.assignDealer(own.vin, 'dealer-nord')
    await storage.vehicles.assignDealer(foreign.vin, 'dealer-sued')
    const dealer = await stream(t, portB, '/api/v1/events', tokens.dealer)
    const engineer = await stream(t, portB, '/api/v1/events', tokens.engineer)
    const alert = async (faultId: number, dealerId: string): Promise<number> =>
      (await storage.dealerAlerts.create(faultId, 'prestage', [{ dealerId, routing: { via: 'nearest', distanceKm: 3 }, payload: {}, webhook: false }], envelope)).alerts[0]?.id as number
    const foreignAlert = await alert(foreign.faultId, 'dealer-sued')
    const ownAlert = await alert(own.faultId, 'dealer-nord')
    // connections as a node's broker records them
    await storage.vehicles.recordConnections('node-a', new Map([[foreign.vehicleId, true]]))
    t.equal((await post(portA, `/api/v1/faults/${own.faultId}/acknowledge`, tokens.engineer)).status, 200)
    await storage.vehicles.recordConnections('node-a', new Map([[own.vehicleId, true]]))

    // every stream on a node hears events in commit order: once the dealer has the last one, it has had all it may see
    await engineer.next(isEvent('vehicle', { vin: own.vin, connected: true }))
    await dealer.next(isEvent('vehicle', { vin: own.vin, connected: true }))
    t.ok(engineer.events.some(isEvent('alert', { id: foreignAlert })), 'the engineer sees every alert')
    t.ok(engineer.events.some(isEvent('vehicle', { vin: foreign.vin, connected: true })), 'and every vehicle')
    t.ok(engineer.events.some(isEvent('fault', { id: own.faultId, event: 'acknowledged' })), 'and the faults')
    t.match(dataOf(await dealer.next(isEvent('alert', { id: ownAlert }))), { dealerId: 'dealer-nord', status: 'new', alertKind: 'prestage', vin: own.vin })
    t.same(dealer.events.filter((e) => !(['alert', 'vehicle'].includes(e.event) && dataOf(e).vin === own.vin)), [],
      'the dealer: its own alert and its own customer; no fault, no other dealer\'s alert or vehicle')
  })

  t.test('a dealer watches its own customers live, and no other vehicle', async (t) => {
    const own = await seedFault(storage)
    const foreign = await seedFault(storage)
    await storage.vehicles.assignDealer(own.vin, 'dealer-nord')
    const live = await stream(t, portB, `/api/v1/vehicles/${own.vin}/live`, tokens.dealer)
    t.equal(live.status, 200)
    for (const vin of [foreign.vin, 'WDB99999999999999']) {
      const refused = await stream(t, portB, `/api/v1/vehicles/${vin}/live`, tokens.dealer)
      t.equal(refused.status, 404, `${vin}: another dealer's or nobody's vehicle reads as unknown`)
      t.match(await refused.json(), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: /dealer dealer-nord has no vehicle/ })
    }
  })
})

t.test('the embedded database, one node', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { maxSseStreams: 6, maxSseStreamsPerToken: 4 })
  let closed = false
  t.teardown(async () => { if (!closed) await tg.close() })
  const { gateway } = tg
  const port = gateway.httpPort
  const tokens = await roleTokens(gateway.storage.apiTokens)

  t.test('fleet events and live signals reach the streams', async (t) => {
    const events = await stream(t, port, '/api/v1/events', tokens.engineer)
    const f = await seedFault(gateway.storage)
    await events.next(isEvent('fault', { id: f.faultId, event: 'opened' }))
    t.equal((await post(port, `/api/v1/faults/${f.faultId}/acknowledge`, tokens.engineer)).status, 200)
    await events.next(isEvent('fault', { id: f.faultId, event: 'acknowledged' }))
    t.comment(`embedded, commit -> SSE client: ${await commitToEvent(gateway.storage, events)}`)
    const command = await gateway.storage.commands.enqueue({ vin: f.vin, body: { action: { name: 'fan.selftest', params: {} } }, ttlMs: 60_000, requestedBy: 'eva', needsApproval: true })
    t.match(dataOf(await events.next(isEvent('command', { id: command.id }))), { state: 'pending_approval', vin: f.vin, progress: null })

    const vin = 'WDBEMBED000000001'
    const secret = await tg.provision(vin)
    const live = await stream(t, port, `/api/v1/vehicles/${vin.toLowerCase()}/live?intervalMs=250`, tokens.operator)
    t.equal(live.status, 200, 'a VIN in lower case is the same vehicle')
    const vehicle = await connectVehicle(gateway.mqttPort, vin, secret)
    t.teardown(() => vehicle.endAsync())
    t.match(dataOf(await events.next(isEvent('vehicle', { vin, connected: true }))), { node: gateway.nodeName })
    t.match(dataOf(await live.next(isEvent('connection', { connected: true }))), { vin, node: gateway.nodeName, since: /Z$/ }, 'the live stream says so too')
    let seq = 0
    let signals: SseEvent | undefined
    while (signals === undefined) {
      await publishQos1(vehicle, `v1/${vin}/telemetry`, testBatch({ vin, seq: ++seq }))
      signals = await live.next((e) => e.event === 'signals', 300).catch(() => undefined)
    }
    t.match(dataOf(signals), { vin, signals: [{ name: String }] })
  })

  t.test('the OpenAPI document describes both streams', async (t) => {
    const doc = await (await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`)).json() as { paths: Record<string, Record<string, { tags: string[], summary: string, parameters: Array<{ name: string, in: string }>, responses: Record<string, { content?: Record<string, unknown> }> }>> }
    const events = doc.paths['/api/v1/events']?.get
    const live = doc.paths['/api/v1/vehicles/{vin}/live']?.get
    t.match(events, { tags: ['events'], summary: /Server-Sent Events/, responses: { 200: { content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: {}, 429: {} } })
    t.match(live, { tags: ['events'], responses: { 200: { content: { 'text/event-stream': {} } }, 400: {}, 404: {} } })
    t.same(live?.parameters.map((p) => `${p.in} ${p.name}`).sort(), ['path vin', 'query intervalMs'])
  })

  t.test('a client that reconnects with Last-Event-ID is told to reload: events are not replayed', async (t) => {
    const events = await stream(t, port, '/api/v1/events', tokens.engineer, { 'last-event-id': '41' })
    t.match(dataOf(await events.next((e) => e.event === 'resync')), { reason: /not replayed/ })
  })

  t.test('streams are counted, and capped per token (PITWALL_MAX_SSE_STREAMS_PER_TOKEN, 4 here) and in all', async (t) => {
    const open: SseClient[] = []
    for (let i = 0; i < 4; i++) open.push(await stream(t, port, '/api/v1/events', tokens.operator))
    t.same(open.map((c) => c.status), [200, 200, 200, 200])
    const fifth = await stream(t, port, '/api/v1/events', tokens.operator)
    t.equal(fifth.status, 429)
    t.match(await fifth.json(), { code: 'PITWALL_ERR_TOO_MANY_STREAMS', message: /token "olaf" has 4 event streams open.*PITWALL_MAX_SSE_STREAMS_PER_TOKEN/ })
    t.equal((await fetchMetric(port))('pitwall_sse_clients{stream="events"}'), 4, '/metrics counts the open streams')
    open[0]?.close()
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal((await stream(t, port, '/api/v1/events', tokens.operator)).status, 200, 'a closed stream frees its place')
    // the gateway's own cap (PITWALL_MAX_SSE_STREAMS, 6 here): two more from other tokens fill it
    t.equal((await stream(t, port, '/api/v1/events', tokens.engineer)).status, 200)
    t.equal((await stream(t, port, '/api/v1/events', tokens.dealer)).status, 200)
    const over = await stream(t, port, '/api/v1/events', tokens.engineer)
    t.equal(over.status, 429)
    t.match(await over.json(), { code: 'PITWALL_ERR_TOO_MANY_STREAMS', message: /PITWALL_MAX_SSE_STREAMS/ })
    for (const c of open) c.close()
  })

  t.test('refusals', async (t) => {
    const anonymous = await stream(t, port, '/api/v1/events')
    t.equal(anonymous.status, 401)
    t.match(await anonymous.json(), { code: 'PITWALL_ERR_UNAUTHENTICATED' })
    const vin = 'WDBEMBED000000001'
    for (const [path, status, code, message] of [
      [`/api/v1/vehicles/${vin}/live`, 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/],
      [`/api/v1/vehicles/${vin}/live?intervalMs=100`, 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.intervalMs must be >= 250/],
      [`/api/v1/vehicles/${vin}/live?intervalMs=60000`, 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.intervalMs must be <= 10000/],
      [`/api/v1/vehicles/${vin}/live?intervalMs=fast`, 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.intervalMs must be integer/],
      [`/api/v1/vehicles/${vin}/live?interval=500`, 400, 'PITWALL_ERR_BAD_REQUEST', /querystring has an unknown field "interval"/],
      ['/api/v1/vehicles/NOT-A-VIN/live', 400, 'PITWALL_ERR_BAD_REQUEST', /params\.vin "NOT-A-VIN" is not a VIN/],
      ['/api/v1/vehicles/WDB99999999999999/live', 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /no vehicle WDB99999999999999/],
      ['/api/v1/events?kind=fault', 400, 'PITWALL_ERR_BAD_REQUEST', /unknown field "kind"/]
    ] as const) {
      const res = await stream(t, port, path, status === 401 ? undefined : tokens.engineer)
      t.equal(res.status, status, path)
      t.match(await res.json(), { code, message }, path)
    }
    t.equal((await fetchMetric(port))('pitwall_sse_clients{stream="live"}'), 0, 'a refused stream is not counted')
  })

  t.test('stopping the gateway ends the streams still open', async (t) => {
    const events = await SseClient.open(port, '/api/v1/events', tokens.engineer)
    t.equal(events.status, 200)
    closed = true
    await tg.close()
    await events.end()
    t.ok(events.closed, 'an open stream does not hold the HTTP server')
  })
})
