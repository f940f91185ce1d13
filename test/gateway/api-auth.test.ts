/**
 * The HTTP API's bearer tokens and the case routes behind them, on one
 * storage backend, through a fastify instance of the test's own (injected
 * requests, no port): 401 without or with a bad token, 403 for the wrong
 * role, the dealer's scope on its principal, and the case base's routes
 * with their 400s, 404s and 409s.
 */
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { principalOf, registerApiAuth, requireRole } from '../../gateway/api/auth.js'
import { registerCaseRoutes } from '../../gateway/api/cases.js'
import type { RuleDefinition } from '../../rules/model.js'
import { ApiTokenStore } from '../../storage/api-tokens.js'
import { CaseStore } from '../../storage/cases.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import { createTestDatabase, oneBackend } from '../helpers/backends.js'
import { roleTokens } from '../helpers/api-client.js'

const ECT = 'Vehicle.Powertrain.CombustionEngine.ECT'

t.test('a token store that cannot answer: 503, not a 401 that would send the caller for a new token', async (t) => {
  const app = Fastify()
  registerApiAuth(app, { tokens: { authenticate: async () => { throw new Error('connection refused') } } })
  app.get('/api/v1/thing', { preHandler: requireRole('operator') }, async () => ({ ok: true }))
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ method: 'GET', url: '/api/v1/thing', headers: { authorization: `Bearer pwt_${'A'.repeat(43)}` } })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message: 'cannot check the API token: storage is unavailable' })
})

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase({ migrated: true }) : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    const tokens = new ApiTokenStore(poolOf(storage))
    const cases = new CaseStore(poolOf(storage))

    const app: FastifyInstance = Fastify()
    registerApiAuth(app, { tokens })
    registerCaseRoutes(app, { cases })
    // a route as another engineer's plugin would add it, in its own encapsulated scope
    void app.register(async (child) => {
      child.get('/api/v1/whoami', { preHandler: requireRole('engineer', 'dealer') }, async (request) => principalOf(request))
    })
    app.get('/healthz', async () => ({ status: 'ok' }))
    await app.ready()
    t.teardown(async () => { await app.close(); await storage.close(); await db?.drop() })

    const { engineer, operator, dealer } = await roleTokens(tokens)

    const call = async (method: 'GET' | 'PUT' | 'POST', url: string, token?: string, payload?: unknown): Promise<LightMyRequestResponse> =>
      await app.inject({ method, url, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }), ...(payload === undefined ? {} : { payload: payload as object }) })

    t.test('no token or a bad one: 401 with a JSON error and a Bearer challenge', async (t) => {
      const missing = await call('GET', '/api/v1/cases')
      t.equal(missing.statusCode, 401)
      t.match(missing.headers['content-type'], /application\/json/)
      t.match(missing.json(), { code: 'PITWALL_ERR_UNAUTHENTICATED', message: /needs an API token: send Authorization: Bearer <token>/ })
      t.equal(missing.headers['www-authenticate'], 'Bearer realm="pitwall"')

      const basic = await app.inject({ method: 'GET', url: '/api/v1/cases', headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } })
      t.equal(basic.statusCode, 401)
      t.match(basic.json(), { code: 'PITWALL_ERR_UNAUTHENTICATED', message: /must be "Bearer <token>"/ })

      const unknown = await call('GET', '/api/v1/cases', `pwt_${'A'.repeat(43)}`)
      t.equal(unknown.statusCode, 401)
      t.match(unknown.json(), { code: 'PITWALL_ERR_UNAUTHENTICATED', message: /not valid/ })
      t.match(unknown.headers['www-authenticate'], /error="invalid_token"/)

      t.equal((await call('GET', '/api/v1/cases', 'not-a-token')).statusCode, 401)

      const { token, info } = await tokens.create({ name: 'leaver', role: 'engineer' })
      t.equal((await call('GET', '/api/v1/cases', token)).statusCode, 200)
      await tokens.revoke(info.id)
      t.equal((await call('GET', '/api/v1/cases', token)).statusCode, 401, 'revoked: refused from the next request on')

      t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'routes without requireRole stay open')
    })

    t.test('a token of another role: 403 naming the roles the route admits', async (t) => {
      const res = await call('PUT', '/api/v1/cases/case-a1', operator, { title: 'Horn silent' })
      t.equal(res.statusCode, 403)
      t.same(res.json(), {
        code: 'PITWALL_ERR_FORBIDDEN',
        message: 'PUT /api/v1/cases/:id is for engineer tokens; token "olaf" is an operator token'
      })
      t.equal((await call('PUT', '/api/v1/cases/case-a1', dealer, { title: 'Horn silent' })).statusCode, 403)
      t.equal((await call('GET', '/api/v1/whoami', operator)).statusCode, 403, 'on another plugin\'s route too')
      t.equal((await call('PUT', '/api/v1/cases/case-a1', undefined, { nonsense: 1 })).statusCode, 401,
        'the token is checked before the body: a caller without one learns nothing of its shape')
      t.equal((await call('PUT', '/api/v1/cases/case-a1', operator, { nonsense: 1 })).statusCode, 403, 'nor one of another role')
      await t.rejects(cases.get('case-a1'), { code: 'PITWALL_ERR_CASE_UNKNOWN' }, 'nothing was written')
    })

    t.test('the principal says who calls; a dealer\'s carries its dealer id', async (t) => {
      const asDealer = await call('GET', '/api/v1/whoami', dealer)
      t.equal(asDealer.statusCode, 200)
      t.match(asDealer.json(), { role: 'dealer', dealerId: 'dealer-nord', name: 'Autohaus Nord' })
      t.match((await call('GET', '/api/v1/whoami', engineer)).json(), { role: 'engineer', dealerId: null, name: 'alice' })
      const lower = await app.inject({ method: 'GET', url: '/api/v1/whoami', headers: { authorization: `bearer ${dealer}` } })
      t.equal(lower.statusCode, 200, 'the scheme is case-insensitive')
    })

    t.test('engineers write cases; every role reads and searches them', async (t) => {
      const created = await call('PUT', '/api/v1/cases/case-horn', engineer, {
        title: 'Horn silent', symptoms: 'The horn does not sound; the horn relay clicks.', dtcs: ['B1A00'], steps: ['Check the horn fuse', 'Replace the horn'], parts: ['horn'], repairHours: 0.4
      })
      t.equal(created.statusCode, 201)
      t.match(created.json(), { id: 'case-horn', createdBy: 'alice', dtcs: ['B1A00'], repairHours: 0.4 })
      const updated = await call('PUT', '/api/v1/cases/case-horn', engineer, { title: 'Horn silent: relay or horn', steps: ['Swap the horn relay'] })
      t.equal(updated.statusCode, 200)
      t.match(updated.json(), { title: 'Horn silent: relay or horn', steps: ['Swap the horn relay'], dtcs: [] })

      for (const token of [engineer, operator, dealer]) {
        const res = await call('GET', '/api/v1/cases/case-horn', token)
        t.equal(res.statusCode, 200)
        t.equal(res.json().title, 'Horn silent: relay or horn')
      }
      const search = await call('GET', '/api/v1/cases?q=relay%20swap&limit=5', dealer)
      t.equal(search.statusCode, 200)
      const [hit] = search.json().cases
      t.match(hit, { id: 'case-horn', snippet: /<mark>Swap<\/mark> the horn <mark>relay<\/mark>/ })
      t.ok(hit.rank > 0)
      t.match((await call('GET', '/api/v1/cases', operator)).json(), { cases: [{ id: 'case-horn' }] }, 'without q: the list')
    })

    t.test('bad requests get a 400 saying what was wrong; unknown cases a 404', async (t) => {
      const expect = async (res: Promise<LightMyRequestResponse>, status: number, code: string, message: RegExp | string): Promise<void> => {
        const r = await res
        t.equal(r.statusCode, status, typeof message === 'string' ? message : message.source)
        t.match(r.json(), { code, message })
      }
      await expect(call('PUT', '/api/v1/cases/case-b1', engineer, { title: 'Wipers', step: ['x'] }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "step"')
      await expect(call('PUT', '/api/v1/cases/case-b1', engineer, { symptoms: 'x' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "title"')
      await expect(call('PUT', '/api/v1/cases/case-b1', engineer, { title: 'Wipers', steps: [3] }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.steps[0] must be string')
      await expect(call('PUT', '/api/v1/cases/case-b1', engineer, { title: 'Wipers', repairHours: '2' }), 400, 'PITWALL_ERR_BAD_REQUEST', /body\.repairHours must be number,null/)
      await expect(call('PUT', '/api/v1/cases/case-b1', engineer, { title: 'Wipers', dtcs: ['Q1234'] }), 400, 'PITWALL_ERR_CASE_INVALID', /dtcs\[0\]: .*'Q' is not a system letter/)
      await expect(call('PUT', '/api/v1/cases/Case%20B1', engineer, { title: 'Wipers' }), 400, 'PITWALL_ERR_CASE_INVALID', /id must be a slug/)
      await expect(app.inject({ method: 'PUT', url: '/api/v1/cases/case-b1', headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' }, payload: '{"title": ' }),
        400, 'PITWALL_ERR_BAD_REQUEST', /JSON/)
      await expect(call('GET', '/api/v1/cases?q=horn&limit=0', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be >= 1')
      await expect(call('GET', '/api/v1/cases?q=%20', engineer), 400, 'PITWALL_ERR_CASE_QUERY', /empty/)
      await expect(call('GET', '/api/v1/cases?query=horn', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring has an unknown field "query"')
      await expect(call('GET', '/api/v1/cases/case-nothing', dealer), 404, 'PITWALL_ERR_CASE_UNKNOWN', 'no case case-nothing')
      await t.rejects(cases.get('case-b1'), { code: 'PITWALL_ERR_CASE_UNKNOWN' }, 'none of them wrote anything')
    })

    t.test('an engineer turns a resolved fault into a case; an open one is a 409', async (t) => {
      const vehicleId = await storage.vehicles.add({ vin: 'WDB12345678900077' }, 'scrypt$x')
      const rule: RuleDefinition = {
        id: 'api-overheat', name: 'Engine overheating', severity: 'critical', enabled: true, scope: { models: [], firmware: [] },
        when: { kind: 'compare', signal: ECT, op: '>', value: 112 }, forS: 20, clearForS: 60, reopenWithinS: 600, version: 'api-overheat-v1'
      }
      await storage.rules.apply([rule])
      await storage.faults.record([{
        type: 'opened', vehicleId, ruleId: rule.id, ruleVersion: rule.version, severity: 'critical', timeUs: 1_750_000_000_000_000, occurrences: 1,
        evidence: [{ signal: ECT, t: 1_750_000_000, value: 115 }]
      }])
      const [fault] = await storage.faults.list({ ruleId: rule.id })
      const url = `/api/v1/faults/${fault?.id as number}/case`

      const open = await call('POST', url, engineer, { id: 'case-api-fan', steps: ['Replace the fan'] })
      t.equal(open.statusCode, 409)
      t.match(open.json(), { code: 'PITWALL_ERR_FAULT_NOT_RESOLVED', message: /is open/ })
      t.equal((await call('POST', url, dealer, { id: 'case-api-fan' })).statusCode, 403)

      await storage.faults.resolve(fault?.id as number, 'alice', 'Replaced the fan relay.')
      const made = await call('POST', url, engineer, { id: 'case-api-fan' })
      t.equal(made.statusCode, 201)
      t.match(made.json(), { id: 'case-api-fan', title: 'Engine overheating', steps: ['Replaced the fan relay.'], sourceFaultId: fault?.id, createdBy: 'alice' })
      t.equal((await call('GET', '/api/v1/cases/case-api-fan', operator)).statusCode, 200)

      t.match((await call('POST', url, engineer, { id: 'case-api-fan' })).json(), { code: 'PITWALL_ERR_CASE_EXISTS' })
      t.equal((await call('POST', url, engineer, { id: 'case-api-fan' })).statusCode, 409)
      const unknown = await call('POST', '/api/v1/faults/987654/case', engineer, { id: 'case-x' })
      t.equal(unknown.statusCode, 404)
      t.match(unknown.json(), { code: 'PITWALL_ERR_FAULT_UNKNOWN' })
      t.match((await call('POST', '/api/v1/faults/abc/case', engineer, { id: 'case-x' })).json(), { code: 'PITWALL_ERR_BAD_REQUEST', message: 'params.id must be integer' })
      t.match((await call('POST', url, engineer, {})).json(), { code: 'PITWALL_ERR_BAD_REQUEST', message: 'body needs the field "id"' })
    })
  })
}
