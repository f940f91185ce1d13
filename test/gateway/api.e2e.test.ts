/**
 * The HTTP API as a running gateway serves it: bearer tokens from the token
 * store guard the routes, and the case base answers searches.
 */
import t from 'tap'
import { CaseBase } from '../../actions/cases/case-base.js'
import { DEMO_CASE_PACK, loadCasePack } from '../../actions/cases/pack.js'
import { startTestGateway } from '../helpers/gateway.js'
import { oneBackend } from '../helpers/backends.js'

t.test('the gateway serves the case base behind role-scoped tokens', async (t) => {
  const tg = await startTestGateway(await oneBackend())
  t.teardown(() => tg.close())
  const { storage, httpPort } = tg.gateway
  await new CaseBase(storage.cases).apply(loadCasePack(DEMO_CASE_PACK), 'test')
  const base = `http://127.0.0.1:${httpPort}`
  const get = async (path: string, token?: string): Promise<Response> =>
    await fetch(base + path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

  const anonymous = await get('/api/v1/cases?q=P0301')
  t.equal(anonymous.status, 401)
  t.match(await anonymous.json(), { code: 'PITWALL_ERR_UNAUTHENTICATED' })

  const engineer = (await storage.apiTokens.create({ name: 'eng', role: 'engineer' })).token
  const hits = await get('/api/v1/cases?q=P0301', engineer)
  t.equal(hits.status, 200)
  t.match(await hits.json(), { cases: [{ id: 'case-misfire-cylinder-1', snippet: /<mark>/ }] }, 'a DTC finds its case')

  const dealer = (await storage.apiTokens.create({ name: 'dealer', role: 'dealer', dealerId: 'nord' })).token
  const write = await fetch(base + '/api/v1/cases/case-new', { method: 'PUT', headers: { authorization: `Bearer ${dealer}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x' }) })
  t.equal(write.status, 403, 'a dealer reads the case base but does not write it')
  t.match(await write.json(), { code: 'PITWALL_ERR_FORBIDDEN' })

  const revoked = (await storage.apiTokens.create({ name: 'gone', role: 'operator' }))
  await storage.apiTokens.revoke(revoked.info.id)
  t.equal((await get('/api/v1/cases', revoked.token)).status, 401, 'a revoked token is refused at once')
})
