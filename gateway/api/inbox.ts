/**
 * The dealer inbox over HTTP (needs registerApiAuth, see ./auth.ts): the
 * alerts faults raised for a dealer and the service reminders of its
 * vehicles, as the dealer's web console and its integrations read and work
 * them.
 *
 *   GET  /api/v1/inbox/alerts?status=&kind=&before=&limit=  newest first; `before` pages by id (nextBefore)
 *   GET  /api/v1/inbox/alerts/:id                           the alert, its timeline (with the updates of its fault
 *                                                           it was told: `update` set) and its webhook deliveries
 *   POST /api/v1/inbox/alerts/:id/transitions               dealer: {to, firstTimeFix?, note?}, forward only
 *   GET  /api/v1/inbox/reminders?state=&limit=              service reminders, newest first
 *   POST /api/v1/inbox/reminders/:id/dismiss                the dealer will not act on it
 *   POST /api/v1/vehicles/:vin/services                     record a service: {covers, description?, time?, odometerKm?, engineHours?}
 *
 * Whose inbox: a dealer token reads and works only its own dealer's (naming
 * another in ?dealer= is a 403); another dealer's alert, reminder or
 * vehicle answers 404 as if it did not exist, so ids do not leak. Engineer
 * and operator tokens read any dealer's inbox by naming it in ?dealer=
 * (required for alerts); they do not move alerts, which is the workshop's
 * account of its own work.
 *
 * Alerts belong to the dealer they were routed to. Reminders belong to the
 * vehicle's own dealer (vehicles.dealer_id) at the time of asking, so they
 * follow the vehicle when it is assigned to another dealer. A vehicle
 * without an own dealer has its reminders in no dealer's inbox: engineers
 * and operators see them (GET /api/v1/inbox/reminders without ?dealer=
 * lists every vehicle's), dismiss them and record its services.
 *
 * Roles are checked in preValidation, before the request's shape: a caller
 * without a fitting token gets its 401 or 403 whatever it sent.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DEALER_ALERT_KINDS, DEALER_ALERT_STATUSES, DELIVERY_STATES, PAGE_DEFAULT, PAGE_MAX, type WebhookDelivery } from '../../actions/dealer-alerts/model.js'
import { ALERT_UPDATES } from '../../actions/dealer-notices/model.js'
import { alertMove } from '../../actions/dealer-alerts/policy.js'
import { refuseRescueCopy } from '../../actions/rescue/policy.js'
import type { DealerAlertStore } from '../../storage/dealer-alerts.js'
import type { DealerStore } from '../../storage/dealers.js'
import { DISMISS, REMINDER_STATES } from '../../rules/service-reminders/model.js'
import type { ServiceReminderStore } from '../../storage/service-reminders.js'
import { principalOf, requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { badRequest, bigintIdParams, isoTimeSchema, listOf, MAX_ID, oneOf, parseIsoTime, vinOf, vinParams } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface InboxRouteDeps {
  dealerAlerts: DealerAlertStore
  serviceReminders: ServiceReminderStore
  dealers: Pick<DealerStore, 'get'>
}

const MAX_PAGE = 500
/** a service recorded "now" by a workshop whose clock runs a little ahead is not refused */
const CLOCK_SKEW_MS = 5 * 60_000

const dealerParam = { type: 'string', minLength: 1, maxLength: 64 }
const alertListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dealer: dealerParam,
    status: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string' },
    before: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint },
    limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX }
  }
}
const dealerQuery = { type: 'object', additionalProperties: false, properties: { dealer: dealerParam } }
const transitionBody = {
  type: 'object',
  required: ['to'],
  additionalProperties: false,
  properties: {
    // the status is checked by the policy (alertMove), whose message lists the statuses in order
    to: { type: 'string' },
    firstTimeFix: { type: 'boolean' },
    note: { type: 'string', minLength: 1, maxLength: 2000 }
  }
}
const reminderQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { dealer: dealerParam, state: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE } }
}
const serviceBody = {
  type: 'object',
  required: ['covers'],
  additionalProperties: false,
  properties: {
    covers: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 200 } },
    description: { type: 'string', maxLength: 2000 },
    time: isoTimeSchema,
    odometerKm: { type: 'number', minimum: 0 },
    engineHours: { type: 'number', minimum: 0 }
  }
}

/** Why an alert went to its dealer (actions/dealer-alerts/model.ts AlertRouting). */
export const alertRoutingSchema = objectOf({ via: oneOfTexts(['own', 'nearest', 'rescue']), distanceKm: orNull(out.number) })

const alertProperties = {
  id: out.integer,
  faultId: { ...orNull(out.integer), description: 'null: a call centre\'s rescue request (no fault raised it)' },
  rescueId: { ...orNull(out.integer), description: 'a rescue\'s copy: the rescue request to accept and move (/api/v1/rescue-requests/{id})' },
  dealerId: out.text,
  kind: oneOfTexts(DEALER_ALERT_KINDS),
  vehicleId: out.integer,
  vin: out.text,
  routing: alertRoutingSchema,
  payload: { ...out.json, description: 'the alert content as raised (schema pitwall.dealer-alert/1)' },
  status: oneOfTexts(DEALER_ALERT_STATUSES),
  firstTimeFix: orNull(out.boolean),
  createdAt: out.time,
  updatedAt: out.time,
  lastUpdate: { ...orNull(oneOfTexts(ALERT_UPDATES)), description: 'the latest update of the alert\'s fault the dealer was told (fault cleared, fixed remotely, ...); null: none' },
  lastUpdateAt: orNull(out.time)
}
const alertSchema = objectOf(alertProperties)

/** What deliveryState answers. */
export const deliveryStateSchema = objectOf({
  id: out.integer,
  alertId: { ...orNull(out.integer), description: 'the alert it is about; null for a service reminder\'s' },
  reminderId: { ...orNull(out.integer), description: 'the service reminder it is about; null for an alert\'s' },
  dealerId: out.text,
  idempotencyKey: out.text,
  event: out.text,
  state: oneOfTexts(DELIVERY_STATES),
  attempts: out.integer,
  nextAttemptAt: out.time,
  lastError: orNull(out.text),
  lastStatus: orNull(out.integer),
  createdAt: out.time,
  deliveredAt: orNull(out.time),
  deadAt: orNull(out.time)
})

const alertListAnswer = objectOf({ alerts: arrayOf(alertSchema), nextBefore: { ...orNull(out.integer), description: 'a full page may have more: ask again with before=nextBefore' } })
const alertAnswer = objectOf({
  ...alertProperties,
  timeline: arrayOf(objectOf({
    time: out.time,
    status: oneOfTexts(DEALER_ALERT_STATUSES),
    by: out.text,
    detail: orNull(out.json),
    update: { ...orNull(oneOfTexts(ALERT_UPDATES)), description: 'null: a status step; else the update of the alert\'s fault the dealer was told, its summary in detail' }
  })),
  deliveries: arrayOf(deliveryStateSchema)
})
const reminderSchema = objectOf({
  id: out.integer,
  vehicleId: out.integer,
  vin: out.text,
  ruleId: out.text,
  kind: oneOfTexts(['due', 'due_soon', 'trend', 'fault']),
  dueAt: orNull(out.time),
  dueKm: orNull(out.number),
  dueHours: orNull(out.number),
  detail: out.json,
  state: oneOfTexts(REMINDER_STATES),
  createdAt: out.time,
  updatedAt: out.time,
  closedAt: orNull(out.time),
  closedBy: orNull(out.text)
})
const serviceAnswer = objectOf({
  record: objectOf({
    id: out.integer,
    vehicleId: out.integer,
    vin: out.text,
    time: out.time,
    odometerKm: orNull(out.number),
    engineHours: orNull(out.number),
    covers: out.texts,
    description: out.text,
    by: out.text
  }),
  closedReminders: { ...out.integer, description: 'open reminders the service took care of' }
})

/** A webhook delivery as the inbox and the dead-letter list show it: its state, not the body it carries. */
export function deliveryState (d: WebhookDelivery): Omit<WebhookDelivery, 'body'> {
  const { body: _body, ...state } = d
  return state
}

export function registerInboxRoutes (app: FastifyInstance, deps: InboxRouteDeps): void {
  const { dealerAlerts, serviceReminders, dealers } = deps
  const anyRole = requireRole('engineer', 'operator', 'dealer')
  const readers = [anyRole, ownDealerOnly('inbox')]
  const dealersOnly = requireRole('dealer')

  async function alertInboxOf (request: FastifyRequest, named: string | undefined): Promise<string> {
    const dealerId = await dealerOf(request, named, dealers)
    if (dealerId === null) throw badRequest('querystring needs the field "dealer": an engineer or operator token names the dealer whose inbox it reads')
    return dealerId
  }

  registerApiScope(app, 'inbox', (scope) => {
    scope.get<{ Querystring: { dealer?: string, status?: string, kind?: string, before?: number, limit?: number } }>('/api/v1/inbox/alerts',
      { preValidation: readers, schema: { summary: 'A dealer\'s alerts, newest first', tags: ['inbox'], querystring: alertListQuery, response: { 200: alertListAnswer, ...errorResponses(404) } } },
      async (request) => {
        const { status, kind, before, limit = PAGE_DEFAULT } = request.query
        const statuses = status === undefined ? undefined : listOf(status, DEALER_ALERT_STATUSES, 'querystring.status')
        const query = {
          status: statuses,
          kind: kind === undefined ? undefined : oneOf(kind, DEALER_ALERT_KINDS, 'querystring.kind'),
          beforeId: before,
          limit
        }
        const alerts = await dealerAlerts.list(await alertInboxOf(request, request.query.dealer), query)
        // a full page may have more behind it: the id to ask before next
        return { alerts, nextBefore: alerts.length === limit ? alerts[alerts.length - 1]?.id ?? null : null }
      })

    scope.get<{ Params: { id: number }, Querystring: { dealer?: string } }>('/api/v1/inbox/alerts/:id',
      { preValidation: readers, schema: { summary: 'An alert with its timeline and webhook deliveries', tags: ['inbox'], params: bigintIdParams, querystring: dealerQuery, response: { 200: alertAnswer } } },
      async (request) => {
        const dealerId = await alertInboxOf(request, request.query.dealer)
        const alert = await dealerAlerts.get(dealerId, request.params.id)
        const [timeline, deliveries] = await Promise.all([dealerAlerts.timeline(dealerId, alert.id), dealerAlerts.deliveries(alert.id)])
        return { ...alert, timeline, deliveries: deliveries.map(deliveryState) }
      })

    scope.post<{ Params: { id: number }, Body: { to: string, firstTimeFix?: boolean, note?: string } }>('/api/v1/inbox/alerts/:id/transitions',
      { preValidation: dealersOnly, schema: { summary: 'Move an alert forward (acknowledged, parts staged, appointment booked, repaired, closed)', tags: ['inbox'], params: bigintIdParams, body: transitionBody, response: { 200: alertSchema, ...errorResponses(409) } } },
      async (request) => {
        const caller = principalOf(request)
        const { to, firstTimeFix, note } = request.body
        const move = alertMove(request.params.id, to, { by: caller.name, firstTimeFix, note })
        // a rescue's copy moves with its rescue request, whose states fit a rescue (./rescue.ts)
        refuseRescueCopy(await dealerAlerts.get(caller.dealerId as string, request.params.id))
        return await dealerAlerts.transition(caller.dealerId as string, request.params.id, move)
      })

    scope.get<{ Querystring: { dealer?: string, state?: string, limit?: number } }>('/api/v1/inbox/reminders',
      { preValidation: readers, schema: { summary: 'Service reminders, newest first', tags: ['inbox'], querystring: reminderQuery, response: { 200: objectOf({ reminders: arrayOf(reminderSchema) }), ...errorResponses(404) } } },
      async (request) => {
        const { state, limit } = request.query
        const dealerId = await dealerOf(request, request.query.dealer, dealers)
        const reminders = await serviceReminders.reminders({
          dealerId: dealerId ?? undefined,
          state: state === undefined ? undefined : oneOf(state, REMINDER_STATES, 'querystring.state'),
          limit
        })
        return { reminders }
      })

    scope.post<{ Params: { id: number } }>('/api/v1/inbox/reminders/:id/dismiss',
      { preValidation: anyRole, schema: { summary: 'Dismiss a service reminder', tags: ['inbox'], params: bigintIdParams, response: { 200: reminderSchema, ...errorResponses(409) } } },
      async (request) => {
        const caller = principalOf(request)
        return await serviceReminders.closeReminder(request.params.id, DISMISS, caller.name, caller.role === 'dealer' ? caller.dealerId as string : undefined)
      })

    scope.post<{ Params: { vin: string }, Body: { covers: string[], description?: string, time?: string, odometerKm?: number, engineHours?: number } }>(
      '/api/v1/vehicles/:vin/services',
      { preValidation: anyRole, schema: { summary: 'Record a service done on a vehicle', tags: ['inbox'], params: vinParams, body: serviceBody, response: { 201: serviceAnswer } } },
      async (request, reply) => {
        const caller = principalOf(request)
        const { covers, description = '', odometerKm, engineHours } = request.body
        const time = request.body.time === undefined ? new Date() : parseIsoTime(request.body.time, 'body.time')
        if (time.getTime() > Date.now() + CLOCK_SKEW_MS) throw badRequest(`body.time ${request.body.time ?? ''} is in the future; record a service once it is done`)
        const result = await serviceReminders.recordService({
          vin: vinOf(request.params.vin, 'params.vin'),
          time,
          odometerKm,
          engineHours,
          covers,
          description,
          by: caller.name,
          dealerId: caller.role === 'dealer' ? caller.dealerId as string : undefined
        })
        return await reply.code(201).send(result)
      })
  })
}
