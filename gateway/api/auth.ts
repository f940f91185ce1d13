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
 *
 * Tokens that fail (unknown, revoked, expired) are counted by source address
 * (request.ip: the peer, not X-Forwarded-For). Past the free failures the
 * address is refused for a back-off that doubles up to the configured
 * longest (../auth-throttle.ts): 429 { code: 'PITWALL_ERR_RATE_LIMITED' }
 * with Retry-After, answered before the token is looked up. A request
 * without a token never reaches the database and is not counted. An office behind one NAT address shares its back-off:
 * that is the price of stopping a guesser there, kept short by the cap.
 *
 * The console (../console.ts) sends no Authorization header: its session
 * cookie (`pitwall_session`, from POST /api/v1/session, ./session.ts) stands
 * for the token it was exchanged for, so roles, dealer scope and the rate
 * limit are the token's. The cookie is read only when no Authorization header
 * is sent. A cookie whose session has ended is a failure like a bad token
 * (counted, throttled) and is cleared, so a browser fails once per ended
 * session rather than on every request. A cookie-authenticated request that
 * changes something (not GET/HEAD/OPTIONS) must also carry an Origin (or,
 * without one, a Referer) naming the request's own Host, else 403: SameSite
 * =Strict already keeps the cookie off other sites' requests; this holds
 * where a browser or a proxy does not.
 */
import cookie from '@fastify/cookie'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import type { ApiPrincipal, ApiRole } from '../../actions/api-tokens/model.js'
import { hasTokenShape } from '../../actions/api-tokens/policy.js'
import type { ApiTokenStore } from '../../storage/api-tokens.js'
import { SESSION_SHAPE, type ConsoleSession, type ConsoleSessionStore } from '../../storage/console-sessions.js'
import { AuthThrottle, DEFAULT_AUTH_THROTTLE, sourceKey } from '../auth-throttle.js'
import type { Metrics } from '../metrics.js'
import { PitwallError } from '../../runtime/errors.js'
import { StorageError } from '../../storage/errors.js'
import { answerError } from './errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** set by registerApiAuth */
    apiAuth: ApiAuthDeps & { throttle: AuthThrottle }
  }
  interface FastifyRequest {
    /** set by a requireRole hook; null on routes without one */
    principal: ApiPrincipal | null
    /** the console session the principal came from; null for a bearer token */
    consoleSession: ConsoleSession | null
  }
}

export interface ApiAuthDeps {
  tokens: Pick<ApiTokenStore, 'authenticate'>
  /** failed tokens by source address; default: DEFAULT_AUTH_THROTTLE's */
  throttle?: AuthThrottle
  /** counts throttled requests; absent: not counted */
  metrics?: Pick<Metrics, 'authThrottled'>
  /** console sessions, accepted by cookie; absent: bearer tokens only */
  sessions?: { store: Pick<ConsoleSessionStore, 'authenticate'>, idleMs: number } | undefined
}

/** The console's session cookie (./session.ts sets it). */
export const SESSION_COOKIE = 'pitwall_session'

export function registerApiAuth (app: FastifyInstance, deps: ApiAuthDeps): void {
  app.decorate('apiAuth', { ...deps, throttle: deps.throttle ?? new AuthThrottle(DEFAULT_AUTH_THROTTLE) })
  // a route guarded outside an API scope (./scope.ts) answers its refusals the same way
  app.setErrorHandler(async (error: FastifyError, request, reply) => await answerError('API', error, request, reply))
  app.decorateRequest('principal', null)
  app.decorateRequest('consoleSession', null)
  void app.register(cookie)
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
      const session = request.cookies?.[SESSION_COOKIE]
      if ((header === undefined || header === '') && session !== undefined && request.server.apiAuth.sessions !== undefined) {
        await authenticateSession(request, reply, session)
      } else if (header === undefined || header === '') {
        reply.header('www-authenticate', CHALLENGE)
        throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'this endpoint needs an API token: send Authorization: Bearer <token>')
      } else {
        const token = BEARER.exec(header)?.[1]
        if (token === undefined) {
          reply.header('www-authenticate', `${CHALLENGE}, error="invalid_request"`)
          throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"')
        }
        request.principal = await authenticateToken(request, reply, token)
      }
    }
    const { role, name } = request.principal as ApiPrincipal
    if (!roles.includes(role)) {
      throw new PitwallError('PITWALL_ERR_FORBIDDEN',
        `${request.method} ${request.routeOptions.url ?? request.url} is for ${roles.join(' or ')} tokens; token ${JSON.stringify(name)} is ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} token`)
    }
  }
}

/**
 * The principal of API token `token`, as requireRole checks it: the
 * address's back-off first (429), then the lookup; a failure is counted
 * and answered 401. Sign-in (./session.ts) checks its token here too.
 */
export async function authenticateToken (request: FastifyRequest, reply: FastifyReply, token: string): Promise<ApiPrincipal> {
  const source = refuseIfThrottled(request, reply)
  let principal: ApiPrincipal | undefined
  try {
    // text that cannot be a token never reaches the database
    principal = hasTokenShape(token) ? await request.server.apiAuth.tokens.authenticate(token) : undefined
  } catch (err) {
    request.log.warn({ err }, 'API token lookup failed')
    throw new StorageError('PITWALL_ERR_STORAGE_UNAVAILABLE', 'cannot check the API token: storage is unavailable', { cause: err })
  }
  if (principal === undefined) {
    countFailure(request, source)
    // which of unknown, revoked or expired is not said: the owner knows, a thief should not
    reply.header('www-authenticate', `${CHALLENGE}, error="invalid_token"`)
    throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'the API token is not valid (unknown, revoked or expired)')
  }
  return principal
}

async function authenticateSession (request: FastifyRequest, reply: FastifyReply, secret: string): Promise<void> {
  const sessions = request.server.apiAuth.sessions as NonNullable<ApiAuthDeps['sessions']>
  // before the lookup: a forged request learns nothing and costs nothing
  if (!SAFE_METHODS.has(request.method)) requireSameOrigin(request)
  const source = refuseIfThrottled(request, reply)
  let session: ConsoleSession | undefined
  try {
    session = SESSION_SHAPE.test(secret) ? await sessions.store.authenticate(secret, sessions.idleMs) : undefined
  } catch (err) {
    request.log.warn({ err }, 'console session lookup failed')
    throw new StorageError('PITWALL_ERR_STORAGE_UNAVAILABLE', 'cannot check the console session: storage is unavailable', { cause: err })
  }
  if (session === undefined) {
    countFailure(request, source)
    clearSessionCookie(request, reply)
    throw new PitwallError('PITWALL_ERR_UNAUTHENTICATED', 'the console session has ended (signed out, expired, idle too long, or its token revoked); sign in again')
  }
  request.principal = session.principal
  request.consoleSession = session
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * 403 unless the request's Origin (or, when a browser sent none, its
 * Referer) is this server as the request names it (Host). Browsers send
 * Origin on every fetch that is not GET or HEAD; a request with neither
 * header is refused too.
 */
export function requireSameOrigin (request: FastifyRequest): void {
  const claimed = request.headers.origin ?? request.headers.referer
  // both through URL, so "host:80" and an Origin without the default port compare equal
  const host = hostOf(request.headers.host === undefined ? undefined : `${request.protocol}://${request.headers.host}`)
  if (host === undefined || hostOf(claimed) !== host) {
    throw new PitwallError('PITWALL_ERR_FORBIDDEN',
      `${request.method} ${request.url.split('?')[0] ?? ''} with the console's session cookie must come from the console's own page: Origin ${claimed === undefined ? '(none)' : JSON.stringify(claimed)} is not this server (${request.headers.host ?? 'no Host'})`)
  }
}

function hostOf (url: string | undefined): string | undefined {
  if (url === undefined || url === 'null') return undefined
  try {
    return new URL(url).host
  } catch {
    return undefined
  }
}

/** Clears the session cookie with the attributes it was set with (a browser matches on name, path and domain). */
export function clearSessionCookie (request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' })
}

/** The address's key; throws 429 while the address is refused. */
function refuseIfThrottled (request: FastifyRequest, reply: FastifyReply): string {
  const { throttle, metrics } = request.server.apiAuth
  const source = sourceKey(request.ip)
  const waitMs = throttle.retryAfterMs(source)
  if (waitMs > 0) {
    // counted, not logged: the refusal's start was logged once (below)
    metrics?.authThrottled.inc({ listener: 'api', by: 'source' })
    throw tooManyFailures(reply, waitMs)
  }
  return source
}

function countFailure (request: FastifyRequest, source: string): void {
  const failure = request.server.apiAuth.throttle.fail(source)
  if (failure.refusalStarted) {
    request.log.warn({ source, failures: failure.failures, retryAfterMs: failure.retryAfterMs }, 'API authentication throttled: too many invalid tokens from this address')
  }
}

function tooManyFailures (reply: FastifyReply, waitMs: number): PitwallError {
  const seconds = Math.ceil(waitMs / 1000)
  reply.header('retry-after', String(seconds))
  return new PitwallError('PITWALL_ERR_RATE_LIMITED', `too many invalid API tokens from this address; try again in ${seconds} s`)
}

/** The caller of a route guarded by requireRole. */
export function principalOf (request: FastifyRequest): ApiPrincipal {
  if (request.principal === null) throw new Error(`${request.method} ${request.url}: principalOf on a route without requireRole`)
  return request.principal
}
