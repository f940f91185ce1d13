/**
 * API tokens over HTTP, for operators only (needs registerApiAuth, see
 * ./auth.ts):
 *
 *   GET    /api/v1/tokens      every token, revoked and expired ones too; never a token or its hash
 *   POST   /api/v1/tokens      {name, role, dealerId?, expiresAt?}: 201 with the token, shown only in this response;
 *                               operator and dealer tokens only
 *   DELETE /api/v1/tokens/:id  revoke, effective from the next request
 *
 * An engineer token is not created here: it queues signed commands and OTA
 * updates to vehicles, which operators may not, and an operator token that
 * could mint one would have every engineer's power (a stolen one too).
 * Engineer tokens come from `pitwall token create --role engineer` on the
 * gateway's host.
 *
 * A dealer token must name a registered dealer (a typo would otherwise give
 * a token that sees an empty inbox). Revoking one's own token is allowed,
 * but the answer says so (ownToken) and, when no other operator token is
 * left active, warns that nobody can manage tokens over the API any more:
 * `pitwall token create --role operator` on the gateway's host is then the
 * way back in. Roles are checked before the request's shape
 * (preValidation), as in ./inbox.ts.
 */
import type { FastifyInstance } from 'fastify'
import { API_ROLES, type ApiRole } from '../../actions/api-tokens/model.js'
import { tokenGrant } from '../../actions/api-tokens/policy.js'
import type { ApiTokenStore } from '../../storage/api-tokens.js'
import type { DealerStore } from '../../storage/dealers.js'
import { PitwallError } from '../../runtime/errors.js'
import { principalOf, requireRole } from './auth.js'
import { arrayOf, errorResponses, objectOf, oneOfTexts, orNull, out } from './openapi.js'
import { integerIdParams, isoTimeSchema, oneOf, parseIsoTime } from './request-values.js'
import { registerApiScope } from './scope.js'

export interface TokenRouteDeps {
  apiTokens: Pick<ApiTokenStore, 'create' | 'list' | 'revoke'>
  dealers: Pick<DealerStore, 'get'>
}

const createBody = {
  type: 'object',
  required: ['name', 'role'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200 },
    // checked by oneOf, whose message lists the roles
    role: { type: 'string' },
    dealerId: { type: 'string', minLength: 1, maxLength: 64 },
    expiresAt: isoTimeSchema
  }
}

/** A token as listed: never the token or its hash. */
const tokenProperties = {
  id: out.integer,
  name: out.text,
  role: oneOfTexts(API_ROLES),
  dealerId: orNull(out.text),
  createdAt: out.time,
  expiresAt: orNull(out.time),
  revokedAt: orNull(out.time),
  lastUsedAt: orNull(out.time)
}
const tokenSchema = objectOf(tokenProperties)
const createdAnswer = objectOf({ token: { ...out.text, description: 'the token, shown only in this answer' }, ...tokenProperties })
const revokedAnswer = objectOf({
  ...tokenProperties,
  ownToken: { ...out.boolean, description: 'the token revoked was the one this request used' },
  message: { ...out.text, description: 'with ownToken: what that means, and whether another operator token is left' }
}, ['message'])
const tags = ['tokens']

export function registerTokenRoutes (app: FastifyInstance, deps: TokenRouteDeps): void {
  const { apiTokens, dealers } = deps
  const operators = requireRole('operator')

  registerApiScope(app, 'token', (scope) => {
    scope.get('/api/v1/tokens', { preValidation: operators, schema: { summary: 'Every API token, revoked and expired ones too', tags, response: { 200: objectOf({ tokens: arrayOf(tokenSchema) }) } } }, async () => ({ tokens: await apiTokens.list() }))

    scope.post<{ Body: { name: string, role: string, dealerId?: string, expiresAt?: string } }>('/api/v1/tokens',
      { preValidation: operators, schema: { summary: 'Create an operator or dealer token', tags, body: createBody, response: { 201: createdAnswer, ...errorResponses(404) } } },
      async (request, reply) => {
        const { name, dealerId, expiresAt } = request.body
        const role = oneOf<ApiRole>(request.body.role, API_ROLES, 'body.role')
        if (role === 'engineer') {
          throw new PitwallError('PITWALL_ERR_FORBIDDEN',
            `token ${JSON.stringify(principalOf(request).name)} is an operator token; it creates operator and dealer tokens only (engineer tokens: \`pitwall token create --role engineer\` on the gateway's host)`)
        }
        if (role === 'dealer' && dealerId !== undefined) await dealers.get(dealerId)
        const created = await apiTokens.create(tokenGrant({ name, role, dealerId, expiresAt: expiresAt === undefined ? undefined : parseIsoTime(expiresAt, 'body.expiresAt') }))
        return await reply.code(201).send({ token: created.token, ...created.info })
      })

    scope.delete<{ Params: { id: number } }>('/api/v1/tokens/:id',
      { preValidation: operators, schema: { summary: 'Revoke a token, from its next request on', tags, params: integerIdParams, response: { 200: revokedAnswer } } },
      async (request) => {
        const caller = principalOf(request)
        const revoked = await apiTokens.revoke(request.params.id)
        if (revoked.id !== caller.id) return { ...revoked, ownToken: false }
        const now = Date.now()
        const operatorsLeft = (await apiTokens.list()).filter((t) =>
          t.role === 'operator' && t.revokedAt === null && (t.expiresAt === null || t.expiresAt.getTime() > now)).length
        const warning = operatorsLeft === 0
          ? ' No other operator token is active: nobody can manage tokens over the API until one is created with `pitwall token create --role operator`.'
          : ` ${operatorsLeft} other operator token(s) remain active.`
        return { ...revoked, ownToken: true, message: `token ${revoked.id} was the one this request used; it is refused from the next request on.${warning}` }
      })
  })
}
