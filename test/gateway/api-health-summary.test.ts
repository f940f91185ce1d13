/**
 * The operator's health summary: read from the gateway's own metrics and the
 * actions backlog, rates over the route's own earlier readings (none on the
 * first), for operator tokens only.
 */
import Fastify from 'fastify'
import t from 'tap'
import { registerApi } from '../../gateway/api/index.js'
import { quantile } from '../../gateway/api/health-summary.js'
import { createMetrics } from '../../gateway/metrics.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { apiClient, roleTokens } from '../helpers/api-client.js'
import { postgresReachable } from '../helpers/backends.js'

t.test('operators read connected vehicles, ingest rates and queue depths; others are refused', async (t) => {
  // storage gives only the backlog here (its own tests cover both backends): the faster one to start
  const storage = await openTestStorage(t, await postgresReachable() ? 'postgres' : 'pglite')
  const metrics = createMetrics()
  const app = Fastify()
  registerApi(app, { storage, metrics })
  await app.ready()
  t.teardown(async () => { await app.close() })
  const { call } = apiClient(app)
  const { engineer, operator, dealer } = await roleTokens(storage.apiTokens)

  t.equal((await call('GET', '/api/v1/health/summary')).statusCode, 401)
  for (const token of [engineer, dealer]) t.equal((await call('GET', '/api/v1/health/summary', token)).statusCode, 403)

  metrics.connections.set(3)
  metrics.batches.inc({ outcome: 'stored' }, 10)
  const first = await call('GET', '/api/v1/health/summary', operator)
  t.equal(first.statusCode, 200)
  t.match(first.json(), {
    windowS: null,
    vehicles: { connected: 3, unauthenticated: 0 },
    ingest: { batchesPerS: null, pubackP99S: null, batches: { stored: 10 }, deadLetters: {} },
    queues: { storageWriter: 0, faultActionsPending: 0, webhooksPending: 0, webhookDeadLetters: 0, commandsOpen: { pending_approval: 0, queued: 0 }, campaigns: { running: 0 } },
    // no webhook worker registered its metrics in this app
    webhooks: { breakersOpen: null, breakerOpens: null, deliveries: {} },
    storage: { commitErrors: 0, commitP99S: null }
  }, 'the first reading has totals and no rates')
  t.ok(first.json().process.uptimeS > 0)

  await new Promise((resolve) => setTimeout(resolve, 1100))
  metrics.batches.inc({ outcome: 'stored' }, 50)
  metrics.batches.inc({ outcome: 'duplicate' }, 5)
  metrics.samples.inc(5500)
  for (let i = 0; i < 99; i++) metrics.pubackLatency.observe(0.004)
  metrics.pubackLatency.observe(0.4)
  const second = (await call('GET', '/api/v1/health/summary', operator)).json()
  t.ok(second.windowS >= 1.1, `rates over the span since the first reading (${second.windowS as number} s)`)
  t.ok(Math.abs(second.ingest.batchesPerS - 55 / second.windowS) < 1e-9, 'batches per second')
  t.ok(Math.abs(second.ingest.samplesPerS - 5500 / second.windowS) < 1e-9, 'samples per second')
  t.same(second.ingest.batches, { stored: 60, duplicate: 5 })
  t.ok(second.ingest.pubackP50S > 0.002 && second.ingest.pubackP50S <= 0.005, 'PUBACK p50 in the 2-5 ms bucket')
  t.ok(second.ingest.pubackP99S > 0.002 && second.ingest.pubackP99S <= 0.005, 'p99 too: 99 of 100 were 4 ms')
})

t.test('a quantile between two readings of a histogram', async (t) => {
  const then = new Map([[0.01, 10], [0.1, 10], [1, 10], [Infinity, 10]])
  t.equal(quantile(0.5, then, then), null, 'nothing observed in between')
  const now = new Map([[0.01, 10], [0.1, 60], [1, 110], [Infinity, 110]])
  t.equal(quantile(0.5, now, then), 0.1, 'half of the 100 new observations are at most 0.1 s')
  t.equal(quantile(0.25, now, then), 0.01 + (0.1 - 0.01) * 0.5, 'interpolated within the bucket')
  t.equal(quantile(0.99, new Map([[0.01, 0], [Infinity, 5]]), new Map()), 0.01, 'above the last finite bound: that bound')
})
