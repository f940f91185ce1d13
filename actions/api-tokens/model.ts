/**
 * API tokens as data: the roles a token acts as, what a token carries, the
 * token's format and the limits. What a token may be is decided in
 * ./policy.ts; storage/api-tokens.ts stores its hash.
 */

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

/** A token as asked for; the policy (./policy.ts tokenGrant) turns it into what the store writes. */
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
export const TOKEN_BYTES = 32
/** pwt_ and 32 bytes in unpadded base64url */
export const TOKEN_SHAPE = /^pwt_[A-Za-z0-9_-]{43}$/
/** the longest name and dealer id a token may carry */
export const MAX_TEXT = 100
/**
 * last_used_at is written at most this often per token, so that a busy API
 * client does not turn every request into a write.
 */
export const LAST_USED_RESOLUTION_S = 60
