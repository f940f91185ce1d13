/**
 * A load-generator process for the throughput bench (forked by
 * throughput.ts; commands and reports over IPC, see load-protocol.ts).
 *
 * One real mqtt.js client per simulated vehicle, each with its own
 * credential. Every vehicle publishes the same demo-vehicle TelemetryBatch
 * (one second of the demo DBC's CAN traffic, built once by sim/batch-builder)
 * with its own VIN and a fresh seq and base time per publish: the body is
 * encoded once per vehicle without seq and base_time_us, and each publish
 * prepends those two fields (protobuf fields may come in any order), so the
 * generator spends its CPU on MQTT, not on protobuf.
 */
import mqtt from 'mqtt'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { pitwall } from '../../proto/index.js'
import type { RoutedCredential, RunReport, RunSpec, WorkerCommand, WorkerReply } from './load-protocol.js'

interface Vehicle {
  vin: string
  topic: string
  client: mqtt.MqttClient
  body: Buffer
  nextSeq: number
  /** QoS 1 seqs acknowledged by PUBACK on this connection, for the parent's nothing-lost check */
  ackedSeqs: number[]
  /** publishes sent and not yet acknowledged, and those waiting for a place in the vehicle's window (RunSpec.vehicleWindow) */
  inflight: number
  backlog: Array<() => void>
}

const TAG_SEQ = 0x10 // field 2 (seq), varint
const TAG_BASE_TIME = 0x18 // field 3 (base_time_us), varint
const CONNECT_CONCURRENCY = 25
/** Base times start an hour back and advance one second (the batch's window) per seq. */
const epochUs = (Date.now() - 3_600_000) * 1000

const send = (reply: WorkerReply): void => { process.send?.(reply) }

const template = buildTemplate()
let vehicles: Vehicle[] = []
/**
 * The run going on: a publish a vehicle's window held over from an earlier
 * run (RunSpec.vehicleWindow) and acknowledged in this run's window counts
 * in this run, latency from when it fell due, as its vehicle experienced it.
 */
let active: { runId: number, report: RunReport, windowStart: number, windowEnd: number } | undefined
/** seq carries on across connections, so a target that sees a vehicle twice never gets a seq again */
const nextSeqByVin = new Map<string, number>()

function buildTemplate (): { batch: pitwall.v1.TelemetryBatch.$Properties, canFrames: number } {
  const builder = new BatchBuilder({ vin: 'TEMPLATE', model: new VehicleModel({ seed: 7 }), seed: 7 })
  // a few windows first, so the engine runs and every periodic message is on the bus
  let built = builder.build(0, 1_000_000)
  for (let i = 1; i < 30; i++) built = builder.build(i * 1_000_000, 1_000_000)
  return { batch: built.batch, canFrames: built.canFrames }
}

function encodeBody (vin: string): Buffer {
  const { seq: _seq, baseTimeUs: _base, ...rest } = template.batch
  return Buffer.from(pitwall.v1.TelemetryBatch.encode({ ...rest, vin }).finish())
}

function writeVarint (out: Buffer, at: number, value: number): number {
  // up to 2^53: division, not bit operations (those truncate to 32 bits)
  while (value >= 0x80) {
    out[at++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[at++] = value
  return at
}

function payloadOf (v: Vehicle, seq: number): Buffer {
  const header = Buffer.allocUnsafe(22)
  let at = 0
  header[at++] = TAG_SEQ
  at = writeVarint(header, at, seq)
  header[at++] = TAG_BASE_TIME
  at = writeVarint(header, at, epochUs + seq * 1_000_000)
  return Buffer.concat([header.subarray(0, at), v.body], at + v.body.length)
}

async function connectAll (credentials: RoutedCredential[], anonymous: boolean): Promise<void> {
  await disconnectAll()
  let failed = 0
  let firstError: string | undefined
  const connected: Vehicle[] = []
  let next = 0
  const one = async (): Promise<void> => {
    while (next < credentials.length) {
      const { vin, secret, url } = credentials[next++] as RoutedCredential
      try {
        const client = await mqtt.connectAsync(url, {
          protocolVersion: 4,
          clientId: vin,
          ...(anonymous ? {} : { username: vin, password: secret }),
          clean: true,
          keepalive: 60,
          reconnectPeriod: 0, // a dropped connection is an error of the run, not retried behind its back
          connectTimeout: 10_000
        })
        client.on('error', () => {}) // surfaced through the publish callbacks
        connected.push({ vin, topic: `v1/${vin}/telemetry`, client, body: encodeBody(vin), nextSeq: nextSeqByVin.get(vin) ?? 1, ackedSeqs: [], inflight: 0, backlog: [] })
      } catch (err) {
        failed++
        firstError ??= `${vin}: ${(err as Error).message}`
      }
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, one))
  vehicles = connected
  send({ type: 'connected', connected: connected.length, failed, ...(firstError === undefined ? {} : { firstError }) })
}

async function disconnectAll (): Promise<void> {
  const closing = vehicles
  vehicles = []
  for (const v of closing) nextSeqByVin.set(v.vin, v.nextSeq)
  await Promise.all(closing.map(async (v) => { await v.client.endAsync(true).catch(() => {}) }))
}

function quantile (sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

/** The open-loop run: publish k is due at start + (k + phase) / rate, whatever happened to publish k - 1. */
async function run (spec: RunSpec): Promise<RunReport> {
  const intervalMs = 1000 / spec.ratePerS
  const total = Math.floor(((spec.warmupMs + spec.measureMs) * spec.ratePerS) / 1000)
  const start = performance.now() + 20
  const windowStart = start + spec.warmupMs
  const windowEnd = windowStart + spec.measureMs
  const report: RunReport = {
    runId: spec.runId, qos: spec.qos, windowMs: spec.measureMs, scheduledInWindow: 0, sent: 0,
    completedInWindow: 0, completed: 0, pending: 0, backlog: 0, errors: 0, latenciesMs: [], sendLagP99Ms: 0, sendLagMaxMs: 0
  }
  const lags: number[] = []
  let outstanding = 0
  let settled: (() => void) | undefined
  active = { runId: spec.runId, report, windowStart, windowEnd }
  const publish = (k: number, due: number): void => {
    const v = vehicles[k % vehicles.length] as Vehicle
    const inWindow = due >= windowStart && due < windowEnd
    if (inWindow) report.scheduledInWindow++
    lags.push(performance.now() - due)
    outstanding++
    const sendNow = (): void => {
      const seq = v.nextSeq++
      v.inflight++
      report.sent++
      v.client.publish(v.topic, payloadOf(v, seq), { qos: spec.qos }, (err) => {
        const now = performance.now()
        outstanding--
        v.inflight--
        if (err !== undefined && err !== null) {
          report.errors++
          report.firstError ??= `${v.vin}: ${err.message}`
        } else {
          report.completed++
          if (spec.qos === 1) v.ackedSeqs.push(seq)
          const current = active
          if (current !== undefined && current.runId !== spec.runId) {
            // held over from an earlier run by its vehicle's window: counted where it was acknowledged
            if (now >= current.windowStart && now < current.windowEnd) {
              current.report.completedInWindow++
              if (spec.qos === 1) current.report.latenciesMs.push(now - due)
            }
          } else {
            if (now >= windowStart && now < windowEnd) report.completedInWindow++
            if (spec.qos === 1 && inWindow) report.latenciesMs.push(now - due)
          }
        }
        // a place in the window: the vehicle's oldest waiting publish goes
        v.backlog.shift()?.()
        if (outstanding === 0) settled?.()
      })
    }
    if (spec.vehicleWindow !== undefined && v.inflight >= spec.vehicleWindow) v.backlog.push(sendNow)
    else sendNow()
  }
  await new Promise<void>((resolve) => {
    let k = 0
    const pump = (): void => {
      const now = performance.now()
      // at most 200 sends per turn, so acknowledgements are read in between
      for (let burst = 0; k < total && burst < 200; burst++, k++) {
        const due = start + (k + spec.phase) * intervalMs
        if (due > now) break
        publish(k, due)
      }
      if (k >= total) return resolve()
      const wait = start + (k + spec.phase) * intervalMs - performance.now()
      if (wait >= 1) setTimeout(pump, Math.floor(wait))
      else setImmediate(pump)
    }
    setTimeout(pump, 20)
  })
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, windowEnd + spec.drainMs - performance.now()))
      settled = () => { clearTimeout(timer); resolve() }
    })
  }
  settled = undefined
  report.pending = outstanding
  report.backlog = vehicles.reduce((n, v) => n + v.backlog.length, 0)
  lags.sort((a, b) => a - b)
  report.sendLagP99Ms = quantile(lags, 0.99)
  report.sendLagMaxMs = lags[lags.length - 1] ?? 0
  return report
}

/**
 * The generator's own ceiling: every client keeps publishing, at most
 * maxOutstanding publishes unfinished over the worker, for durationMs.
 */
async function flood (runId: number, qos: 0 | 1, durationMs: number, maxOutstanding: number): Promise<RunReport> {
  const report: RunReport = {
    runId, qos, windowMs: durationMs, scheduledInWindow: 0, sent: 0,
    completedInWindow: 0, completed: 0, pending: 0, backlog: 0, errors: 0, latenciesMs: [], sendLagP99Ms: 0, sendLagMaxMs: 0
  }
  const end = performance.now() + durationMs
  let outstanding = 0
  let k = 0
  await new Promise<void>((resolve) => {
    const top = (): void => {
      if (performance.now() >= end) {
        if (outstanding === 0) resolve()
        return
      }
      for (let burst = 0; outstanding < maxOutstanding && burst < 200; burst++) {
        const v = vehicles[k++ % vehicles.length] as Vehicle
        outstanding++
        report.sent++
        v.client.publish(v.topic, payloadOf(v, v.nextSeq++), { qos }, (err) => {
          outstanding--
          if (err !== undefined && err !== null) report.errors++
          else if (performance.now() < end) report.completedInWindow++
          report.completed++
          if (outstanding === 0 && performance.now() >= end) resolve()
        })
      }
      setImmediate(top)
    }
    top()
  })
  report.scheduledInWindow = report.sent
  return report
}

process.on('message', (message: WorkerCommand) => {
  const fail = (err: unknown): void => send({ type: 'failed', message: (err as Error).message })
  switch (message.type) {
    case 'connect':
      connectAll(message.vehicles, message.anonymous).catch(fail)
      break
    case 'disconnect':
      disconnectAll().then(() => send({ type: 'disconnected' }), fail)
      break
    case 'run':
      run(message.run).then((report) => send({ type: 'result', report }), fail)
      break
    case 'flood':
      flood(message.runId, message.qos, message.durationMs, message.maxOutstanding).then((report) => send({ type: 'result', report }), fail)
      break
    case 'acked-seqs':
      send({ type: 'acked-seqs', vins: vehicles.map((v) => v.vin), seqs: vehicles.map((v) => v.ackedSeqs) })
      break
    case 'exit':
      disconnectAll().finally(() => process.exit(0))
      break
  }
})
// the parent going away ends the worker too
process.on('disconnect', () => process.exit(0))
send({ type: 'ready', canFrames: template.canFrames, payloadBytes: encodeBody('PWB00000000000000').length + 12 })
