/**
 * Technical assistance over HTTP (needs registerApiAuth, see ./auth.ts): a
 * dealer asks the manufacturer's engineers about one of its alerts, they
 * answer, and question and answer stay with the alert.
 *
 *   POST /api/v1/inbox/alerts/:id/assistance  dealer: {question} about its own alert (201)
 *   GET  /api/v1/inbox/alerts/:id/assistance  the questions on one alert, oldest first
 *   GET  /api/v1/assistance?state=&dealer=&before=&limit=  newest first; engineers' queue: state=open
 *   GET  /api/v1/assistance/:id
 *   POST /api/v1/assistance/:id/answer        engineer: {answer, caseId?}, once (the dealer's webhook says so)
 *   POST /api/v1/assistance/:id/case          engineer: {caseId}, the case that holds the fix (must exist)
 *
 * Whose: a dealer token asks about and reads only its own dealer's alerts
 * and questions (another's answer 404, as if they did not exist, so ids do
 * not leak); engineer and operator tokens read all of them, engineers answer.
 */
import type { FastifyInstance } from 'fastify'
import { ASSISTANCE_STATES, CASE_ID_MAX, PAGE_DEFAULT, PAGE_MAX, QUESTION_MAX, ANSWER_MAX } from '../../actions/assistance/model.js'
import { AssistanceService } from '../../actions/assistance/service.js'
import type { AssistanceStore } from '../../storage/assistance.js'
import type { DealerStore } from '../../storage/dealers.js'
import { principalOf, requireRole } from './auth.js'
import { dealerOf, ownDealerOnly } from './dealer-scope.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { bigintIdParams, MAX_ID, oneOf } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface AssistanceRouteDeps {
  assistance: AssistanceStore
  dealers: Pick<DealerStore, 'get'>
}

const caseId = { type: 'string', minLength: 1, maxLength: CASE_ID_MAX }
const askBody = { type: 'object', required: ['question'], additionalProperties: false, properties: { question: { type: 'string', minLength: 1, maxLength: QUESTION_MAX } } }
const answerBody = {
  type: 'object',
  required: ['answer'],
  additionalProperties: false,
  properties: { answer: { type: 'string', minLength: 1, maxLength: ANSWER_MAX }, caseId }
}
const caseBody = { type: 'object', required: ['caseId'], additionalProperties: false, properties: { caseId } }
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dealer: { type: 'string', minLength: 1, maxLength: 64 },
    state: { type: 'string' },
    before: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint },
    limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX }
  }
}

const requestSchema = objectOf({
  id: out.integer,
  alertId: out.integer,
  dealerId: out.text,
  vin: out.text,
  alertKind: out.text,
  faultId: orNull(out.integer),
  subject: { ...out.text, description: 'what the alert is about: the rule\'s name, or the rescue\'s description' },
  question: out.text,
  askedBy: out.text,
  askedAt: out.time,
  state: oneOfTexts(ASSISTANCE_STATES),
  answer: orNull(out.text),
  answeredBy: orNull(out.text),
  answeredAt: orNull(out.time),
  caseId: { ...orNull(out.text), description: 'the case the engineers point to' },
  updatedAt: out.time
})
const listAnswer = objectOf({ requests: arrayOf(requestSchema), nextBefore: orNull(out.integer) })

export function registerAssistanceRoutes (app: FastifyInstance, deps: AssistanceRouteDeps): void {
  const { assistance, dealers } = deps
  const service = new AssistanceService(assistance, app.log)
  const anyRole = requireRole('engineer', 'operator', 'dealer')
  const engineers = requireRole('engineer')
  /** a dealer token's own dealer; undefined for engineers and operators */
  const scopeOf = (request: Parameters<typeof principalOf>[0]): string | undefined => {
    const caller = principalOf(request)
    return caller.role === 'dealer' ? caller.dealerId as string : undefined
  }

  registerApiScope(app, 'assistance', (scope) => {
    scope.post<{ Params: { id: number }, Body: { question: string } }>('/api/v1/inbox/alerts/:id/assistance',
      { preValidation: requireRole('dealer'), schema: { summary: 'Ask the engineers for technical assistance on one of the dealer\'s alerts', tags: ['assistance'], params: bigintIdParams, body: askBody, response: { 201: requestSchema, ...errorResponses(409) } } },
      async (request, reply) => {
        const caller = principalOf(request)
        return await reply.code(201).send(await service.ask(caller.dealerId as string, request.params.id, request.body.question, caller.name))
      })

    scope.get<{ Params: { id: number } }>('/api/v1/inbox/alerts/:id/assistance',
      { preValidation: anyRole, schema: { summary: 'The assistance requests on one alert, oldest first', tags: ['assistance'], params: bigintIdParams, response: { 200: objectOf({ requests: arrayOf(requestSchema) }) } } },
      async (request) => ({ requests: await assistance.forAlert(request.params.id, scopeOf(request)) }))

    scope.get<{ Querystring: { dealer?: string, state?: string, before?: number, limit?: number } }>('/api/v1/assistance',
      { preValidation: [anyRole, ownDealerOnly('assistance requests')], schema: { summary: 'Assistance requests, newest first (engineers\' queue: state=open)', tags: ['assistance'], querystring: listQuery, response: { 200: listAnswer, ...errorResponses(404) } } },
      async (request) => {
        const { state, before, limit = PAGE_DEFAULT } = request.query
        const dealerId = await dealerOf(request, request.query.dealer, dealers)
        const requests = await assistance.list({
          state: state === undefined ? undefined : oneOf(state, ASSISTANCE_STATES, 'querystring.state'),
          dealerId: dealerId ?? undefined,
          beforeId: before,
          limit
        })
        return { requests, nextBefore: requests.length === limit ? requests[requests.length - 1]?.id ?? null : null }
      })

    scope.get<{ Params: { id: number } }>('/api/v1/assistance/:id',
      { preValidation: anyRole, schema: { summary: 'An assistance request', tags: ['assistance'], params: bigintIdParams, response: { 200: requestSchema } } },
      async (request) => await assistance.get(request.params.id, scopeOf(request)))

    scope.post<{ Params: { id: number }, Body: { answer: string, caseId?: string } }>('/api/v1/assistance/:id/answer',
      { preValidation: engineers, schema: { summary: 'Answer an assistance request (once), optionally pointing to a case', tags: ['assistance'], params: bigintIdParams, body: answerBody, response: { 200: requestSchema, ...errorResponses(409) } } },
      async (request) => await service.answer(request.params.id, request.body.answer, principalOf(request).name, request.body.caseId))

    scope.post<{ Params: { id: number }, Body: { caseId: string } }>('/api/v1/assistance/:id/case',
      { preValidation: engineers, schema: { summary: 'Link an assistance request to the case that holds the fix', tags: ['assistance'], params: bigintIdParams, body: caseBody, response: { 200: requestSchema } } },
      async (request) => await service.linkCase(request.params.id, request.body.caseId))
  })
}
