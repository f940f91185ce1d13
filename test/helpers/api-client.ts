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
