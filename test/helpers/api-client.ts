/**
 * The HTTP API of a test's own fastify instance, by injected requests (no
 * port): `call` sends one with a bearer token (none: no Authorization
 * header), `expectError` checks an error answer, its status and its
 * { code, message } body.
 */
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'

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
