/**
 * Operator endpoints: liveness, readiness (storage answers) and Prometheus
 * metrics.
 */
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import { isUnavailable } from '../../storage/errors.js'
import type { Metrics } from '../metrics.js'
import { noCredentials, objectOf, oneOfTexts, out } from './openapi.js'

/** How long /readyz waits for the database: a load balancer's probe must get an answer, even from a blackholed database. */
export const READY_TIMEOUT_MS = 2000

// open to anyone who can reach the port: a load balancer's probes and Prometheus carry no token
const schemaOf = (summary: string, response: object): object => ({ summary, tags: ['operations'], security: noCredentials, response })
const healthz = schemaOf('Liveness: the process answers', { 200: objectOf({ status: oneOfTexts(['ok']) }) })
const readyz = schemaOf('Readiness: storage answers in time', {
  200: objectOf({ status: oneOfTexts(['ready']) }),
  503: objectOf({ status: oneOfTexts(['unavailable']), code: out.text, message: out.text })
})
const metrics = schemaOf('Prometheus metrics', { 200: { description: 'the Prometheus text exposition format', content: { 'text/plain': { schema: out.text } } } })

export function healthRoutes (app: FastifyInstance, deps: { storage: Pick<Storage, 'ping'>, metrics: Metrics, readyTimeoutMs?: number }): void {
  const timeoutMs = deps.readyTimeoutMs ?? READY_TIMEOUT_MS
  app.get('/healthz', { schema: healthz }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: readyz }, async (request, reply) => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs) })
    try {
      const answer = await Promise.race([deps.storage.ping(), late])
      if (answer !== 'late') return { status: 'ready' }
      request.log.warn({ timeoutMs }, 'readiness check: storage did not answer in time')
      return await reply.code(503).send({ status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message: `storage did not answer within ${timeoutMs} ms` })
    } catch (err) {
      // the driver's text stays in the log: /readyz is open to anyone who can reach the port
      request.log.warn({ err: (err as Error).message }, 'readiness check: storage did not answer')
      const message = isUnavailable(err) ? 'storage cannot be reached' : 'storage answered the readiness query with an error'
      return await reply.code(503).send({ status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message })
    } finally {
      clearTimeout(timer)
    }
  })
  app.get('/metrics', { schema: metrics }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics()
    return await reply.type(deps.metrics.registry.contentType).send(body)
  })
}
