/**
 * PUBLISH: the topic allow-list, then telemetry ingest. For QoS 1 aedes
 * writes the PUBACK as soon as this hook calls back (lib/handlers/publish.js),
 * so the callback waits for the durable commit: PUBACK means stored. A
 * refused publish closes the connection, the only refusal MQTT 3.1.1 has for
 * a PUBLISH [MQTT-3.3.5-2].
 *
 * A vehicle publishes to exactly three topics of its own: telemetry (stored,
 * never retained, never forwarded to vehicles), status (retained, small) and
 * cmd/ack. Anything else, including telemetry/<anything>, is refused rather
 * than acknowledged and silently dropped.
 */
import type { Client, PublishPacket } from 'aedes'
import type { TelemetryIngest } from '../ingest.js'
import { untrusted, type Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { publishTopicOf } from '../../proto/topics.js'
import { PacketLimitedStream } from './packet-limit.js'
import { sessionOf } from './sessions.js'
import { isPitwallError, PitwallError } from '../../runtime/errors.js'

/** A retained status is kept per vehicle in broker memory: keep it small. */
export const MAX_STATUS_BYTES = 1024

/** Where a vehicle's command acknowledgements go (actions/commands/dispatcher.ts). */
export interface CommandAckSink {
  acknowledge (vehicleId: number, payload: Uint8Array): Promise<unknown>
}

export interface AuthorizePublishDeps {
  ingest: TelemetryIngest
  /** absent: acknowledgements pass through unread (no command signing key configured) */
  commands?: CommandAckSink | undefined
  metrics: Metrics
  log: Logger
  maxPacketBytes: number
}

export class AclError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_ACL', message)
  }
}

export function createAuthorizePublish (deps: AuthorizePublishDeps) {
  const deny = (client: Client, vin: string | undefined, topic: string, why: string, callback: (error?: Error | null) => void): void => {
    deps.metrics.aclDenials.inc({ operation: 'publish' })
    deps.log.warn({ vin: vin ?? untrusted(client.id), topic: untrusted(topic), why }, 'publish refused; closing the connection')
    callback(new AclError(`publish to ${JSON.stringify(topic)} refused: ${why}`))
  }
  const tooLarge = (size: number) => ({
    code: 'PITWALL_ERR_PACKET_TOO_LARGE',
    message: `PUBLISH of ${size} bytes exceeds the ${deps.maxPacketBytes}-byte limit`
  })

  return function authorizePublish (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    // client is null only when aedes republishes the will of a client that
    // was connected to a broker node now gone; preConnect admitted only
    // wills on the vehicle's own status topic.
    if (client === null) return callback(null)
    const session = sessionOf(client)
    const kind = session === undefined ? undefined : publishTopicOf(packet.topic, session.vin)
    if (session === undefined || kind === undefined) {
      return deny(client, session?.vin, packet.topic, 'not one of the vehicle\'s own publish topics', callback)
    }
    const oversized = takeOversized(client, packet)
    if (kind === 'telemetry' || (kind === 'commandAck' && deps.commands !== undefined && oversized === undefined)) {
      // the PUBACK waits for storage: the vehicle's window of such PUBLISHes (packet-limit.ts) counts it until it settles
      const conn = client.conn instanceof PacketLimitedStream ? client.conn : undefined
      if (conn?.publishStarted() === true) deps.metrics.ingestInflightFull.inc()
      deps.metrics.ingestInflight.inc()
      const answer = callback
      callback = (error) => {
        deps.metrics.ingestInflight.dec()
        conn?.publishSettled()
        answer(error)
      }
    }
    if (kind === 'telemetry') {
      // Never retained: that would pin a batch per vehicle in broker memory.
      packet.retain = false
      const done = oversized === undefined
        ? deps.ingest.accept(session, packet.topic, packet.payload as Buffer)
        : deps.ingest.deadLetter(session.vin, packet.topic, null, oversized, tooLarge(oversized))
      done.then(() => callback(null), (err: Error) => {
        deps.log.error({ vin: session.vin, err }, 'telemetry could not be stored; closing the connection so the vehicle retransmits')
        callback(err)
      })
      return
    }
    if (oversized !== undefined) {
      // The stand-in payload must not reach subscribers or the retained store.
      const refuse = (): void => deny(client, session.vin, packet.topic, tooLarge(oversized).message, callback)
      deps.ingest.deadLetter(session.vin, packet.topic, null, oversized, tooLarge(oversized)).then(refuse, (err: unknown) => {
        deps.log.error({ vin: session.vin, err }, 'dead letter could not be stored')
        refuse()
      })
      return
    }
    if (kind === 'status' && packet.payload.length > MAX_STATUS_BYTES) {
      return deny(client, session.vin, packet.topic, `status payload over ${MAX_STATUS_BYTES} bytes`, callback)
    }
    if (kind === 'commandAck') {
      packet.retain = false
      if (deps.commands !== undefined) {
        // Stored before the PUBACK, like telemetry: the T-box may forget an
        // acknowledged ack. One the gateway cannot use (does not decode,
        // unknown command) is kept as a dead letter and acknowledged, since
        // sending it again would not make it usable.
        deps.commands.acknowledge(session.vehicleId, packet.payload as Buffer).then(() => callback(null), (err: Error) => {
          if (isPitwallError(err, 'PITWALL_ERR_COMMAND_ACK') || isPitwallError(err, 'PITWALL_ERR_COMMAND_UNKNOWN')) {
            deps.ingest.deadLetter(session.vin, packet.topic, packet.payload as Buffer, packet.payload.length, { code: err.code, message: err.message })
              .then(() => callback(null), (stored: unknown) => callback(stored as Error))
            return
          }
          deps.log.error({ vin: session.vin, err }, 'command acknowledgement could not be stored; closing the connection so the vehicle sends it again')
          callback(err)
        })
        return
      }
    }
    callback(null)
  }
}

/** The size of the oversized PUBLISH this packet stands in for, if it is a stand-in. */
function takeOversized (client: Client, packet: PublishPacket): number | undefined {
  const conn = client.conn
  if (!(conn instanceof PacketLimitedStream)) return undefined
  const payload = packet.payload
  // no stand-in pending: nothing to recognise (and no marker to make)
  if (!conn.oversizedPending) return undefined
  if (!Buffer.isBuffer(payload) || !payload.equals(conn.marker)) return undefined
  return conn.takeOversized()?.size
}
