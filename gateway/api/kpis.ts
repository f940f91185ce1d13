/**
 * Service KPIs over HTTP (storage/kpis.ts says how each is computed):
 *
 *   GET /api/v1/kpis?from=&to=&dealer=&groupBy=      engineer, operator: the fleet or one dealer; dealer: its own
 *   GET /api/v1/kpis.csv?…the same…                  the period's row and each group's, as a CSV file
 *
 * from/to are ISO 8601 times with a zone (default: the 30 days up to now).
 * groupBy is model, week or model,week (ISO 8601 weeks in UTC): the
 * period's figures come with each group's. The first-time fix window is the
 * gateway's setting (PITWALL_FTF_WINDOW_DAYS). Whose KPIs: ./dealer-scope.ts
 * (a dealer token always gets its own dealer's; naming another is a 403, an
 * unknown dealer a 404). kpiCsv serves `pitwall kpis --csv` too.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DEFAULT_FTF_WINDOW_DAYS, KPI_GROUP_KEYS, type KpiFigures, type ServiceKpis } from '../../actions/kpis/model.js'
import { kpiGrouping, kpiPeriod } from '../../actions/kpis/policy.js'
import type { DealerStore } from '../../storage/dealers.js'
import type { KpiStore } from '../../storage/kpis.js'
import { requireRole } from './auth.js'
import { csvText, fileStamp, textCell } from './csv.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out, type JsonSchema } from './openapi.js'
import { isoTimeSchema, parseIsoTime } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface KpiRouteDeps {
  kpis: KpiStore
  dealers: Pick<DealerStore, 'get'>
  /** PITWALL_FTF_WINDOW_DAYS; absent: DEFAULT_FTF_WINDOW_DAYS */
  ftfWindowDays?: number | undefined
}

const kpiQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: isoTimeSchema,
    to: isoTimeSchema,
    dealer: { type: 'string', minLength: 1, maxLength: 64 },
    groupBy: { type: 'string', minLength: 1, maxLength: 50, description: 'model, week or model,week: the period\'s figures per group too (weeks: ISO 8601, UTC)' }
  }
}

/** How long something took, in seconds, over `count` cases (null: no case). */
const durationProperties = { count: out.integer, meanS: orNull(out.number), p50S: orNull(out.number), p90S: orNull(out.number) }
const durationKpi = objectOf(durationProperties)
const rateProperties = { count: out.integer, hits: out.integer, rate: orNull(out.number) }
/** `hits` of `count` cases; rate = hits / count (null: no case). */
const rateKpi = objectOf(rateProperties)
const fleetRateKpi = (description: string): JsonSchema => ({ ...orNull(rateKpi), description: `${description}; null for one dealer's KPIs` })
const figureProperties: Record<keyof KpiFigures, JsonSchema> = {
  faultToAlert: { ...objectOf({ ...durationProperties, undelivered: out.integer }), description: 'fault opened → the alert reached the dealer; undelivered: webhooks not delivered yet' },
  alertToPartsStaged: { ...durationKpi, description: 'alert raised → parts staged' },
  firstTimeFix: { ...rateKpi, description: 'repaired alerts the dealer flagged as fixed at the first workshop visit' },
  verifiedFirstTimeFix: {
    ...objectOf({ ...rateProperties, pending: out.integer, disagreements: out.integer, flaggedButReoccurred: out.integer }),
    description: 'repaired alerts whose fault did not come back within ftfWindowDays (hits) of those decided (count); pending: the window has not passed yet; ' +
      'disagreements: decided alerts the dealer flagged otherwise; flaggedButReoccurred: flagged fixed, and the fault came back'
  },
  downtime: { ...durationKpi, description: 'fault opened → repaired' },
  backOnRoad: { ...objectOf({ ...durationProperties, remote: out.integer }), description: 'fault opened → repaired, or cleared after a confirmed remote fix (remote: how many ended so)' },
  repairTime: { ...durationKpi, description: 'appointment booked → repaired' },
  csi: { ...objectOf({ count: out.integer, mean: orNull(out.number) }), description: 'customer satisfaction with the visit, 1-5: mean of count answers' },
  nps: {
    ...objectOf({ count: out.integer, promoters: out.integer, passives: out.integer, detractors: out.integer, score: orNull(out.number) }),
    description: 'likelihood to recommend, 0-10: promoters 9-10, passives 7-8, detractors 0-6; score = 100 × (promoters − detractors) / count'
  },
  fixedRemotely: fleetRateKpi('faults that ended and were fixed remotely'),
  otaSuccess: fleetRateKpi('OTA update commands that finished and succeeded'),
  remoteActionSuccess: fleetRateKpi('remote-action commands that finished and succeeded')
}
const kpiAnswer = objectOf({
  from: out.time,
  to: out.time,
  dealerId: orNull(out.text),
  ftfWindowDays: { ...out.integer, description: 'a fault back within this many days of its repair was not fixed the first time' },
  ...figureProperties,
  groupBy: arrayOf(oneOfTexts(KPI_GROUP_KEYS)),
  groups: arrayOf(objectOf({
    model: { ...orNull(out.text), description: 'null: not grouped by model, or vehicles without one' },
    week: { ...orNull(out.text), description: 'ISO 8601 week, e.g. 2026-W10; null: not grouped by week' },
    weekStart: { ...orNull(out.time), description: 'Monday 00:00 UTC of the week' },
    ...figureProperties
  }))
})

interface KpiQuerystring { from?: string, to?: string, dealer?: string, groupBy?: string }

// ---- CSV ------------------------------------------------------------------------

type Cell = string | number
const num = (v: number | null): Cell => v ?? ''
const durationCells = (name: string, pick: (f: KpiFigures) => { count: number, meanS: number | null, p50S: number | null, p90S: number | null }): Array<[string, (f: KpiFigures) => Cell]> => [
  [`${name}.count`, (f) => pick(f).count], [`${name}.meanS`, (f) => num(pick(f).meanS)], [`${name}.p50S`, (f) => num(pick(f).p50S)], [`${name}.p90S`, (f) => num(pick(f).p90S)]
]
const rateCells = (name: string, pick: (f: KpiFigures) => { count: number, hits: number, rate: number | null } | null): Array<[string, (f: KpiFigures) => Cell]> => [
  [`${name}.count`, (f) => pick(f)?.count ?? ''], [`${name}.hits`, (f) => pick(f)?.hits ?? ''], [`${name}.rate`, (f) => num(pick(f)?.rate ?? null)]
]
/** The figures' columns, named as the JSON nests them (faultToAlert.p50S); a fleet-wide figure of a dealer is empty. */
const FIGURE_COLUMNS: Array<[string, (f: KpiFigures) => Cell]> = [
  ...durationCells('faultToAlert', (f) => f.faultToAlert), ['faultToAlert.undelivered', (f) => f.faultToAlert.undelivered],
  ...durationCells('alertToPartsStaged', (f) => f.alertToPartsStaged),
  ...rateCells('firstTimeFix', (f) => f.firstTimeFix),
  ...rateCells('verifiedFirstTimeFix', (f) => f.verifiedFirstTimeFix),
  ['verifiedFirstTimeFix.pending', (f) => f.verifiedFirstTimeFix.pending], ['verifiedFirstTimeFix.disagreements', (f) => f.verifiedFirstTimeFix.disagreements],
  ['verifiedFirstTimeFix.flaggedButReoccurred', (f) => f.verifiedFirstTimeFix.flaggedButReoccurred],
  ...durationCells('downtime', (f) => f.downtime),
  ...durationCells('backOnRoad', (f) => f.backOnRoad), ['backOnRoad.remote', (f) => f.backOnRoad.remote],
  ...durationCells('repairTime', (f) => f.repairTime),
  ['csi.count', (f) => f.csi.count], ['csi.mean', (f) => num(f.csi.mean)],
  ['nps.count', (f) => f.nps.count], ['nps.promoters', (f) => f.nps.promoters], ['nps.passives', (f) => f.nps.passives],
  ['nps.detractors', (f) => f.nps.detractors], ['nps.score', (f) => num(f.nps.score)],
  ...rateCells('fixedRemotely', (f) => f.fixedRemotely),
  ...rateCells('otaSuccess', (f) => f.otaSuccess),
  ...rateCells('remoteActionSuccess', (f) => f.remoteActionSuccess)
]

/**
 * The KPIs as CSV: the period's row first (group "all"), then one per group;
 * model and week empty where not grouped by them.
 */
export function kpiCsv (k: ServiceKpis): string {
  const row = (group: string, model: string | null, week: string | null, weekStart: Date | null, f: KpiFigures): Cell[] =>
    [group, textCell(k.dealerId), textCell(model), textCell(week), weekStart?.toISOString() ?? '', ...FIGURE_COLUMNS.map(([, cell]) => cell(f))]
  return csvText(['group', 'dealer', 'model', 'week', 'weekStart', ...FIGURE_COLUMNS.map(([name]) => name)], [
    row('all', null, null, null, k),
    ...k.groups.map((g) => row(k.groupBy.join('+'), g.model, g.week, g.weekStart, g))
  ])
}

/** pitwall-kpis-20260301T0000Z-20260401T0000Z.csv, with the dealer when one is asked for */
export function kpiCsvName (k: ServiceKpis): string {
  return `pitwall-kpis-${k.dealerId === null ? '' : `${k.dealerId}-`}${fileStamp(k.from)}-${fileStamp(k.to)}.csv`
}

export function registerKpiRoutes (app: FastifyInstance, deps: KpiRouteDeps): void {
  const readers = [requireRole('engineer', 'operator', 'dealer'), ownDealerOnly('KPIs')]
  const kpisOf = async (request: FastifyRequest<{ Querystring: KpiQuerystring }>): Promise<ServiceKpis> => {
    const { query } = request
    const to = query.to === undefined ? undefined : parseIsoTime(query.to, 'querystring.to')
    const from = query.from === undefined ? undefined : parseIsoTime(query.from, 'querystring.from')
    const period = kpiPeriod({ from, to })
    const groupBy = query.groupBy === undefined ? [] : kpiGrouping(query.groupBy.split(',').map((k) => k.trim()), period, 'querystring.groupBy')
    const dealerId = await dealerOf(request, query.dealer, deps.dealers) ?? undefined
    return await deps.kpis.serviceKpis({ ...period, dealerId, groupBy, ftfWindowDays: deps.ftfWindowDays ?? DEFAULT_FTF_WINDOW_DAYS })
  }

  registerApiScope(app, 'KPI', (scope) => {
    scope.get<{ Querystring: KpiQuerystring }>('/api/v1/kpis',
      { preValidation: readers, schema: { summary: 'Service KPIs of the fleet or one dealer, overall and per model and/or week', tags: ['KPIs'], querystring: kpiQuery, response: { 200: kpiAnswer, ...errorResponses(404) } } },
      async (request) => await kpisOf(request))

    scope.get<{ Querystring: KpiQuerystring }>('/api/v1/kpis.csv', {
      preValidation: readers,
      schema: {
        summary: 'Service KPIs as a CSV file: the period\'s row, then one per group',
        tags: ['KPIs'],
        querystring: kpiQuery,
        response: { 200: { description: 'RFC 4180 CSV with a header row; columns named as the JSON nests the figures (faultToAlert.p50S)', content: { 'text/csv': { schema: out.text } } }, ...errorResponses(404) }
      }
    }, async (request, reply) => {
      const k = await kpisOf(request)
      return await reply.type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${kpiCsvName(k)}"`)
        .send(kpiCsv(k))
    })
  })
}
