/**
 * The KPIs over HTTP and on the command line: an engineer reads the fleet,
 * a dealer its own alerts only (and is refused another dealer's), bad
 * periods and groupings are 400s naming what was wrong; per model and week
 * and as CSV; survey answers recorded per repaired alert with their
 * refusals; `pitwall kpis` prints the same figures for a database it is
 * pointed at. The figures themselves on a known story:
 * test/storage/kpis-story.test.ts.
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
  const db = await createTestDatabase({ migrated: true })
  const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  const app = Fastify()
  registerApi(app, { storage })
  await app.ready()
  t.teardown(async () => { await app.close(); await storage.close(); await db.drop() })

  await storage.dealers.add({ id: 'north', name: 'Werkstatt Nord', ...PLACES.berlin })
  await storage.dealers.add({ id: 'south', name: 'Autohaus Süd', ...PLACES.munich })
  // one alert each, both repaired; north's at the first visit, 90 s after its fault; south's not, 30 s after
  const alerts: Record<string, number> = {}
  for (const [dealerId, raisedAfterS, firstTimeFix, model] of [['north', 90, true, 'model-a'], ['south', 30, false, 'model-b']] as const) {
    const fault = await seedFault(storage, { model })
    const { alerts: [alert] } = await storage.dealerAlerts.create(fault.faultId, 'prestage',
      [{ dealerId, routing: { via: 'own', distanceKm: null }, payload: {}, webhook: false }], envelope)
    if (alert === undefined) throw new Error('no alert')
    await poolOf(storage).query('UPDATE dealer_alerts SET created_at = $2 WHERE id = $1', [alert.id, new Date(fault.openedAt.getTime() + raisedAfterS * 1000)])
    await storage.dealerAlerts.transition(dealerId, alert.id, alertMove(alert.id, 'repaired', { by: 'werkstatt', firstTimeFix }))
    alerts[dealerId] = alert.id
  }
  const engineer = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
  const north = (await storage.apiTokens.create({ name: 'Werkstatt Nord', role: 'dealer', dealerId: 'north' })).token
  const operator = (await storage.apiTokens.create({ name: 'ops', role: 'operator' })).token
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
  t.match(text, /first-time fix \(dealer\)\t0\.0 % \(0 of 1\)/)
  t.match(text, /first-time fix \(verified, 30 d\)\tno cases; 1 pending; 0 disagree with the dealer/, 'repaired just now: its window has only begun')
  t.match(text, /fault → alert at dealer\tmean 30\.0 s, p50 30\.0 s, p90 30\.0 s \(1\)/)
  t.notMatch(text, /OTA success/, 'no fleet-wide lines for one dealer')
  const zoneless = await pitwall('kpis', '--from', '2026-01-01', '--database-url', db.url)
  t.equal(zoneless.code, 1)
  t.match(zoneless.stderr, /"2026-01-01" is not an ISO 8601 time with a zone/, 'a time without a zone is refused, not read in the host\'s zone')
  // ---- per model and week, CSV ----
  const byModel = await get('/api/v1/kpis?groupBy=model', engineer)
  t.same(byModel.body.groupBy, ['model'])
  t.same(byModel.body.groups.map((g: any) => [g.model, g.week, g.firstTimeFix.rate]), [['model-a', null, 1], ['model-b', null, 0]], 'one group per model, in order')
  const both = await get('/api/v1/kpis?groupBy=week,model', engineer)
  t.same(both.body.groupBy, ['model', 'week'], 'the keys in one order whatever the order asked')
  t.ok(both.body.groups.every((g: any) => /^\d{4}-W\d{2}$/.test(g.week) && new Date(g.weekStart).getUTCDay() === 1), 'ISO weeks, starting on a Monday')
  t.same((await get('/api/v1/kpis?groupBy=model', north)).body.groups.map((g: any) => g.model), ['model-a'], "a dealer's groups are of its own alerts only")
  t.match((await get('/api/v1/kpis?groupBy=dealer', engineer)), { status: 400, body: { code: 'PITWALL_ERR_KPI_QUERY', message: 'querystring.groupBy "dealer" is not one of model, week' } })
  t.match((await get('/api/v1/kpis?groupBy=week&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', engineer)),
    { status: 400, body: { code: 'PITWALL_ERR_KPI_QUERY', message: /querystring.groupBy week over 2192.0 days: a period grouped by week spans at most 731 days/ } })
  t.equal((await get('/api/v1/kpis?groupBy=model&dealer=south', north)).status, 403, 'grouping does not open another dealer\'s KPIs')

  const csvOf = async (url: string, token: string): Promise<{ status: number, type: string | undefined, disposition: string | undefined, lines: string[] }> => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, type: res.headers['content-type'] as string | undefined, disposition: res.headers['content-disposition'] as string | undefined, lines: res.body.split('\r\n') }
  }
  const csv = await csvOf('/api/v1/kpis.csv?groupBy=model&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', engineer)
  t.equal(csv.status, 200)
  t.equal(csv.type, 'text/csv; charset=utf-8')
  t.equal(csv.disposition, 'attachment; filename="pitwall-kpis-20260101T0000Z-20270101T0000Z.csv"')
  const header = (csv.lines[0] ?? '').split(',')
  t.same(header.slice(0, 5), ['group', 'dealer', 'model', 'week', 'weekStart'])
  const column = (line: string | undefined, name: string): string | undefined => (line ?? '').split(',')[header.indexOf(name)]
  t.same(csv.lines.slice(1, 3).map((l) => [column(l, 'group'), column(l, 'model'), column(l, 'firstTimeFix.count'), column(l, 'firstTimeFix.hits'), column(l, 'nps.score')]),
    [['all', '', '2', '1', ''], ['model', 'model-a', '1', '1', '']], 'the period first, then each group; no answers, no score')
  t.equal(csv.lines.length, 5, 'a header, the period, two models, and the last line end')
  const dealerCsv = await csvOf('/api/v1/kpis.csv', north)
  t.equal(column(dealerCsv.lines[1], 'dealer'), 'north')
  t.equal(column(dealerCsv.lines[1], 'otaSuccess.count'), '', 'no fleet-wide figures in a dealer\'s file')
  t.match(dealerCsv.disposition, /pitwall-kpis-north-/)
  t.equal((await csvOf('/api/v1/kpis.csv?dealer=south', north)).status, 403)

  const cliCsv = await pitwall('kpis', '--csv', '--by', 'model', '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z', '--database-url', db.url)
  t.equal(cliCsv.stdout, csv.lines.join('\r\n'), 'the CLI writes the file the API serves')
  const byWeek = await pitwall('kpis', '--by', 'week', '--by', 'model', '--database-url', db.url)
  t.match(byWeek.stdout, /\nmodel model-a, \d{4}-W\d{2}\n  fault → alert at dealer\tmean 90\.0 s/)
  const badBy = await pitwall('kpis', '--by', 'vin', '--database-url', db.url)
  t.equal(badBy.code, 1)
  t.match(badBy.stderr, /\[PITWALL_ERR_KPI_QUERY\] --by "vin" is not one of model, week/)

  // ---- survey answers ----
  const put = async (id: number | string, body: unknown, token?: string): Promise<{ status: number, body: any }> => {
    const res = await app.inject({ method: 'PUT', url: `/api/v1/inbox/alerts/${id}/survey`, payload: body as object, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, body: res.json() }
  }
  const northAlert = alerts.north as number
  const southAlert = alerts.south as number
  t.equal((await put(northAlert, { csi: 5, recommend: 9 })).status, 401, 'no token, no answer')
  t.match(await put(southAlert, { csi: 5, recommend: 9 }, north), { status: 404, body: { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: `dealer north has no alert ${southAlert}` } },
    "another dealer's alert does not exist for a dealer")
  t.match(await put(northAlert, { csi: 6 }, north), { status: 400, body: { code: 'PITWALL_ERR_BAD_REQUEST', message: 'body.csi must be <= 5' } })
  t.match(await put(northAlert, { recommend: 7.5 }, north), { status: 400, body: { message: /body.recommend must be integer/ } })
  t.match(await put(northAlert, { score: 5 }, north), { status: 400, body: { message: 'body has an unknown field "score"' } })
  t.match(await put(northAlert, { comment: 'fine' }, north), { status: 400, body: { code: 'PITWALL_ERR_SURVEY_INVALID', message: /give csi \(1-5\), recommend \(0-10\) or both/ } })
  t.match(await put(northAlert, { csi: 4, answeredAt: '2099-01-01T00:00:00Z' }, north), { status: 400, body: { code: 'PITWALL_ERR_SURVEY_INVALID', message: /answeredAt 2099-01-01T00:00:00.000Z is in the future/ } })
  t.match(await put(99_999_999, { csi: 4 }, engineer), { status: 404, body: { message: 'no alert 99999999' } })

  const recorded = await put(northAlert, { csi: 5, recommend: 9, comment: '  Quick and friendly.  ' }, north)
  t.match(recorded, { status: 201, body: { alertId: northAlert, csi: 5, recommend: 9, comment: 'Quick and friendly.', recordedBy: 'Werkstatt Nord' } })
  t.equal((await put(northAlert, { csi: 5, recommend: 9, comment: 'Quick and friendly.' }, north)).status, 200, 'the same answer again: a retry')
  t.match(await put(northAlert, { csi: 2, recommend: 9 }, operator), { status: 409, body: { code: 'PITWALL_ERR_SURVEY_ANSWERED' } }, 'not corrected, by anyone')
  t.match(await get(`/api/v1/inbox/alerts/${northAlert}/survey`, north), { status: 200, body: { csi: 5, recommend: 9 } })
  t.match(await get(`/api/v1/inbox/alerts/${southAlert}/survey`, engineer), { status: 404, body: { code: 'PITWALL_ERR_SURVEY_UNKNOWN' } })
  t.match(await get(`/api/v1/inbox/alerts/${northAlert}/survey`, (await storage.apiTokens.create({ name: 'Süd', role: 'dealer', dealerId: 'south' })).token),
    { status: 404, body: { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN' } }, "another dealer's answer does not exist for south")
  t.equal((await put(southAlert, { recommend: 3 }, operator)).status, 201, 'an operator records any dealer\'s')

  // an alert not repaired yet has had no visit to rate
  const open = await seedFault(storage, { model: 'model-a' })
  const { alerts: [fresh] } = await storage.dealerAlerts.create(open.faultId, 'prestage', [{ dealerId: 'north', routing: { via: 'own', distanceKm: null }, payload: {}, webhook: false }], envelope)
  t.match(await put(fresh?.id as number, { csi: 4 }, north), { status: 409, body: { code: 'PITWALL_ERR_SURVEY_TOO_EARLY', message: /is new: a survey answer is recorded once it is repaired or closed/ } })

  const rated = await get('/api/v1/kpis', engineer)
  t.same([rated.body.csi, rated.body.nps], [{ count: 1, mean: 5 }, { count: 2, promoters: 1, passives: 0, detractors: 1, score: 0 }], 'the answers in the KPIs')
  t.same((await get('/api/v1/kpis', north)).body.nps, { count: 1, promoters: 1, passives: 0, detractors: 0, score: 100 }, 'a dealer\'s NPS from its own customers')
})
