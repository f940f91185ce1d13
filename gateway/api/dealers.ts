/**
 * The dealer registry and the webhook dead letters over HTTP (needs
 * registerApiAuth, see ./auth.ts):
 *
 *   GET   /api/v1/dealers?active=                     engineer, operator
 *   POST  /api/v1/dealers                             operator: register (201; the webhook secret, if any, only here)
 *   GET   /api/v1/dealers/me                          dealer: its own entry
 *   GET   /api/v1/dealers/:id                         engineer, operator
 *   PATCH /api/v1/dealers/:id                         operator: change fields (a secret set or generated is shown only here)
 *   POST  /api/v1/dealers/:id/activate|deactivate     operator: in or out of alert routing
 *   POST  /api/v1/dealers/:id/webhook-secret          operator: a new secret at once, shown only in this response
 *   PUT   /api/v1/vehicles/:vin/dealer                operator: {dealerId} the vehicle's own dealer, null for none
 *   GET   /api/v1/webhooks/dead-letters?dealer=&limit= engineer, operator: deliveries that gave up, newest first
 *   POST  /api/v1/webhooks/dead-letters/:id/retry     operator: back in the queue with the same idempotency key
 *
 * No response carries a stored webhook secret: the registry reads back only
 * whether one is set (hasSecret). A dealer token reads its own entry and
 * nothing else here; the dealer id "me" is therefore reachable only through
 * the CLI (`pitwall dealers show me`). Roles are checked before the
 * request's shape (preValidation), as in ./inbox.ts. A webhook URL that is
 * set is checked against the address rule (no plain http, nothing that is or
 * resolves to a non-public address, unless PITWALL_WEBHOOK_ALLOW lists it):
 * 400 PITWALL_ERR_WEBHOOK_ADDRESS naming the URL and why.
 */
import type { FastifyInstance } from 'fastify'
import { PAGE_MAX, type DealerChange, type DealerInput } from '../../actions/dealer-alerts/model.js'
import { checkNewDealer, dealerUpdate } from '../../actions/dealer-alerts/policy.js'
import { WebhookAddressRule } from '../../actions/dealer-alerts/webhook-address.js'
import type { DealerAlertStore } from '../../storage/dealer-alerts.js'
import type { DealerStore } from '../../storage/dealers.js'
import type { VehicleStore } from '../../storage/vehicles.js'
import { principalOf, requireRole } from './auth.js'
import { deliveryState, deliveryStateSchema } from './inbox.js'
import { arrayOf, errorResponses, objectOf, orNull, out } from './openapi.js'
import { bigintIdParams, vinOf, vinParams } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface DealerRouteDeps {
  dealers: DealerStore
  dealerAlerts: Pick<DealerAlertStore, 'deadLetters' | 'retryDeadLetter'>
  vehicles: Pick<VehicleStore, 'assignDealer'>
  /** where webhooks may point (the gateway's PITWALL_WEBHOOK_ALLOW); default: https to public addresses only */
  webhookAddresses?: WebhookAddressRule
}

// Shapes only: the policy (checkDealer) checks the content (id syntax, coordinates, URL, secret length) and names every problem.
const fields = {
  name: { type: 'string', maxLength: 200 },
  lat: { type: 'number' },
  lon: { type: 'number' },
  brands: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 64 } },
  webhookUrl: { type: ['string', 'null'], maxLength: 2000 },
  webhookSecret: { type: 'string', maxLength: 200 }
}
const addBody = {
  type: 'object',
  required: ['id', 'name', 'lat', 'lon'],
  additionalProperties: false,
  properties: { id: { type: 'string', maxLength: 64 }, ...fields }
}
const changeBody = { type: 'object', minProperties: 1, additionalProperties: false, properties: fields }
const dealerParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } }
const listQuery = { type: 'object', additionalProperties: false, properties: { active: { type: 'boolean' } } }
const assignBody = {
  type: 'object',
  required: ['dealerId'],
  additionalProperties: false,
  properties: { dealerId: { type: ['string', 'null'], minLength: 1, maxLength: 64 } }
}
const deadLetterQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { dealer: { type: 'string', minLength: 1, maxLength: 64 }, limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX } }
}

/** A registered dealer; the webhook secret itself is never answered, only whether one is set. */
export const dealerSchema = objectOf({
  id: out.text,
  name: out.text,
  lat: out.number,
  lon: out.number,
  brands: { ...out.texts, description: 'brands serviced; empty: every brand' },
  webhookUrl: orNull(out.text),
  hasSecret: out.boolean,
  active: { ...out.boolean, description: 'in alert routing' },
  createdAt: out.time,
  updatedAt: out.time
})
/** A dealer as registered or changed, with the secret this request set or generated (shown only here). */
const dealerWithSecret = objectOf({ dealer: dealerSchema, webhookSecret: { ...orNull(out.text), description: 'the secret this request set or generated, shown only now; null when it set none' } })
const tags = ['dealers']

export function registerDealerRoutes (app: FastifyInstance, deps: DealerRouteDeps): void {
  const { dealers, dealerAlerts, vehicles } = deps
  const webhookAddresses = deps.webhookAddresses ?? new WebhookAddressRule()
  const readers = requireRole('engineer', 'operator')
  const operators = requireRole('operator')

  registerApiScope(app, 'dealer', (scope) => {
    scope.get<{ Querystring: { active?: boolean } }>('/api/v1/dealers',
      { preValidation: readers, schema: { summary: 'List dealers', tags, querystring: listQuery, response: { 200: objectOf({ dealers: arrayOf(dealerSchema) }) } } },
      async (request) => ({ dealers: await dealers.list({ active: request.query.active }) }))

    scope.post<{ Body: DealerInput }>('/api/v1/dealers',
      { preValidation: operators, schema: { summary: 'Register a dealer', tags, body: addBody, response: { 201: dealerWithSecret, ...errorResponses(409) } } },
      async (request, reply) => {
        const dealer = checkNewDealer(request.body)
        if (typeof dealer.webhookUrl === 'string') await webhookAddresses.check(dealer.webhookUrl, `dealer ${dealer.id}`)
        return await reply.code(201).send(await dealers.add(dealer))
      })

    scope.get('/api/v1/dealers/me',
      { preValidation: requireRole('dealer'), schema: { summary: 'The calling dealer\'s own entry', tags, response: { 200: dealerSchema } } },
      async (request) => await dealers.get(principalOf(request).dealerId as string))

    scope.get<{ Params: { id: string } }>('/api/v1/dealers/:id',
      { preValidation: readers, schema: { summary: 'A dealer', tags, params: dealerParams, response: { 200: dealerSchema } } },
      async (request) => await dealers.get(request.params.id))

    scope.patch<{ Params: { id: string }, Body: DealerChange }>('/api/v1/dealers/:id',
      { preValidation: operators, schema: { summary: 'Change a dealer\'s fields', tags, params: dealerParams, body: changeBody, response: { 200: dealerWithSecret } } },
      async (request) => {
        const update = dealerUpdate(request.params.id, request.body)
        if (typeof update.webhookUrl === 'string') await webhookAddresses.check(update.webhookUrl, `dealer ${request.params.id}`)
        return await dealers.update(request.params.id, update)
      })

    for (const verb of ['activate', 'deactivate'] as const) {
      scope.post<{ Params: { id: string } }>(`/api/v1/dealers/:id/${verb}`,
        { preValidation: operators, schema: { summary: verb === 'activate' ? 'Put a dealer in alert routing' : 'Take a dealer out of alert routing', tags, params: dealerParams, response: { 200: dealerSchema } } },
        async (request) => verb === 'activate' ? await dealers.activate(request.params.id) : await dealers.deactivate(request.params.id))
    }

    scope.post<{ Params: { id: string } }>('/api/v1/dealers/:id/webhook-secret',
      { preValidation: operators, schema: { summary: 'Give a dealer a new webhook secret, shown only in this answer', tags, params: dealerParams, response: { 200: objectOf({ dealerId: out.text, webhookSecret: out.text }) } } },
      async (request) => ({ dealerId: request.params.id, webhookSecret: await dealers.rotateWebhookSecret(request.params.id) }))

    scope.put<{ Params: { vin: string }, Body: { dealerId: string | null } }>('/api/v1/vehicles/:vin/dealer',
      { preValidation: operators, schema: { summary: 'Set a vehicle\'s own dealer (null: none)', tags, params: vinParams, body: assignBody, response: { 200: objectOf({ vin: out.text, dealerId: orNull(out.text) }) } } },
      async (request) => {
        const vin = vinOf(request.params.vin, 'params.vin')
        await vehicles.assignDealer(vin, request.body.dealerId)
        return { vin, dealerId: request.body.dealerId }
      })

    scope.get<{ Querystring: { dealer?: string, limit?: number } }>('/api/v1/webhooks/dead-letters',
      { preValidation: readers, schema: { summary: 'Webhook deliveries that gave up, newest first', tags, querystring: deadLetterQuery, response: { 200: objectOf({ deadLetters: arrayOf(deliveryStateSchema) }), ...errorResponses(404) } } },
      async (request) => {
        const { dealer, limit } = request.query
        // a misspelt dealer must not look like one without dead letters
        if (dealer !== undefined) await dealers.get(dealer)
        const deadLetters = await dealerAlerts.deadLetters({ dealerId: dealer, limit })
        return { deadLetters: deadLetters.map(deliveryState) }
      })

    scope.post<{ Params: { id: number } }>('/api/v1/webhooks/dead-letters/:id/retry',
      { preValidation: operators, schema: { summary: 'Queue a dead letter again, with the same idempotency key', tags, params: bigintIdParams, response: { 200: deliveryStateSchema, ...errorResponses(409) } } },
      async (request) => deliveryState(await dealerAlerts.retryDeadLetter(request.params.id)))
  })
}
