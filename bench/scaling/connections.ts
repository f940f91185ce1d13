/**
 * Memory per connected vehicle: Pitwall (`pitwall start` on a fresh
 * PostgreSQL database) against raw aedes, as the fleet grows 100 → 1,000 →
 * 10,000 (quick: 500 only), idle and active, with the load in two separate
 * processes of mqtt.js clients.
 *
 * RSS per connection at N = (RSS at N − RSS at 0) / N, each RSS the minimum
 * of a few /proc reads after two forced full GCs (memory-probe.ts). One
 * broker process per run, the fleet grown step by step: at each N the idle
 * figure comes first (connected, nothing published), then the active one
 * (every vehicle publishing one small QoS 1 batch per period, measured once
 * each has published at least once, while they go on). The idle figure at a
 * step therefore includes what the earlier vehicles kept from their active
 * phase, as a long-running gateway would. The active phase also gives the
 * broker's throughput against connected vehicles: batches/s sent and
 * acknowledged over it.
 */
import type { VehicleCredential } from '../../sim/credentials.js'
import { benchVins, createBenchDatabase, registerBenchFleet } from './bench-fleet.js'
import { ConnectionLoad, type PublishOutcome } from './connection-load.js'
import type { MemorySample } from './memory-probe.js'
import { startPitwall, startRawAedes, type ServerProcess } from './server-process.js'

export interface ActiveSample extends MemorySample {
  /** batches sent, acknowledged and failed during the active phase */
  publish: PublishOutcome
  durationS: number
  /** batches/s sent and acknowledged over the active phase but its first second, read before the memory probe's GCs */
  rate: { windowS: number, sentPerS: number, ackedPerS: number }
}

export interface ConnectionStep {
  /** vehicles asked to connect by this step */
  vehicles: number
  /** connections open when the idle figure was taken */
  open: number
  failed: number
  connectMs: number
  idle: MemorySample
  active: ActiveSample
}

export interface BrokerScaling {
  broker: 'raw aedes' | 'Pitwall'
  /** soft open-files limit the broker ran with */
  openFiles: number
  /** no connections, after start-up */
  baseline: MemorySample
  steps: ConnectionStep[]
  /** set when a run stopped early; the steps before it stand */
  error?: string
}

export interface ConnectionScalingResult {
  mode: 'quick' | 'full'
  fleetSizes: number[]
  /** each active vehicle publishes once per this period */
  activePeriodS: number
  batchBytes: number
  batchCanFrames: number
  loadProcesses: number
  brokers: BrokerScaling[]
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

interface Plan {
  sizes: number[]
  settleMs: number
  activePeriodMs: number
  connectTimeoutMs: number
}

/**
 * The active phase's rate leaves out its first second, as PUBACKs trail the
 * first sends by their latency: it runs from then to the memory sample.
 */
const RATE_SKIP_MS = 1000

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { sizes: [500], settleMs: 300, activePeriodMs: 1500, connectTimeoutMs: 15_000 },
  full: { sizes: [100, 1000, 10_000], settleMs: 1500, activePeriodMs: 10_000, connectTimeoutMs: 45_000 }
}

/** Grows the fleet on one broker step by step; every step is bounded by the connect timeout and the active period. */
async function scaleOn (broker: BrokerScaling['broker'], server: ServerProcess, load: ConnectionLoad, fleet: VehicleCredential[], plan: Plan): Promise<BrokerScaling> {
  await sleep(plan.settleMs)
  const scaling: BrokerScaling = { broker, openFiles: server.openFiles, baseline: await server.probe.sample(), steps: [] }
  try {
    let connected = 0
    for (const n of plan.sizes) {
      const t0 = Date.now()
      const outcome = await load.connect(server.mqttPort, fleet.slice(connected, n), plan.connectTimeoutMs)
      const connectMs = Date.now() - t0
      connected = n
      await sleep(plan.settleMs)
      const idle = await server.probe.sample()
      const activeStart = Date.now()
      await load.publish(plan.activePeriodMs)
      const publishing = Date.now()
      await sleep(RATE_SKIP_MS)
      const from = { count: await load.count(), at: performance.now() }
      // one whole period: every vehicle has published at least once
      await sleep(publishing + plan.activePeriodMs + plan.settleMs - Date.now())
      const to = { count: await load.count(), at: performance.now() }
      const windowS = (to.at - from.at) / 1000
      const perSecond = (n: number): number => Math.round((n / windowS) * 10) / 10
      const rate = { windowS: Math.round(windowS * 1000) / 1000, sentPerS: perSecond(to.count.sent - from.count.sent), ackedPerS: perSecond(to.count.acked - from.count.acked) }
      const memory = await server.probe.sample()
      const durationS = (Date.now() - activeStart) / 1000
      const publish = await load.quiet(5000)
      scaling.steps.push({ vehicles: n, open: outcome.open, failed: outcome.failed, connectMs, idle, active: { ...memory, publish, durationS, rate } })
      process.stderr.write(`bench: ${broker} ${outcome.open}/${n} connected in ${connectMs} ms; ` +
        `RSS/conn idle ${kib(perConnection(scaling, scaling.steps.length - 1, 'idle'))} KiB, active ${kib(perConnection(scaling, scaling.steps.length - 1, 'active'))} KiB; ` +
        `${Math.round(rate.ackedPerS)} of ${Math.round(rate.sentPerS)} batches/s acknowledged\n`)
      if (outcome.failed > 0) {
        scaling.error = `${outcome.failed} of ${n} vehicles did not connect within ${plan.connectTimeoutMs} ms (first: ${outcome.firstError ?? 'timeout'})`
        break
      }
    }
  } catch (err) {
    scaling.error = (err as Error).message
  }
  return scaling
}

interface BatchShape { payloadBytes: number, canFrames: number }

async function runBroker (broker: BrokerScaling['broker'], plan: Plan, databaseUrl: string, batch: BatchShape): Promise<BrokerScaling> {
  const max = plan.sizes[plan.sizes.length - 1] as number
  const db = broker === 'Pitwall' ? await createBenchDatabase(databaseUrl) : undefined
  let server: ServerProcess | undefined
  let load: ConnectionLoad | undefined
  try {
    const t0 = Date.now()
    // raw aedes accepts any credential; it gets the same client ids and passwords
    const fleet = db === undefined
      ? benchVins(max).map((vin) => ({ vin, secret: 'x'.repeat(43) }))
      : await registerBenchFleet(db.url, max)
    if (db !== undefined) process.stderr.write(`bench: ${max} vehicles registered in ${Date.now() - t0} ms\n`)
    server = db === undefined ? await startRawAedes() : await startPitwall(db.url)
    load = await ConnectionLoad.start()
    batch.payloadBytes = load.payloadBytes
    batch.canFrames = load.canFrames
    return await scaleOn(broker, server, load, fleet, plan)
  } catch (err) {
    return { broker, openFiles: server?.openFiles ?? 0, baseline: { rssBytes: 0, heapUsedBytes: 0, externalBytes: 0, arrayBuffersBytes: 0 }, steps: [], error: (err as Error).message }
  } finally {
    await load?.close()
    await server?.stop()
    await db?.drop()
  }
}

export async function runConnectionScaling (options: { quick: boolean, databaseUrl?: string }): Promise<ConnectionScalingResult> {
  const mode = options.quick ? 'quick' : 'full'
  const plan = PLANS[mode]
  const databaseUrl = options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test'
  const brokers: BrokerScaling[] = []
  // the batch as the load processes build it (the same in every process and run)
  const batch: BatchShape = { payloadBytes: 0, canFrames: 0 }
  for (const broker of ['raw aedes', 'Pitwall'] as const) brokers.push(await runBroker(broker, plan, databaseUrl, batch))
  return {
    mode,
    fleetSizes: plan.sizes,
    activePeriodS: plan.activePeriodMs / 1000,
    batchBytes: batch.payloadBytes,
    batchCanFrames: batch.canFrames,
    loadProcesses: 2,
    brokers
  }
}

/** Bytes of RSS per open connection at step `i`: (RSS at N − RSS at 0) / N. */
export function perConnection (b: BrokerScaling, i: number, phase: 'idle' | 'active'): number {
  const step = b.steps[i]
  if (step === undefined || step.open === 0) return NaN
  return (step[phase].rssBytes - b.baseline.rssBytes) / step.open
}

/**
 * Bytes of RSS per connection added between step `i - 1` (or none) and step
 * `i`: free of the one-time costs (code compiled, heap grown) the first
 * connections pay, which dominate the average at small N.
 */
export function marginalPerConnection (b: BrokerScaling, i: number, phase: 'idle' | 'active'): number {
  const step = b.steps[i]
  const before = i === 0 ? { open: 0, rssBytes: b.baseline.rssBytes } : { open: b.steps[i - 1]?.open ?? 0, rssBytes: b.steps[i - 1]?.[phase].rssBytes ?? NaN }
  if (step === undefined || step.open <= before.open) return NaN
  return (step[phase].rssBytes - before.rssBytes) / (step.open - before.open)
}

function heapPerConnection (b: BrokerScaling, i: number, phase: 'idle' | 'active'): number {
  const step = b.steps[i]
  if (step === undefined || step.open === 0) return NaN
  return (step[phase].heapUsedBytes - b.baseline.heapUsedBytes) / step.open
}

const kib = (bytes: number): string => Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '–'
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0)
const ratio = (a: number, b: number): string => Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '–'
const perS = (x: number): string => Math.round(x).toLocaleString('en-US')

export function renderConnectionScaling (r: ConnectionScalingResult): string {
  const aedes = r.brokers.find((b) => b.broker === 'raw aedes')
  const pitwall = r.brokers.find((b) => b.broker === 'Pitwall')
  const rows = r.fleetSizes.map((n, i) => {
    const a = aedes === undefined ? NaN : perConnection(aedes, i, 'idle')
    const p = pitwall === undefined ? NaN : perConnection(pitwall, i, 'idle')
    const aa = aedes === undefined ? NaN : perConnection(aedes, i, 'active')
    const pa = pitwall === undefined ? NaN : perConnection(pitwall, i, 'active')
    return `| ${n.toLocaleString('en-US')} | ${kib(a)} | ${kib(p)} | ${ratio(p, a)} | ${kib(aa)} | ${kib(pa)} | ${ratio(pa, aa)} |`
  })
  const marginal = r.fleetSizes.map((n, i) => {
    const cell = (b: BrokerScaling | undefined, phase: 'idle' | 'active'): number => b === undefined ? NaN : marginalPerConnection(b, i, phase)
    const [a, p, aa, pa] = [cell(aedes, 'idle'), cell(pitwall, 'idle'), cell(aedes, 'active'), cell(pitwall, 'active')]
    return `| ${i === 0 ? '0' : (r.fleetSizes[i - 1] ?? 0).toLocaleString('en-US')} → ${n.toLocaleString('en-US')} | ${kib(a)} | ${kib(p)} | ${ratio(p, a)} | ${kib(aa)} | ${kib(pa)} | ${ratio(pa, aa)} |`
  })
  const detail = r.brokers.flatMap((b) => b.steps.map((s, i) =>
    `| ${b.broker} | ${s.vehicles.toLocaleString('en-US')} | ${s.open.toLocaleString('en-US')} | ${(s.connectMs / 1000).toFixed(1)} | ` +
    `${mib(b.baseline.rssBytes)} / ${mib(s.idle.rssBytes)} / ${mib(s.active.rssBytes)} | ${kib(heapPerConnection(b, i, 'idle'))} / ${kib(heapPerConnection(b, i, 'active'))} | ` +
    `${s.active.publish.sent.toLocaleString('en-US')} / ${s.active.publish.acked.toLocaleString('en-US')} / ${s.active.publish.failed} | ` +
    `${perS(s.active.rate.ackedPerS)} / ${perS(s.active.rate.sentPerS)} |`))
  const last = r.fleetSizes.length - 1
  const both = aedes !== undefined && pitwall !== undefined && pitwall.steps.length === r.fleetSizes.length && aedes.steps.length === r.fleetSizes.length
  const target = both ? perConnection(pitwall, last, 'idle') / perConnection(aedes, last, 'idle') : NaN
  const slope = both ? marginalPerConnection(pitwall, last, 'idle') / marginalPerConnection(aedes, last, 'idle') : NaN
  const largest = (r.fleetSizes[last] ?? 0).toLocaleString('en-US')
  const verdict = both
    ? `At ${largest} idle vehicles Pitwall holds ${target.toFixed(2)}× the RSS per connection of raw aedes (target ≤ 1.5×: ${target <= 1.5 ? 'met' : 'missed'}); ` +
      `counting only the connections added in the last step, ${slope.toFixed(2)}×.`
    : 'The target comparison is missing: a run did not reach the largest fleet.'
  const errors = r.brokers.filter((b) => b.error !== undefined).map((b) => `- ${b.broker} stopped early: ${b.error ?? ''}`)
  // the figure a reader quotes (issue 19 item 6): the whole gateway process at the largest fleet
  const atLargest = (b: BrokerScaling | undefined): ConnectionStep | undefined => b?.steps.find((s) => s.vehicles === r.fleetSizes[last])
  const memory = (b: BrokerScaling | undefined): string => {
    const step = atLargest(b)
    return b === undefined || step === undefined ? 'n/a' : `${mib(step.idle.rssBytes)} MiB idle, ${mib(step.active.rssBytes)} MiB active (${mib(b.baseline.rssBytes)} MiB with none connected)`
  }
  const memoryLine = `Gateway memory at ${largest} connected vehicles (RSS of the whole process after two full GCs): Pitwall ${memory(pitwall)}; raw aedes ${memory(aedes)}.`
  return `## Connected vehicles: RSS per connection and throughput

Each broker in its own process (Pitwall: \`pitwall start\` on a fresh PostgreSQL database, with the demo DBC;
raw aedes: no pipeline, hooks calling back at once), the fleet in ${r.loadProcesses} load processes of mqtt.js clients
(MQTT 3.1.1, clean session, keepalive 60 s), grown ${r.fleetSizes.map((n) => n.toLocaleString('en-US')).join(' → ')} in one broker process.
RSS per connection = (RSS at N − RSS with none) / N, each RSS the lowest of five reads after two forced full GCs.
Idle: connected, nothing published. Active: each vehicle publishes one QoS 1 batch (${r.batchBytes} bytes, ${r.batchCanFrames} CAN frames)
every ${r.activePeriodS} s (${r.fleetSizes.map((n) => Math.round(n / r.activePeriodS).toLocaleString('en-US')).join(' → ')} batches/s), measured after every vehicle has published;
the batches/s acknowledged over the active phase (its first second left out) are the throughput at N vehicles at that offered
rate, not the broker's maximum (that is the end-to-end section's).

| vehicles | raw aedes idle KiB/conn | Pitwall idle KiB/conn | ratio | raw aedes active KiB/conn | Pitwall active KiB/conn | ratio |
|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Marginal: RSS added per connection added from one step to the next (KiB; no one-time costs):

| vehicles | raw aedes idle | Pitwall idle | ratio | raw aedes active | Pitwall active | ratio |
|---|---:|---:|---:|---:|---:|---:|
${marginal.join('\n')}

${verdict}

${memoryLine}

| broker | vehicles | open | connect (s) | RSS MiB: none / idle / active | V8 heap KiB/conn: idle / active | batches sent / acked / failed | batches/s acked / sent |
|---|---:|---:|---:|---|---|---|---|
${detail.join('\n')}
${errors.length > 0 ? '\n' + errors.join('\n') + '\n' : ''}`
}
