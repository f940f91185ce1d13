/**
 * A load process of the connection-scaling bench (spawned by
 * connection-load.ts; commands over IPC, see connection-load-protocol.ts).
 * Holds one mqtt.js client per vehicle, opened with the least state mqtt.js
 * allows: MQTT 3.1.1, clean session, keepalive 60 s, no reconnect.
 *
 * Or, asked for T-box sessions, as sim/tbox.ts connects (see SessionKind).
 *
 * When active, each vehicle publishes a small QoS 1 batch: 100 ms of the
 * demo vehicle (its CAN frames, plus whatever OBD-II reply falls in the
 * window), with the vehicle's own VIN, a fresh seq and the current time.
 */
import mqtt from 'mqtt'
import { pitwall } from '../../proto/index.js'
import { topics } from '../../proto/topics.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import type { LoadCommand, LoadReply, PortedCredential, SessionKind } from './connection-load-protocol.js'

interface Vehicle {
  vin: string
  topic: string
  client: mqtt.MqttClient
  session: SessionKind
  seq: number
  open: boolean
}

const OFFLINE = Buffer.from('{"state":"offline"}')

const CONNECT_CONCURRENCY = 50
const WINDOW_US = 100_000

const send = (reply: LoadReply): void => { process.send?.(reply) }

const template = ((): pitwall.v1.TelemetryBatch.$Properties => {
  const model = new VehicleModel({ seed: 3 })
  model.step(300) // warm engine, every periodic message on the bus
  const builder = new BatchBuilder({ vin: 'TEMPLATE', model, seed: 3 })
  let built = builder.build(0, WINDOW_US)
  for (let i = 1; i < 20; i++) built = builder.build(i * WINDOW_US, WINDOW_US)
  return built.batch
})()

function payload (v: Vehicle): Buffer {
  return Buffer.from(pitwall.v1.TelemetryBatch.encode({ ...template, vin: v.vin, seq: v.seq++, baseTimeUs: Date.now() * 1000 - WINDOW_US }).finish())
}

const vehicles: Vehicle[] = []
let publishTimer: NodeJS.Timeout | undefined
const counts = { sent: 0, acked: 0, failed: 0 }

async function open (credential: PortedCredential, session: SessionKind, deadline: number): Promise<{ vehicle: Vehicle, resumed: boolean }> {
  const tbox = session === 'tbox'
  const client = mqtt.connect({
    host: '127.0.0.1',
    port: credential.port,
    clientId: credential.vin,
    username: credential.vin,
    password: credential.secret,
    protocolVersion: 4,
    clean: !tbox,
    keepalive: 60,
    reconnectPeriod: 0,
    connectTimeout: Math.max(1000, deadline - Date.now()),
    ...(tbox ? { will: { topic: topics.status(credential.vin), payload: OFFLINE, qos: 1 as const, retain: true } } : {})
  })
  const vehicle: Vehicle = { vin: credential.vin, topic: topics.telemetry(credential.vin), client, session, seq: 1, open: false }
  const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
    client.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
  vehicle.open = true
  // errors after the CONNACK are counted by publish callbacks; an unheard 'error' would throw
  client.on('error', () => {})
  client.on('close', () => { vehicle.open = false })
  const resumed = connack.sessionPresent
  if (tbox) {
    try {
      // as sim/tbox.ts: online at once; the command subscription only where the broker kept no session
      await Promise.all([
        client.publishAsync(topics.status(credential.vin), JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true }),
        ...(resumed ? [] : [client.subscribeAsync(topics.command(credential.vin), { qos: 1 })])
      ])
    } catch (err) {
      client.end(true)
      throw err
    }
  }
  return { vehicle, resumed }
}

async function connectAll (fleet: PortedCredential[], session: SessionKind, deadline: number): Promise<LoadReply> {
  let next = 0
  let failed = 0
  let resumed = 0
  let firstError: string | undefined
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (next < fleet.length) {
      const credential = fleet[next++] as PortedCredential
      if (Date.now() > deadline) {
        failed++
        continue
      }
      try {
        const opened = await open(credential, session, deadline)
        vehicles.push(opened.vehicle)
        if (opened.resumed) resumed++
      } catch (err) {
        failed++
        firstError ??= `${credential.vin}: ${(err as Error).message}`
      }
    }
  }))
  const openCount = vehicles.filter((v) => v.open).length
  return { type: 'connected', open: openCount, failed, resumed, ...(firstError === undefined ? {} : { firstError }) }
}

/** Every vehicle (of `session` only, when given) leaves as its session kind does (a T-box says `offline` first), then sends DISCONNECT. */
async function disconnectAll (session: SessionKind | undefined): Promise<LoadReply> {
  const leaving = vehicles.filter((v) => session === undefined || v.session === session)
  const staying = vehicles.filter((v) => !leaving.includes(v))
  vehicles.splice(0, vehicles.length, ...staying)
  let next = 0
  let closed = 0
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (next < leaving.length) {
      const v = leaving[next++] as Vehicle
      if (!v.open) continue
      try {
        if (v.session === 'tbox') await v.client.publishAsync(topics.status(v.vin), OFFLINE, { qos: 1, retain: true })
        await v.client.endAsync()
        closed++
      } catch {
        v.client.end(true)
      }
    }
  }))
  return { type: 'disconnected', closed }
}

/** Open loop: publish k goes out at start + (k + phase) * period / n, whatever the PUBACKs do. */
function startPublishing (periodMs: number, phase: number): void {
  const start = Date.now()
  const n = vehicles.length
  let k = 0
  publishTimer = setInterval(() => {
    const due = Math.floor(((Date.now() - start) / periodMs) * n - phase)
    for (; k < due; k++) {
      const v = vehicles[k % n] as Vehicle
      if (!v.open) {
        counts.failed++
        continue
      }
      counts.sent++
      v.client.publish(v.topic, payload(v), { qos: 1 }, (err) => { if (err) counts.failed++; else counts.acked++ })
    }
  }, 10)
}

async function quiet (drainMs: number): Promise<LoadReply> {
  clearInterval(publishTimer)
  const deadline = Date.now() + drainMs
  while (counts.acked + counts.failed < counts.sent && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const reply: LoadReply = { type: 'quiet', ...counts }
  counts.sent = counts.acked = counts.failed = 0
  return reply
}

process.on('message', (command: LoadCommand) => {
  const reply = async (): Promise<LoadReply | undefined> => {
    switch (command.type) {
      case 'connect': return await connectAll(command.vehicles, command.session, command.deadline)
      case 'publish': startPublishing(command.periodMs, command.phase); return { type: 'publishing' }
      case 'count': return { type: 'count', ...counts }
      case 'quiet': return await quiet(command.drainMs)
      case 'disconnect': return await disconnectAll(command.session)
      case 'exit':
        clearInterval(publishTimer)
        for (const v of vehicles) v.client.end(true)
        process.exit(0)
    }
  }
  reply().then((r) => { if (r !== undefined) send(r) }, (err: Error) => send({ type: 'failed', message: err.message }))
})
process.on('disconnect', () => process.exit(0))

const sample = pitwall.v1.TelemetryBatch.encode({ ...template, vin: 'PWBSCALE000000000', seq: 1, baseTimeUs: Date.now() * 1000 }).finish()
send({ type: 'ready', payloadBytes: sample.length, canFrames: (template.can ?? []).reduce((a, b) => a + (b.id?.length ?? 0), 0) })
