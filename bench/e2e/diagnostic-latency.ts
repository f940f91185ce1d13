/**
 * Remote diagnosis, how long an answer takes: simulated T-boxes (sim/tbox.ts,
 * streaming telemetry at 1 Hz meanwhile) connected to an in-process gateway;
 * an engineer's client asks them over the HTTP API (POST /api/v1/commands
 * with `diagnostic`) and waits for the command's final state on the fleet
 * event stream (GET /api/v1/events, SSE), as the console does. Each vehicle
 * is asked one request after another (closed loop), all vehicles at once,
 * cycling through a DTC read, a freeze frame, data identifiers and OBD-II
 * PIDs. The simulated ECUs answer within one executor step of 0 ms, so the
 * figure is Pitwall's own path: API, storage, signing, MQTT both ways, ack
 * handling, event notification.
 *
 * Baseline, same run: an MQTT request answered by another client through a
 * bare aedes broker on loopback (QoS 1 both ways), the floor of any
 * command-and-answer path over MQTT on this machine.
 */
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { startGateway, type Gateway } from '../../gateway/app.js'
import { loadConfig } from '../../gateway/config.js'
import { createLogger } from '../../gateway/logger.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { freePort } from '../../runtime/free-port.js'
import { Tbox } from '../../sim/tbox.js'
import { benchVins, latencySummary } from './latency.js'
import type { LatencySummary } from './throughput-model.js'

export interface DiagnosticLatencyResult {
  storage: string
  vehicles: number
  requestsPerVehicle: number
  /** API request sent -> final state seen on the SSE stream, ms, every request */
  diagnostic: LatencySummary
  /** the same, per kind of request */
  byKind: Record<string, LatencySummary>
  /** requests that did not succeed (timeouts, refusals): none expected */
  notSucceeded: number
  /** MQTT request -> answer between two clients through bare aedes, ms */
  mqttRoundTrip: LatencySummary
}

const REQUESTS: ReadonlyArray<{ name: string, diagnostic: object }> = [
  { name: 'UDS DTCs (0x19 02)', diagnostic: { request: { kind: 'uds_read_dtcs' }, target: 0x7e0 } },
  { name: 'UDS DIDs (0x22, 2 DIDs)', diagnostic: { request: { kind: 'uds_read_did', dids: [0x4001, 0xf190] }, target: 0x7e4 } },
  { name: 'OBD-II PIDs (01, functional)', diagnostic: { request: { kind: 'obd_read_pids', pids: [0x05, 0x0c] } } },
  { name: 'OBD-II VIN (09 02)', diagnostic: { request: { kind: 'obd_vehicle_info', infoType: 0x02 }, target: 0x7e0 } }
]
const FINAL = new Set(['succeeded', 'failed', 'rejected', 'expired', 'cancelled'])

export async function runDiagnosticLatency (options: { databaseUrl?: string | undefined, vehicles: number, requestsPerVehicle: number }): Promise<DiagnosticLatencyResult> {
  const config = loadConfig({}, {
    mqttHost: '127.0.0.1', mqttPort: await freePort(), httpHost: '127.0.0.1', httpPort: 0, dataDir: 'memory://',
    databaseUrl: options.databaseUrl, logLevel: 'silent'
  })
  const gateway = await startGateway(config, createLogger('silent'))
  const tboxes: Tbox[] = []
  try {
    const token = (await gateway.storage.apiTokens.create({ name: 'bench engineer', role: 'engineer' })).token
    const vins = benchVins('PWD', options.vehicles)
    for (const vin of vins) {
      const { secret } = await provisionDevice(gateway.storage.vehicles, { vin, model: 'PW-BENCH-DIAG' })
      const tbox = new Tbox({ url: `mqtt://127.0.0.1:${gateway.mqttPort}`, vin, secret, seed: tboxes.length + 1, rateHz: 1, faults: ['mil'], commands: { trustedKeys: gateway.commandKeys.publicKeys, stepMs: 0 } })
      for (let s = 0; s < 600; s++) tbox.model.step(1) // ten minutes driven: the DTC and its freeze frame are set
      tbox.start()
      tboxes.push(tbox)
    }
    const events = await openEventStream(gateway, token)
    try {
      const ask = async (vin: string, diagnostic: object): Promise<{ ms: number, state: string }> => {
        const t0 = performance.now()
        // the waiter is registered from the answer's id, so an event that beats the POST's answer is kept until then
        const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/api/v1/commands`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ vin, diagnostic })
        })
        const body = await res.json() as { id?: string, message?: string }
        if (res.status !== 201 || body.id === undefined) throw new Error(`POST /api/v1/commands answered ${res.status}: ${body.message ?? ''}`)
        const state = await events.final(body.id)
        return { ms: performance.now() - t0, state }
      }
      // a warm-up request per vehicle, not counted: every T-box connected and subscribed, the JIT warm
      await Promise.all(vins.map(async (vin) => await ask(vin, REQUESTS[0]?.diagnostic ?? {})))
      const all: number[] = []
      const byKind = new Map<string, number[]>(REQUESTS.map((r) => [r.name, []]))
      let notSucceeded = 0
      await Promise.all(vins.map(async (vin, v) => {
        for (let i = 0; i < options.requestsPerVehicle; i++) {
          const request = REQUESTS[(v + i) % REQUESTS.length] as typeof REQUESTS[number]
          const { ms, state } = await ask(vin, request.diagnostic)
          if (state !== 'succeeded') notSucceeded++
          all.push(ms)
          byKind.get(request.name)?.push(ms)
        }
      }))
      return {
        storage: options.databaseUrl === undefined ? 'PGlite (embedded)' : 'PostgreSQL',
        vehicles: options.vehicles,
        requestsPerVehicle: options.requestsPerVehicle,
        diagnostic: summarize(all),
        byKind: Object.fromEntries([...byKind].map(([name, ms]) => [name, summarize(ms)])),
        notSucceeded,
        mqttRoundTrip: await mqttRoundTrip(options.vehicles * options.requestsPerVehicle)
      }
    } finally {
      events.close()
    }
  } finally {
    await Promise.all(tboxes.map(async (b) => { await b.stop(0) }))
    await gateway.close()
  }
}

function summarize (ms: number[]): LatencySummary {
  return latencySummary(ms.slice().sort((a, b) => a - b))
}

interface EventStream {
  /** the command's final state, once the stream shows it */
  final: (id: string) => Promise<string>
  close: () => void
}

/** The engineer's fleet event stream, read as the console's EventSource does. */
async function openEventStream (gateway: Gateway, token: string): Promise<EventStream> {
  const abort = new AbortController()
  const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal })
  if (res.status !== 200 || res.body === null) throw new Error(`GET /api/v1/events answered ${res.status}`)
  const seen = new Map<string, string>()
  const waiting = new Map<string, (state: string) => void>()
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  void (async () => {
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done === true || value === undefined) return
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (!block.startsWith('event: command')) continue
        const data = block.split('\n').find((l) => l.startsWith('data: '))
        if (data === undefined) continue
        const event = JSON.parse(data.slice(6)) as { id: string, state: string }
        if (!FINAL.has(event.state)) continue
        const resolve = waiting.get(event.id)
        if (resolve !== undefined) {
          waiting.delete(event.id)
          resolve(event.state)
        } else {
          seen.set(event.id, event.state)
        }
      }
    }
  })()
  return {
    final: async (id) => {
      const state = seen.get(id)
      if (state !== undefined) {
        seen.delete(id)
        return state
      }
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`command ${id}: no final state within 30 s`)) }, 30_000)
        waiting.set(id, (s) => { clearTimeout(timer); resolve(s) })
      })
    },
    close: () => { abort.abort() }
  }
}

/** `count` MQTT requests answered by a second client through bare aedes, one after another. */
async function mqttRoundTrip (count: number): Promise<LatencySummary> {
  const aedes = await Aedes.createBroker()
  const server = createServer((socket) => {
    socket.setNoDelay(true)
    aedes.handle(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const engineer = await mqtt.connectAsync({ host: '127.0.0.1', port, clientId: 'engineer', reconnectPeriod: 0 })
  const device = await mqtt.connectAsync({ host: '127.0.0.1', port, clientId: 'device', reconnectPeriod: 0 })
  // mqtt.js leaves Nagle on: a floor measures the broker, not 40 ms of delayed ACKs
  for (const client of [engineer, device]) (client.stream as Partial<Socket>).setNoDelay?.(true)
  try {
    await device.subscribeAsync('req', { qos: 1 })
    await engineer.subscribeAsync('res', { qos: 1 })
    device.on('message', (_topic, payload) => { device.publish('res', payload, { qos: 1 }) })
    let answered: (() => void) | undefined
    engineer.on('message', () => { answered?.() })
    const ms: number[] = []
    for (let i = -50; i < count; i++) {
      const t0 = performance.now()
      await new Promise<void>((resolve) => {
        answered = resolve
        engineer.publish('req', Buffer.from([0x19, 0x02, 0xff]), { qos: 1 })
      })
      if (i >= 0) ms.push(performance.now() - t0)
    }
    return summarize(ms)
  } finally {
    await engineer.endAsync()
    await device.endAsync()
    server.close()
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
  }
}
