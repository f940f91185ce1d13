/**
 * The registered vehicles over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   GET /api/v1/vehicles?dealer=   engineer, operator: every vehicle, or one dealer's;
 *                                  dealer: the vehicles it looks after (its own customers)
 *
 * Each with model, firmware (as last reported), brand, own dealer and when
 * it was last seen: what an engineer needs to pick a campaign's cohort or a
 * command's VIN. A vehicle's own routes (its dealer, its services) are with
 * the dealer routes (./dealers.ts, ./inbox.ts).
 */
import type { FastifyInstance } from 'fastify'
import type { DealerStore } from '../../storage/dealers.js'
import type { VehicleStore } from '../../storage/vehicles.js'
import { requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { registerApiScope } from './scope.js'

const listQuery = { type: 'object', additionalProperties: false, properties: { dealer: { type: 'string', minLength: 1, maxLength: 64 } } }

export function registerVehicleRoutes (app: FastifyInstance, deps: { vehicles: Pick<VehicleStore, 'list'>, dealers: Pick<DealerStore, 'get'> }): void {
  registerApiScope(app, 'vehicle', (scope) => {
    scope.get<{ Querystring: { dealer?: string } }>('/api/v1/vehicles',
      { preValidation: [requireRole('engineer', 'operator', 'dealer'), ownDealerOnly('vehicles')], schema: { querystring: listQuery } },
      async (request) => {
        const dealerId = await dealerOf(request, request.query.dealer, deps.dealers)
        return { vehicles: await deps.vehicles.list({ dealerId: dealerId ?? undefined }) }
      })
  })
}
