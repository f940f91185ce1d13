/**
 * Whose dealer data a request reads, the same for every route that takes
 * `?dealer=`: a dealer token reads only its own dealer's (naming another is
 * a 403 before anything is read; naming its own is allowed, a console may
 * always send it); engineer and operator tokens name the dealer, which must
 * be registered (a misspelt one must not look like a dealer without data).
 *
 *   scope.get('/api/v1/kpis', { preValidation: [requireRole(...), ownDealerOnly('KPIs')] }, async (request) => {
 *     const dealerId = await dealerOf(request, request.query.dealer, dealers)   // null: the caller named none
 *   })
 */
import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import type { DealerStore } from '../../storage/dealers.js'
import { PitwallError } from '../../runtime/errors.js'
import { principalOf } from './auth.js'

/** A preValidation hook after requireRole: refuses a dealer token that names another dealer in ?dealer=; `what` names the data, e.g. "inbox". */
export function ownDealerOnly (what: string): preValidationAsyncHookHandler {
  return async function (request) {
    const caller = principalOf(request)
    const named = (request.query as { dealer?: unknown }).dealer
    if (caller.role === 'dealer' && named !== undefined && named !== caller.dealerId) {
      throw new PitwallError('PITWALL_ERR_FORBIDDEN',
        `token ${JSON.stringify(caller.name)} is dealer ${caller.dealerId ?? '?'}'s; it reads only its own ${what}, not dealer ${String(named)}'s (leave out ?dealer=)`)
    }
  }
}

/** The dealer whose data is read: a dealer token's own, else the one named (404 when not registered); null when none is named. */
export async function dealerOf (request: FastifyRequest, named: string | undefined, dealers: Pick<DealerStore, 'get'>): Promise<string | null> {
  const caller = principalOf(request)
  // a dealer token always has its dealer (api_tokens checks it)
  if (caller.role === 'dealer') return caller.dealerId as string
  if (named === undefined) return null
  await dealers.get(named)
  return named
}
