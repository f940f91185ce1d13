/**
 * /readyz is what a load balancer probes: it must answer, in words and with
 * a code, whether the database is down, refusing, or not answering at all.
 */
import t from 'tap'
import Fastify from 'fastify'
import { healthRoutes } from '../../gateway/api/health.js'
import { createMetrics } from '../../gateway/metrics.js'

async function readyz (ping: () => Promise<void>, lagMs = 0): Promise<{ status: number, body: unknown }> {
  const app = Fastify()
  healthRoutes(app, { storage: { ping, projector: { lagMs } }, metrics: createMetrics(), readyTimeoutMs: 50, maxProjectionLagMs: 30_000 })
  try {
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    return { status: res.statusCode, body: res.json() }
  } finally {
    await app.close()
  }
}

t.test('a database that never answers (blackholed) gets a 503 once the wait is over, not a hang', async (t) => {
  t.same(await readyz(async () => await new Promise<void>(() => {})),
    { status: 503, body: { status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message: 'storage did not answer within 50 ms' } })
})

t.test('a refused connection is named in words, never with the driver\'s message', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432 (internal host name)'), { code: 'ECONNREFUSED' })
  const answer = await readyz(async () => { throw refused })
  t.same(answer, { status: 503, body: { status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message: 'storage cannot be reached' } })
  t.notMatch(JSON.stringify(answer.body), /10\.0\.0\.7/)
})

t.test('a database that answers is ready', async (t) => {
  t.same(await readyz(async () => {}), { status: 200, body: { status: 'ready', projectionLagSeconds: 0 } })
})

t.test('decoded rows lagging past the limit make the node not ready, saying how far behind; within it, ready with the lag', async (t) => {
  t.same(await readyz(async () => {}, 45_000), {
    status: 503,
    body: { status: 'unavailable', code: 'PITWALL_ERR_PROJECTION_LAG', message: 'stored batches wait 45 s for their decoded rows (limit 30 s)' }
  })
  t.same(await readyz(async () => {}, 2_500), { status: 200, body: { status: 'ready', projectionLagSeconds: 2.5 } })
})
