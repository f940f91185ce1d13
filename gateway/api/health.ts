/**
 * Operator endpoints: liveness, readiness (storage answers) and Prometheus
 * metrics.
 */
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import { isUnavailable } from '../../storage/errors.js'
import type { Metrics } from '../metrics.js'

/** How long /readyz waits for the database: a load balancer's probe must get an answer, even from a blackholed database. */
export const READY_TIMEOUT_MS = 2000

export function healthRoutes (app: FastifyInstance, deps: { storage: Pick<Storage, 'ping'>, metrics: Metrics, readyTimeoutMs?: number }): void {
  const timeoutMs = deps.readyTimeoutMs ?? READY_TIMEOUT_MS
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (request, reply) => {
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
  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics()
    return await reply.type(deps.metrics.registry.contentType).send(body)
  })
}
