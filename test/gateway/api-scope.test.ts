/**
 * The API scope's handling of an unexpected error: the caller gets a 500
 * with a stable code and nothing of the cause, and the log gets the cause
 * without the row values PostgreSQL quotes in `detail` (a dealer's webhook
 * secret, a token hash); and what the scope refuses before a route runs:
 * NUL characters, ids past their column's range.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify'
import pino from 'pino'
import { Writable } from 'node:stream'
import t from 'tap'
import { registerApiScope } from '../../gateway/api/scope.js'
import { bigintIdParams, integerIdParams, MAX_ID } from '../../gateway/api/request-values.js'

t.test('a 500 logs the cause without the failing row', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } })
  // pino 10's Logger type is wider than the one fastify 5 declares (as in gateway/http.ts)
  const app = Fastify({ loggerInstance: pino({ level: 'error' }, sink) as unknown as FastifyBaseLogger })
  const secret = 'whsec_' + 'S'.repeat(43)
  registerApiScope(app, 'test', (scope) => {
    scope.get('/api/v1/boom', async () => {
      const dbError = Object.assign(new Error('new row for relation "dealers" violates check constraint "dealers_webhook_url_check"'), {
        code: '23514', table: 'dealers', constraint: 'dealers_webhook_url_check', detail: `Failing row contains (nord, Nord, HTTPS://x, ${secret}).`, where: `SQL statement with ${secret}`
      })
      throw dbError
    })
    scope.get('/api/v1/wrapped', async () => {
      throw new Error('dealer not stored', { cause: Object.assign(new Error('violates check constraint'), { detail: `Failing row contains (${secret}).` }) })
    })
  })
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ method: 'GET', url: '/api/v1/boom' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { code: 'PITWALL_ERR_INTERNAL', message: 'the request failed on the server; the gateway log has the cause' })
  const log = lines.join('')
  t.match(log, /test API request failed/)
  t.match(log, /dealers_webhook_url_check/, 'the constraint that failed is logged')
  t.notOk(log.includes(secret), 'the row values are not')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/wrapped' })).statusCode, 500)
  t.notOk(lines.join('').includes(secret), 'nor those of an error it wraps')
})

t.test('a NUL character anywhere in a request is a 400 naming where, not a 500 from the database', async (t) => {
  const app = Fastify()
  registerApiScope(app, 'test', (scope) => {
    const body = { type: 'object', properties: { name: { type: 'string' }, params: { type: 'object', additionalProperties: { type: 'string' } } } }
    scope.post('/api/v1/things', { schema: { body, querystring: { type: 'object', properties: { q: { type: 'string' } } } } }, async () => ({ ok: true }))
  })
  t.teardown(async () => { await app.close() })
  const post = async (payload: unknown, url = '/api/v1/things'): Promise<{ status: number, body: unknown }> => {
    const res = await app.inject({ method: 'POST', url, payload: payload as object })
    return { status: res.statusCode, body: res.json() }
  }
  t.same(await post({ name: 'coil\u0000pack' }), { status: 400, body: { code: 'PITWALL_ERR_BAD_REQUEST', message: 'body.name must not contain a NUL character (U+0000)' } })
  t.same(await post({ params: { 'mode\u0000': 'x' } }), { status: 400, body: { code: 'PITWALL_ERR_BAD_REQUEST', message: 'body.params.mode\u0000 must not contain a NUL character (U+0000)' } }, 'in a key too')
  t.same(await post({ name: 'ok' }, '/api/v1/things?q=a%00b'), { status: 400, body: { code: 'PITWALL_ERR_BAD_REQUEST', message: 'querystring.q must not contain a NUL character (U+0000)' } })
  t.same(await post({ name: 'coil pack', params: { mode: 'x' } }), { status: 200, body: { ok: true } })
})

t.test('an id past its column\'s range is a 400 naming the limit', async (t) => {
  const app = Fastify()
  registerApiScope(app, 'test', (scope) => {
    scope.get('/api/v1/tokens/:id', { schema: { params: integerIdParams } }, async () => ({ ok: true }))
    scope.get('/api/v1/faults/:id', { schema: { params: bigintIdParams } }, async () => ({ ok: true }))
  })
  t.teardown(async () => { await app.close() })
  const get = async (url: string): Promise<{ status: number, body: unknown }> => {
    const res = await app.inject({ method: 'GET', url })
    return { status: res.statusCode, body: res.json() }
  }
  t.same(await get('/api/v1/tokens/2147483648'), { status: 400, body: { code: 'PITWALL_ERR_BAD_REQUEST', message: 'params.id must be <= 2147483647' } })
  t.equal((await get('/api/v1/tokens/2147483647')).status, 200)
  t.same(await get('/api/v1/faults/9007199254740992'), { status: 400, body: { code: 'PITWALL_ERR_BAD_REQUEST', message: `params.id must be <= ${MAX_ID.bigint}` } })
  t.equal((await get('/api/v1/faults/99999999999')).status, 200, 'a bigint id past 2^31 is fine')
})
