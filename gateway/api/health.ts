/**
 * Operator endpoints: liveness, readiness (storage answers) and Prometheus
 * metrics.
 */
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import { isUnavailable } from '../../storage/errors.js'
import type { Metrics } from '../metrics.js'

export function healthRoutes (app: FastifyInstance, deps: { storage: Pick<Storage, 'ping'>, metrics: Metrics }): void {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (request, reply) => {
    try {
      await deps.storage.ping()
      return { status: 'ready' }
    } catch (err) {
      // the driver's text stays in the log: /readyz is open to anyone who can reach the port
      request.log.warn({ err: (err as Error).message }, 'readiness check: storage did not answer')
      const message = isUnavailable(err) ? 'storage cannot be reached' : 'storage answered the readiness query with an error'
      return await reply.code(503).send({ status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message })
    }
  })
  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics()
    return await reply.type(deps.metrics.registry.contentType).send(body)
  })
}
