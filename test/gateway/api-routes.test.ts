/**
 * The API as the gateway registers it (registerApi): a request for a route
 * that does not exist under /api is answered like every other API error,
 * { code, message } naming what was asked for, whatever token it carries.
 */
import Fastify from 'fastify'
import t from 'tap'
import { registerApi } from '../../gateway/api/index.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { oneBackend } from '../helpers/backends.js'

t.test('an unknown API route is a 404 with a stable code and the route it asked for', async (t) => {
  const storage = await openTestStorage(t, await oneBackend())
  const app = Fastify()
  registerApi(app, { storage })
  app.get('/healthz', async () => ({ status: 'ok' }))
  await app.ready()
  t.teardown(async () => { await app.close() })
  const engineer = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token

  const misspelt = await app.inject({ method: 'GET', url: '/api/v1/comands?state=queued', headers: { authorization: `Bearer ${engineer}` } })
  t.equal(misspelt.statusCode, 404)
  t.same(misspelt.json(), { code: 'PITWALL_ERR_NOT_FOUND', message: 'no API route GET /api/v1/comands' })
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/v1/commands' })
  t.equal(wrongMethod.statusCode, 404)
  t.same(wrongMethod.json(), { code: 'PITWALL_ERR_NOT_FOUND', message: 'no API route DELETE /api/v1/commands' })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/commands' })).statusCode, 401, 'a route that exists still asks for a token first')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'routes outside the API are untouched')
})
