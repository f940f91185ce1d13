/**
 * The API's OpenAPI document as the gateway's API serves it: valid OpenAPI
 * 3.1, every route under /api in it with a response schema for its success,
 * a summary and one tag, its errors as the one shared { code, message }
 * schema; the browsable UI served from the gateway alone; and, since a
 * response schema is also the serializer (undeclared properties are
 * dropped), a client receives exactly what each route's handler returned.
 */
import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import SwaggerParser from '@apidevtools/swagger-parser'
import Fastify, { type FastifyInstance, type HTTPMethods } from 'fastify'
import t from 'tap'
import { parse as parseYaml } from 'yaml'
import { registerApi } from '../../../gateway/api/index.js'
import { DOCS_PATH, OPENAPI_PATH, registerOpenApi } from '../../../gateway/api/openapi.js'
import type { PitwallBroker } from '../../../gateway/broker/index.js'
import { EventHub } from '../../../gateway/events/hub.js'
import { createHttpServer } from '../../../gateway/http.js'
import { createLogger } from '../../../gateway/logger.js'
import { createMetrics } from '../../../gateway/metrics.js'
import { SignalCatalog } from '../../../decoders/signal-catalog.js'
import type { Storage } from '../../../storage/index.js'
import { openTestStorage, PLACES, seedFault } from '../../actions/dealer-fixtures.js'
import { apiClient, roleTokens } from '../../helpers/api-client.js'
import { oneBackend } from '../../helpers/backends.js'

interface RouteSeen { methods: string[], url: string, hidden: boolean }

interface Operation { summary?: string, tags?: string[], responses?: Record<string, { $ref?: string, content?: Record<string, { schema?: { $ref?: string } }> }> }
interface OpenApiDocument { openapi: string, info: { title: string, version: string }, paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, unknown>, securitySchemes: Record<string, unknown> } }

/** Every route as it is added (a hook added before registerApi sees them all). */
function collectRoutes (app: FastifyInstance): RouteSeen[] {
  const routes: RouteSeen[] = []
  app.addHook('onRoute', (route) => {
    routes.push({ methods: [route.method].flat(), url: route.url, hidden: route.schema?.hide === true })
  })
  return routes
}

/** What the document lacks for the routes under /api: each problem names the route. */
function undocumented (routes: readonly RouteSeen[], doc: OpenApiDocument): string[] {
  const problems: string[] = []
  for (const route of routes) {
    // fastify's own HEAD twin of each GET is left out of the document, as it is by @fastify/swagger
    if (!route.url.startsWith('/api/') || route.methods.every((m) => m === 'HEAD')) continue
    if (route.hidden) {
      if (!route.url.startsWith(DOCS_PATH)) problems.push(`${route.url} is hidden from the document`)
      continue
    }
    for (const method of route.methods.filter((m) => m !== 'HEAD')) {
      const name = `${method} ${route.url}`
      const operation = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()]
      if (operation === undefined) {
        problems.push(`${name} is not in the document`)
        continue
      }
      const successes = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status))
      const described = successes.some(([status, answer]) => status === '204' || Object.values(answer.content ?? {}).some((c) => c.schema !== undefined))
      if (!described) problems.push(`${name} declares no response schema for its success`)
      if (typeof operation.summary !== 'string' || operation.summary === '') problems.push(`${name} has no summary`)
      if (operation.tags?.length !== 1) problems.push(`${name} needs one tag, has ${JSON.stringify(operation.tags ?? [])}`)
    }
  }
  return problems
}

t.test('the document is valid OpenAPI 3.1 and describes every API route', async (t) => {
  const storage = await openTestStorage(t, await oneBackend())
  const app = Fastify()
  const routes = collectRoutes(app)
  const metrics = createMetrics()
  // not started: its routes are registered, no stream is served
  const events = new EventHub({ store: storage.events, catalog: new SignalCatalog(), metrics, log: createLogger('silent'), maxStreams: 1 })
  // every optional group, as the gateway registers them
  registerApi(app, { storage, metrics, events })
  await app.ready()
  t.teardown(async () => { await app.close() })

  const res = await app.inject({ method: 'GET', url: OPENAPI_PATH })
  t.equal(res.statusCode, 200, 'no token needed')
  t.match(res.headers['content-type'], /^application\/json/)
  const doc = res.json<OpenApiDocument>()
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  t.match(doc, { openapi: '3.1.0', info: { title: 'Pitwall', version: pkg.version } })
  await t.resolves(SwaggerParser.validate(res.json()), 'valid against the OpenAPI 3.1 schema, every $ref resolved')

  t.same(undocumented(routes, doc), [], 'every route under /api is there, with a success response schema, a summary and a tag')
  t.ok(routes.filter((r) => r.url.startsWith('/api/v1/') && !r.hidden).length > 50, 'the API\'s routes were collected')

  t.same(Object.keys(doc.components.securitySchemes).sort(), ['bearerToken', 'consoleSession'])
  t.match(doc.components.securitySchemes.consoleSession, { type: 'apiKey', in: 'cookie', name: 'pitwall_session' })
  const fault = doc.paths['/api/v1/faults/{id}']?.get
  for (const status of ['400', '401', '403', '404', '429', '503']) {
    t.equal(fault?.responses?.[status]?.content?.['application/json']?.schema?.$ref, '#/components/schemas/ApiError', `GET /api/v1/faults/{id} answers ${status} with the shared error`)
  }
  t.notOk(fault?.responses?.['409'], 'and no 409: reading a fault changes nothing')
  t.ok(doc.paths['/api/v1/faults/{id}/acknowledge']?.post?.responses?.['409'], 'a move a state can refuse declares 409')
  t.same(doc.paths['/api/v1/openapi.json']?.get?.responses?.['401'], undefined, 'the document needs no credential')
})

t.test('the gateway\'s HTTP server documents /healthz, /readyz and /metrics too, open to anyone', async (t) => {
  const storage = await openTestStorage(t, await oneBackend())
  const metrics = createMetrics()
  // the broker is only reached by MQTT over WebSocket upgrades, which this test does not make
  const app = await createHttpServer({ broker: {} as PitwallBroker, storage, metrics, log: createLogger('silent'), maxPacketBytes: 1024, api: { storage, metrics } })
  await app.ready()
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ method: 'GET', url: OPENAPI_PATH })
  await t.resolves(SwaggerParser.validate(res.json()), 'still valid')
  const doc = res.json<OpenApiDocument & { paths: Record<string, Record<string, { security?: unknown[] }>> }>()
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    const operation = doc.paths[path]?.get
    t.match(operation, { tags: ['operations'], summary: String }, `GET ${path} is in the document`)
    t.same(operation?.security, [], `GET ${path} needs no credential`)
    t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, `GET ${path} answers without one`)
  }
  t.match(doc.paths['/readyz']?.get?.responses, { 503: {} }, 'readiness declares its 503')
  t.ok(doc.paths['/api/v1/faults']?.get, 'beside the API')
})

t.test('the completeness check names a route without a response schema, a summary or a tag', async (t) => {
  const app = Fastify()
  const routes = collectRoutes(app)
  registerOpenApi(app)
  // in a plugin, as route groups are: loaded after @fastify/swagger, which collects them
  void app.register(async (scope) => {
    scope.get('/api/v1/bare', { schema: { summary: 'No answer declared', tags: ['test'] } }, async () => ({ ok: true }))
    scope.post('/api/v1/untitled', { schema: { response: { 201: { type: 'object' } } } }, async () => ({}))
    scope.get('/api/v1/hidden', { schema: { hide: true } }, async () => ({}))
  })
  // added at once, before @fastify/swagger is loaded: missed by it, and named
  app.get('/api/v1/early', { schema: { summary: 'Too early', tags: ['test'], response: { 200: { type: 'object' } } } }, async () => ({}))
  await app.ready()
  t.teardown(async () => { await app.close() })
  t.same(undocumented(routes, app.swagger() as unknown as OpenApiDocument), [
    'GET /api/v1/early is not in the document',
    'GET /api/v1/bare declares no response schema for its success',
    'POST /api/v1/untitled has no summary',
    'POST /api/v1/untitled needs one tag, has []',
    '/api/v1/hidden is hidden from the document'
  ])
})

t.test('the UI is served by the gateway alone, without a token, and the document is rate limited like the API', async (t) => {
  const storage = await openTestStorage(t, await oneBackend())
  const app = Fastify()
  registerApi(app, { storage, limits: { failuresBeforeBackoff: 3, maxBackoffMs: 60_000, requestsPerMinute: 30 } })
  await app.ready()
  t.teardown(async () => { await app.close() })

  const page = await app.inject({ method: 'GET', url: `${DOCS_PATH}/` })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'self'/, 'the page may load nothing from elsewhere')
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
  t.ok(assets.length >= 4, 'scripts, styles and icons')
  for (const asset of assets) {
    t.notMatch(asset, /^[a-z]+:|^\/\//i, `${asset} is the gateway's`)
    const res = await app.inject({ method: 'GET', url: new URL(asset, `http://gateway${DOCS_PATH}/`).pathname })
    t.equal(res.statusCode, 200, `${asset} is served`)
  }
  const initializer = await app.inject({ method: 'GET', url: `${DOCS_PATH}/static/swagger-initializer.js` })
  t.match(initializer.body, /validatorUrl: null/, 'no outside validator badge')
  const shown = await app.inject({ method: 'GET', url: `${DOCS_PATH}/json` })
  t.same(shown.json(), (await app.inject({ method: 'GET', url: OPENAPI_PATH })).json(), 'the UI shows the same document')

  let status = 200
  for (let i = 0; i < 31 && status === 200; i++) status = (await app.inject({ method: 'GET', url: OPENAPI_PATH })).statusCode
  t.equal(status, 429, 'counted by source address like every /api route')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/faults', remoteAddress: '10.1.2.3' })).statusCode, 401, 'the API itself still needs a token')
})

/**
 * What each handler returned, as JSON, against what the client received:
 * any property a response schema forgot shows as a difference.
 */
function watchAnswers (app: FastifyInstance): { differences: string[], answered: Set<string> } {
  const returned = new WeakMap<object, unknown>()
  const differences: string[] = []
  const answered = new Set<string>()
  app.addHook('preSerialization', async (request, _reply, payload) => {
    returned.set(request, JSON.parse(JSON.stringify(payload)))
    return payload
  })
  app.addHook('onSend', async (request, reply, payload) => {
    const route = `${request.method} ${request.routeOptions.url ?? ''}`
    if (reply.statusCode < 300) answered.add(route)
    if (returned.has(request) && typeof payload === 'string' && !isDeepStrictEqual(JSON.parse(payload), returned.get(request))) {
      differences.push(`${route} ${reply.statusCode}: returned ${JSON.stringify(returned.get(request))}, sent ${payload}`)
    }
    return payload
  })
  return { differences, answered }
}

/** The route groups this file's scenario covers: every route of theirs must answer in it. */
const COVERED_TAGS = ['faults', 'cases', 'commands', 'campaigns', 'OTA packages', 'inbox', 'dealers', 'tokens', 'KPIs', 'manifests', 'documentation']

const DEMO_MANIFEST = parseYaml(readFileSync(new URL('../../../sim/demo-vehicle.manifest.yaml', import.meta.url), 'utf8')) as unknown
const DEMO_DBC = readFileSync(new URL('../../../sim/demo-vehicle.dbc', import.meta.url), 'utf8')

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}: every route answers all that its handler returned`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const app = Fastify()
    const watch = watchAnswers(app)
    registerApi(app, { storage })
    await app.ready()
    t.teardown(async () => { await app.close() })
    const { engineer, operator, dealer } = await roleTokens(storage.apiTokens)
    const api = apiClient(app)
    const call = async (method: HTTPMethods, url: string, token: string, payload?: unknown): Promise<Record<string, unknown>> => {
      const res = await api.call(method, url, token, payload)
      t.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.statusCode < 300 ? '' : res.body}`)
      return res.json()
    }

    const { f, alertId, deliveryId, reminderId } = await seedScenario(storage)
    const commandId = (await call('GET', `/api/v1/commands?fault=${f.faultId}`, engineer)).commands as Array<{ id: string }>
    await call('GET', '/api/v1/faults', operator)
    await call('GET', `/api/v1/faults/${f.faultId}`, operator)
    await call('POST', `/api/v1/commands/${commandId[0]?.id ?? ''}/approve`, engineer)
    await call('GET', `/api/v1/commands/${commandId[0]?.id ?? ''}`, operator)
    const queued = await call('POST', '/api/v1/commands', engineer, { vin: f.vin, action: { name: 'dtc.clear', params: { ecu: '7E0' } }, ttl: '1h' })
    await call('POST', `/api/v1/commands/${String(queued.id)}/cancel`, engineer, { reason: 'not needed' })
    await call('POST', `/api/v1/faults/${f.faultId}/acknowledge`, engineer)
    await call('POST', `/api/v1/faults/${f.faultId}/resolve`, engineer, { note: 'fan relay replaced' })
    await call('POST', `/api/v1/faults/${f.faultId}/case`, engineer, { id: 'fan-relay', parts: ['fan relay'], repairHours: 0.5 })
    await call('PUT', '/api/v1/cases/coolant-leak', engineer, { title: 'Coolant leak', symptoms: 'coolant low, engine hot', dtcs: ['P0217'], steps: ['Pressure-test the circuit'], parts: [{ number: 'PW-1100-020', description: 'hose clamp', quantity: 2 }], repairHours: 1.25 })
    await call('PUT', '/api/v1/cases/coolant-leak', engineer, { title: 'Coolant leak at the hose', repairHours: null })
    await call('GET', '/api/v1/cases?q=coolant', dealer)
    await call('GET', '/api/v1/cases', dealer)
    await call('GET', '/api/v1/cases/fan-relay', dealer)

    await call('POST', '/api/v1/ota-packages', engineer, { package: 'tbox-fw', version: '2.5.0', url: 'https://updates.example/tbox-fw-2.5.0.bin', sha256: 'ab'.repeat(32), size: 1_048_576 })
    await call('GET', '/api/v1/ota-packages', operator)
    await call('POST', '/api/v1/campaigns', engineer, { id: 'fw-2-5', name: 'T-box 2.5', ota: { package: 'tbox-fw', version: '2.5.0' }, cohort: { vins: [f.vin], models: ['demo-ev'] }, waves: [0.5, 1], ttl: '7d' })
    await call('POST', '/api/v1/campaigns/fw-2-5/start', engineer)
    await call('POST', '/api/v1/campaigns/fw-2-5/pause', engineer, { reason: 'checking wave 1' })
    await call('POST', '/api/v1/campaigns/fw-2-5/resume', engineer)
    await call('GET', '/api/v1/campaigns/fw-2-5', operator)
    await call('GET', '/api/v1/campaigns?state=running', operator)
    await call('POST', '/api/v1/campaigns/fw-2-5/abort', engineer)

    await call('GET', '/api/v1/inbox/alerts', dealer)
    await call('GET', `/api/v1/inbox/alerts/${alertId}?dealer=dealer-nord`, engineer)
    await call('POST', `/api/v1/inbox/alerts/${alertId}/transitions`, dealer, { to: 'repaired', firstTimeFix: true, note: 'relay swapped' })
    await call('GET', '/api/v1/inbox/reminders', dealer)
    await call('POST', `/api/v1/inbox/reminders/${reminderId}/dismiss`, dealer)
    await call('POST', `/api/v1/vehicles/${f.vin}/services`, dealer, { covers: ['oil-service'], description: 'oil and filter', odometerKm: 30_250.5, engineHours: 812.25 })
    await call('GET', '/api/v1/kpis', engineer)
    await call('GET', '/api/v1/kpis?dealer=dealer-nord', engineer)
    await call('GET', '/api/v1/kpis?groupBy=model,week', engineer)
    t.equal((await api.call('GET', '/api/v1/kpis.csv?groupBy=model', dealer)).statusCode, 200)
    await call('PUT', `/api/v1/inbox/alerts/${alertId}/survey`, dealer, { csi: 4, recommend: 9, comment: 'on time' })
    await call('GET', `/api/v1/inbox/alerts/${alertId}/survey`, dealer)

    await call('GET', '/api/v1/dealers', operator)
    await call('POST', '/api/v1/dealers', operator, { id: 'dealer-sued', name: 'Autohaus Süd', ...PLACES.stuttgart, brands: ['Pitwall'] })
    await call('GET', '/api/v1/dealers/me', dealer)
    await call('GET', '/api/v1/dealers/dealer-nord', engineer)
    await call('PATCH', '/api/v1/dealers/dealer-sued', operator, { name: 'Autohaus Stuttgart' })
    await call('POST', '/api/v1/dealers/dealer-sued/deactivate', operator)
    await call('POST', '/api/v1/dealers/dealer-sued/activate', operator)
    await call('POST', '/api/v1/dealers/dealer-nord/webhook-secret', operator)
    await call('PUT', `/api/v1/vehicles/${f.vin}/dealer`, operator, { dealerId: 'dealer-sued' })
    await call('GET', '/api/v1/webhooks/dead-letters', engineer)
    await call('POST', `/api/v1/webhooks/dead-letters/${deliveryId}/retry`, operator)
    await call('GET', `/api/v1/dealer-alerts/${alertId}/notices`, operator)
    // another fault of the vehicle, whose alert the first one is merged into
    const other = await seedFault(storage, { on: f })
    const { alerts: [newer] } = await storage.dealerAlerts.create(other.faultId, 'prestage', [{ dealerId: 'dealer-nord', routing: { via: 'own', distanceKm: null }, payload: {}, webhook: false }],
      (a, key) => ({ event: 'dealer_alert.created', body: JSON.stringify({ id: a.id, key }) }))
    await call('POST', `/api/v1/dealer-alerts/${alertId}/supersede`, engineer, { by: newer?.id, note: 'the same relay' })

    const created = await call('POST', '/api/v1/tokens', operator, { name: 'nord integration', role: 'dealer', dealerId: 'dealer-nord', expiresAt: '2099-01-01T00:00:00Z' })
    await call('GET', '/api/v1/tokens', operator)
    await call('DELETE', `/api/v1/tokens/${String(created.id)}`, operator)

    const added = await call('POST', '/api/v1/manifests', engineer, { manifest: DEMO_MANIFEST, dbcs: { 'demo-vehicle.dbc': DEMO_DBC } }) as { manifest: { id: number } }
    await call('POST', '/api/v1/manifests', engineer, { manifest: DEMO_MANIFEST, dbcs: { 'demo-vehicle.dbc': DEMO_DBC } })
    await call('POST', `/api/v1/manifests/${added.manifest.id}/activate`, engineer)
    await call('GET', '/api/v1/manifests', operator)
    await call('GET', `/api/v1/manifests/${added.manifest.id}`, operator)
    await call('GET', '/api/v1/catalog', operator)
    await call('POST', '/api/v1/manifests/deactivate', engineer, { model: 'Pitwall Demo PHEV' })
    await call('GET', OPENAPI_PATH, engineer)

    t.same(watch.differences, [], 'nothing a handler returned was dropped or changed on the way')
    const doc = (await app.inject({ method: 'GET', url: OPENAPI_PATH })).json<OpenApiDocument>()
    const groupRoutes = Object.entries(doc.paths).flatMap(([path, operations]) => Object.entries(operations)
      .filter(([, op]) => COVERED_TAGS.includes(op.tags?.[0] ?? ''))
      .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
    t.same(groupRoutes.filter((r) => !watch.answered.has(r)), [], 'every route of these groups answered in the scenario')
  })
}

/** A fault with a remote fix awaiting approval and a dealer alert, a dead webhook delivery, a service reminder. */
async function seedScenario (storage: Storage): Promise<{ f: Awaited<ReturnType<typeof seedFault>>, alertId: number, deliveryId: number, reminderId: number }> {
  await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.munich, webhookUrl: 'https://dms.nord.example/pitwall' })
  const f = await seedFault(storage, { action: { type: 'remote_fix', command: 'remote_action', name: 'fan.selftest', params: { speed: 'max' }, approval: 'engineer' } })
  await storage.vehicles.assignDealer(f.vin, 'dealer-nord')
  await storage.commands.enqueue({ vin: f.vin, body: { action: { name: 'fan.selftest', params: { speed: 'max' } } }, ttlMs: 3_600_000, requestedBy: 'rule', faultId: f.faultId, needsApproval: true })
  const { alerts: [alert] } = await storage.dealerAlerts.create(f.faultId, 'prestage',
    [{ dealerId: 'dealer-nord', routing: { via: 'own', distanceKm: 3.25 }, payload: { schema: 'pitwall.dealer-alert/1', parts: ['fan relay'] }, webhook: true }],
    (a, key) => ({ event: 'dealer_alert.created', body: JSON.stringify({ id: a.id, key }) }))
  const [claimed] = await storage.dealerAlerts.claimDeliveries(10, 60_000)
  if (alert === undefined || claimed === undefined) throw new Error('no alert or delivery seeded')
  await storage.dealerAlerts.recordAttempt(claimed, { delivered: false, error: 'HTTP 503', status: 503, retryInMs: null })
  const [change] = await storage.serviceReminders.upsertReminders([
    { vehicleId: f.vehicleId, ruleId: 'oil-service', kind: 'due', dueAt: new Date('2026-12-01T00:00:00Z'), dueKm: 30_000.5, dueHours: null, detail: { task: 'oil' }, suppressDismissedSince: null }
  ])
  if (change === undefined) throw new Error('no reminder seeded')
  return { f, alertId: alert.id, deliveryId: claimed.id, reminderId: change.reminder.id }
}
