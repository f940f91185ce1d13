/**
 * SUBSCRIBE: a vehicle may subscribe only to filters inside its own
 * v1/{vin}/, and to at most `maxSubscriptions` of them. A refused filter gets
 * SUBACK return code 0x80 [MQTT-3.9.3] and the connection stays up.
 *
 * The cap protects the fleet: every subscription is matched against every
 * message the broker routes, and 30,000 of them under one vehicle's prefix
 * pushed the other vehicles' PUBACK p99 to 5.4 s (issue 16).
 */
import type { Aedes, Client, Subscription } from 'aedes'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { isOwnFilter } from '../../proto/topics.js'
import { sessionOf } from './sessions.js'

/** A T-box needs its command topic and a few more; this leaves room for firmware that splits them. */
export const DEFAULT_MAX_SUBSCRIPTIONS = 32

export interface AuthorizeSubscribeDeps {
  metrics: Metrics
  log: Logger
  maxSubscriptions?: number
}

/**
 * The filters each connection holds, counted here rather than read from
 * aedes: aedes authorizes every filter of one SUBSCRIBE before it adds any.
 */
export class SubscriptionCounts {
  private readonly granted = new WeakMap<Client, Set<string>>()

  of (client: Client): Set<string> {
    let topics = this.granted.get(client)
    if (topics === undefined) {
      topics = new Set()
      this.granted.set(client, topics)
    }
    return topics
  }

  /** Forgets filters the client unsubscribed from, so it may subscribe again. */
  track (aedes: Aedes): void {
    aedes.on('unsubscribe', (topics, client) => {
      const held = this.granted.get(client)
      for (const topic of topics) held?.delete(topic)
    })
  }
}

export function createAuthorizeSubscribe (deps: AuthorizeSubscribeDeps, counts = new SubscriptionCounts()) {
  const max = deps.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS
  return function authorizeSubscribe (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const session = sessionOf(client)
    if (session === undefined || !isOwnFilter(sub.topic, session.vin)) {
      deps.metrics.aclDenials.inc({ operation: 'subscribe' })
      deps.log.warn({ vin: session?.vin ?? untrusted(client.id), topic: untrusted(sub.topic) }, 'subscription outside the vehicle\'s own topics refused')
      callback(null, null)
      return
    }
    const held = counts.of(client)
    if (!held.has(sub.topic) && held.size >= max) {
      deps.metrics.aclDenials.inc({ operation: 'subscribe' })
      deps.log.warn({ vin: session.vin, topic: untrusted(sub.topic), max }, 'subscription refused: the connection holds as many as a vehicle may')
      callback(null, null)
      return
    }
    held.add(sub.topic)
    callback(null, sub)
  }
}
