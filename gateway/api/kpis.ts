/**
 * Service KPIs over HTTP (storage/kpis.ts says how each is computed):
 *
 *   GET /api/v1/kpis?from=&to=&dealer=   engineer, operator: the fleet or one dealer; dealer: its own
 *
 * from/to are ISO 8601 times with a zone (default: the 30 days up to now).
 * Whose KPIs: ./dealer-scope.ts (a dealer token always gets its own
 * dealer's; naming another is a 403, an unknown dealer a 404).
 */
import type { FastifyInstance } from 'fastify'
import type { DealerStore } from '../../storage/dealers.js'
import { kpiPeriod } from '../../actions/kpis/policy.js'
import type { KpiStore } from '../../storage/kpis.js'
import { requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { errorResponses, objectOf, orNull, out, type JsonSchema } from './openapi.js'
import { isoTimeSchema, parseIsoTime } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface KpiRouteDeps {
  kpis: KpiStore
  dealers: Pick<DealerStore, 'get'>
}

const kpiQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: isoTimeSchema,
    to: isoTimeSchema,
    dealer: { type: 'string', minLength: 1, maxLength: 64 }
  }
}

/** How long something took, in seconds, over `count` cases (null: no case). */
const durationProperties = { count: out.integer, meanS: orNull(out.number), p50S: orNull(out.number), p90S: orNull(out.number) }
const durationKpi = objectOf(durationProperties)
/** `hits` of `count` cases; rate = hits / count (null: no case). */
const rateKpi = objectOf({ count: out.integer, hits: out.integer, rate: orNull(out.number) })
const fleetRateKpi = (description: string): JsonSchema => ({ ...orNull(rateKpi), description: `${description}; null for one dealer's KPIs` })
const kpiAnswer = objectOf({
  from: out.time,
  to: out.time,
  dealerId: orNull(out.text),
  faultToAlert: { ...objectOf({ ...durationProperties, undelivered: out.integer }), description: 'fault opened → the alert reached the dealer; undelivered: webhooks not delivered yet' },
  alertToPartsStaged: { ...durationKpi, description: 'alert raised → parts staged' },
  firstTimeFix: { ...rateKpi, description: 'repaired alerts fixed at the first workshop visit' },
  downtime: { ...durationKpi, description: 'fault opened → repaired' },
  repairTime: { ...durationKpi, description: 'appointment booked → repaired' },
  fixedRemotely: fleetRateKpi('faults that ended and were fixed remotely'),
  otaSuccess: fleetRateKpi('OTA update commands that finished and succeeded'),
  remoteActionSuccess: fleetRateKpi('remote-action commands that finished and succeeded')
})

export function registerKpiRoutes (app: FastifyInstance, deps: KpiRouteDeps): void {
  registerApiScope(app, 'KPI', (scope) => {
    scope.get<{ Querystring: { from?: string, to?: string, dealer?: string } }>('/api/v1/kpis',
      { preValidation: [requireRole('engineer', 'operator', 'dealer'), ownDealerOnly('KPIs')], schema: { summary: 'Service KPIs of the fleet or one dealer', tags: ['KPIs'], querystring: kpiQuery, response: { 200: kpiAnswer, ...errorResponses(404) } } },
      async (request) => {
        const { query } = request
        const to = query.to === undefined ? undefined : parseIsoTime(query.to, 'querystring.to')
        const from = query.from === undefined ? undefined : parseIsoTime(query.from, 'querystring.from')
        const dealerId = await dealerOf(request, query.dealer, deps.dealers) ?? undefined
        return await deps.kpis.serviceKpis({ ...kpiPeriod({ from, to }), dealerId })
      })
  })
}
