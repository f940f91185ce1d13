/**
 * The HTTP server: operator endpoints, the API for engineers, operators
 * and dealers (bearer tokens, gateway/api/auth.ts), and MQTT over WebSocket on /mqtt (for T-boxes behind
 * proxies that pass only HTTP(S), and for browser consoles).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Storage } from '../storage/index.js'
import { WebSocketServer, createWebSocketStream } from 'ws'
import type { PitwallBroker } from './broker/index.js'
import { registerApi, type ApiDeps } from './api/index.js'
import { healthRoutes } from './api/health.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

export const MQTT_WS_PATH = '/mqtt'

export interface HttpDeps {
  broker: PitwallBroker
  storage: Pick<Storage, 'ping'>
  metrics: Metrics
  log: Logger
  maxPacketBytes: number
  /** the API (bearer tokens, role-scoped); absent: operator endpoints only */
  api?: ApiDeps
}

export async function createHttpServer (deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request logs are debug noise at fleet scale; warnings and errors stay.
    // pino 10's Logger type is wider than the one fastify 5 declares; the instance is compatible.
    loggerInstance: deps.log.child({ module: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger
  })
  healthRoutes(app, { storage: deps.storage, metrics: deps.metrics })
  if (deps.api !== undefined) {
    registerApi(app, deps.api)
  }

  const wss = new WebSocketServer({
    noServer: true,
    // ws buffers a whole frame before handing it on, so this bounds memory per
    // connection. MQTT clients send a packet per frame: a packet up to twice
    // the MQTT limit still arrives and is dead-lettered and acknowledged like
    // on TCP; a larger frame closes the connection (1009).
    maxPayload: deps.maxPacketBytes * 2 + 16,
    handleProtocols: (protocols) => protocols.has('mqtt') ? 'mqtt' : false
  })
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== MQTT_WS_PATH) {
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      deps.broker.handle(createWebSocketStream(ws), { address: req.socket.remoteAddress ?? 'unknown' })
    })
  })
  app.addHook('onClose', async () => {
    for (const client of wss.clients) client.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  })
  return app
}
