/**
 * What dealers are told after their alerts, for the manufacturer's side
 * (needs registerApiAuth, see ./auth.ts):
 *
 *   GET  /api/v1/dealer-alerts/:id/notices     engineer, operator: the alert's notices, newest first: told, skipped
 *                                              (with why: the dealer closed it, the clearing was reversed, ...) or pending
 *   POST /api/v1/dealer-alerts/:id/supersede   engineer: {by, note?} the alert is superseded by alert `by` (the same
 *                                              dealer and vehicle, both open): its dealer is told to work from `by` (201)
 *
 * The dealer itself reads the updates in the alert's timeline (./inbox.ts)
 * and receives them by webhook; a dealer token gets 403 here. An unknown
 * alert is 404, two alerts that do not merge 400, one closed or already
 * superseded 409.
 */
import type { FastifyInstance } from 'fastify'
import { NOTICE_STATES, NOTICE_TYPES } from '../../actions/dealer-notices/model.js'
import { checkMerge } from '../../actions/dealer-notices/policy.js'
import type { DealerNoticeStore } from '../../storage/dealer-notices.js'
import { PitwallError } from '../../runtime/errors.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { bigintIdParams, MAX_ID } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface AlertNoticeRouteDeps {
  dealerNotices: Pick<DealerNoticeStore, 'list' | 'mergeCandidates' | 'supersede'>
}

const tags = ['dealers']

const noticeSchema = objectOf({
  id: out.integer,
  type: oneOfTexts(NOTICE_TYPES),
  alertId: orNull(out.integer),
  reminderId: orNull(out.integer),
  faultEventId: { ...orNull(out.integer), description: 'the fault\'s timeline step that made it' },
  supersededBy: orNull(out.integer),
  time: { ...out.time, description: 'when it happened' },
  by: { ...orNull(out.text), description: 'the engineer who superseded the alert by hand' },
  detail: orNull(out.json),
  state: oneOfTexts(NOTICE_STATES),
  attempts: out.integer,
  nextAttemptAt: out.time,
  outcome: { ...orNull(out.text), description: 'why it was skipped, or why it waits' },
  createdAt: out.time,
  doneAt: orNull(out.time)
})

const supersedeBody = {
  type: 'object',
  required: ['by'],
  additionalProperties: false,
  properties: {
    by: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint, description: 'the alert the dealer works from instead' },
    note: { type: 'string', minLength: 1, maxLength: 2000 }
  }
}

export function registerAlertNoticeRoutes (app: FastifyInstance, deps: AlertNoticeRouteDeps): void {
  const { dealerNotices } = deps
  registerApiScope(app, 'dealer alert', (scope) => {
    scope.get<{ Params: { id: number } }>('/api/v1/dealer-alerts/:id/notices',
      { preValidation: requireRole('engineer', 'operator'), schema: { summary: 'What the alert\'s dealer was told since it was raised, and what not and why', tags, params: bigintIdParams, response: { 200: objectOf({ notices: arrayOf(noticeSchema) }), ...errorResponses(404) } } },
      async (request) => {
        const { id } = request.params
        if (!(await dealerNotices.mergeCandidates([id])).has(id)) throw new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', `no alert ${id}`)
        return { notices: await dealerNotices.list({ alertId: id }) }
      })

    scope.post<{ Params: { id: number }, Body: { by: number, note?: string } }>('/api/v1/dealer-alerts/:id/supersede',
      { preValidation: requireRole('engineer'), schema: { summary: 'Merge an alert into another of the same dealer and vehicle: its dealer is told to work from that one', tags, params: bigintIdParams, body: supersedeBody, response: { 201: noticeSchema, ...errorResponses(404, 409) } } },
      async (request, reply) => {
        const { id } = request.params
        const { by, note } = request.body
        checkMerge(id, by, await dealerNotices.mergeCandidates([id, by]))
        return await reply.code(201).send(await dealerNotices.supersede(id, by, principalOf(request).name, note ?? null))
      })
  })
}
