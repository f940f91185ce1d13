/**
 * Request values a JSON schema alone does not check well, and request shapes
 * every route group uses, in one place: ISO 8601 times, VINs, one value or a
 * comma-separated list of an enumeration, integer ids in paths, POSTs
 * without a body or with only a reason. A value that fails throws
 * PITWALL_ERR_BAD_REQUEST (badRequest), which the API scope (./scope.ts)
 * answers as 400 with the message naming the field.
 */
import type { FastifyRequest } from 'fastify'
import { PitwallError } from '../../runtime/errors.js'
import { VIN_PATTERN } from '../../proto/topics.js'

/** A 400 whose message names the field and what is wrong with it. */
export function badRequest (message: string): PitwallError {
  return new PitwallError('PITWALL_ERR_BAD_REQUEST', message)
}

// A date, a time and a zone: without a zone the server's would decide what it means.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i

/** The JSON schema of a time field; its content is checked by parseIsoTime. */
export const isoTimeSchema = { type: 'string', minLength: 1, maxLength: 40 } as const

/** "2026-11-23T08:00:00Z" → Date; `field` names the value in the error, e.g. "body.expiresAt". */
export function parseIsoTime (value: string, field: string): Date {
  const parts = ISO_TIME.exec(value)
  const time = parts === null ? undefined : new Date(value)
  // Date rolls 30 February over into March; the calendar day must exist
  const dayExists = parts !== null && Number(parts[3]) <= new Date(Date.UTC(Number(parts[1]), Number(parts[2]), 0)).getUTCDate()
  if (time === undefined || Number.isNaN(time.getTime()) || !dayExists) {
    throw badRequest(`${field} ${JSON.stringify(value)} is not an ISO 8601 time with a zone, e.g. 2026-11-23T08:00:00Z`)
  }
  return time
}

/** The JSON schema of a VIN field; its content is checked (case-insensitively) by vinOf. */
export const vinSchema = { type: 'string', minLength: 1, maxLength: 64 } as const

/** Path parameters with a VIN. */
export const vinParams = { type: 'object', required: ['vin'], properties: { vin: vinSchema } } as const

/**
 * A VIN as vehicles are registered: upper-cased (ISO 3779 has no lower-case
 * letters), and refused naming `field` (e.g. "body.vin") when it is none, so
 * that a typo is not read as a vehicle that is not there.
 */
export function vinOf (value: string, field: string): string {
  const vin = value.toUpperCase()
  if (!VIN_PATTERN.test(vin)) throw badRequest(`${field} ${JSON.stringify(value)} is not a VIN: 17 characters of A-Z and 0-9, without I, O or Q (ISO 3779)`)
  return vin
}

/** `value` if it is one of `allowed`, else a 400 listing them: "querystring.kind "x" is not one of prestage, rescue". */
export function oneOf<T extends string> (value: string, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw badRequest(`${field} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`)
  return value as T
}

/** `status=new,acknowledged` → each value checked by oneOf, e.g. "querystring.status "done" is not one of …". */
export function listOf<T extends string> (text: string, allowed: readonly T[], field: string): T[] {
  return text.split(',').map((s) => oneOf(s.trim(), allowed, field))
}

/** Path parameters with a numeric id (an alert, a reminder, a webhook delivery, a token, a fault). */
/**
 * The largest id each kind of id column holds: a larger one in a request is a
 * 400 naming it, not an overflow the database answers 500 to.
 */
export const MAX_ID = { integer: 2_147_483_647, bigint: Number.MAX_SAFE_INTEGER } as const

/** Path parameters with the id of a row whose id column is `integer` (API tokens, decoder manifests). */
export const integerIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ID.integer } } } as const

/** Path parameters with the id of a row whose id column is `bigint` (faults, alerts, reminders, webhook deliveries). */
export const bigintIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ID.bigint } } } as const

/** The body of a POST that takes none (an empty object, or none at all with absentBodyIsEmpty). */
export const noBody = { type: 'object', additionalProperties: false, properties: {} } as const

/** The body of a POST whose only, optional, field says why (cancel, pause, abort). */
export const reasonBody = { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } } as const

/** A preValidation hook: a POST sent without a body is one with an empty body (fastify would validate `undefined` against the schema). */
export async function absentBodyIsEmpty (request: FastifyRequest): Promise<void> {
  request.body ??= {}
}
