/**
 * Who is signed in. The console never holds a token: sign-in posts it once
 * to /api/v1/session, which answers with an HttpOnly, SameSite=Strict cookie
 * and the principal below; the page then forgets the token.
 */
export type Role = 'engineer' | 'operator' | 'dealer'

export interface SessionInfo {
  role: Role
  name: string
  dealerId: string | null
  expiresAt: string
}
