/**
 * CONNECT, before authentication: a last will may only be the vehicle's own
 * retained status. aedes publishes a will without asking authorizePublish
 * about its topic when the owner was connected to another broker node, so
 * the check belongs here, where the will arrives [MQTT-3.1.2.5].
 */
import type { Client, ConnectPacket } from 'aedes'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { topics } from '../../proto/topics.js'
import { MAX_STATUS_BYTES } from './authorize-publish.js'

export function createPreConnect (deps: { metrics: Metrics, log: Logger }) {
  return function preConnect (_client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    const will = packet.will
    if (will !== undefined && will !== null &&
      (will.topic !== topics.status(packet.clientId) || (will.payload?.length ?? 0) > MAX_STATUS_BYTES)) {
      deps.metrics.authFailures.inc({ reason: 'will' })
      deps.log.warn({ vin: untrusted(packet.clientId), topic: untrusted(will.topic) }, 'connection refused: last will outside the vehicle\'s status topic')
      callback(new Error(`last will on ${JSON.stringify(will.topic)} refused: only ${topics.status(packet.clientId)} is allowed`), false)
      return
    }
    callback(null, true)
  }
}
