/**
 * Console sign-in on one storage backend (injected requests): a token is
 * exchanged for an HttpOnly, SameSite=Strict cookie whose session stands for
 * the token (roles included); bad tokens are refused as requireRole refuses
 * them; the session ends at sign-out, with its token's revocation or expiry,
 * and when idle; a cookie-authenticated change from another origin is 403.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import Fastify from 'fastify'
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { registerApi } from '../../../gateway/api/index.js'
import { poolOf, type Storage } from '../../../storage/index.js'
import { apiClient } from '../../helpers/api-client.js'
import { oneBackend } from '../../helpers/backends.js'
import { openTestStorage } from '../../actions/dealer-fixtures.js'
import { TestPki } from '../../helpers/pki.js'

const ORIGIN = 'http://localhost'

function sessionCookie (res: LightMyRequestResponse): { value: string, attributes: string } {
  const header = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('pitwall_session='))
  if (header === undefined) throw new Error(`no pitwall_session cookie in ${res.statusCode} ${res.body}`)
  return { value: header.slice('pitwall_session='.length).split(';')[0] ?? '', attributes: header }
}

// One database for the file: each test makes its own tokens and sessions,
// and the throttles and rate limits live in each test's own app.
const backend = await oneBackend()
let shared: Promise<Storage> | undefined
const database = async (): Promise<Storage> => await (shared ??= openTestStorage(t, backend))

t.test(`on ${backend}`, async (t) => {
  const storage = await database()
  // the many refusals below would otherwise reach the address's back-off (tested on its own at the end)
  const app = Fastify()
  registerApi(app, { storage, limits: { failuresBeforeBackoff: 1000, maxBackoffMs: 60_000, requestsPerMinute: 1000 } })
  t.teardown(async () => { await app.close() })
  const { call, expectError } = apiClient(app)
  const pool = poolOf(storage)
  const engineer = await storage.apiTokens.create({ name: 'alice', role: 'engineer' })
  const dealer = await storage.apiTokens.create({ name: 'Nord desk', role: 'dealer', dealerId: 'nord' })

  const signIn = async (token: string): Promise<LightMyRequestResponse> =>
    await app.inject({ method: 'POST', url: '/api/v1/session', headers: { origin: ORIGIN }, payload: { token } })
  const withCookie = async (method: 'GET' | 'POST' | 'DELETE', url: string, cookie: string, headers: Record<string, string> = { origin: ORIGIN }, payload?: object): Promise<LightMyRequestResponse> =>
    await app.inject({ method, url, headers: { ...headers, cookie: `pitwall_session=${cookie}` }, ...(payload === undefined ? {} : { payload }) })

  t.test('a token signs in: the answer names the principal and sets an HttpOnly, SameSite=Strict cookie; only its hash is stored', async (t) => {
    const res = await signIn(engineer.token)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { role: 'engineer', name: 'alice', dealerId: null, expiresAt: String })
    const hours = (new Date(res.json().expiresAt).getTime() - Date.now()) / 3_600_000
    t.ok(hours > 11.9 && hours <= 12, `12 h by default (${hours.toFixed(2)} h)`)
    const cookie = sessionCookie(res)
    t.match(cookie.value, /^pws_[A-Za-z0-9_-]{43}$/)
    t.match(cookie.attributes, /; HttpOnly/)
    t.match(cookie.attributes, /; SameSite=Strict/)
    t.match(cookie.attributes, /; Path=\//)
    t.match(cookie.attributes, /; Max-Age=(431\d\d|43200);/)
    t.notMatch(cookie.attributes, /Secure/, 'no Secure attribute over plain HTTP')
    t.notOk(res.body.includes(cookie.value), 'the secret is in the cookie only')
    const rows = await pool.query('SELECT secret_sha256, token_id FROM console_sessions ORDER BY id DESC LIMIT 1')
    t.same(rows.rows[0].secret_sha256, createHash('sha256').update(cookie.value).digest(), 'the SHA-256 of the secret')
    t.equal(rows.rows[0].token_id, engineer.info.id)

    const me = await withCookie('GET', '/api/v1/session', cookie.value, {})
    t.equal(me.statusCode, 200)
    t.same(me.json(), res.json(), 'GET answers the same principal')
    const faults = await withCookie('GET', '/api/v1/faults', cookie.value, {})
    t.equal(faults.statusCode, 200, 'the cookie authenticates API routes as the token would')
  })

  t.test('the session has its token\'s role: a dealer\'s cookie is refused where a dealer token is', async (t) => {
    const cookie = sessionCookie(await signIn(dealer.token)).value
    const res = await withCookie('GET', '/api/v1/faults', cookie, {})
    t.equal(res.statusCode, 403)
    t.match(res.json(), { code: 'PITWALL_ERR_FORBIDDEN', message: /token "Nord desk" is a dealer token/ })
  })

  t.test('bad tokens are refused as a bearer token would be, with no cookie', async (t) => {
    for (const token of ['pwt_' + 'A'.repeat(43), 'not a token', '']) {
      const res = await signIn(token)
      await expectError(t, Promise.resolve(res), 401, 'PITWALL_ERR_UNAUTHENTICATED', 'the API token is not valid (unknown, revoked or expired)')
      t.equal(res.headers['set-cookie'], undefined, 'no cookie')
    }
    await expectError(t, app.inject({ method: 'POST', url: '/api/v1/session', payload: {} }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "token"')
    await expectError(t, app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: engineer.token, role: 'operator' } }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "role"')
    await expectError(t, app.inject({ method: 'POST', url: '/api/v1/session', headers: { origin: 'https://evil.example' }, payload: { token: engineer.token } }),
      403, 'PITWALL_ERR_FORBIDDEN', /must come from the console's own page: Origin "https:\/\/evil.example" is not this server/)
    await expectError(t, call('GET', '/api/v1/session'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
  })

  t.test('a cookie-authenticated change must come from this origin: another Origin, or none, is 403 before anything changes', async (t) => {
    const cookie = sessionCookie(await signIn(engineer.token)).value
    for (const headers of [{ origin: 'https://evil.example' }, {}, { origin: 'null' }, { referer: 'http://localhost.evil.example/x' }] as Array<Record<string, string>>) {
      await expectError(t, withCookie('DELETE', '/api/v1/session', cookie, headers), 403, 'PITWALL_ERR_FORBIDDEN', /must come from the console's own page/)
      await expectError(t, withCookie('POST', '/api/v1/faults/1/acknowledge', cookie, headers), 403, 'PITWALL_ERR_FORBIDDEN', /must come from the console's own page/)
    }
    t.equal((await withCookie('GET', '/api/v1/session', cookie, {})).statusCode, 200, 'the session still works: nothing was signed out')
    const sameOriginByReferer = await withCookie('POST', '/api/v1/faults/1/acknowledge', cookie, { referer: `${ORIGIN}/` })
    t.equal(sameOriginByReferer.statusCode, 404, 'a Referer of this origin passes the check (the fault is unknown)')
    t.equal((await call('POST', '/api/v1/faults/1/acknowledge', engineer.token)).statusCode, 404, 'bearer tokens need no Origin')
  })

  t.test('sign-out ends the session on the server: the old cookie is refused and cleared', async (t) => {
    const cookie = sessionCookie(await signIn(engineer.token)).value
    const out = await withCookie('DELETE', '/api/v1/session', cookie)
    t.equal(out.statusCode, 204)
    t.match(sessionCookie(out).attributes, /pitwall_session=;.*Expires=Thu, 01 Jan 1970/, 'the cookie is cleared')
    const again = await withCookie('GET', '/api/v1/session', cookie, {})
    await expectError(t, Promise.resolve(again), 401, 'PITWALL_ERR_UNAUTHENTICATED', /the console session has ended/)
    t.match(sessionCookie(again).attributes, /pitwall_session=;/, 'a browser holding an ended session is told to drop it')
    const ended = await pool.query('SELECT ended_at FROM console_sessions WHERE secret_sha256 = $1', [createHash('sha256').update(cookie).digest()])
    t.ok(ended.rows[0].ended_at instanceof Date, 'ended_at is set')
  })

  t.test('revoking or expiring the token ends its sessions; an idle session ends too', async (t) => {
    const revoked = await storage.apiTokens.create({ name: 'bob', role: 'engineer' })
    const cookie = sessionCookie(await signIn(revoked.token)).value
    await storage.apiTokens.revoke(revoked.info.id)
    await expectError(t, withCookie('GET', '/api/v1/session', cookie, {}), 401, 'PITWALL_ERR_UNAUTHENTICATED', /the console session has ended/)

    const expiring = await storage.apiTokens.create({ name: 'carol', role: 'engineer', expiresAt: new Date(Date.now() + 3_600_000) })
    const res = await signIn(expiring.token)
    t.ok(new Date(res.json().expiresAt).getTime() <= expiring.info.expiresAt!.getTime(), 'a session never outlives its token')
    t.match(sessionCookie(res).attributes, /Max-Age=(35\d\d|3600);/, 'nor does its cookie')
    await pool.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.info.id])
    await expectError(t, withCookie('GET', '/api/v1/session', sessionCookie(res).value, {}), 401, 'PITWALL_ERR_UNAUTHENTICATED', /the console session has ended/)

    const idle = sessionCookie(await signIn(engineer.token)).value
    await pool.query("UPDATE console_sessions SET last_used_at = now() - interval '3 hours' WHERE secret_sha256 = $1", [createHash('sha256').update(idle).digest()])
    await expectError(t, withCookie('GET', '/api/v1/session', idle, {}), 401, 'PITWALL_ERR_UNAUTHENTICATED', /the console session has ended/)
  })

  t.test('an Authorization header wins over the cookie; GET /session with a bearer token has no session expiry', async (t) => {
    const cookie = sessionCookie(await signIn(dealer.token)).value
    const res = await app.inject({ method: 'GET', url: '/api/v1/faults', headers: { authorization: `Bearer ${engineer.token}`, cookie: `pitwall_session=${cookie}` } })
    t.equal(res.statusCode, 200, 'the engineer token, not the dealer cookie')
    const me = await call('GET', '/api/v1/session', engineer.token)
    t.same(me.json(), { role: 'engineer', name: 'alice', dealerId: null, expiresAt: null })
  })
})

t.test('failed sign-ins share the bearer tokens\' back-off', async (t) => {
  const storage = await database()
  const app = Fastify()
  registerApi(app, { storage, limits: { failuresBeforeBackoff: 2, maxBackoffMs: 60_000, requestsPerMinute: 100 } })
  t.teardown(async () => { await app.close() })
  const good = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const post = async (token: string): Promise<LightMyRequestResponse> => await app.inject({ method: 'POST', url: '/api/v1/session', payload: { token } })
  t.equal((await post('pwt_' + 'B'.repeat(43))).statusCode, 401)
  t.equal((await post('pwt_' + 'C'.repeat(43))).statusCode, 401)
  const refused = await post(good)
  t.equal(refused.statusCode, 429, 'even a good token waits out the back-off')
  t.match(refused.json(), { code: 'PITWALL_ERR_RATE_LIMITED', message: /too many invalid API tokens from this address/ })
  t.ok(Number(refused.headers['retry-after']) >= 1)
  const stale = await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: 'pitwall_session=pws_' + 'D'.repeat(43) } })
  t.equal(stale.statusCode, 429, 'cookies too')
})

t.test('with the console off there are no sessions, and a cookie authenticates nothing', async (t) => {
  const storage = await database()
  const app = Fastify()
  registerApi(app, { storage, consoleSessions: false })
  t.teardown(async () => { await app.close() })
  const good = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: good } })
  t.equal(res.statusCode, 404)
  const { secret } = await storage.consoleSessions.create((await storage.apiTokens.authenticate(good))!, 60_000)
  const withCookie = await app.inject({ method: 'GET', url: '/api/v1/faults', headers: { cookie: `pitwall_session=${secret}` } })
  t.equal(withCookie.statusCode, 401)
  t.match(withCookie.json(), { message: /needs an API token/ })
})

t.test('a session shares its token\'s request budget: the rate limit keys on the token either way', async (t) => {
  const storage = await database()
  const app = Fastify()
  registerApi(app, { storage, limits: { failuresBeforeBackoff: 5, maxBackoffMs: 60_000, requestsPerMinute: 3 } })
  t.teardown(async () => { await app.close() })
  const token = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const cookie = sessionCookie(await app.inject({ method: 'POST', url: '/api/v1/session', payload: { token } })).value
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/faults', headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/faults', headers: { cookie: `pitwall_session=${cookie}` } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/faults', headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  const over = await app.inject({ method: 'GET', url: '/api/v1/faults', headers: { cookie: `pitwall_session=${cookie}` } })
  t.equal(over.statusCode, 429, 'the fourth request of the minute, by cookie, is over the token\'s three')
  t.match(over.json(), { code: 'PITWALL_ERR_RATE_LIMITED', message: /token "alice" made more than 3 requests in a minute/ })
})

t.test('over HTTPS the cookie is Secure', async (t) => {
  const storage = await database()
  const pki = TestPki.create()
  t.teardown(() => pki.remove())
  const server = pki.server('127.0.0.1')
  const app = Fastify({ https: { key: readFileSync(server.key), cert: readFileSync(server.cert) } })
  registerApi(app, { storage })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  const token = (await storage.apiTokens.create({ name: 'alice', role: 'engineer' })).token
  const port = (app.server.address() as { port: number }).port
  const setCookie = await new Promise<string[]>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/api/v1/session', method: 'POST', ca: readFileSync(pki.caCert), headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      resolve(res.headers['set-cookie'] ?? [])
    })
    req.on('error', reject)
    req.end(JSON.stringify({ token }))
  })
  t.match(setCookie.find((c) => c.startsWith('pitwall_session=')), /; Secure/)
})
