/**
 * Service KPIs over HTTP (storage/kpis.ts says how each is computed):
 *
 *   GET /api/v1/kpis?from=&to=&dealer=   engineer, operator: the fleet or one dealer; dealer: its own
 *
 * from/to are ISO 8601 times (default: the 30 days up to now). A dealer token
 * always gets its own dealer's KPIs; naming another dealer is refused.
 */
import type { FastifyInstance } from 'fastify'
import { DEFAULT_KPI_WINDOW_MS, type KpiStore } from '../../storage/kpis.js'
import { principalOf, requireRole, sendApiError } from './auth.js'
import { registerApiScope } from './scope.js'

const kpiQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', minLength: 1, maxLength: 64 },
    to: { type: 'string', minLength: 1, maxLength: 64 },
    dealer: { type: 'string', minLength: 1, maxLength: 64 }
  }
}

export function registerKpiRoutes (app: FastifyInstance, deps: { kpis: KpiStore }): void {
  registerApiScope(app, 'KPI', (scope) => {
    scope.get<{ Querystring: { from?: string, to?: string, dealer?: string } }>('/api/v1/kpis',
      { preValidation: requireRole('engineer', 'operator', 'dealer'), schema: { querystring: kpiQuery } },
      async (request, reply) => {
        const caller = principalOf(request)
        const { query } = request
        if (caller.role === 'dealer' && query.dealer !== undefined && query.dealer !== caller.dealerId) {
          return await sendApiError(reply, 403, 'PITWALL_ERR_FORBIDDEN', `a dealer token sees its own dealer's KPIs only (${String(caller.dealerId)}), not ${query.dealer}'s`)
        }
        const to = query.to === undefined ? new Date() : new Date(query.to)
        const from = query.from === undefined ? new Date(to.getTime() - DEFAULT_KPI_WINDOW_MS) : new Date(query.from)
        for (const [name, value] of [['from', from], ['to', to]] as const) {
          if (Number.isNaN(value.getTime())) return await sendApiError(reply, 400, 'PITWALL_ERR_BAD_REQUEST', `querystring.${name} ${JSON.stringify(query[name])} is not an ISO 8601 time`)
        }
        const dealerId = caller.role === 'dealer' ? caller.dealerId ?? undefined : query.dealer
        return await deps.kpis.serviceKpis({ from, to, dealerId })
      })
  })
}
