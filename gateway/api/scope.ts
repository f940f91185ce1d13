/**
 * One encapsulated fastify scope per group of API routes, with the same
 * validation and error shape everywhere:
 *
 *   registerApiScope(app, 'command', (scope) => {
 *     scope.get('/api/v1/commands', { preValidation: requireRole('engineer'), schema: { querystring } }, handler)
 *   })
 *
 * - Bodies are validated as sent: fastify's default ajv would drop an unknown
 *   field silently (removeAdditional) or turn "2" into 2, so a typo such as
 *   `step:` would be stored as a missing field. Query strings and path
 *   parameters are text and are coerced.
 * - Routes and hooks throw; one handler (./errors.ts answerError) answers.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { Ajv, type ErrorObject } from 'ajv'
import { answerError } from './errors.js'

const bodyAjv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true })
const textAjv = new Ajv({ allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: false, allowUnionTypes: true })

export function registerApiScope (app: FastifyInstance, what: string, routes: (scope: FastifyInstance) => void): void {
  void app.register(async (scope) => {
    scope.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object))
    scope.setSchemaErrorFormatter((errors, dataVar) => new Error(describe(errors[0], dataVar)))
    scope.setErrorHandler(async (error: FastifyError, request, reply) => await answerError(what, error, request, reply))
    routes(scope)
  })
}

/** "body.steps[0] must be string", "body has an unknown field "step"" */
function describe (error: ErrorObject | undefined, dataVar: string): string {
  if (error === undefined) return `${dataVar} is invalid`
  const at = error.instancePath.split('/').slice(1).reduce((s, part) => /^\d+$/.test(part) ? `${s}[${part}]` : `${s}.${part}`, dataVar)
  if (error.keyword === 'additionalProperties') return `${at} has an unknown field ${JSON.stringify(error.params.additionalProperty)}`
  if (error.keyword === 'enum') return `${at} must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
  if (error.keyword === 'required') return `${at} needs the field ${JSON.stringify(error.params.missingProperty)}`
  return `${at} ${error.message ?? 'is invalid'}`
}
