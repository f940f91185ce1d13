/**
 * The API scope's handling of an unexpected error: the caller gets a 500
 * with a stable code and nothing of the cause, and the log gets the cause
 * without the row values PostgreSQL quotes in `detail` (a dealer's webhook
 * secret, a token hash).
 */
import Fastify, { type FastifyBaseLogger } from 'fastify'
import pino from 'pino'
import { Writable } from 'node:stream'
import t from 'tap'
import { registerApiScope } from '../../gateway/api/scope.js'

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
