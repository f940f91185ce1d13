/**
 * Rescue requests over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   GET  /api/v1/rescue-requests?state=&vin=&dealer=&before=&limit=  newest first; a dealer: the ones offered to it
 *   POST /api/v1/rescue-requests                  engineer, operator (the call centre): {vin, lat, lon, description, contactPhone}
 *   GET  /api/v1/rescue-requests/:id              the rescue, the dealers it was offered to, its timeline
 *   POST /api/v1/rescue-requests/:id/transitions  {to, eta?, towedTo?, outcome?, reason?, note?}
 *
 * The call centre is whoever holds an operator token (the people who run
 * the service: dealers, tokens) or an engineer token (an engineer watching a
 * fault may call help for the driver); it makes and cancels rescues. Every
 * other move is the dealer's: accepted (the first dealer to accept wins, the
 * others get 409 PITWALL_ERR_RESCUE_TAKEN and their copies close), then
 * dispatched (with an eta), on_site, towed (to a dealer, its own by
 * default) and closed (with an outcome), forward only.
 *
 * Whose: a dealer reads and moves only the rescues offered to it (another
 * rescue answers 404), and until it accepts one it sees where and what, not
 * the driver's phone nor another dealer's work (actions/rescue/policy.ts
 * dealerView). Roles are checked in preValidation, before the request's
 * shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { PAGE_DEFAULT, PAGE_MAX, RESCUE_OUTCOMES, RESCUE_SOURCES, RESCUE_STATES, type RescueRequest } from '../../actions/rescue/model.js'
import { dealerTimeline, dealerView, type RescueActor } from '../../actions/rescue/policy.js'
import { RescueService } from '../../actions/rescue/service.js'
import type { DealerStore } from '../../storage/dealers.js'
import type { RescueRequestStore } from '../../storage/rescue-requests.js'
import { principalOf, requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out, type JsonSchema } from './openapi.js'
import { bigintIdParams, isoTimeSchema, listOf, MAX_ID, parseIsoTime, vinOf, vinSchema } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface RescueRouteDeps {
  rescueRequests: RescueRequestStore
  dealers: Pick<DealerStore, 'get' | 'list'>
  /** PITWALL_RESCUE_RADIUS_KM; absent: the default */
  rescueRadiusKm?: number | undefined
}

const dealerParam = { type: 'string', minLength: 1, maxLength: 64 }
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dealer: dealerParam,
    state: { type: 'string', minLength: 1, maxLength: 200 },
    vin: vinSchema,
    before: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint },
    limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX }
  }
}
const createBody = {
  type: 'object',
  required: ['vin', 'lat', 'lon', 'description', 'contactPhone'],
  additionalProperties: false,
  properties: {
    vin: vinSchema,
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
    description: { type: 'string', minLength: 1, maxLength: 2000 },
    contactPhone: { type: 'string', minLength: 1, maxLength: 32 }
  }
}
const transitionBody = {
  type: 'object',
  required: ['to'],
  additionalProperties: false,
  properties: {
    // the state and which fields go with it are checked by the policy (rescueMove), whose messages list them
    to: { type: 'string', minLength: 1, maxLength: 40 },
    eta: isoTimeSchema,
    towedTo: dealerParam,
    outcome: { type: 'string', minLength: 1, maxLength: 40 },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
    note: { type: 'string', minLength: 1, maxLength: 2000 }
  }
}

const rescueProperties: Record<string, JsonSchema> = {
  id: out.integer,
  source: { ...oneOfTexts(RESCUE_SOURCES), description: 'fault: a critical fault on a standing vehicle raised it; call_centre: made over the API or the CLI' },
  faultId: orNull(out.integer),
  vehicleId: out.integer,
  vin: out.text,
  lat: out.number,
  lon: out.number,
  description: out.text,
  contactPhone: { ...orNull(out.text), description: 'the driver\'s phone: shown to the call centre and to the dealer that accepted only' },
  state: oneOfTexts(RESCUE_STATES),
  requestedAt: out.time,
  requestedBy: out.text,
  acceptedDealerId: orNull(out.text),
  acceptedAt: orNull(out.time),
  dispatchedAt: orNull(out.time),
  eta: { ...orNull(out.time), description: 'when the dispatched help expects to be on site' },
  onSiteAt: orNull(out.time),
  towedAt: orNull(out.time),
  towedToDealerId: orNull(out.text),
  closedAt: orNull(out.time),
  outcome: orNull(oneOfTexts(RESCUE_OUTCOMES)),
  cancelledAt: orNull(out.time),
  cancelReason: orNull(out.text),
  updatedAt: out.time
}
const offerSchema = objectOf({
  alertId: { ...out.integer, description: 'the dealer\'s copy: its inbox alert' },
  dealerId: out.text,
  distanceKm: orNull(out.number),
  alertStatus: out.text
})
const rescueAnswer = objectOf({
  ...rescueProperties,
  offers: { ...arrayOf(offerSchema), description: 'the dealers it was offered to, nearest first (a dealer: its own copy only)' },
  timeline: arrayOf(objectOf({ time: out.time, state: oneOfTexts(RESCUE_STATES), dealerId: orNull(out.text), by: out.text, detail: orNull(out.json) }))
})
const listAnswer = objectOf({
  rescues: arrayOf(objectOf({ ...rescueProperties, offer: { ...orNull(offerSchema), description: 'the listing dealer\'s own copy; null for the call centre' } })),
  nextBefore: { ...orNull(out.integer), description: 'a full page may have more: ask again with before=nextBefore' }
})

interface TransitionBody { to: string, eta?: string, towedTo?: string, outcome?: string, reason?: string, note?: string }
interface CreateBody { vin: string, lat: number, lon: number, description: string, contactPhone: string }

export function registerRescueRoutes (app: FastifyInstance, deps: RescueRouteDeps): void {
  const { rescueRequests, dealers } = deps
  const service = new RescueService({ rescues: rescueRequests, dealers, log: app.log, rescueRadiusKm: deps.rescueRadiusKm })
  const anyRole = requireRole('engineer', 'operator', 'dealer')
  const callCentre = requireRole('engineer', 'operator')

  /** The rescue as the caller may see it, with its copies and timeline. */
  async function answer (request: FastifyRequest, rescue: RescueRequest): Promise<object> {
    const caller = principalOf(request)
    const [offers, timeline] = await Promise.all([rescueRequests.offers(rescue.id), rescueRequests.timeline(rescue.id)])
    if (caller.role !== 'dealer') return { ...rescue, offers, timeline }
    const dealerId = caller.dealerId as string
    return { ...dealerView(rescue, dealerId), offers: offers.filter((o) => o.dealerId === dealerId), timeline: dealerTimeline(timeline, dealerId) }
  }

  registerApiScope(app, 'rescue', (scope) => {
    scope.get<{ Querystring: { dealer?: string, state?: string, vin?: string, before?: number, limit?: number } }>('/api/v1/rescue-requests',
      { preValidation: [anyRole, ownDealerOnly('rescue requests')], schema: { summary: 'Rescue requests, newest first (a dealer: those offered to it)', tags: ['rescue'], querystring: listQuery, response: { 200: listAnswer, ...errorResponses(404) } } },
      async (request) => {
        const { state, vin, before, limit = PAGE_DEFAULT } = request.query
        const dealerId = await dealerOf(request, request.query.dealer, dealers)
        const rescues = await rescueRequests.list({
          dealerId: dealerId ?? undefined,
          state: state === undefined ? undefined : listOf(state, RESCUE_STATES, 'querystring.state'),
          vin: vin === undefined ? undefined : vinOf(vin, 'querystring.vin'),
          beforeId: before,
          limit
        })
        const caller = principalOf(request)
        return {
          rescues: caller.role === 'dealer' ? rescues.map((r) => ({ ...dealerView(r, caller.dealerId as string), offer: r.offer })) : rescues,
          nextBefore: rescues.length === limit ? rescues[rescues.length - 1]?.id ?? null : null
        }
      })

    scope.post<{ Body: CreateBody }>('/api/v1/rescue-requests',
      { preValidation: callCentre, schema: { summary: 'A call centre\'s rescue request for a stranded vehicle, routed to the dealers in range', tags: ['rescue'], body: createBody, response: { 201: rescueAnswer, ...errorResponses(404, 409) } } },
      async (request, reply) => {
        const { vin, ...rest } = request.body
        const { rescue } = await service.create({ ...rest, vin: vinOf(vin, 'body.vin') }, principalOf(request).name)
        return await reply.code(201).send(await answer(request, rescue))
      })

    scope.get<{ Params: { id: number } }>('/api/v1/rescue-requests/:id',
      { preValidation: anyRole, schema: { summary: 'A rescue request with the dealers it was offered to and its timeline', tags: ['rescue'], params: bigintIdParams, response: { 200: rescueAnswer } } },
      async (request) => {
        const caller = principalOf(request)
        return await answer(request, await rescueRequests.get(request.params.id, caller.role === 'dealer' ? caller.dealerId as string : undefined))
      })

    scope.post<{ Params: { id: number }, Body: TransitionBody }>('/api/v1/rescue-requests/:id/transitions',
      { preValidation: anyRole, schema: { summary: 'Move a rescue request (dealer: accepted, dispatched, on_site, towed, closed; call centre: cancelled)', tags: ['rescue'], params: bigintIdParams, body: transitionBody, response: { 200: rescueAnswer, ...errorResponses(409) } } },
      async (request) => {
        const caller = principalOf(request)
        const { to, eta, ...rest } = request.body
        const actor: RescueActor = { dealerId: caller.role === 'dealer' ? caller.dealerId as string : null, name: caller.name }
        const moved = await service.move(request.params.id, to, { ...rest, eta: eta === undefined ? undefined : parseIsoTime(eta, 'body.eta') }, actor)
        return await answer(request, moved)
      })
  })
}
