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
import { LAST_USED_RESOLUTION_S, TOKEN_BYTES, TOKEN_PREFIX, type ApiPrincipal, type ApiTokenInfo, type NewApiToken } from '../actions/api-tokens/model.js'
import { PitwallError } from '../runtime/errors.js'
import { Statement } from './prepared.js'

/** ApiTokenInfo; never the hash */
const TOKEN_COLUMNS = `id, name, role, dealer_id AS "dealerId", created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt",
  last_used_at AS "lastUsedAt"`

// every API request: the lookup, and last_used_at when it is stale, in one round trip
const AUTHENTICATE = new Statement('pitwall_api_token_authenticate', `
WITH t AS (
  SELECT id, role, dealer_id, name FROM api_tokens
  WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
), used AS (
  UPDATE api_tokens SET last_used_at = now()
  WHERE id = (SELECT id FROM t) AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 second')
)
SELECT id, role, dealer_id AS "dealerId", name FROM t`)

export class ApiTokenStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * A new token, as the policy accepted it (actions/api-tokens/policy.ts
   * tokenGrant); `token` is returned only here and cannot be recovered later.
   */
  async create (grant: NewApiToken): Promise<{ token: string, info: ApiTokenInfo }> {
    const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url')
    const res = await this.pool.query<ApiTokenInfo>(
      `INSERT INTO api_tokens (name, role, dealer_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${TOKEN_COLUMNS}`,
      [grant.name, grant.role, grant.dealerId ?? null, hashToken(token), grant.expiresAt ?? null])
    return { token, info: res.rows[0] as ApiTokenInfo }
  }

  /**
   * The principal of a token that exists, is not revoked and has not
   * expired; undefined for anything else. Text without a token's shape is
   * refused before it gets here (actions/api-tokens/policy.ts hasTokenShape).
   */
  async authenticate (token: string): Promise<ApiPrincipal | undefined> {
    const res = await this.pool.query<ApiPrincipal>(AUTHENTICATE.on(this.pool, [hashToken(token), LAST_USED_RESOLUTION_S]))
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
