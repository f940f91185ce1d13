/**
 * Customer survey answers per repaired alert, for the CSI and NPS KPIs
 * (actions/kpis/model.ts says the scales and why an answer is never
 * corrected):
 *
 *   PUT /api/v1/inbox/alerts/:id/survey   {csi?, recommend?, comment?, answeredAt?}: 201 recorded, 200 the same answer was recorded before
 *   GET /api/v1/inbox/alerts/:id/survey   the answer; 404 PITWALL_ERR_SURVEY_UNKNOWN while there is none
 *
 * A dealer token records and reads the answers of its own alerts (another
 * dealer's alert is not found, as in the inbox); engineers and operators
 * those of any alert (a survey tool's import runs with one). An alert not
 * repaired or closed yet is 409 PITWALL_ERR_SURVEY_TOO_EARLY; another answer
 * already stored is 409 PITWALL_ERR_SURVEY_ANSWERED.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CSI_SCALE, MAX_SURVEY_COMMENT, RECOMMEND_SCALE, type SurveyAnswer } from '../../actions/kpis/model.js'
import { surveyAnswer, surveyOutcome } from '../../actions/kpis/policy.js'
import { unknownAlert, type SurveyStore } from '../../storage/surveys.js'
import { principalOf, requireRole } from './auth.js'
import { errorResponses, objectOf, orNull, out } from './openapi.js'
import { bigintIdParams, isoTimeSchema, parseIsoTime } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface SurveyRouteDeps {
  surveys: Pick<SurveyStore, 'record' | 'get'>
}

const surveyBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    csi: { type: ['integer', 'null'], minimum: CSI_SCALE.min, maximum: CSI_SCALE.max, description: 'satisfaction with the service visit, 1 (very dissatisfied) to 5 (very satisfied)' },
    recommend: { type: ['integer', 'null'], minimum: RECOMMEND_SCALE.min, maximum: RECOMMEND_SCALE.max, description: 'how likely to recommend us, 0 to 10 (the NPS question)' },
    comment: { type: ['string', 'null'], maxLength: MAX_SURVEY_COMMENT },
    answeredAt: { ...isoTimeSchema, description: 'when the customer answered; default now' }
  }
}

const surveySchema = objectOf({
  alertId: out.integer,
  csi: orNull(out.integer),
  recommend: orNull(out.integer),
  comment: orNull(out.text),
  answeredAt: out.time,
  recordedBy: out.text,
  recordedAt: out.time
})

interface SurveyBody { csi?: number | null, recommend?: number | null, comment?: string | null, answeredAt?: string }

export function registerSurveyRoutes (app: FastifyInstance, deps: SurveyRouteDeps): void {
  const anyRole = requireRole('engineer', 'operator', 'dealer')
  /** a dealer's own alerts only; null: any alert */
  const scopeOf = (request: FastifyRequest): string | null => {
    const caller = principalOf(request)
    return caller.role === 'dealer' ? caller.dealerId as string : null
  }

  registerApiScope(app, 'survey', (scope) => {
    scope.put<{ Params: { id: number }, Body: SurveyBody }>('/api/v1/inbox/alerts/:id/survey', {
      preValidation: anyRole,
      schema: {
        summary: 'Record the customer\'s survey answer for a repaired alert (once; the same answer again is a retry)',
        tags: ['inbox'],
        params: bigintIdParams,
        body: surveyBody,
        response: { 200: surveySchema, 201: surveySchema, ...errorResponses(409) }
      }
    }, async (request, reply) => {
      const { body, params } = request
      const dealerId = scopeOf(request)
      const answer = surveyAnswer({
        csi: body.csi,
        recommend: body.recommend,
        comment: body.comment,
        answeredAt: body.answeredAt === undefined ? undefined : parseIsoTime(body.answeredAt, 'body.answeredAt'),
        by: principalOf(request).name
      })
      const attempt = await deps.surveys.record(params.id, answer, dealerId)
      const { survey, created } = surveyOutcome(attempt, answer, () => unknownAlert(params.id, dealerId))
      return await reply.code(created ? 201 : 200).send(survey)
    })

    scope.get<{ Params: { id: number } }>('/api/v1/inbox/alerts/:id/survey',
      { preValidation: anyRole, schema: { summary: 'The customer\'s survey answer for an alert', tags: ['inbox'], params: bigintIdParams, response: { 200: surveySchema } } },
      async (request): Promise<SurveyAnswer> => await deps.surveys.get(request.params.id, scopeOf(request)))
  })
}
