/**
 * The HTTP API of a test's own fastify instance, by injected requests (no
 * port): `call` sends one with a bearer token (none: no Authorization
 * header), `expectError` checks an error answer, its status and its
 * { code, message } body. `openApi` serves every route group on a test's
 * storage, as the gateway does.
 */
import Fastify, { type FastifyInstance, type HTTPMethods, type LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { registerApi } from '../../gateway/api/index.js'
import type { Storage } from '../../storage/index.js'

export interface ApiClient {
  call: (method: HTTPMethods, url: string, token?: string, payload?: unknown) => Promise<LightMyRequestResponse>
  expectError: (t: Test, res: Promise<LightMyRequestResponse>, status: number, code: string, message: string | RegExp) => Promise<void>
}

/** One token of each role, named as expectEngineerWrites expects: engineer "alice", operator "olaf", dealer "Autohaus Nord" of dealer-nord. */
export async function roleTokens (tokens: Storage['apiTokens']): Promise<{ engineer: string, operator: string, dealer: string }> {
  return {
    engineer: (await tokens.create({ name: 'alice', role: 'engineer' })).token,
    operator: (await tokens.create({ name: 'olaf', role: 'operator' })).token,
    dealer: (await tokens.create({ name: 'Autohaus Nord', role: 'dealer', dealerId: 'dealer-nord' })).token
  }
}

/** A route as the denial checks take it: method, URL, and the body a writer would send. */
export type RouteCall = ['GET' | 'POST', string, unknown?]

/**
 * The engineer-written routes' refusals: 401 without a token, 403 for the
 * dealer token "Autohaus Nord" on every route, and 403 for the operator
 * token "olaf" on every POST (operators read, engineers write).
 */
export async function expectEngineerWrites (t: Test, call: ApiClient['call'], routes: readonly RouteCall[], tokens: { dealer: string, operator: string }): Promise<void> {
  for (const [method, url, payload] of routes) {
    const anonymous = await call(method, url, undefined, payload)
    t.equal(anonymous.statusCode, 401, `${method} ${url} without a token`)
    t.match(anonymous.json(), { code: 'PITWALL_ERR_UNAUTHENTICATED' })
    const asDealer = await call(method, url, tokens.dealer, payload)
    t.equal(asDealer.statusCode, 403, `${method} ${url} as a dealer`)
    t.match(asDealer.json(), { code: 'PITWALL_ERR_FORBIDDEN', message: /token "Autohaus Nord" is a dealer token/ })
    if (method !== 'POST') continue
    const asOperator = await call(method, url, tokens.operator, payload)
    t.equal(asOperator.statusCode, 403, `${method} ${url} as an operator`)
    t.match(asOperator.json(), { code: 'PITWALL_ERR_FORBIDDEN', message: /is for engineer tokens; token "olaf" is an operator token/ })
  }
}

export function apiClient (app: FastifyInstance): ApiClient {
  return {
    call: async (method, url, token, payload) => await app.inject({
      method,
      url,
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      ...(payload === undefined ? {} : { payload: payload as object })
    }),
    expectError: async (t, res, status, code, message) => {
      const r = await res
      t.equal(r.statusCode, status, `${status} ${code}`)
      t.match(r.json(), { code, message })
    }
  }
}

/** The whole API on `storage`, closed when `t` ends. */
export async function openApi (t: Test, storage: Storage): Promise<ApiClient & { app: FastifyInstance }> {
  const app = Fastify()
  registerApi(app, { storage })
  await app.ready()
  t.teardown(async () => { await app.close() })
  return { app, ...apiClient(app) }
}
