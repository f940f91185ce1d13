/**
 * The HTTP server: operator endpoints, the API for engineers, operators
 * and dealers (bearer tokens, gateway/api/auth.ts), and MQTT over WebSocket on /mqtt (for T-boxes behind
 * proxies that pass only HTTP(S), and for browser consoles).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { SecureContextOptions } from 'node:tls'
import type { Duplex } from 'node:stream'
import type { Storage } from '../storage/index.js'
import { WebSocketServer, createWebSocketStream } from 'ws'
import type { PitwallBroker } from './broker/index.js'
import { limitMessageBytes, messageLimitFor } from './broker/websocket-limit.js'
import { registerApi, type ApiDeps } from './api/index.js'
import { healthRoutes, type HealthDeps } from './api/health.js'
import { registerConsole, type ConsoleOptions } from './console.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import { TLS_HANDSHAKE_TIMEOUT_MS } from './tls.js'

export const MQTT_WS_PATH = '/mqtt'

export interface HttpDeps {
  broker: PitwallBroker
  storage: HealthDeps['storage']
  metrics: Metrics
  /** /readyz: not ready while Redis does not answer (several nodes); absent: one node */
  sharedState?: HealthDeps['sharedState']
  /** /readyz: PITWALL_PROJECTION_MAX_LAG_MS */
  maxProjectionLagMs?: number | undefined
  log: Logger
  maxPacketBytes: number
  /** the API (bearer tokens, role-scoped); absent: operator endpoints only */
  api?: ApiDeps
  /** the console at / (./console.ts); absent: not served */
  console?: ConsoleOptions | undefined
  /** serve HTTPS (and MQTT over WSS) with this certificate and key; absent: plain HTTP */
  https?: SecureContextOptions | undefined
}

export async function createHttpServer (deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.https === undefined ? {} : { https: { ...deps.https, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS } }),
    // Per-request logs are debug noise at fleet scale; warnings and errors stay.
    // pino 10's Logger type is wider than the one fastify 5 declares; the instance is compatible.
    loggerInstance: deps.log.child({ module: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger
  // The routes do not depend on the server's type; with `https` fastify types the instance for an https.Server.
  }) as unknown as FastifyInstance
  const https = deps.https !== undefined
  app.addHook('onSend', async (request, reply) => {
    // OWASP secure headers for an API: no content sniffing, no referrer leaks, no cached answers
    // (they carry fleet data and, once, new secrets), and HTTPS remembered by browsers
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store')
    if (https) reply.header('strict-transport-security', 'max-age=31536000')
  })
  if (deps.api !== undefined) {
    registerApi(app, deps.api)
  }
  // after the API and in a plugin: @fastify/swagger (loaded by registerApi) documents the routes added once it is loaded
  void app.register(async (operations) => { healthRoutes(operations, { storage: deps.storage, metrics: deps.metrics, maxProjectionLagMs: deps.maxProjectionLagMs, sharedState: deps.sharedState }) })
  if (deps.console !== undefined) registerConsole(app, deps.console)

  const wss = new WebSocketServer({
    noServer: true,
    // ws buffers a whole frame before handing it on, so this bounds memory per
    // connection. MQTT clients send a packet per frame: a packet up to twice
    // the MQTT limit still arrives and is dead-lettered and acknowledged like
    // on TCP; a larger frame closes the connection (1009).
    // Until a connection authenticates, its own limit is that of a CONNECT (below).
    maxPayload: messageLimitFor(deps.maxPacketBytes),
    handleProtocols: (protocols) => protocols.has('mqtt') ? 'mqtt' : false
  })
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== MQTT_WS_PATH) {
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = deps.broker.handle(createWebSocketStream(ws), { address: req.socket.remoteAddress ?? 'unknown' })
      if (conn === undefined) return
      // set before the first frame is read (handleUpgrade calls back synchronously once the socket is attached)
      limitMessageBytes(ws, messageLimitFor(conn.limits.maxConnectBytes))
      conn.once('admitted', () => { limitMessageBytes(ws, messageLimitFor(conn.limits.maxBytes)) })
    })
  })
  app.addHook('onClose', async () => {
    for (const client of wss.clients) client.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  })
  return app
}
