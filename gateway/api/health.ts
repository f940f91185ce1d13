/**
 * Operator endpoints: liveness, readiness (storage answers) and Prometheus
 * metrics.
 */
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import type { Metrics } from '../metrics.js'

export function healthRoutes (app: FastifyInstance, deps: { storage: Pick<Storage, 'ping'>, metrics: Metrics }): void {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.storage.ping()
      return { status: 'ready' }
    } catch (err) {
      return await reply.code(503).send({ status: 'unavailable', code: 'PITWALL_ERR_STORAGE_UNAVAILABLE', message: (err as Error).message })
    }
  })
  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics()
    return await reply.type(deps.metrics.registry.contentType).send(body)
  })
}
