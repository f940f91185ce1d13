/**
 * Console sessions: an API token exchanged, once, at sign-in, for a session
 * whose secret lives only in the browser's HttpOnly cookie. The database keeps
 * the SHA-256 of the secret (the reasoning of ./api-tokens.ts: 256 random
 * bits need no work factor, and the hash is the lookup key).
 *
 * A session ends at the first of: its expiry (set at sign-in, never past its
 * token's own), an idle gap longer than the idle limit, sign-out (ended_at),
 * and its token's revocation or expiry, which every lookup checks through the
 * join, so revoking a token signs out its browsers on their next request.
 */
import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import { LAST_USED_RESOLUTION_S, type ApiPrincipal } from '../actions/api-tokens/model.js'
import { Statement } from './prepared.js'

/** The cookie's value: a recognisable prefix (as tokens have) and 32 random bytes. */
export const SESSION_PREFIX = 'pws_'
const SESSION_BYTES = 32
export const SESSION_SHAPE = /^pws_[A-Za-z0-9_-]{43}$/

export interface ConsoleSession {
  id: number
  /** the token's principal: roles, dealer scope and rate limits are the token's */
  principal: ApiPrincipal
  expiresAt: Date
}

// every console request: the session with its token, both marked used when stale, in one round trip
const AUTHENTICATE = new Statement('pitwall_console_session_authenticate', `
WITH s AS (
  SELECT s.id, s.expires_at, s.last_used_at, t.id AS token_id, t.role, t.dealer_id, t.name, t.last_used_at AS token_used_at
  FROM console_sessions s JOIN api_tokens t ON t.id = s.token_id
  WHERE s.secret_sha256 = $1 AND s.ended_at IS NULL AND s.expires_at > now()
    AND s.last_used_at > now() - $2 * interval '1 millisecond'
    AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
), used AS (
  UPDATE console_sessions SET last_used_at = now()
  WHERE id = (SELECT id FROM s) AND (SELECT last_used_at FROM s) < now() - $3 * interval '1 second'
), token_used AS (
  UPDATE api_tokens SET last_used_at = now()
  WHERE id = (SELECT token_id FROM s) AND coalesce((SELECT token_used_at FROM s), '-infinity') < now() - $3 * interval '1 second'
)
SELECT id, expires_at AS "expiresAt", token_id AS "tokenId", role, dealer_id AS "dealerId", name FROM s`)

export class ConsoleSessionStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * A new session for token `tokenId`, ending after `lifetimeMs` or when the
   * token expires, whichever is first. `secret` (the cookie's value) is
   * returned only here. The token's ended and expired sessions are deleted on
   * the way: sessions are few per token, and this keeps the table to them.
   */
  async create (principal: ApiPrincipal, lifetimeMs: number): Promise<{ secret: string, session: ConsoleSession }> {
    const secret = SESSION_PREFIX + randomBytes(SESSION_BYTES).toString('base64url')
    const res = await this.pool.query<{ id: number, expiresAt: Date }>(
      `WITH old AS (
         DELETE FROM console_sessions WHERE token_id = $2 AND (ended_at IS NOT NULL OR expires_at <= now())
       )
       INSERT INTO console_sessions (secret_sha256, token_id, expires_at)
       SELECT $1, t.id, least(now() + $3 * interval '1 millisecond', coalesce(t.expires_at, 'infinity'))
       FROM api_tokens t WHERE t.id = $2 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
       RETURNING id, expires_at AS "expiresAt"`, [hashSecret(secret), principal.id, lifetimeMs])
    const row = res.rows[0]
    // the token was authenticated a moment ago; revoked since, it gets no session
    if (row === undefined) throw new Error(`API token ${principal.id} was revoked or expired while signing in`)
    return { secret, session: { id: row.id, principal, expiresAt: row.expiresAt } }
  }

  /**
   * The live session whose cookie holds `secret`, used within the last
   * `idleMs`; undefined for anything else (unknown, ended, expired, idle too
   * long, its token revoked or expired). Marks it used (and its token), at
   * most once per LAST_USED_RESOLUTION_S, in the same round trip.
   */
  async authenticate (secret: string, idleMs: number): Promise<ConsoleSession | undefined> {
    const res = await this.pool.query<{ id: number, expiresAt: Date, tokenId: number, role: ApiPrincipal['role'], dealerId: string | null, name: string }>(
      AUTHENTICATE.on(this.pool, [hashSecret(secret), idleMs, LAST_USED_RESOLUTION_S]))
    const row = res.rows[0]
    if (row === undefined) return undefined
    return { id: row.id, expiresAt: row.expiresAt, principal: { id: row.tokenId, role: row.role, dealerId: row.dealerId, name: row.name } }
  }

  /** Signs a session out for good; ending it again changes nothing. */
  async end (id: number): Promise<void> {
    await this.pool.query('UPDATE console_sessions SET ended_at = coalesce(ended_at, now()) WHERE id = $1', [id])
  }
}

function hashSecret (secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}
