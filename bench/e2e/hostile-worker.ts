/**
 * The hostile vehicle of hostile-vehicle.ts, in a process of its own so its
 * sending does not share the honest clients' event loop. It publishes
 * maximum-size QoS 1 batches as fast as the gateway acknowledges them,
 * keeping `outstanding` unacknowledged, until told to stop; then it reports
 * how many were acknowledged.
 *
 * Two kinds, each just under the 1 MB packet limit: `can`, a valid batch of
 * ~74,000 demo-vehicle CAN frames (decoded, stored, rules run: the most work
 * a batch can ask for within the caps), and `gnss`, 500,000 empty GNSS fixes
 * (refused by the batch cap and dead-lettered: the cheapest refusal there is).
 */
import mqtt from 'mqtt'
import { pitwall } from '../../proto/index.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'

export type HostileKind = 'can' | 'gnss'

export type HostileCommand =
  | { type: 'start', url: string, vin: string, secret: string, kind: HostileKind, outstanding: number }
  | { type: 'stop' }

export type HostileReply =
  | { type: 'started', batchBytes: number }
  | { type: 'stopped', acknowledged: number, firstError?: string }

/** Stays under the default 1 MB packet limit with the topic and the seq/base-time header. */
const MAX_BODY_BYTES = 1_040_000

/** The batch without seq and base time (protobuf fields may come in any order: those are prepended per publish). */
function hostileBody (vin: string, kind: HostileKind): Buffer {
  if (kind === 'gnss') {
    // an empty fix is two bytes on the wire (tag, zero length)
    return Buffer.from(pitwall.v1.TelemetryBatch.encode({ vin, gnss: Array.from({ length: 500_000 }, () => ({})) }).finish())
  }
  const builder = new BatchBuilder({ vin, model: new VehicleModel({ seed: 11 }), seed: 11 })
  let built = builder.build(0, 1_000_000)
  for (let i = 1; i < 10; i++) built = builder.build(i * 1_000_000, 1_000_000)
  const block = built.batch.can?.[0] as pitwall.v1.ICanBlock
  const frames = (block.id as number[]).length
  /** the one-second window `copies` times, squeezed into the batch's second */
  const encode = (copies: number): Buffer => {
    const dtUs: number[] = []; const id: number[] = []; const len: number[] = []; const data: Uint8Array[] = []
    for (let c = 0; c < copies; c++) {
      for (let f = 0; f < frames; f++) dtUs.push(Math.floor(((c * frames + f) * 1_000_000) / (copies * frames)))
      id.push(...(block.id as number[]))
      len.push(...(block.len as number[]))
      data.push(block.data as Uint8Array)
    }
    return Buffer.from(pitwall.v1.TelemetryBatch.encode({ vin, can: [{ bus: 0, dtUs, id, len, data: Buffer.concat(data) }] }).finish())
  }
  const one = encode(1).length
  let copies = Math.floor(MAX_BODY_BYTES / one)
  let body = encode(copies)
  while (body.length > MAX_BODY_BYTES) body = encode(--copies)
  return body
}

let client: mqtt.MqttClient | undefined
let acknowledged = 0
let firstError: string | undefined
let stopping = false

async function start (c: Extract<HostileCommand, { type: 'start' }>): Promise<void> {
  const body = hostileBody(c.vin, c.kind)
  client = await mqtt.connectAsync(c.url, { protocolVersion: 4, clientId: c.vin, username: c.vin, password: c.secret, reconnectPeriod: 0, clean: true })
  client.on('error', () => {}) // surfaced through the publish callbacks
  const topic = `v1/${c.vin}/telemetry`
  let seq = 1
  const one = async (): Promise<void> => {
    while (!stopping) {
      const header = pitwall.v1.TelemetryBatch.encode({ seq: seq++, baseTimeUs: Date.now() * 1000 - 1_000_000 }).finish()
      try {
        await (client as mqtt.MqttClient).publishAsync(topic, Buffer.concat([header, body]), { qos: 1 })
        acknowledged++
      } catch (err) {
        firstError ??= (err as Error).message
        return
      }
    }
  }
  for (let i = 0; i < c.outstanding; i++) void one()
  process.send?.({ type: 'started', batchBytes: body.length } satisfies HostileReply)
}

process.on('message', (c: HostileCommand) => {
  if (c.type === 'start') {
    start(c).catch((err: Error) => { firstError = err.message; process.send?.({ type: 'started', batchBytes: 0 } satisfies HostileReply) })
    return
  }
  stopping = true
  const reply: HostileReply = { type: 'stopped', acknowledged, ...(firstError === undefined ? {} : { firstError }) }
  // unacknowledged publishes are abandoned with the connection
  client?.end(true)
  process.send?.(reply, () => process.exit(0))
})
process.on('disconnect', () => process.exit(0))
