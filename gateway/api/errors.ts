/**
 * The API's one answer to an error, for every route and hook: { code,
 * message } with the status runtime/errors.ts gives the code.
 *
 * - a PitwallError: its code and message, with its status;
 * - a schema failure, or fastify's own refusal before the handler (malformed
 *   JSON, wrong content type, body too large): 400 PITWALL_ERR_BAD_REQUEST;
 * - a database that cannot be reached (storage/errors.ts isUnavailable): 503;
 * - anything else: 500 PITWALL_ERR_INTERNAL, logged without the row values
 *   PostgreSQL quotes; the caller learns nothing of the cause.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { PitwallError } from '../../runtime/errors.js'
import { isUnavailable } from '../../storage/errors.js'

/** The JSON body of every API error: a stable code and a message naming what was wrong. */
export interface ApiErrorBody {
  code: string
  message: string
}

async function send (reply: FastifyReply, status: number, code: string, message: string): Promise<FastifyReply> {
  const body: ApiErrorBody = { code, message }
  return await reply.code(status).type('application/json; charset=utf-8').send(body)
}

/** The one answer to an error thrown by an API route or hook; `what` names the route group in the log. */
export async function answerError (what: string, error: FastifyError | PitwallError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if ('validation' in error && error.validation !== undefined) return await send(reply, 400, 'PITWALL_ERR_BAD_REQUEST', error.message)
  if (error instanceof PitwallError && error.status === 503) return await send(reply, 503, error.code, error.message)
  if (isUnavailable(error)) {
    request.log.warn({ err: withoutRowValues(error) }, `${what} API: storage unavailable`)
    return await send(reply, 503, 'PITWALL_ERR_STORAGE_UNAVAILABLE', 'storage is unavailable; try again shortly')
  }
  if (error instanceof PitwallError && error.status < 500) return await send(reply, error.status, error.code, error.message)
  // fastify's own refusals before the handler: malformed JSON, wrong content type, body too large
  const status = error instanceof PitwallError ? 500 : (error.statusCode ?? 500)
  if (status >= 400 && status < 500) return await send(reply, status, 'PITWALL_ERR_BAD_REQUEST', error.message)
  request.log.error({ err: withoutRowValues(error) }, `${what} API request failed`)
  return await send(reply, 500, 'PITWALL_ERR_INTERNAL', 'the request failed on the server; the gateway log has the cause')
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
