/**
 * The API under a flood (issue 16: 3,233 wrong tokens/s were answered, never
 * a 429): invalid tokens from one address are refused with 429 and
 * Retry-After before the token is looked up, and each valid token has its
 * own request budget, so one dealer's script cannot slow another's. The
 * whole API (on PostgreSQL when it answers, else PGlite), with the operator endpoints as the gateway serves
 * them, through injected requests from chosen addresses.
 */
import Fastify, { type LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { registerApi } from '../../gateway/api/index.js'
import { healthRoutes } from '../../gateway/api/health.js'
import { createMetrics } from '../../gateway/metrics.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { oneBackend } from '../helpers/backends.js'
import { roleTokens } from '../helpers/api-client.js'

const storage = await openTestStorage(t, await oneBackend())
const { engineer, dealer } = await roleTokens(storage.apiTokens)
const lookups = { count: 0 }
const authenticate = storage.apiTokens.authenticate.bind(storage.apiTokens)
storage.apiTokens.authenticate = async (token) => { lookups.count++; return await authenticate(token) }

async function openGatewayApi (t: Test) {
  const metrics = createMetrics()
  const app = Fastify()
  healthRoutes(app, { storage, metrics })
  registerApi(app, { storage, metrics, limits: { failuresBeforeBackoff: 3, maxBackoffMs: 60_000, requestsPerMinute: 5 } })
  await app.ready()
  t.teardown(async () => { await app.close() })
  const get = async (url: string, token: string | undefined, from = '198.51.100.7'): Promise<LightMyRequestResponse> =>
    await app.inject({ method: 'GET', url, remoteAddress: from, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }) })
  return { get, metrics }
}

const FORGED = `pwt_${'A'.repeat(43)}`

t.test('invalid tokens from one address: 401s, then 429 with Retry-After before any lookup', async (t) => {
  const { get, metrics } = await openGatewayApi(t)
  for (let i = 0; i < 3; i++) t.equal((await get('/api/v1/cases', FORGED)).statusCode, 401, `invalid token ${i + 1}: 401`)
  const before = lookups.count

  const refused = await get('/api/v1/cases', FORGED)
  t.equal(refused.statusCode, 429)
  t.equal(refused.headers['retry-after'], '1', 'the first back-off step: 1 s')
  t.same(refused.json(), { code: 'PITWALL_ERR_RATE_LIMITED', message: 'too many invalid API tokens from this address; try again in 1 s' })
  t.equal((await get('/api/v1/cases', engineer)).statusCode, 429, 'a valid token from that address waits too (its token is not looked up)')
  t.equal(lookups.count, before, 'neither request reached the token store')

  t.equal((await get('/api/v1/cases', engineer, '203.0.113.9')).statusCode, 200, 'another address is unaffected')
  t.equal((await get('/api/v1/cases', undefined)).statusCode, 401, 'no token at all is still told what is missing')
  const counted = (await metrics.authThrottled.get()).values.find((v) => v.labels.listener === 'api' && v.labels.by === 'source')
  t.equal(counted?.value, 2, 'pitwall_auth_throttled_total{listener="api",by="source"}')
})

t.test('a valid token over its budget: 429 with Retry-After; another token and the operator endpoints are unaffected', async (t) => {
  const { get } = await openGatewayApi(t)
  for (let i = 0; i < 5; i++) {
    const res = await get('/api/v1/cases', dealer)
    t.equal(res.statusCode, 200, `request ${i + 1} of 5`)
    t.equal(res.headers['x-ratelimit-remaining'], String(4 - i))
  }
  const over = await get('/api/v1/cases', dealer)
  t.equal(over.statusCode, 429)
  const retryAfter = Number(over.headers['retry-after'])
  t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter} s, within the minute`)
  t.same(over.json(), { code: 'PITWALL_ERR_RATE_LIMITED', message: `token "Autohaus Nord" made more than 5 requests in a minute; retry in ${retryAfter} s` })
  t.match(over.headers['content-type'], /application\/json/)

  t.equal((await get('/api/v1/cases', engineer)).statusCode, 200, 'another token from the same address: one dealer cannot slow another')
  for (const url of ['/healthz', '/readyz', '/metrics']) {
    const codes = new Set<number>()
    for (let i = 0; i < 10; i++) codes.add((await get(url, undefined)).statusCode)
    t.same([...codes], [200], `${url} is not limited`)
  }
})
