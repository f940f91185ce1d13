/**
 * Operator endpoints: liveness, readiness (storage answers, and on several
 * nodes Redis too) and Prometheus metrics.
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
const readyz = schemaOf('Readiness: storage (and, with several nodes, Redis) answers in time, and stored batches\' decoded rows are not too far behind', {
  200: objectOf({ status: oneOfTexts(['ready']), projectionLagSeconds: out.number }),
  503: objectOf({ status: oneOfTexts(['unavailable']), code: out.text, message: out.text })
})
const metrics = schemaOf('Prometheus metrics', { 200: { description: 'the Prometheus text exposition format', content: { 'text/plain': { schema: out.text } } } })

/** Default of PITWALL_PROJECTION_MAX_LAG_MS. */
export const DEFAULT_MAX_PROJECTION_LAG_MS = 30_000

export interface HealthDeps {
  storage: Pick<Storage, 'ping'> & { projector: Pick<Storage['projector'], 'lagMs'> }
  metrics: Metrics
  readyTimeoutMs?: number
  /** not ready while the oldest stored batch has waited longer than this for its decoded rows */
  maxProjectionLagMs?: number
  /**
   * Redis, when nodes share their brokers through it: not ready while it does not answer, since
   * the node refuses new MQTT connections meanwhile (its connected vehicles' telemetry still flows)
   */
  sharedState?: { readonly available: boolean, readonly where: string } | undefined
}

export function healthRoutes (app: FastifyInstance, deps: HealthDeps): void {
  const timeoutMs = deps.readyTimeoutMs ?? READY_TIMEOUT_MS
  const maxLagMs = deps.maxProjectionLagMs ?? DEFAULT_MAX_PROJECTION_LAG_MS
  app.get('/healthz', { schema: healthz }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: readyz }, async (request, reply) => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs) })
    try {
      if (deps.sharedState !== undefined && !deps.sharedState.available) {
        // the node refuses CONNECTs (return code 3) until Redis answers: a load balancer should send vehicles to another node
        request.log.warn({ redis: deps.sharedState.where }, 'readiness check: Redis does not answer')
        return await reply.code(503).send({ status: 'unavailable', code: 'PITWALL_ERR_REDIS_UNAVAILABLE', message: 'Redis (the broker state the gateway nodes share) does not answer: new MQTT connections are refused' })
      }
      const answer = await Promise.race([deps.storage.ping(), late])
      const lagMs = deps.storage.projector.lagMs
      if (answer !== 'late' && lagMs > maxLagMs) {
        // the batches are durable (their PUBACKs went out) but reads of signals, positions and DTCs lag: send readers elsewhere
        request.log.warn({ lagMs, maxLagMs }, 'readiness check: decoded rows lag behind')
        return await reply.code(503).send({ status: 'unavailable', code: 'PITWALL_ERR_PROJECTION_LAG', message: `stored batches wait ${Math.round(lagMs / 1000)} s for their decoded rows (limit ${Math.round(maxLagMs / 1000)} s)` })
      }
      if (answer !== 'late') return { status: 'ready', projectionLagSeconds: lagMs / 1000 }
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
