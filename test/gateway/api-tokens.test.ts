/**
 * API tokens over HTTP on one storage backend, through a fastify instance
 * of the test's own (injected requests, no port): only operators list,
 * create and revoke; the token is shown once; a revocation takes effect on
 * the next request; revoking one's own token is said in the answer, with a
 * warning when no operator token is left.
 */
import t from 'tap'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { openTestStorage, PLACES } from '../actions/dealer-fixtures.js'

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    await storage.dealers.add({ id: 'nord', name: 'Autohaus Nord', ...PLACES.berlin })

    const operator = await storage.apiTokens.create({ name: 'olaf', role: 'operator' })
    const engineer = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
    const dealer = (await storage.apiTokens.create({ name: 'Nord desk', role: 'dealer', dealerId: 'nord' })).token

    t.test('only operators manage tokens', async (t) => {
      for (const [method, url] of [['GET', '/api/v1/tokens'], ['POST', '/api/v1/tokens'], ['DELETE', `/api/v1/tokens/${operator.info.id}`]] as const) {
        const payload = method === 'POST' ? { name: 'mallory', role: 'operator' } : undefined
        await expectError(t, call(method, url, undefined, payload), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
        for (const other of [engineer, dealer]) await expectError(t, call(method, url, other, payload), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      }
      t.same((await storage.apiTokens.list()).map((i) => i.name), ['olaf', 'alice', 'Nord desk'], 'nothing created')
      t.equal((await storage.apiTokens.list()).find((i) => i.id === operator.info.id)?.revokedAt, null, 'nothing revoked')
    })

    t.test('an operator creates a token, shown once, that works at once; the list never shows it', async (t) => {
      const created = await call('POST', '/api/v1/tokens', operator.token, { name: 'Nord DMS integration', role: 'dealer', dealerId: 'nord', expiresAt: '2099-01-01T00:00:00Z' })
      t.equal(created.statusCode, 201)
      const body = created.json()
      t.match(body, { token: /^pwt_[A-Za-z0-9_-]{43}$/, name: 'Nord DMS integration', role: 'dealer', dealerId: 'nord', expiresAt: '2099-01-01T00:00:00.000Z', revokedAt: null })
      t.same(await storage.apiTokens.authenticate(body.token), { id: body.id, role: 'dealer', dealerId: 'nord', name: 'Nord DMS integration' }, 'it authenticates')

      const list = await call('GET', '/api/v1/tokens', operator.token)
      t.equal(list.statusCode, 200)
      t.match(list.json().tokens.at(-1), { id: body.id, name: 'Nord DMS integration', role: 'dealer' })
      t.notOk(list.body.includes(body.token), 'never the token itself')
      t.notOk(list.json().tokens.some((i: object) => 'token' in i || 'tokenHash' in i))
    })

    t.test('an operator cannot mint an engineer token: engineers send signed commands to vehicles, operators do not', async (t) => {
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'olaf as engineer', role: 'engineer' }), 403, 'PITWALL_ERR_FORBIDDEN',
        'token "olaf" is an operator token; it creates operator and dealer tokens only (engineer tokens: `pitwall token create --role engineer` on the gateway\'s host)')
      t.notOk((await storage.apiTokens.list()).some((i) => i.name === 'olaf as engineer'), 'none was created')
    })

    t.test('bad token requests are refused naming what was wrong', async (t) => {
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { role: 'engineer' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "name"')
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'admin' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.role "admin" is not one of engineer, operator, dealer')
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'engineer', scope: 'all' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "scope"')
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'dealer' }), 400, 'PITWALL_ERR_API_TOKEN_INVALID', /a dealer token needs the dealer id/)
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'operator', dealerId: 'nord' }), 400, 'PITWALL_ERR_API_TOKEN_INVALID', /only a dealer token has a dealer id/)
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'dealer', dealerId: 'west' }), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'operator', expiresAt: 'next week' }), 400, 'PITWALL_ERR_BAD_REQUEST',
        'body.expiresAt "next week" is not an ISO 8601 time with a zone, e.g. 2026-11-23T08:00:00Z')
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: 'x', role: 'operator', expiresAt: '2020-01-01T00:00:00Z' }), 400, 'PITWALL_ERR_API_TOKEN_INVALID', /is not in the future/)
      await expectError(t, call('POST', '/api/v1/tokens', operator.token, { name: ' ', role: 'operator' }), 400, 'PITWALL_ERR_API_TOKEN_INVALID', /name is required/)
      t.notOk((await storage.apiTokens.list()).some((i) => i.name === 'x'), 'none was created')
    })

    t.test("revoking another's token; revoking one's own is said, with a warning when no operator is left", async (t) => {
      const victim = await storage.apiTokens.create({ name: 'leaver', role: 'engineer' })
      const revoked = await call('DELETE', `/api/v1/tokens/${victim.info.id}`, operator.token)
      t.equal(revoked.statusCode, 200)
      t.match(revoked.json(), { id: victim.info.id, name: 'leaver', revokedAt: String, ownToken: false })
      t.notOk('message' in revoked.json())
      t.equal(await storage.apiTokens.authenticate(victim.token), undefined, 'refused from now on')
      await expectError(t, call('DELETE', '/api/v1/tokens/99999999', operator.token), 404, 'PITWALL_ERR_API_TOKEN_UNKNOWN', 'no API token 99999999')
      await expectError(t, call('DELETE', '/api/v1/tokens/abc', operator.token), 400, 'PITWALL_ERR_BAD_REQUEST', 'params.id must be integer')

      const second = await storage.apiTokens.create({ name: 'otto', role: 'operator' })
      const own = await call('DELETE', `/api/v1/tokens/${second.info.id}`, second.token)
      t.equal(own.statusCode, 200)
      t.match(own.json(), { id: second.info.id, ownToken: true, message: /was the one this request used; it is refused from the next request on\. 1 other operator token\(s\) remain active\./ })
      await expectError(t, call('GET', '/api/v1/tokens', second.token), 401, 'PITWALL_ERR_UNAUTHENTICATED', /not valid/)

      const last = await call('DELETE', `/api/v1/tokens/${operator.info.id}`, operator.token)
      t.equal(last.statusCode, 200)
      t.match(last.json(), { ownToken: true, message: /No other operator token is active: nobody can manage tokens over the API until one is created with `pitwall token create --role operator`/ })
      await expectError(t, call('GET', '/api/v1/tokens', operator.token), 401, 'PITWALL_ERR_UNAUTHENTICATED', /not valid/)
    })
  })
}
