/**
 * The API under ingest (issue 17, item 7): the console's four heaviest reads
 * (readers.ts) against `pitwall start` on a PostgreSQL database of its own,
 * seeded at a stated volume (seed.ts), while the throughput section's load
 * generator (real mqtt.js T-boxes in worker processes, demo-vehicle batches)
 * publishes at half the gateway's maximum. The gateway, the generator and
 * the readers (this process) are separate processes, as in the throughput
 * section, so each one's CPU is its own.
 *
 * The maximum is searched on this gateway and database with the throughput
 * section's criteria (a QoS 1 step passes while ≥ 95 % of the offered
 * batches are acknowledged in its window and p99 ≤ 1 s; rates doubled until
 * one fails, then one step between). Then:
 * - each reader by itself, no ingest and no other reader: what the request
 *   costs on its own, the baseline of its latency;
 * - at half the maximum, ingest without readers and ingest with all four,
 *   alternating in pairs, each run with its own warm-up and drain. The
 *   target is on PUBACK p99 with readers over without: the median over the
 *   pairs, so that one run disturbed by something else on the machine (a
 *   checkpoint, another process) does not decide it either way.
 */
import { cpus, loadavg } from 'node:os'
import pg from 'pg'
import { openStorage } from '../../storage/index.js'
import { benchVins, latencySummary } from '../e2e/latency.js'
import { LoadGenerator } from '../e2e/load-generator.js'
import { cpuSeconds, postgresCpu, ProcessGroupCpu } from '../e2e/proc-stats.js'
import { settlerFor } from '../e2e/settle.js'
import type { FailedBy } from '../e2e/throughput-model.js'
import { missed, projectionGrowth, searchHolding } from '../e2e/throughput-steps.js'
import { spread } from '../measure.js'
import { BenchDatabase, preparePitwallDatabase, startPitwall, type PitwallProcess } from '../e2e/targets.js'
import type { ApiBenchResult, EndpointName, EndpointResult, IngestFigures, ReaderFigures, SearchStep } from './model.js'
import { answerError, apiEndpoints, fetchTimed, readDuring, type Endpoint, type ReaderRun } from './readers.js'
import { seedApiFleet, type SeedPlan } from './seed.js'

export interface ApiBenchOptions {
  quick: boolean
  /** PostgreSQL server URL whose database the bench may CREATE and DROP beside */
  adminDatabaseUrl: string
  log?: (line: string) => void
}

interface Plan {
  seed: SeedPlan
  loadVehicles: number
  workers: number
  ladder: number[]
  refine: boolean
  searchWarmupMs: number
  searchMeasureMs: number
  warmupMs: number
  windowMs: number
  /** pairs of runs without and with readers */
  runs: number
  /** each reader by itself */
  aloneMs: number
  readerIntervalMs: number
  drainMs: number
}

/**
 * Full mode keeps the section near two minutes on 2 cores: seeding takes
 * 15–40 s, a warm-up run and the search 6–7 steps of ~4 s, the readers 5 s
 * each by themselves, then three pairs of 8 s windows. A reader makes at
 * most 10 requests a second, so a fast endpoint gets 50 requests alone and
 * 240 under ingest. Quick mode is a smoke run on a smaller fleet.
 */
const PLANS: Record<'quick' | 'full', Plan> = {
  quick: {
    seed: { vehicles: 1000, dealers: 10, historyHours: 2, windowDays: 7 },
    loadVehicles: 50, workers: 2, ladder: [250, 500], refine: false, searchWarmupMs: 250, searchMeasureMs: 800,
    warmupMs: 250, windowMs: 2000, runs: 1, aloneMs: 1000, readerIntervalMs: 100, drainMs: 8000
  },
  full: {
    seed: { vehicles: 10_000, dealers: 60, historyHours: 24, windowDays: 30 },
    loadVehicles: 200, workers: 2, ladder: [250, 500, 1000, 2000, 4000, 8000], refine: true, searchWarmupMs: 1000, searchMeasureMs: 2000,
    warmupMs: 1000, windowMs: 8000, runs: 3, aloneMs: 5000, readerIntervalMs: 100, drainMs: 15_000
  }
}

/** requests per endpoint before measuring: JIT, plans and caches warm */
const WARM_REQUESTS = 5

/**
 * `pitwall start` (targets.ts) with the per-token API rate limit lifted: the
 * readers make ~40 requests a second on one token, 4× the default 600 a
 * minute. The child copies the environment when it is spawned.
 */
async function startGateway (databaseUrl: string): Promise<PitwallProcess> {
  const before = process.env.PITWALL_API_RATE_LIMIT
  process.env.PITWALL_API_RATE_LIMIT = '1000000'
  try {
    return await startPitwall(databaseUrl)
  } finally {
    if (before === undefined) delete process.env.PITWALL_API_RATE_LIMIT
    else process.env.PITWALL_API_RATE_LIMIT = before
  }
}

/** CHECKPOINT in the bench database: dirty pages written out now rather than in a measured window. */
async function checkpoint (databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query('CHECKPOINT')
  } finally {
    await client.end()
  }
}

function median (xs: readonly number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function engineerToken (databaseUrl: string): Promise<string> {
  const storage = await openStorage({ databaseUrl, dataDir: 'memory://' })
  try {
    return (await storage.apiTokens.create({ name: 'api bench', role: 'engineer' })).token
  } finally {
    await storage.close()
  }
}

interface IngestRun {
  offeredPerS: number
  acceptedPerS: number
  latenciesMs: number[]
  errors: number
  pending: number
  gatewayCpuS: number
  databaseCpuS: number
  windowS: number
  sendLagP99Ms: number
  /** batches the projector's queue grew by over the window */
  projectionGrowth: number
}

/**
 * One open-loop QoS 1 run; `during` runs over its measured window (the
 * workers start their schedules ~40 ms after the command, load-worker.ts),
 * and CPU is read at the window's edges.
 */
async function ingestRun (gen: LoadGenerator, gateway: PitwallProcess, database: string, spec: { ratePerS: number, warmupMs: number, measureMs: number, drainMs: number },
  during?: (startAt: number, endAt: number) => Promise<void>): Promise<IngestRun> {
  const db = postgresCpu(database)
  const t0 = performance.now() + 40
  const startAt = t0 + spec.warmupMs
  const endAt = startAt + spec.measureMs
  const edges: Array<{ gateway: number, db: Map<number, number> }> = []
  const read = (): void => { edges.push({ gateway: cpuSeconds(gateway.pid) ?? 0, db: db.read() }) }
  let growth = 0
  const sleep = async (ms: number): Promise<void> => { if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms)) }
  const side = (async () => {
    await sleep(startAt - performance.now())
    read()
    await Promise.all([during?.(startAt, endAt), projectionGrowth(async () => await gateway.metrics(), endAt, spec.measureMs / 1000).then((g) => { growth = g }), sleep(endAt - performance.now())])
    read()
  })()
  const report = await gen.run({ qos: 1, ...spec })
  await side
  const [a, b] = edges as [typeof edges[0], typeof edges[0]]
  return {
    offeredPerS: spec.ratePerS,
    acceptedPerS: report.completedInWindow / (spec.measureMs / 1000),
    latenciesMs: report.latenciesMs,
    errors: report.errors,
    pending: report.pending,
    gatewayCpuS: b.gateway - a.gateway,
    databaseCpuS: ProcessGroupCpu.between(a.db, b.db),
    windowS: spec.measureMs / 1000,
    sendLagP99Ms: report.sendLagP99Ms,
    projectionGrowth: growth
  }
}

/** As the throughput section's steps: enough acknowledged, p99 under its bound, and the decoded rows keeping pace; what it missed. */
function failedBy (r: IngestRun): FailedBy[] {
  return missed({ offeredPerS: r.offeredPerS, acceptedPerS: r.acceptedPerS, p99Ms: r.latenciesMs.length === 0 ? undefined : latencySummary(r.latenciesMs).p99, errors: r.errors, projectionGrowth: r.projectionGrowth, acknowledged: r.acceptedPerS * r.windowS })
}

function passed (r: IngestRun): boolean {
  return failedBy(r).length === 0
}

function searchStep (r: IngestRun): SearchStep {
  const p99 = r.latenciesMs.length === 0 ? undefined : latencySummary(r.latenciesMs).p99
  return { offeredPerS: r.offeredPerS, acceptedPerS: Math.round(r.acceptedPerS), ...(p99 === undefined ? {} : { p99Ms: p99 }), projectionGrowth: r.projectionGrowth, passed: passed(r) }
}

function pooled (runs: IngestRun[]): IngestFigures {
  const all = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b)
  const windowS = runs.reduce((s, r) => s + r.windowS, 0)
  const pct = (cpuS: number): number => Math.round((100 * cpuS) / windowS)
  return {
    offeredPerS: runs[0]?.offeredPerS ?? 0,
    acceptedPerS: Math.round(runs.reduce((s, r) => s + r.acceptedPerS * r.windowS, 0) / windowS),
    ...(all.length === 0 ? {} : { latencyMs: latencySummary(all) }),
    runP99Ms: runs.map((r) => latencySummary(r.latenciesMs).p99),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    pendingAfterDrain: runs.reduce((s, r) => s + r.pending, 0),
    gatewayCpuPct: pct(runs.reduce((s, r) => s + r.gatewayCpuS, 0)),
    databaseCpuPct: pct(runs.reduce((s, r) => s + r.databaseCpuS, 0)),
    sendLagP99Ms: Math.max(...runs.map((r) => Math.round(r.sendLagP99Ms * 10) / 10))
  }
}

function readerFigures (runs: ReaderRun[]): ReaderFigures {
  const all = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b)
  const firstError = runs.find((r) => r.firstError !== undefined)?.firstError
  return {
    ...(all.length === 0 ? {} : { latencyMs: latencySummary(all) }),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    ...(firstError === undefined ? {} : { firstError })
  }
}

type Probed = Pick<EndpointResult, 'skipped' | 'firstMs' | 'answer' | 'responseBytes'>

/**
 * Each endpoint once (cold) and its answer checked, then warmed. One whose
 * route is not registered yet, or that does not answer what was asked, is
 * left out with the reason, so the others are still measured.
 */
async function probe (baseUrl: string, token: string, endpoints: Endpoint[]): Promise<Map<EndpointName, Probed>> {
  const out = new Map<EndpointName, Probed>()
  for (const e of endpoints) {
    const a = await fetchTimed(baseUrl, token, e.path)
    let answer: string
    try {
      if (a.status !== 200) throw new Error(answerError(a))
      answer = e.describe(JSON.parse(a.body.toString('utf8')))
    } catch (err) {
      out.set(e.name, { skipped: (err as Error).message })
      continue
    }
    for (let i = 0; i < WARM_REQUESTS; i++) await fetchTimed(baseUrl, token, e.path)
    out.set(e.name, { firstMs: Math.round(a.ms * 10) / 10, answer, responseBytes: a.body.length })
  }
  return out
}

export async function runApiBench (options: ApiBenchOptions): Promise<ApiBenchResult> {
  const plan = PLANS[options.quick ? 'quick' : 'full']
  const log = options.log ?? ((line: string) => { process.stderr.write(`bench: api: ${line}\n`) })
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const notes: string[] = [
    `${cpus().length} cores shared by PostgreSQL, the gateway, the load generator (${plan.workers} processes) and the readers (this process); CPU figures are % of one core`,
    `load average when the section started: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min)`
  ]
  const database = await BenchDatabase.create(options.adminDatabaseUrl)
  let gen: LoadGenerator | undefined
  let gateway: PitwallProcess | undefined
  try {
    const prepared = await preparePitwallDatabase(database.url, benchVins('PWL', plan.loadVehicles))
    const fleet = await seedApiFleet(database.url, plan.seed)
    const v = fleet.volume
    log(`seeded in ${v.seedS} s: ${v.vehicles} vehicles, ${v.historySamples} samples, ${v.dtcEvents} DTC events, ${v.faults} faults (${v.databaseMiB} MiB)`)
    const token = await engineerToken(database.url)
    gateway = await startGateway(database.url)
    const baseUrl = `http://127.0.0.1:${gateway.httpPort}`
    const endpoints = apiEndpoints(fleet, plan.seed.historyHours, plan.seed.windowDays)
    const probed = await probe(baseUrl, token, endpoints)
    const present = endpoints.filter((e) => probed.get(e.name)?.skipped === undefined)
    for (const e of endpoints) log(`${e.name}: ${probed.get(e.name)?.skipped ?? `${probed.get(e.name)?.answer ?? ''}, first ${probed.get(e.name)?.firstMs ?? '-'} ms`}`)

    gen = await LoadGenerator.start(plan.workers)
    await gen.connect(`mqtt://127.0.0.1:${gateway.mqttPort}`, prepared.credentials)
    const settle = settlerFor(gateway, database.url)
    const run = async (ratePerS: number, warmupMs: number, measureMs: number, during?: (startAt: number, endAt: number) => Promise<void>): Promise<IngestRun> => {
      // each run from where the last one's decoded rows are written (bench/e2e/settle.ts)
      await settle(false)
      return await ingestRun(gen as LoadGenerator, gateway as PitwallProcess, database.name, { ratePerS, warmupMs, measureMs, drainMs: plan.drainMs }, during)
    }

    // a run not counted: the gateway's JIT and the database's caches warm before the search
    await run(plan.ladder[0] as number, plan.searchWarmupMs, plan.searchMeasureMs)
    // the maximum on this gateway and database
    // the highest rate that holds: every one of plan.runs runs passing (../e2e/throughput-steps.ts searchHolding)
    const found = await searchHolding({ ladder: plan.ladder, refine: plan.refine, repeats: plan.runs }, async (rate) => {
      const r = await run(rate, plan.searchWarmupMs, plan.searchMeasureMs)
      const s = searchStep(r)
      log(`ingest offered ${rate}/s: accepted ${s.acceptedPerS}/s, p99 ${s.p99Ms ?? '-'} ms${s.passed ? '' : ` (fails: ${failedBy(r).join(', ')})`}`)
      return r
    }, passed)
    const search = found.all.map(searchStep)
    if (search.every((s) => s.passed)) notes.push('no search step failed: the maximum is a lower bound (the ladder ended)')
    const maxRuns = found.held?.runs ?? []
    const maxPerS = maxRuns.length === 0 ? 0 : Math.round(spread(maxRuns, (r) => r.acceptedPerS, maxRuns[0] as IngestRun).median.acceptedPerS)
    for (const n of found.notHeld) notes.push(`${n.rate}/s did not hold: ${n.runs.filter(passed).length} of ${n.runs.length} runs passed (failed by ${[...new Set(n.runs.flatMap(failedBy))].join(', ')})`)
    const halfLoadPerS = Math.max(25, Math.round(maxPerS / 2 / 25) * 25)
    if (found.held === undefined) notes.push(`no search rate held: ingest ran at the floor of ${halfLoadPerS}/s`)
    // the overloaded step's backlog (decoded rows, rolled-up minutes, then dirty pages) done before the measured runs
    const settled = await settle(true)
    log(`after the search: ${settled.done ? 'settled' : 'still busy'} in ${(settled.ms / 1000).toFixed(1)} s`)
    await checkpoint(database.url)
    await new Promise((resolve) => setTimeout(resolve, 1000))

    const readers = async (startAt: number, endAt: number, into: Map<EndpointName, ReaderRun[]>): Promise<void> => {
      const maxRequests = Math.ceil((endAt - startAt) / plan.readerIntervalMs)
      const got = await readDuring(baseUrl, token, present, { startAt, endAt, intervalMs: plan.readerIntervalMs, maxRequests })
      for (const [name, r] of got) into.set(name, [...(into.get(name) ?? []), r])
    }
    const alone = new Map<EndpointName, ReaderRun[]>()
    const underIngest = new Map<EndpointName, ReaderRun[]>()
    for (const e of present) {
      const t = performance.now() + 20
      const got = await readDuring(baseUrl, token, [e], { startAt: t, endAt: t + plan.aloneMs, intervalMs: plan.readerIntervalMs, maxRequests: Math.ceil(plan.aloneMs / plan.readerIntervalMs) })
      alone.set(e.name, [...got.values()])
    }
    log(`readers alone: ${present.map((e) => `${e.name} p99 ${readerFigures(alone.get(e.name) ?? []).latencyMs?.p99 ?? '-'} ms`).join(', ')}`)
    const without: IngestRun[] = []
    const withReaders: IngestRun[] = []
    for (let i = 0; i < plan.runs; i++) {
      without.push(await run(halfLoadPerS, plan.warmupMs, plan.windowMs))
      withReaders.push(await run(halfLoadPerS, plan.warmupMs, plan.windowMs, async (startAt, endAt) => { await readers(startAt, endAt, underIngest) }))
      log(`half load ${halfLoadPerS}/s, pair ${i + 1}: PUBACK p99 ${latencySummary((without[i] as IngestRun).latenciesMs).p99} ms without readers, ${latencySummary((withReaders[i] as IngestRun).latenciesMs).p99} ms with`)
    }
    notes.push(`load average when the measured runs ended: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`)
    const withoutFigures = pooled(without)
    const withFigures = pooled(withReaders)
    if (withFigures.sendLagP99Ms > 100 || withoutFigures.sendLagP99Ms > 100) notes.push('the load generator fell more than 100 ms behind its schedule: the machine was short of CPU')

    const results: EndpointResult[] = endpoints.map((e) => {
      const p = probed.get(e.name) ?? {}
      const under = readerFigures(underIngest.get(e.name) ?? [])
      const p99 = under.latencyMs?.p99
      return {
        name: e.name,
        label: e.label,
        request: e.path,
        targetP99Ms: e.targetP99Ms,
        ...p,
        alone: readerFigures(alone.get(e.name) ?? []),
        underIngest: under,
        ...(p99 === undefined ? {} : { met: p99 < e.targetP99Ms && under.errors === 0 })
      }
    })
    const pairRatios = without.map((r, i) => latencySummary((withReaders[i] as IngestRun).latenciesMs).p99 / latencySummary(r.latenciesMs).p99)
    const p99Without = withoutFigures.latencyMs?.p99
    const p99With = withFigures.latencyMs?.p99
    return {
      mode: options.quick ? 'quick' : 'full',
      startedAt,
      cores: cpus().length,
      volume: v,
      loadVehicles: plan.loadVehicles,
      canFramesPerBatch: gen.canFramesPerBatch,
      plan: {
        searchWarmupMs: plan.searchWarmupMs,
        searchMeasureMs: plan.searchMeasureMs,
        warmupMs: plan.warmupMs,
        windowMs: plan.windowMs,
        runs: plan.runs,
        aloneMs: plan.aloneMs,
        readerIntervalMs: plan.readerIntervalMs,
        maxRequestsPerEndpoint: Math.ceil(plan.windowMs / plan.readerIntervalMs) * plan.runs
      },
      search,
      maxPerS,
      maxRuns: maxRuns.map((r) => searchStep(r)),
      halfLoadPerS,
      withoutReaders: withoutFigures,
      withReaders: withFigures,
      pairP99Ratios: pairRatios,
      pubackP99Ratio: median(pairRatios),
      ...(p99Without === undefined || p99With === undefined || p99Without === 0 ? {} : { pooledP99Ratio: p99With / p99Without }),
      endpoints: results,
      notes,
      elapsedS: Math.round((performance.now() - started) / 1000)
    }
  } finally {
    await gen?.close().catch(() => {})
    await gateway?.stop().catch(() => {})
    await database.drop().catch((err: unknown) => log(`could not drop ${database.name}: ${(err as Error).message}`))
  }
}
