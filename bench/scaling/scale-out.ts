/**
 * Scale-out (issue 20 item 4): 1, 2 and 3 `pitwall start` nodes on this
 * machine under the end-to-end section's load (load-generator.ts: 200
 * mqtt.js T-boxes in 2 processes, demo batches, QoS 1 open loop), each
 * configuration on a fresh PostgreSQL database of its own:
 * - 1 node without Redis (the broker's state in its memory, the default),
 * - 1 node with Redis,
 * - 2 and 3 nodes sharing the database and Redis, the vehicles spread over
 *   them round robin as a TCP load balancer would.
 * Per configuration: the QoS 1 search for the maximum (throughput-steps.ts,
 * as the end-to-end section runs it), then, once the search's backlog is
 * worked off, a common offered load (half of 1 node's maximum) run
 * `repeats` times: PUBACK percentiles and CPU per batch of the gateways
 * (summed), PostgreSQL and Redis, from /proc; with Redis, the commands it
 * ran meanwhile (INFO commandstats). Then connections per node at 10,000
 * vehicles on 3 nodes (scale-out-connections.ts).
 *
 * Every process shares the machine's cores: on 2 cores a second node adds
 * no CPU, so these figures show what extra nodes cost, not what they add.
 */
import { randomBytes } from 'node:crypto'
import { cpus, loadavg } from 'node:os'
import { benchVins } from '../e2e/latency.js'
import { LoadGenerator } from '../e2e/load-generator.js'
import { redisServerInstalled, startPrivateRedis } from '../e2e/private-redis.js'
import { cpuSeconds, memoryMiB, postgresCpu, ProcessGroupCpu } from '../e2e/proc-stats.js'
import { BenchDatabase, preparePitwallDatabase, startPitwall, startRawAedes, type PitwallProcess } from '../e2e/targets.js'
import type { LoadRunShape, StepResult, TargetResult } from '../e2e/throughput-model.js'
import { countLost, findMax, generatorCeiling, loadsFrom, PLANS, repeated, sleep, type Plan, type Target } from '../e2e/throughput-steps.js'
import { commandsBetween, dropRedisPrefix, redisCommandCalls } from '../reliability/redis-keys.js'
import { runConnectionSpread, type ConnectionSpreadResult } from './scale-out-connections.js'

export { renderScaleOut } from './scale-out-report.js'

interface Configuration { label: string, nodes: number, redis: boolean }

const CONFIGURATIONS: readonly Configuration[] = [
  { label: '1 node, no Redis', nodes: 1, redis: false },
  { label: '1 node + Redis', nodes: 1, redis: true },
  { label: '2 nodes + Redis', nodes: 2, redis: true },
  { label: '3 nodes + Redis', nodes: 3, redis: true }
]

export type ConfigurationResult = Configuration & Partial<Pick<TargetResult, 'search' | 'maxQos1PerS' | 'atMax' | 'maxCappedByGenerator' | 'maxIsLowerBound' | 'saturatedPerS' | 'notHeld'>> & {
  /** each node's pitwall_mqtt_connected_vehicles once the fleet had connected */
  vehiclesPerNode?: number[]
  /**
   * The fleet's connect (clean sessions, each secret's first scrypt check
   * included): CPU of all nodes and, with Redis, its commands (PING and INFO
   * left out)
   */
  connect?: { vehicles: number, gatewayCpuMs: number, redisCommands?: Record<string, number> }
  /** the common offered load, run plan.repeats times (latencies pooled, CPU of the median run) */
  common?: StepResult
  /** each node's RSS after the common load, MiB */
  rssPerNodeMiB?: number[]
  /** with Redis: commands it ran over the common-load runs (PING and INFO left out), and the batches stored meanwhile */
  redisCommands?: { batches: number, byCommand: Record<string, number> }
  /** every acknowledged batch looked up in the configuration's database */
  loss?: { checked: number, lost: number, storedBatches: number }
  error?: string
  /** from creating the database to dropping it */
  elapsedS: number
}

export interface ScaleOutResult extends LoadRunShape {
  plan: { warmupMs: number, measureMs: number, ladder: number[], commonMs: number, repeats: number }
  generator: { qos0PerS: number, qos1PerS: number }
  /** batches/s offered to every configuration: half of 1 node's maximum */
  commonLoadPerS: number
  /** which Redis the nodes shared */
  redis: string
  configurations: ConfigurationResult[]
  connections: ConnectionSpreadResult | { error: string }
  notes: string[]
  elapsedS: number
}

export interface ScaleOutOptions {
  quick: boolean
  /** PostgreSQL server URL beside whose database the bench may CREATE and DROP its own */
  adminDatabaseUrl?: string
  /** used when there is no redis-server binary to start a Redis of the section's own */
  sharedRedisUrl?: string
}

/**
 * The end-to-end section's plans, shortened: 4 configurations in about 3
 * minutes (full), a smoke run in well under one (quick). The full ladder
 * starts at 500/s (every configuration passed 250 and 500 when this was
 * written) and repeats each figure twice.
 */
const SCALE_PLANS: Record<'quick' | 'full', Plan> = {
  quick: { ...PLANS.quick, ladder: [500, 2000], repeats: 1, halfLoadMs: 800 },
  full: { ...PLANS.full, ladder: [500, 1000, 2000, 4000], repeats: 2, halfLoadMs: 3000, drainMs: 10_000 }
}

/** Fleet size of the connections part, and the sample that moves and resumes. */
const CONNECTION_PLANS = {
  quick: { vehicles: 1000, sample: 200, connectTimeoutMs: 30_000 },
  full: { vehicles: 10_000, sample: 500, connectTimeoutMs: 120_000 }
}

interface BenchRedis { url: string, pid: number | undefined, where: string, stop: () => Promise<void> }

/** A redis-server of the section's own when one can be started: on the shared one, its other clients' commands would count. */
async function openRedis (sharedUrl: string): Promise<BenchRedis> {
  if (!redisServerInstalled()) {
    return { url: sharedUrl, pid: undefined, where: `the shared Redis at ${sharedUrl} (no redis-server binary to start one of the section's own: its other clients' commands count too, and its CPU is not shown)`, stop: async () => {} }
  }
  const own = await startPrivateRedis()
  return { url: own.url, pid: own.pid, where: 'a redis-server of the section\'s own (loopback, no persistence, on the same cores)', stop: own.kill }
}

/** The nodes' /metrics summed, as one gateway's. */
function clusterMetrics (nodes: readonly PitwallProcess[]): () => Promise<Record<string, number>> {
  return async () => {
    const out: Record<string, number> = {}
    for (const m of await Promise.all(nodes.map(async (n) => await n.metrics()))) {
      for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v
    }
    return out
  }
}

/** Waits (up to `timeoutMs`) until no stored batch waits for its decoded rows: the search's overload steps leave a backlog that would bill the next run. */
async function worked (metrics: () => Promise<Record<string, number>>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = await metrics()
    if (((m.pitwall_projection_pending_batches ?? 0) === 0 && (m.pitwall_storage_queue_items ?? 0) === 0) || Date.now() > deadline) return
    await sleep(200)
  }
}

interface RunContext {
  plan: Plan
  adminUrl: string
  redis: BenchRedis
  gen: LoadGenerator
  ceiling: number
  /** set by the first configuration */
  commonLoadPerS: number | undefined
  rules: number
  log: (s: string) => void
}

async function runConfiguration (c: Configuration, ctx: RunContext): Promise<ConfigurationResult> {
  const started = performance.now()
  const result = await measureConfiguration(c, ctx)
  const elapsedS = Math.round((performance.now() - started) / 1000)
  ctx.log(`${c.label}: ${elapsedS} s`)
  return { ...result, elapsedS }
}

async function measureConfiguration (c: Configuration, ctx: RunContext): Promise<Omit<ConfigurationResult, 'elapsedS'>> {
  const { plan, gen, ceiling, log } = ctx
  const database = await BenchDatabase.create(ctx.adminUrl)
  const prefix = `pitwall_scaleout_${randomBytes(4).toString('hex')}`
  const nodes: PitwallProcess[] = []
  try {
    const prepared = await preparePitwallDatabase(database.url, benchVins('PWX', plan.vehicles))
    ctx.rules = prepared.rules
    for (let i = 0; i < c.nodes; i++) {
      const env: Record<string, string> = c.redis ? { PITWALL_REDIS_URL: ctx.redis.url, PITWALL_REDIS_PREFIX: prefix, PITWALL_NODE_NAME: `scale-out-${i + 1}` } : {}
      nodes.push(await startPitwall(database.url, { env }))
    }
    const metrics = clusterMetrics(nodes)
    const target: Target = {
      name: 'pitwall',
      url: `mqtt://127.0.0.1:${nodes[0]?.mqttPort ?? 0}`,
      pids: nodes.map((n) => n.pid),
      anonymous: false,
      pitwall: { metrics },
      databaseCpu: postgresCpu(database.name),
      ...(c.redis && ctx.redis.pid !== undefined ? { redisCpu: new ProcessGroupCpu(() => [ctx.redis.pid as number]) } : {})
    }
    const gatewaysCpuS = (): number => nodes.reduce((a, n) => a + (cpuSeconds(n.pid) ?? 0), 0)
    const connectCalls = c.redis ? await redisCommandCalls(ctx.redis.url) : undefined
    const connectCpu = gatewaysCpuS()
    await gen.connect(nodes.map((n) => `mqtt://127.0.0.1:${n.mqttPort}`), prepared.credentials)
    // what the nodes do after the CONNACK (status, connection state) lands too
    await sleep(300)
    const connect = {
      vehicles: prepared.credentials.length,
      gatewayCpuMs: Math.round((gatewaysCpuS() - connectCpu) * 1000),
      ...(connectCalls === undefined ? {} : { redisCommands: Object.fromEntries(commandsBetween(connectCalls, await redisCommandCalls(ctx.redis.url))) })
    }
    const vehiclesPerNode = await Promise.all(nodes.map(async (n) => (await n.metrics()).pitwall_mqtt_connected_vehicles ?? 0))
    log(`${c.label}: vehicles per node ${vehiclesPerNode.join(', ')}`)
    const max = await findMax(gen, target, plan, ceiling, (s) => log(`${c.label}: ${s}`))
    ctx.commonLoadPerS ??= loadsFrom(max.maxQos1PerS).halfLoad
    await worked(metrics, 30_000)
    const callsBefore = c.redis ? await redisCommandCalls(ctx.redis.url) : undefined
    const storedBefore = (await metrics())['pitwall_batches_total:stored'] ?? 0
    const common = await repeated(gen, target, { qos: 1, ratePerS: ctx.commonLoadPerS, warmupMs: plan.warmupMs, measureMs: plan.halfLoadMs, drainMs: plan.drainMs }, ceiling, plan.repeats)
    const batches = ((await metrics())['pitwall_batches_total:stored'] ?? 0) - storedBefore
    const redisCommands = callsBefore === undefined ? undefined : { batches, byCommand: Object.fromEntries(commandsBetween(callsBefore, await redisCommandCalls(ctx.redis.url))) }
    const rssPerNodeMiB = nodes.map((n) => Math.round(memoryMiB(n.pid)?.rss ?? NaN))
    log(`${c.label}: common load ${ctx.commonLoadPerS}/s p50 ${common.latencyMs?.p50 ?? '-'} p99 ${common.latencyMs?.p99 ?? '-'} ms, gateways ${Math.round(common.targetCpuPct ?? 0)} %, database ${Math.round(common.databaseCpuPct ?? 0)} %` +
      (redisCommands === undefined ? '' : `; Redis ${Object.values(redisCommands.byCommand).reduce((a, b) => a + b, 0)} commands for ${batches} batches`))
    await sleep(500)
    const loss = await countLost(database.url, await gen.ackedSeqs())
    await gen.disconnect()
    return { ...c, ...max, vehiclesPerNode, connect, common, rssPerNodeMiB, ...(redisCommands === undefined ? {} : { redisCommands }), loss }
  } catch (err) {
    log(`${c.label}: failed: ${(err as Error).message}`)
    await gen.disconnect().catch(() => {})
    return { ...c, error: (err as Error).message }
  } finally {
    for (const n of nodes) await n.stop().catch(() => {})
    await database.drop().catch((err: unknown) => log(`could not drop ${database.name}: ${(err as Error).message}`))
    if (c.redis) await dropRedisPrefix(prefix, ctx.redis.url).catch(() => 0)
  }
}

export async function runScaleOut (options: ScaleOutOptions): Promise<ScaleOutResult> {
  const started = performance.now()
  const mode = options.quick ? 'quick' : 'full'
  const plan = SCALE_PLANS[mode]
  const log = (s: string): void => { process.stderr.write(`bench: scale-out: ${s}\n`) }
  const adminUrl = options.adminDatabaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test'
  const cores = cpus().length
  const notes = [
    `${cores} cores shared by the load generator (${plan.workers} processes), every node, PostgreSQL and Redis: CPU figures are % of one core`,
    `load average when the section started: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min)`
  ]
  const redis = await openRedis(options.sharedRedisUrl ?? 'redis://127.0.0.1:6379')
  let gen: LoadGenerator | undefined
  try {
    gen = await LoadGenerator.start(plan.workers)
    // the generator's own ceiling, so a figure near it is labelled capped (raw aedes takes any credential)
    const raw = await startRawAedes()
    let generator: ScaleOutResult['generator']
    try {
      generator = await generatorCeiling(gen, `mqtt://127.0.0.1:${raw.port}`, benchVins('PWG', plan.vehicles).map((vin) => ({ vin, secret: 'x' })), plan)
    } finally {
      await raw.stop()
    }
    log(`generator ceiling: QoS 1 ${Math.round(generator.qos1PerS)}/s; Redis: ${redis.where}`)
    const ctx: RunContext = { plan, adminUrl, redis, gen, ceiling: generator.qos1PerS, commonLoadPerS: undefined, rules: 0, log }
    const configurations: ConfigurationResult[] = []
    for (const c of CONFIGURATIONS) configurations.push(await runConfiguration(c, ctx))
    await gen.close()
    const canFramesPerBatch = gen.canFramesPerBatch
    const payloadBytes = gen.payloadBytes
    gen = undefined
    const cp = CONNECTION_PLANS[mode]
    let connections: ScaleOutResult['connections']
    try {
      connections = await runConnectionSpread({ ...cp, nodes: 3, adminDatabaseUrl: adminUrl, redisUrl: redis.url, log })
    } catch (err) {
      log(`connections failed: ${(err as Error).message}`)
      connections = { error: (err as Error).message }
    }
    const lost = configurations.reduce((n, c) => n + (c.loss?.lost ?? 0), 0)
    if (lost > 0) notes.push(`FAILED: ${lost} batches acknowledged are not in their configuration's database`)
    return {
      mode,
      cores,
      vehicles: plan.vehicles,
      workers: plan.workers,
      canFramesPerBatch,
      payloadBytes,
      rules: ctx.rules,
      plan: { warmupMs: plan.warmupMs, measureMs: plan.measureMs, ladder: plan.ladder, commonMs: plan.halfLoadMs, repeats: plan.repeats },
      generator,
      commonLoadPerS: ctx.commonLoadPerS ?? 0,
      redis: redis.where,
      configurations,
      connections,
      notes,
      elapsedS: Math.round((performance.now() - started) / 1000)
    }
  } finally {
    await gen?.close().catch(() => {})
    await redis.stop()
  }
}
