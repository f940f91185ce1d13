/**
 * Honest fleet PUBACK latency alone and beside one hostile vehicle at full
 * speed (issue 16, "quotas that protect the fleet"). An in-process gateway
 * on PostgreSQL (a database of its own); honest vehicles publish the demo
 * batch open-loop at a fixed rate (latency from each publish's scheduled
 * time, so a slow PUBACK cannot hide later latency); the hostile vehicle, in
 * a process of its own (hostile-worker.ts), publishes maximum-size QoS 1
 * batches as fast as they are acknowledged. Each hostile kind runs against
 * the default per-vehicle ingest rate and against a gateway with the rate
 * limit lifted, so the table shows what the limit buys.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { DEFAULT_INGEST_RATE, type IngestRateLimits } from '../../gateway/broker/ingest-rate.js'
import { startGateway, type Gateway } from '../../gateway/app.js'
import { loadConfig } from '../../gateway/config.js'
import { createLogger } from '../../gateway/logger.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { pitwall } from '../../proto/index.js'
import { freePort } from '../../runtime/free-port.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import type { HostileCommand, HostileKind, HostileReply } from './hostile-worker.js'
import { benchVins, latencySummary } from './latency.js'
import { BenchDatabase } from './targets.js'
import type { LatencySummary } from './throughput-model.js'

const WORKER = fileURLToPath(new URL('./hostile-worker.js', import.meta.url))
/** unacknowledged publishes the hostile vehicle keeps in flight */
const HOSTILE_OUTSTANDING = 8

export interface HostileVehicleOptions {
  /** PostgreSQL server URL beside whose database the bench may CREATE and DROP one */
  adminDatabaseUrl: string
  vehicles: number
  rateHz: number
  warmupS: number
  windowS: number
}

export interface HostileRun {
  /** 'default': the default ingest rate; 'off': rate limit lifted */
  limiter: 'default' | 'off'
  hostile: HostileKind | 'none'
  /** honest publish (scheduled) -> PUBACK, ms */
  honest: LatencySummary
  /** honest p99 over the p99 of the honest fleet alone */
  p99VsAlone: number
  hostileAcknowledgedPerS?: number
  hostileMiBPerS?: number
  /** pitwall_ingest_throttled_seconds_total over the run */
  throttledS: number
  firstError?: string
}

export interface HostileVehicleResult {
  vehicles: number
  rateHz: number
  windowS: number
  honestBatchBytes: number
  hostileBatchBytes: Partial<Record<HostileKind, number>>
  limits: IngestRateLimits
  runs: HostileRun[]
}

function demoBody (vin: string): Buffer {
  const builder = new BatchBuilder({ vin, model: new VehicleModel({ seed: 7 }), seed: 7 })
  let built = builder.build(0, 1_000_000)
  for (let i = 1; i < 30; i++) built = builder.build(i * 1_000_000, 1_000_000)
  const { seq: _seq, baseTimeUs: _base, ...rest } = built.batch
  return Buffer.from(pitwall.v1.TelemetryBatch.encode({ ...rest, vin }).finish())
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function throttledSeconds (gateway: Gateway): Promise<number> {
  return (await gateway.metrics.ingestThrottledSeconds.get()).values[0]?.value ?? 0
}

/** The hostile vehicle's process: started, then stopped with its count. */
async function startHostile (url: string, vin: string, secret: string, kind: HostileKind): Promise<{ batchBytes: number, stop: () => Promise<Extract<HostileReply, { type: 'stopped' }>> }> {
  const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = async <T extends HostileReply['type']> (type: T): Promise<Extract<HostileReply, { type: T }>> => await new Promise((resolve, reject) => {
    child.once('message', (m: HostileReply) => { if (m.type === type) resolve(m as Extract<HostileReply, { type: T }>); else reject(new Error(`hostile worker said ${m.type}`)) })
    child.once('exit', (code) => reject(new Error(`hostile worker exited with ${code ?? 'a signal'}`)))
  })
  const started = next('started')
  child.send({ type: 'start', url, vin, secret, kind, outstanding: HOSTILE_OUTSTANDING } satisfies HostileCommand)
  const { batchBytes } = await started
  return {
    batchBytes,
    stop: async () => {
      const stopped = next('stopped')
      child.send({ type: 'stop' } satisfies HostileCommand)
      return await stopped
    }
  }
}

/**
 * One gateway (`limits`): the honest fleet alone (when `alone`), then beside
 * each hostile kind; every run has its own warm-up and window.
 */
async function onGateway (o: HostileVehicleOptions, databaseUrl: string, limits: IngestRateLimits, kinds: Array<HostileKind | 'none'>, result: HostileVehicleResult, log: (line: string) => void): Promise<void> {
  const config = loadConfig({}, {
    mqttHost: '127.0.0.1', mqttPort: await freePort(), httpHost: '127.0.0.1', httpPort: 0, dataDir: 'memory://', databaseUrl, logLevel: 'silent',
    vehicleBatchesPerS: limits.batchesPerS, vehicleBytesPerS: limits.bytesPerS, vehicleBurstS: limits.burstS
  })
  const gateway = await startGateway(config, createLogger('silent'))
  const url = `mqtt://127.0.0.1:${gateway.mqttPort}`
  const clients: mqtt.MqttClient[] = []
  try {
    const vins = benchVins('PWH', o.vehicles)
    const bodies = vins.map(demoBody)
    result.honestBatchBytes = (bodies[0] as Buffer).length + 12
    for (const vin of vins) {
      const { secret } = await provisionDevice(gateway.storage.vehicles, { vin, model: 'demo' })
      clients.push(await mqtt.connectAsync(url, { clientId: vin, username: vin, password: secret, protocolVersion: 4, reconnectPeriod: 0 }))
    }
    let seq = 0
    for (const kind of kinds) {
      const [hostileVin] = benchVins(kind === 'can' ? 'PWC' : 'PWG', 1) as [string]
      const hostile = kind === 'none'
        ? undefined
        : await startHostile(url, hostileVin, (await provisionDevice(gateway.storage.vehicles, { vin: hostileVin, model: 'demo' })).secret, kind)
      if (hostile !== undefined && kind !== 'none') result.hostileBatchBytes[kind] = hostile.batchBytes
      const throttledBefore = await throttledSeconds(gateway)
      const hostileStarted = performance.now()
      const latencies: number[] = []
      const periodMs = 1000 / o.rateHz
      const batches = Math.floor((o.warmupS + o.windowS) * o.rateHz)
      const firstSeq = seq + 1
      seq += batches
      const t0 = performance.now()
      const windowStart = t0 + o.warmupS * 1000
      await Promise.all(clients.map(async (client, v) => {
        const pending: Array<Promise<void>> = []
        for (let k = 0; k < batches; k++) {
          // open loop, spread over the fleet; latency from the scheduled time
          const due = t0 + k * periodMs + (v * periodMs) / clients.length
          const wait = due - performance.now()
          if (wait > 0) await sleep(wait)
          const header = pitwall.v1.TelemetryBatch.encode({ seq: firstSeq + k, baseTimeUs: Date.now() * 1000 - 1_000_000 }).finish()
          pending.push(client.publishAsync(`v1/${vins[v] as string}/telemetry`, Buffer.concat([header, bodies[v] as Buffer]), { qos: 1 }).then(() => {
            if (due >= windowStart) latencies.push(performance.now() - due)
          }))
        }
        await Promise.all(pending)
      }))
      const stopped = await hostile?.stop()
      const ranS = (performance.now() - hostileStarted) / 1000
      const honest = latencySummary(latencies.sort((a, b) => a - b))
      const alone = result.runs.find((r) => r.hostile === 'none')?.honest.p99 ?? honest.p99
      const run: HostileRun = {
        limiter: limits.batchesPerS === DEFAULT_INGEST_RATE.batchesPerS ? 'default' : 'off',
        hostile: kind,
        honest,
        p99VsAlone: Math.round((honest.p99 / alone) * 100) / 100,
        ...(stopped === undefined ? {} : { hostileAcknowledgedPerS: Math.round((stopped.acknowledged / ranS) * 10) / 10, hostileMiBPerS: Math.round(((stopped.acknowledged * (hostile?.batchBytes ?? 0)) / ranS / 2 ** 20) * 100) / 100 }),
        throttledS: Math.round((await throttledSeconds(gateway) - throttledBefore) * 10) / 10,
        ...(stopped?.firstError === undefined ? {} : { firstError: stopped.firstError })
      }
      result.runs.push(run)
      log(`hostile-vehicle: limiter ${run.limiter}, hostile ${kind}: honest p99 ${honest.p99} ms (${run.p99VsAlone}x alone), hostile ${run.hostileAcknowledgedPerS ?? 0} batches/s, throttled ${run.throttledS} s`)
    }
  } finally {
    for (const c of clients) await c.endAsync(true).catch(() => {})
    await gateway.close()
  }
}

export async function runHostileVehicle (o: HostileVehicleOptions, log: (line: string) => void = () => {}): Promise<HostileVehicleResult> {
  const result: HostileVehicleResult = { vehicles: o.vehicles, rateHz: o.rateHz, windowS: o.windowS, honestBatchBytes: 0, hostileBatchBytes: {}, limits: { ...DEFAULT_INGEST_RATE }, runs: [] }
  const database = await BenchDatabase.create(o.adminDatabaseUrl)
  try {
    await onGateway(o, database.url, DEFAULT_INGEST_RATE, ['none', 'can', 'gnss'], result, log)
    const lifted: IngestRateLimits = { batchesPerS: 1_000_000, bytesPerS: 10 * 2 ** 30, burstS: 3600, maxInflight: DEFAULT_INGEST_RATE.maxInflight }
    await onGateway(o, database.url, lifted, ['can', 'gnss'], result, log)
  } finally {
    await database.drop()
  }
  return result
}

export function renderHostileVehicle (r: HostileVehicleResult): string {
  const kind = (k: HostileRun['hostile']): string => k === 'none'
    ? 'none (the honest fleet alone)'
    : k === 'can' ? `valid CAN batches of ${Math.round((r.hostileBatchBytes.can ?? 0) / 1024)} KiB` : `empty GNSS fixes, ${Math.round((r.hostileBatchBytes.gnss ?? 0) / 1024)} KiB (dead-lettered by the batch cap)`
  return `## One hostile vehicle beside an honest fleet

An in-process gateway on PostgreSQL; ${r.vehicles} honest vehicles publish the demo batch (${r.honestBatchBytes} bytes) open-loop at
${r.rateHz} Hz each (publish → PUBACK from each publish's scheduled time, ${r.windowS} s window after a warm-up). One hostile
vehicle, in a process of its own, publishes maximum-size QoS 1 batches as fast as they are acknowledged (${HOSTILE_OUTSTANDING} in
flight). Default per-vehicle ingest rate: ${r.limits.batchesPerS} batches/s, ${r.limits.bytesPerS >= 2 ** 20 ? `${+(r.limits.bytesPerS / 2 ** 20).toFixed(1)} MiB/s` : `${Math.round(r.limits.bytesPerS / 1024)} KiB/s`}, ${r.limits.burstS} s of burst; "off" lifts it.

| ingest rate | hostile vehicle sends | honest p50 / p99 / p99.9 / max (ms) | p99 vs alone | hostile batches/s (MiB/s) acknowledged | throttled (s) |
|---|---|---|---:|---:|---:|
${r.runs.map((x) => `| ${x.limiter} | ${kind(x.hostile)} | ${x.honest.p50} / ${x.honest.p99} / ${x.honest.p999} / ${x.honest.max} | ${x.p99VsAlone.toFixed(2)}× | ${x.hostileAcknowledgedPerS === undefined ? '–' : `${x.hostileAcknowledgedPerS} (${x.hostileMiBPerS ?? 0})`} | ${x.throttledS} |`).join('\n')}`
}
