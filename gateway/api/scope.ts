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
    scope.setValidatorCompiler(({ schema, httpPart }) => withoutNul((httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object)))
    scope.setSchemaErrorFormatter((errors, dataVar) => new Error(describe(errors[0], dataVar)))
    scope.setErrorHandler(async (error: FastifyError, request, reply) => await answerError(what, error, request, reply))
    routes(scope)
  })
}

interface Validator {
  (data: unknown): boolean
  errors?: ErrorObject[] | null
}

/**
 * The schema's check, then no U+0000 anywhere (a value or a key): PostgreSQL
 * text cannot hold it, and a request carrying one was answered 500 by the
 * database instead of 400 naming the field.
 */
function withoutNul (validate: Validator): Validator {
  const checked: Validator = (data) => {
    if (!validate(data)) {
      checked.errors = validate.errors
      return false
    }
    const at = nulAt(data, '')
    checked.errors = at === undefined ? null : [{ instancePath: at, schemaPath: '', keyword: 'nul', params: {}, message: 'must not contain a NUL character (U+0000)' }]
    return at === undefined
  }
  return checked
}

/** The JSON pointer of the first string or key holding U+0000, if any. */
function nulAt (value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined
  if (typeof value !== 'object' || value === null) return undefined
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key}`
    if (key.includes('\u0000')) return at
    const found = nulAt(item, at)
    if (found !== undefined) return found
  }
  return undefined
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
