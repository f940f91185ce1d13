/**
 * PUBLISH: the topic ACL, then telemetry ingest. For QoS 1 aedes writes the
 * PUBACK as soon as this hook calls back (lib/handlers/publish.js), so the
 * callback waits for the durable commit: PUBACK means stored. A refused
 * topic closes the connection, the only refusal MQTT 3.1.1 has for a
 * PUBLISH [MQTT-3.3.5-2].
 */
import type { Client, PublishPacket } from 'aedes'
import type { TelemetryIngest } from '../ingest.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { isOwnTopic, topics } from '../topics.js'
import { PacketLimitedStream } from './packet-limit.js'
import { sessionOf } from './sessions.js'

export interface AuthorizePublishDeps {
  ingest: TelemetryIngest
  metrics: Metrics
  log: Logger
  maxPacketBytes: number
}

export class AclError extends Error {
  readonly code = 'PITWALL_ERR_ACL'
}

export function createAuthorizePublish (deps: AuthorizePublishDeps) {
  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const session = sessionOf(client)
    // client is null only for a will aedes publishes after its owner is gone;
    // that will passed this hook when its owner connected.
    if (client === null) return callback(null)
    if (session === undefined || !isOwnTopic(packet.topic, session.vin)) {
      deps.metrics.aclDenials.inc({ operation: 'publish' })
      deps.log.warn({ vin: session?.vin ?? client.id, topic: packet.topic }, 'publish outside the vehicle\'s own topics refused')
      return callback(new AclError(`publish to ${packet.topic} is not allowed`))
    }
    const oversized = takeOversized(client, packet)
    if (packet.topic === topics.telemetry(session.vin)) {
      // Telemetry is never retained: that would pin a batch per vehicle in broker memory.
      packet.retain = false
      const done = oversized === undefined
        ? deps.ingest.accept(session.vin, session.vehicleId, packet.topic, packet.payload as Buffer)
        : deps.ingest.deadLetter(session.vin, packet.topic, null, oversized, {
          code: 'PITWALL_ERR_PACKET_TOO_LARGE',
          message: `PUBLISH of ${oversized} bytes exceeds the ${deps.maxPacketBytes}-byte limit`
        })
      done.then(() => callback(null), (err: Error) => {
        deps.log.error({ vin: session.vin, err }, 'telemetry could not be stored; closing the connection so the vehicle retransmits')
        callback(err)
      })
      return
    }
    if (oversized !== undefined) {
      // Elsewhere the stand-in payload must not reach subscribers or the retained store.
      deps.ingest.deadLetter(session.vin, packet.topic, null, oversized, {
        code: 'PITWALL_ERR_PACKET_TOO_LARGE',
        message: `PUBLISH of ${oversized} bytes exceeds the ${deps.maxPacketBytes}-byte limit`
      }).finally(() => callback(new Error('oversized publish')))
      return
    }
    callback(null)
  }
}

/** The size of the oversized PUBLISH this packet stands in for, if it is a stand-in. */
function takeOversized (client: Client, packet: PublishPacket): number | undefined {
  const conn = client.conn
  if (!(conn instanceof PacketLimitedStream)) return undefined
  const payload = packet.payload
  if (!Buffer.isBuffer(payload) || !payload.equals(conn.marker)) return undefined
  return conn.oversized.shift()?.size
}
