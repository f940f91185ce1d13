/**
 * The KPIs over HTTP and on the command line: an engineer reads the fleet,
 * a dealer its own alerts only (and is refused another dealer's), bad
 * periods are 400s naming what was wrong; `pitwall kpis` prints the same
 * figures for a database it is pointed at.
 */
import Fastify from 'fastify'
import t from 'tap'
import { registerApi } from '../../gateway/api/index.js'
import type { DealerAlert } from '../../actions/dealer-alerts/model.js'
import { alertMove } from '../../actions/dealer-alerts/policy.js'
import { openStorage, poolOf } from '../../storage/index.js'
import { PLACES, seedFault } from '../actions/dealer-fixtures.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'
import { pitwall } from '../helpers/cli.js'

const envelope = (a: DealerAlert, key: string): { event: string, body: string } => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) })

t.test('KPIs through the API and the CLI', { skip: !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
  // PostgreSQL, so the CLI in its own process reads the same database
  const db = await createTestDatabase()
  const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  const app = Fastify()
  registerApi(app, { storage })
  await app.ready()
  t.teardown(async () => { await app.close(); await storage.close(); await db.drop() })

  await storage.dealers.add({ id: 'north', name: 'Werkstatt Nord', ...PLACES.berlin })
  await storage.dealers.add({ id: 'south', name: 'Autohaus Süd', ...PLACES.munich })
  // one alert each, both repaired; north's at the first visit, 90 s after its fault; south's not, 30 s after
  for (const [dealerId, raisedAfterS, firstTimeFix] of [['north', 90, true], ['south', 30, false]] as const) {
    const fault = await seedFault(storage)
    const { alerts: [alert] } = await storage.dealerAlerts.create(fault.faultId, 'prestage',
      [{ dealerId, routing: { via: 'own', distanceKm: null }, payload: {}, webhook: false }], envelope)
    if (alert === undefined) throw new Error('no alert')
    await poolOf(storage).query('UPDATE dealer_alerts SET created_at = $2 WHERE id = $1', [alert.id, new Date(fault.openedAt.getTime() + raisedAfterS * 1000)])
    await storage.dealerAlerts.transition(dealerId, alert.id, alertMove(alert.id, 'repaired', { by: 'werkstatt', firstTimeFix }))
  }
  const engineer = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
  const north = (await storage.apiTokens.create({ name: 'Werkstatt Nord', role: 'dealer', dealerId: 'north' })).token
  // any: response bodies are JSON read field by field, and the assertions check their shape
  const get = async (url: string, token?: string): Promise<{ status: number, body: any }> => {
    const res = await app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, body: res.json() }
  }

  const fleet = await get('/api/v1/kpis', engineer)
  t.equal(fleet.status, 200)
  t.same(fleet.body.firstTimeFix, { count: 2, hits: 1, rate: 0.5 }, 'the fleet over the default 30 days')
  t.same(fleet.body.faultToAlert, { count: 2, meanS: 60, p50S: 60, p90S: 84, undelivered: 0 })
  t.same(fleet.body.otaSuccess, { count: 0, hits: 0, rate: null })

  const own = await get('/api/v1/kpis', north)
  t.equal(own.body.dealerId, 'north', 'a dealer token is scoped to its dealer without asking')
  t.same(own.body.firstTimeFix, { count: 1, hits: 1, rate: 1 })
  t.same(own.body.faultToAlert.meanS, 90)
  t.equal(own.body.otaSuccess, null, 'no fleet-wide figures for a dealer')
  t.same((await get('/api/v1/kpis?dealer=south', engineer)).body.firstTimeFix, { count: 1, hits: 0, rate: 0 })

  const other = await get('/api/v1/kpis?dealer=south', north)
  t.equal(other.status, 403, "a dealer cannot read another dealer's KPIs")
  t.match(other.body, { code: 'PITWALL_ERR_FORBIDDEN', message: /token "Werkstatt Nord" is dealer north's; it reads only its own KPIs, not dealer south's/ })
  t.same((await get('/api/v1/kpis?dealer=west', engineer)), { status: 404, body: { code: 'PITWALL_ERR_DEALER_UNKNOWN', message: 'no dealer west' } },
    'a misspelt dealer is not one without alerts')
  t.equal((await get('/api/v1/kpis')).status, 401)
  t.same((await get('/api/v1/kpis?from=yesterday', engineer)).body,
    { code: 'PITWALL_ERR_BAD_REQUEST', message: 'querystring.from "yesterday" is not an ISO 8601 time with a zone, e.g. 2026-11-23T08:00:00Z' })
  // without a zone the server's own would decide which hours count
  t.same((await get('/api/v1/kpis?to=2026-05-01T00:00', engineer)).body,
    { code: 'PITWALL_ERR_BAD_REQUEST', message: 'querystring.to "2026-05-01T00:00" is not an ISO 8601 time with a zone, e.g. 2026-11-23T08:00:00Z' })
  const backwards = await get('/api/v1/kpis?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z', engineer)
  t.equal(backwards.status, 400)
  t.equal(backwards.body.code, 'PITWALL_ERR_KPI_QUERY')
  t.match((await get('/api/v1/kpis?since=2026-01-01', engineer)).body, { code: 'PITWALL_ERR_BAD_REQUEST', message: /unknown field "since"/ })

  const json = JSON.parse((await pitwall('kpis', '--json', '--database-url', db.url)).stdout)
  t.same(json.firstTimeFix, fleet.body.firstTimeFix, 'the CLI reads the same figures')
  const text = (await pitwall('kpis', '--dealer', 'south', '--database-url', db.url)).stdout
  t.match(text, /first-time fix\t0\.0 % \(0 of 1\)/)
  t.match(text, /fault → alert at dealer\tmean 30\.0 s, p50 30\.0 s, p90 30\.0 s \(1\)/)
  t.notMatch(text, /OTA success/, 'no fleet-wide lines for one dealer')
  const zoneless = await pitwall('kpis', '--from', '2026-01-01', '--database-url', db.url)
  t.equal(zoneless.code, 1)
  t.match(zoneless.stderr, /"2026-01-01" is not an ISO 8601 time with a zone/, 'a time without a zone is refused, not read in the host\'s zone')
})
