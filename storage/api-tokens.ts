/**
 * Bearer tokens of the HTTP API. Each has a role (engineer, operator,
 * dealer; a dealer token is scoped to one dealer), a name saying whose it
 * is, an optional expiry, and can be revoked. The token is shown once, by
 * create(); the database keeps only its SHA-256.
 *
 * Why SHA-256 and not scrypt (which device secrets use): a work factor
 * protects low-entropy secrets, such as passwords, against guessing after
 * the hashes leak. These tokens are 256 bits from the CSPRNG; no amount of
 * hashing per guess makes 2^256 candidates less out of reach, and a
 * preimage of SHA-256 is not feasible. A fast hash also lets the token be
 * found by an index on its hash, one lookup per request, with no salt to
 * fetch first. Comparing hashes through the index leaks no timing worth
 * having: the attacker controls the token, not its hash.
 */
import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import { PitwallError } from '../runtime/errors.js'

export const API_ROLES = ['engineer', 'operator', 'dealer'] as const
export type ApiRole = typeof API_ROLES[number]

/** What an authenticated request acts as. */
export interface ApiPrincipal {
  /** the token's id */
  id: number
  role: ApiRole
  /** the dealer a dealer token is scoped to; null for other roles */
  dealerId: string | null
  name: string
}

export interface NewApiToken {
  name: string
  role: ApiRole
  /** required for a dealer token, refused for any other */
  dealerId?: string | undefined
  expiresAt?: Date | undefined
}

export interface ApiTokenInfo {
  id: number
  name: string
  role: ApiRole
  dealerId: string | null
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  lastUsedAt: Date | null
}

/** A recognisable prefix, so a leaked token is found by secret scanners and in logs. */
export const TOKEN_PREFIX = 'pwt_'
const TOKEN_BYTES = 32
/** pwt_ and 32 bytes in unpadded base64url */
const TOKEN_SHAPE = /^pwt_[A-Za-z0-9_-]{43}$/
const MAX_TEXT = 100
/**
 * last_used_at is written at most this often per token, so that a busy API
 * client does not turn every request into a write.
 */
const LAST_USED_RESOLUTION_S = 60

/** ApiTokenInfo; never the hash */
const TOKEN_COLUMNS = `id, name, role, dealer_id AS "dealerId", created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt",
  last_used_at AS "lastUsedAt"`

export class ApiTokenStore {
  constructor (private readonly pool: pg.Pool) {}

  /** A new token; `token` is returned only here and cannot be recovered later. */
  async create (input: NewApiToken): Promise<{ token: string, info: ApiTokenInfo }> {
    const fail = (what: string): never => { throw new PitwallError('PITWALL_ERR_API_TOKEN_INVALID', `API token ${JSON.stringify(input.name)}: ${what}`) }
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (name === '') fail('name is required (say whose token it is)')
    if (name.length > MAX_TEXT) fail(`name is ${name.length} characters; at most ${MAX_TEXT}`)
    if (!(API_ROLES as readonly string[]).includes(input.role)) fail(`role ${JSON.stringify(input.role)} is not one of ${API_ROLES.join(', ')}`)
    const dealerId = input.dealerId?.trim()
    if (input.role === 'dealer') {
      if (dealerId === undefined || dealerId === '') fail('a dealer token needs the dealer id whose data it may see')
      if ((dealerId as string).length > MAX_TEXT) fail(`dealer id is ${(dealerId as string).length} characters; at most ${MAX_TEXT}`)
    } else if (dealerId !== undefined) {
      fail(`only a dealer token has a dealer id; a ${input.role} token sees every dealer's data`)
    }
    if (input.expiresAt !== undefined && !(input.expiresAt.getTime() > Date.now())) fail(`expires at ${input.expiresAt.toISOString()}, which is not in the future`)
    const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url')
    const res = await this.pool.query<ApiTokenInfo>(
      `INSERT INTO api_tokens (name, role, dealer_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${TOKEN_COLUMNS}`,
      [name, input.role, dealerId ?? null, hashToken(token), input.expiresAt ?? null])
    return { token, info: res.rows[0] as ApiTokenInfo }
  }

  /**
   * The principal of a token that exists, is not revoked and has not
   * expired; undefined for anything else (including text that is not a
   * token at all, which never reaches the database).
   */
  async authenticate (token: string): Promise<ApiPrincipal | undefined> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return undefined
    // One round trip: the lookup, and last_used_at when it is stale.
    const res = await this.pool.query<ApiPrincipal>(
      `WITH t AS (
         SELECT id, role, dealer_id, name FROM api_tokens
         WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
       ), used AS (
         UPDATE api_tokens SET last_used_at = now()
         WHERE id = (SELECT id FROM t) AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 second')
       )
       SELECT id, role, dealer_id AS "dealerId", name FROM t`, [hashToken(token), LAST_USED_RESOLUTION_S])
    return res.rows[0]
  }

  /** Revokes a token for good; revoking it again changes nothing. */
  async revoke (id: number): Promise<ApiTokenInfo> {
    const res = await this.pool.query<ApiTokenInfo>(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`, [id])
    const revoked = res.rows[0]
    if (revoked === undefined) throw new PitwallError('PITWALL_ERR_API_TOKEN_UNKNOWN', `no API token ${id}`)
    return revoked
  }

  /** Every token, revoked and expired ones too, oldest first; never a hash. */
  async list (): Promise<ApiTokenInfo[]> {
    const res = await this.pool.query<ApiTokenInfo>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY id`)
    return res.rows
  }
}

function hashToken (token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}
