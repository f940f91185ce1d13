/**
 * Console sign-in (needs registerApiAuth with sessions, see ./auth.ts):
 *
 *   POST   /api/v1/session {token}   any token: a console session; the answer sets the cookie
 *   GET    /api/v1/session           who the session (or bearer token) is
 *   DELETE /api/v1/session           sign-out: the session ends server-side, the cookie is cleared (204)
 *
 * The token is checked as requireRole checks a bearer token (the same
 * back-off, the same 401 message) and never stored: the browser keeps only
 * the cookie `pitwall_session` (HttpOnly: no script reads it; SameSite=Strict:
 * no other site's request carries it; Secure on HTTPS; Path=/), whose
 * session ends at Max-Age, when idle too long, at sign-out, or when the token
 * is revoked or expires (storage/console-sessions.ts). Sign-in from a page
 * must come from this server's own (Origin checked when sent), so another
 * site cannot sign a browser in as someone else.
 */
import type { FastifyInstance } from 'fastify'
import type { ConsoleSessionStore } from '../../storage/console-sessions.js'
import type { GatewayConfig } from '../config.js'
import { authenticateToken, clearSessionCookie, principalOf, requireRole, requireSameOrigin, SESSION_COOKIE } from './auth.js'
import { registerApiScope } from './scope.js'

export interface ConsoleSessionSettings {
  /** a session's longest life; its token's expiry may end it sooner */
  lifetimeMs: number
  /** a session unused this long ends */
  idleMs: number
}

const HOUR_MS = 3_600_000
/** The settings' defaults (gateway/config.ts): 12 h, ended by 2 h without a request. */
export const DEFAULT_CONSOLE_SESSIONS: ConsoleSessionSettings = { lifetimeMs: 12 * HOUR_MS, idleMs: 2 * HOUR_MS }

/** The console's session settings; false when the console is off. */
export function consoleSessionsOf (config: GatewayConfig): ConsoleSessionSettings | false {
  return config.consoleEnabled ? { lifetimeMs: config.consoleSessionHours * HOUR_MS, idleMs: config.consoleIdleMinutes * 60_000 } : false
}

export interface SessionRouteDeps {
  sessions: Pick<ConsoleSessionStore, 'create' | 'end'>
  /** a session's longest life; its token's expiry may end it sooner */
  lifetimeMs: number
}

const signInBody = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: { token: { type: 'string', maxLength: 200 } }
} as const

const sessionInfo = {
  type: 'object',
  required: ['role', 'name', 'dealerId', 'expiresAt'],
  properties: {
    role: { type: 'string', enum: ['engineer', 'operator', 'dealer'] },
    name: { type: 'string' },
    dealerId: { type: ['string', 'null'] },
    /** when the session ends at the latest; null for a bearer token (its expiry is the token's) */
    expiresAt: { type: ['string', 'null'], format: 'date-time' }
  }
} as const

const TAGS = ['session']

export function registerSessionRoutes (app: FastifyInstance, deps: SessionRouteDeps): void {
  const { sessions, lifetimeMs } = deps
  const anyone = requireRole('engineer', 'operator', 'dealer')

  registerApiScope(app, 'session', (scope) => {
    scope.post<{ Body: { token: string } }>('/api/v1/session',
      { schema: { summary: 'Sign in to the console: an API token for a session cookie', tags: TAGS, body: signInBody, response: { 200: sessionInfo } } },
      async (request, reply) => {
        if (request.headers.origin !== undefined) requireSameOrigin(request)
        const principal = await authenticateToken(request, reply, request.body.token.trim())
        const { secret, session } = await sessions.create(principal, lifetimeMs)
        const maxAge = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000))
        void reply.setCookie(SESSION_COOKIE, secret, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge })
        return { role: principal.role, name: principal.name, dealerId: principal.dealerId, expiresAt: session.expiresAt.toISOString() }
      })

    scope.get('/api/v1/session',
      { preValidation: anyone, schema: { summary: 'Who is signed in', tags: TAGS, response: { 200: sessionInfo } } },
      async (request) => {
        const { role, name, dealerId } = principalOf(request)
        return { role, name, dealerId, expiresAt: request.consoleSession?.expiresAt.toISOString() ?? null }
      })

    scope.delete('/api/v1/session',
      { preValidation: anyone, schema: { summary: 'Sign out of the console', tags: TAGS, response: { 204: { type: 'null', description: 'signed out' } } } },
      async (request, reply) => {
        if (request.consoleSession !== null) await sessions.end(request.consoleSession.id)
        clearSessionCookie(request, reply)
        return await reply.code(204).send()
      })
  })
}
