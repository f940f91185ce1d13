/**
 * Who is calling the HTTP API: `Authorization: Bearer pwt_…` (RFC 6750), a
 * token (actions/api-tokens/, stored by storage/api-tokens.ts), becomes `request.principal`
 * ({ id, role, dealerId, name }).
 *
 * Once, on the root instance, before any API routes:
 *
 *   registerApiAuth(app, { tokens: storage.apiTokens })
 *
 * Then every route that needs a caller names the roles it admits, in any
 * plugin registered after that (the decorations are the root's, so every
 * encapsulated child sees them):
 *
 *   app.get('/api/v1/alerts', { preValidation: requireRole('engineer', 'dealer') }, async (request) => {
 *     const caller = principalOf(request)
 *     // a dealer sees only its own: scope the query to caller.dealerId
 *   })
 *
 * No token, or one that is malformed, unknown, revoked or expired: 401
 * { code: 'PITWALL_ERR_UNAUTHENTICATED', message } with a WWW-Authenticate
 * challenge. A valid token of another role: 403 { code:
 * 'PITWALL_ERR_FORBIDDEN', message }. Routes without requireRole stay open
 * (health, metrics). Tokens are looked up per request, so a revocation
 * takes effect on the next one.
 */
import type { FastifyError, FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import type { ApiPrincipal, ApiRole } from '../../actions/api-tokens/model.js'
import { hasTokenShape } from '../../actions/api-tokens/policy.js'
import type { ApiTokenStore } from '../../storage/api-tokens.js'
import { PitwallError } from '../../runtime/errors.js'
import { StorageError } from '../../storage/errors.js'
import { answerError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** set by registerApiAuth */
    apiAuth: { tokens: Pick<ApiTokenStore, 'authenticate'> }
  }
  interface FastifyRequest {
    /** set by a requireRole hook; null on routes without one */
    principal: ApiPrincipal | null
  }
}

export function registerApiAuth (app: FastifyInstance, deps: { tokens: Pick<ApiTokenStore, 'authenticate'> }): void {
  app.decorate('apiAuth', { tokens: deps.tokens })
  // a route guarded outside an API scope (./scope.ts) answers its refusals the same way
  app.setErrorHandler(async (error: FastifyError, request, reply) => await answerError('API', error, request, reply))
  app.decorateRequest('principal', null)
}

// RFC 7235: the scheme is case-insensitive; RFC 6750 2.1: one token after it.
const BEARER = /^bearer +(\S+) *$/i
const CHALLENGE = 'Bearer realm="pitwall"'

/**
 * A hook admitting callers with one of `roles`. Give it as the route's
 * preValidation, so a caller without the right token learns nothing of the
 * request's expected shape (a 401/403 before any 400). Several requireRole
 * hooks on one route authenticate once.
 */
export function requireRole (...roles: [ApiRole, ...ApiRole[]]): preValidationAsyncHookHandler {
  return async function (request, reply) {
    if (request.principal === null) {
      const header = request.headers.authorization
      if (header === undefined || header === '') {
        reply.header('www-authenticate', CHALLENGE)
        throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'this endpoint needs an API token: send Authorization: Bearer <token>')
      }
      const token = BEARER.exec(header)?.[1]
      if (token === undefined) {
        reply.header('www-authenticate', `${CHALLENGE}, error="invalid_request"`)
        throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"')
      }
      let principal: ApiPrincipal | undefined
      try {
        // text that cannot be a token never reaches the database
        principal = hasTokenShape(token) ? await request.server.apiAuth.tokens.authenticate(token) : undefined
      } catch (err) {
        request.log.warn({ err }, 'API token lookup failed')
        throw new StorageError('PITWALL_ERR_STORAGE_UNAVAILABLE', 'cannot check the API token: storage is unavailable', { cause: err })
      }
      if (principal === undefined) {
        // which of unknown, revoked or expired is not said: the owner knows, a thief should not
        reply.header('www-authenticate', `${CHALLENGE}, error="invalid_token"`)
        throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'the API token is not valid (unknown, revoked or expired)')
      }
      request.principal = principal
    }
    const { role, name } = request.principal
    if (!roles.includes(role)) {
      throw new PitwallError('PITWALL_ERR_FORBIDDEN',
        `${request.method} ${request.routeOptions.url ?? request.url} is for ${roles.join(' or ')} tokens; token ${JSON.stringify(name)} is ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} token`)
    }
  }
}

/** The caller of a route guarded by requireRole. */
export function principalOf (request: FastifyRequest): ApiPrincipal {
  if (request.principal === null) throw new Error(`${request.method} ${request.url}: principalOf on a route without requireRole`)
  return request.principal
}
