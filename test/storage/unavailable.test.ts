/**
 * One answer to "is the database unavailable?" for ingest (retry, hold the
 * PUBACK), the API (503) and /readyz: a dropped connection, a refused one and
 * a pool that waited too long are outages; a bad statement or a refusal is not.
 */
import t from 'tap'
import Fastify from 'fastify'
import pg from 'pg'
import { isStatementTransient, isTransient, isUnavailable } from '../../storage/errors.js'
import { PitwallError } from '../../runtime/errors.js'
import { registerApiScope } from '../../gateway/api/scope.js'
import { postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

const ADMIN_URL = process.env.PITWALL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function failureOf (work: Promise<unknown>): Promise<Error> {
  try {
    await work
  } catch (err) {
    return err as Error
  }
  throw new Error('expected the database call to fail')
}

t.test('through a connection that drops', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const proxy = await TcpProxy.start(Number(new URL(ADMIN_URL).port || 5432))
  const url = new URL(ADMIN_URL)
  url.port = String(proxy.port)
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: 2000 })
  pool.on('error', () => {})
  t.teardown(async () => { await pool.end().catch(() => {}); await proxy.close() })

  await pool.query('SELECT 1')
  const running = failureOf(pool.query('SELECT pg_sleep(10)'))
  await new Promise((resolve) => setTimeout(resolve, 200))
  proxy.cut()
  const dropped = await running
  t.ok(isUnavailable(dropped), `a query whose connection dropped: ${dropped.message}`)
  t.ok(isTransient(dropped))

  const refused = await failureOf(pool.query('SELECT 1'))
  t.ok(isUnavailable(refused), `a connection the server side closes at once: ${refused.message}`)
  proxy.restore()
  await pool.query('SELECT 1')
})

t.test('a pool that waits past its connection timeout', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const pool = new pg.Pool({ connectionString: ADMIN_URL, max: 1, connectionTimeoutMillis: 150 })
  pool.on('error', () => {})
  const held = await pool.connect()
  t.teardown(async () => { held.release(); await pool.end() })
  const starved = await failureOf(pool.query('SELECT 1'))
  t.ok(isUnavailable(starved), `pool timeout: ${starved.message}`)

  // the API answers it as 503, not 500
  const app = Fastify()
  registerApiScope(app, 'test', (scope) => { scope.get('/api/v1/starved', async () => await pool.query('SELECT 1')) })
  t.teardown(async () => { await app.close() })
  const res = await app.inject({ method: 'GET', url: '/api/v1/starved' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'PITWALL_ERR_STORAGE_UNAVAILABLE')
})

t.test('a wrong statement, a constraint and a refusal are not outages', { skip: await postgresReachable() ? false : SKIP_POSTGRES }, async (t) => {
  const pool = new pg.Pool({ connectionString: ADMIN_URL, max: 1 })
  t.teardown(async () => { await pool.end() })
  const syntax = await failureOf(pool.query('SELEC 1'))
  t.notOk(isUnavailable(syntax), 'syntax error (42601)')
  t.notOk(isTransient(syntax))
  const cast = await failureOf(pool.query("SELECT 'x'::int"))
  t.notOk(isUnavailable(cast), 'invalid input (22P02)')
  t.notOk(isUnavailable(new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', 'no vehicle')), 'a domain refusal')
  t.ok(isTransient(Object.assign(new Error('could not serialize access'), { code: '40001' })), 'a serialization conflict is retried')
  t.notOk(isUnavailable(Object.assign(new Error('could not serialize access'), { code: '40001' })), '…but the database is up')

  // a DBA's statement_timeout or lock_timeout, or pg_cancel_backend: the batch was fine, the moment was not
  const cancelled = await failureOf(pool.query("SET statement_timeout = '20ms'; SELECT pg_sleep(1)"))
  t.equal((cancelled as { code?: string }).code, '57014')
  t.ok(isTransient(cancelled), 'a cancelled statement is retried, never dead-lettered as bad input')
  t.ok(isStatementTransient(cancelled), 'and it was this statement\'s: the other vehicles\' may go through')
  t.ok(isTransient(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' })), 'a lock timeout too')
})

t.test('a full disk is retried, and may be some rows\' doing only; a lost connection or a full server is everyone\'s', async (t) => {
  const sqlError = (code: string, message: string): Error => Object.assign(new Error(message), { code })
  const diskFull = sqlError('53100', 'could not extend file "base/16384/16999": No space left on device')
  t.ok(isTransient(diskFull), 'disk full: retried, never dead-lettered as bad input')
  t.ok(isStatementTransient(diskFull), 'disk full: the other vehicles\' rows may still fit (storage/batch-writer.ts sets the failing ones aside)')
  t.ok(isStatementTransient(sqlError('40P01', 'deadlock detected')))
  for (const everyone of [sqlError('08006', 'connection failure'), sqlError('57P01', 'terminating connection due to administrator command'), sqlError('53300', 'too many clients already'), new Error('Connection terminated unexpectedly')]) {
    t.ok(isTransient(everyone), `${everyone.message}: retried`)
    t.notOk(isStatementTransient(everyone), `${everyone.message}: not split by vehicle`)
  }
  t.notOk(isStatementTransient(sqlError('22003', 'value out of range')), 'a refusal is not transient at all')
})
