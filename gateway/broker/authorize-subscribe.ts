/**
 * SUBSCRIBE: a vehicle may subscribe only to filters inside its own
 * v1/{vin}/. A refused filter gets SUBACK return code 0x80 [MQTT-3.9.3]
 * and the connection stays up.
 */
import type { Client, Subscription } from 'aedes'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { isOwnFilter } from '../../proto/topics.js'
import { sessionOf } from './sessions.js'

export function createAuthorizeSubscribe (deps: { metrics: Metrics, log: Logger }) {
  return function authorizeSubscribe (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const session = sessionOf(client)
    if (session === undefined || !isOwnFilter(sub.topic, session.vin)) {
      deps.metrics.aclDenials.inc({ operation: 'subscribe' })
      deps.log.warn({ vin: session?.vin ?? untrusted(client.id), topic: untrusted(sub.topic) }, 'subscription outside the vehicle\'s own topics refused')
      callback(null, null)
      return
    }
    callback(null, sub)
  }
}
