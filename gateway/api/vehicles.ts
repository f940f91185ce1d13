/**
 * The registered vehicles over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   GET /api/v1/vehicles?q=&model=&firmware=&fault=open|none&online=true|false&dealer=&limit=&after=
 *       engineer, operator: every vehicle, or one dealer's; dealer: the vehicles it looks after (its
 *       own customers). A page by VIN: { vehicles, total, nextAfter }, `total` counting every vehicle
 *       the filters match and `nextAfter` the `after` of the next page (null: the last one).
 *       q: a substring of the VIN or model, any case; fault: with a fault open or acknowledged, or
 *       without; online: connected to a gateway node now; limit: default 100, at most 1000.
 *
 * Each with model, firmware (as last reported), brand, own dealer, when it
 * was last seen, its decoder manifest, whether it is online and how many
 * faults it has open: what an engineer needs to pick a campaign's cohort or
 * a command's VIN, and the console's fleet list. A vehicle's telemetry is in
 * ./telemetry.ts; its own dealer and services are with the dealer routes
 * (./dealers.ts, ./inbox.ts).
 */
import type { FastifyInstance } from 'fastify'
import type { DealerStore } from '../../storage/dealers.js'
import type { VehicleStore } from '../../storage/vehicles.js'
import { requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { arrayOf, objectOf, orNull, out } from './openapi.js'
import { vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

const filterText = { type: 'string', minLength: 1, maxLength: 100 }
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dealer: { type: 'string', minLength: 1, maxLength: 64 },
    q: filterText,
    model: filterText,
    firmware: filterText,
    fault: { enum: ['open', 'none'] },
    online: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
    after: vinSchema
  }
}

const vehicleSchema = objectOf({
  vin: out.text,
  model: orNull(out.text),
  firmware: orNull(out.text),
  brand: orNull(out.text),
  dealerId: orNull(out.text),
  lastSeenAt: orNull(out.time),
  manifest: orNull(objectOf({ id: out.integer, version: out.integer })),
  online: out.boolean,
  openFaults: out.integer
})
const pageAnswer = objectOf({ vehicles: arrayOf(vehicleSchema), total: out.integer, nextAfter: orNull(out.text) })

interface ListQuery {
  dealer?: string
  q?: string
  model?: string
  firmware?: string
  fault?: 'open' | 'none'
  online?: boolean
  limit?: number
  after?: string
}

export function registerVehicleRoutes (app: FastifyInstance, deps: { vehicles: Pick<VehicleStore, 'page'>, dealers: Pick<DealerStore, 'get'> }): void {
  registerApiScope(app, 'vehicle', (scope) => {
    scope.get<{ Querystring: ListQuery }>('/api/v1/vehicles', {
      preValidation: [requireRole('engineer', 'operator', 'dealer'), ownDealerOnly('vehicles')],
      schema: { summary: 'The fleet, a page at a time', tags: ['vehicles'], querystring: listQuery, response: { 200: pageAnswer } }
    }, async (request) => {
      const { q, model, firmware, fault, online, limit, after } = request.query
      const dealerId = await dealerOf(request, request.query.dealer, deps.dealers)
      return await deps.vehicles.page({
        dealerId: dealerId ?? undefined,
        q,
        model,
        firmware,
        fault,
        online,
        limit: limit ?? DEFAULT_LIMIT,
        after: after === undefined ? undefined : vinOf(after, 'querystring.after')
      })
    })
  })
}
