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
 * - Errors are { code, message } (./auth.ts ApiErrorBody): 400
 *   PITWALL_ERR_BAD_REQUEST for the request's shape; a StorageError keeps its
 *   stable code with the status its suffix stands for (statusOfCode); 500
 *   PITWALL_ERR_INTERNAL for anything else, logged.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { Ajv, type ErrorObject } from 'ajv'
import { StorageError } from '../../storage/errors.js'
import { sendApiError } from './auth.js'

const bodyAjv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true })
const textAjv = new Ajv({ allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: false, allowUnionTypes: true })

// Codes are named <what>_<why>; the why decides the HTTP status.
const STATUS_BY_SUFFIX: ReadonlyArray<[RegExp, number]> = [
  [/_UNKNOWN$/, 404],
  [/_(EXISTS|DUPLICATE|TRANSITION|NOT_[A-Z_]+)$/, 409],
  [/_(INVALID|QUERY|COVERS)$/, 400]
]

/** The HTTP status of a storage error code, or undefined for one the caller cannot fix (a 500 or 503). */
export function statusOfCode (code: string): number | undefined {
  for (const [suffix, status] of STATUS_BY_SUFFIX) if (suffix.test(code)) return status
  return undefined
}

export function registerApiScope (app: FastifyInstance, what: string, routes: (scope: FastifyInstance) => void): void {
  void app.register(async (scope) => {
    scope.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object))
    scope.setSchemaErrorFormatter((errors, dataVar) => new Error(describe(errors[0], dataVar)))
    scope.setErrorHandler(async (error: FastifyError, request, reply) => {
      if (error.validation !== undefined) return await sendApiError(reply, 400, 'PITWALL_ERR_BAD_REQUEST', error.message)
      if (error instanceof StorageError) {
        const status = statusOfCode(error.code)
        if (status !== undefined) return await sendApiError(reply, status, error.code, error.message)
      }
      if (isUnavailable(error)) {
        request.log.warn({ err: error }, `${what} API: storage unavailable`)
        return await sendApiError(reply, 503, 'PITWALL_ERR_STORAGE_UNAVAILABLE', 'storage is unavailable; try again shortly')
      }
      // fastify's own refusals before the handler: malformed JSON, wrong content type, body too large
      const status = error.statusCode ?? 500
      if (status >= 400 && status < 500) return await sendApiError(reply, status, 'PITWALL_ERR_BAD_REQUEST', error.message)
      request.log.error({ err: withoutRowValues(error) }, `${what} API request failed`)
      return await sendApiError(reply, 500, 'PITWALL_ERR_INTERNAL', 'the request failed on the server; the gateway log has the cause')
    })
    routes(scope)
  })
}

/**
 * What to log of an unexpected error. PostgreSQL's `detail` (and `where`)
 * quote the failing row, which may hold a dealer's webhook secret or a token
 * hash; the message, code, table and constraint say enough to find the cause.
 */
function withoutRowValues (error: unknown): unknown {
  if (!(error instanceof Error)) return error
  const { detail, where, ...rest } = error as Error & { detail?: unknown, where?: unknown }
  const cause = (error as { cause?: unknown }).cause
  return { ...rest, type: error.name, message: error.message, stack: error.stack, ...(cause === undefined ? {} : { cause: withoutRowValues(cause) }) }
}

// the gateway shutting down, the database refusing connections or restarting (SQLSTATE 08xxx, 57P0x)
function isUnavailable (error: { code?: unknown }): boolean {
  return typeof error.code === 'string' && (error.code === 'PITWALL_ERR_STORAGE_CLOSED' || /^(ECONNREFUSED|ECONNRESET|08...|57P0.)$/.test(error.code))
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
