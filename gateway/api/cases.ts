/**
 * The case base over HTTP (needs registerApiAuth, see ./auth.ts):
 *
 *   GET  /api/v1/cases?q=&limit=&offset=  engineer, operator, dealer: search (best first) or, without q, list
 *   GET  /api/v1/cases/:id                engineer, operator, dealer
 *   PUT  /api/v1/cases/:id                engineer: create (201) or replace (200)
 *   POST /api/v1/faults/:id/case          engineer: a resolved fault becomes a new case (201); GET
 *                                         /api/v1/faults/:id lists the cases made from it (./faults.ts)
 *
 * Cases are shared knowledge, not a dealer's own data, so a dealer reads all
 * of them. Errors are { code, message }: 400 PITWALL_ERR_BAD_REQUEST (the
 * request's shape: an unknown or missing field, a wrong type) or
 * PITWALL_ERR_CASE_INVALID (its content), 404, 409 (the id is taken, the
 * fault is not resolved).
 *
 * Parts are {number, description, quantity} (rules/parts.ts); a part given
 * as its description alone, as before, is read as {description, quantity 1}.
 */
import type { FastifyInstance } from 'fastify'
import { CaseBase } from '../../actions/cases/case-base.js'
import { MAX_PAGE, type CaseInput } from '../../actions/cases/model.js'
import { caseContentSchema } from '../../actions/cases/pack.js'
import type { CaseStore } from '../../storage/cases.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, objectOf, orNull, out } from './openapi.js'
import type { PartInput } from '../../rules/parts.js'
import { partsSchema } from './part-schema.js'
import { bigintIdParams, MAX_ID } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface CaseRouteDeps {
  cases: CaseStore
}

const caseId = { type: 'string', minLength: 1, maxLength: 200 }
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 500 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
    offset: { type: 'integer', minimum: 0, maximum: MAX_ID.bigint }
  }
}
const caseParams = { type: 'object', required: ['id'], properties: { id: caseId } }
const fromFaultBody = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: caseId,
    title: caseContentSchema.properties.title,
    steps: caseContentSchema.properties.steps,
    parts: caseContentSchema.properties.parts,
    repairHours: caseContentSchema.properties.repairHours
  }
}

const caseProperties = {
  id: out.text,
  title: out.text,
  symptoms: out.text,
  dtcs: { ...out.texts, description: 'SAE J2012 codes' },
  steps: out.texts,
  parts: partsSchema,
  repairHours: orNull(out.number),
  sourceFaultId: { ...orNull(out.integer), description: 'the resolved fault the case was made from' },
  createdBy: out.text,
  createdAt: out.time,
  updatedBy: out.text,
  updatedAt: out.time
}
const caseSchema = objectOf(caseProperties)
// a search's hits have a rank and a snippet; a list's cases do not
const caseListAnswer = objectOf({
  cases: arrayOf(objectOf({
    ...caseProperties,
    rank: { ...out.number, description: 'higher is better; comparable within one search only' },
    snippet: { ...out.text, description: 'HTML: an excerpt, escaped, with the words the query matched in <mark>…</mark>' }
  }, ['rank', 'snippet']))
})

export function registerCaseRoutes (app: FastifyInstance, deps: CaseRouteDeps): void {
  const cases = new CaseBase(deps.cases)
  const readers = requireRole('engineer', 'operator', 'dealer')
  const engineers = requireRole('engineer')

  registerApiScope(app, 'case', (scope) => {
    scope.get<{ Querystring: { q?: string, limit?: number, offset?: number } }>('/api/v1/cases',
      { preValidation: readers, schema: { summary: 'Search the case base (best first) or, without q, list it', tags: ['cases'], querystring: listQuery, response: { 200: caseListAnswer } } },
      async (request) => {
        const { q, limit, offset } = request.query
        if (q === undefined) return { cases: await cases.list({ limit, offset }) }
        const hits = await cases.search(q, { limit, offset })
        return { cases: hits.map((h) => ({ ...h.case, rank: h.rank, snippet: h.snippet })) }
      })

    scope.get<{ Params: { id: string } }>('/api/v1/cases/:id',
      { preValidation: readers, schema: { summary: 'A case', tags: ['cases'], params: caseParams, response: { 200: caseSchema } } },
      async (request) => await cases.get(request.params.id))

    scope.put<{ Params: { id: string }, Body: Omit<CaseInput, 'id'> }>('/api/v1/cases/:id',
      { preValidation: engineers, schema: { summary: 'Create (201) or replace (200) a case', tags: ['cases'], params: caseParams, body: caseContentSchema, response: { 200: caseSchema, 201: caseSchema } } },
      async (request, reply) => {
        const { case: stored, outcome } = await cases.upsert({ ...request.body, id: request.params.id }, principalOf(request).name)
        return await reply.code(outcome === 'added' ? 201 : 200).send(stored)
      })

    scope.post<{ Params: { id: number }, Body: { id: string, title?: string, steps?: string[], parts?: PartInput[], repairHours?: number | null } }>(
      '/api/v1/faults/:id/case',
      { preValidation: engineers, schema: { summary: 'Turn a resolved fault into a new case', tags: ['cases'], params: bigintIdParams, body: fromFaultBody, response: { 201: caseSchema, ...errorResponses(409) } } },
      async (request, reply) => {
        const stored = await cases.fromFault(request.params.id, { ...request.body, by: principalOf(request).name })
        return await reply.code(201).send(stored)
      })
  })
}
