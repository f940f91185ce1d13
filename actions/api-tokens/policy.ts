/**
 * What an API token may be, as pure checks: a name saying whose it is, a
 * known role, a dealer id for a dealer token and for no other, an expiry in
 * the future; and whether text has a token's shape at all. The API, the CLI
 * and the auth hook ask here before the store (storage/api-tokens.ts)
 * writes or looks up what was accepted.
 */
import { PitwallError } from '../../runtime/errors.js'
import { API_ROLES, MAX_TEXT, TOKEN_SHAPE, type ApiRole, type NewApiToken } from './model.js'

export function isApiRole (value: string): value is ApiRole {
  return (API_ROLES as readonly string[]).includes(value)
}

/**
 * The token to create, with name and dealer id trimmed; refused with
 * PITWALL_ERR_API_TOKEN_INVALID naming the first problem.
 */
export function tokenGrant (input: NewApiToken, now: Date = new Date()): NewApiToken {
  const fail = (what: string): never => { throw new PitwallError('PITWALL_ERR_API_TOKEN_INVALID', `API token ${JSON.stringify(input.name)}: ${what}`) }
  const name = typeof input.name === 'string' ? input.name.trim() : ''
  if (name === '') fail('name is required (say whose token it is)')
  if (name.length > MAX_TEXT) fail(`name is ${name.length} characters; at most ${MAX_TEXT}`)
  // a role from outside the type, as a CLI or config file could give it
  if (!isApiRole(input.role)) fail(`role ${JSON.stringify(input.role)} is not one of ${API_ROLES.join(', ')}`)
  const dealerId = input.dealerId?.trim()
  if (input.role === 'dealer') {
    if (dealerId === undefined || dealerId === '') fail('a dealer token needs the dealer id whose data it may see')
    if ((dealerId as string).length > MAX_TEXT) fail(`dealer id is ${(dealerId as string).length} characters; at most ${MAX_TEXT}`)
  } else if (dealerId !== undefined) {
    fail(`only a dealer token has a dealer id; a ${input.role} token sees every dealer's data`)
  }
  if (input.expiresAt !== undefined && !(input.expiresAt.getTime() > now.getTime())) fail(`expires at ${input.expiresAt.toISOString()}, which is not in the future`)
  return { name, role: input.role, dealerId, expiresAt: input.expiresAt }
}

/** Whether `text` can be a token at all: anything else is refused without a lookup. */
export function hasTokenShape (text: string): boolean {
  return typeof text === 'string' && TOKEN_SHAPE.test(text)
}
