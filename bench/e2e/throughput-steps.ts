/**
 * The measuring steps of the end-to-end throughput bench, shared by its
 * shared-cores and pinned modes (throughput.ts, pinned.ts): one open-loop
 * run against a target with CPU, memory and pipeline counters read at the
 * edges of its window, a step repeated for the spread, the QoS 1 search for
 * the maximum, and the nothing-lost check.
 */
import pg from 'pg'
import { latencySummary } from './latency.js'
import type { LoadGenerator } from './load-generator.js'
import { spread } from '../measure.js'
import { cpuSeconds, memoryMiB, ProcessGroupCpu } from './proc-stats.js'
import type { PitwallProcess } from './targets.js'
import type { Settled } from './settle.js'
import type { FailedBy, StepResult, TargetName, TargetResult } from './throughput-model.js'

export interface Plan {
  vehicles: number
  workers: number
  warmupMs: number
  measureMs: number
  drainMs: number
  ladder: number[]
  refine: boolean
  halfLoadMs: number
  qos0Ms: number
  floodMs: number
  sanityMs: number
  /** runs at the maximum and at half load, for the spread */
  repeats: number
}

/**
 * Full mode keeps each of the shared and pinned modes to about 2.5 minutes:
 * a 2 s window holds 500 to 32,000 acknowledgements per step, enough for a
 * rate and a p99 against a 1 s limit; half load runs 3 times 4 s, its
 * latencies pooled for p99.9 and the CDF, and enough /proc clock ticks (10
 * ms) for CPU per batch. Quick mode is a smoke run: every step once or
 * twice, short windows, a first step low enough to pass on a busy machine,
 * and an overload step mild enough to drain in a second.
 */
export const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { vehicles: 200, workers: 2, warmupMs: 250, measureMs: 800, drainMs: 8000, ladder: [250, 1000, 2500], refine: false, halfLoadMs: 800, qos0Ms: 800, floodMs: 1000, sanityMs: 1000, repeats: 2 },
  full: { vehicles: 200, workers: 2, warmupMs: 1000, measureMs: 2000, drainMs: 15000, ladder: [250, 500, 1000, 2000, 4000, 8000, 16000], refine: true, halfLoadMs: 4000, qos0Ms: 2000, floodMs: 2000, sanityMs: 5000, repeats: 3 }
}

/** A step passes while at least this share of the offered batches is acknowledged in the window... */
export const MIN_ACCEPTED = 0.95
/** ...and p99 stays under this. */
export const MAX_P99_MS = 1000
/**
 * Pitwall writes a batch's decoded rows after its PUBACK, and its projector's
 * queue can absorb seconds of excess: a step also fails when that queue grew
 * over the window by more than this share of the batches acknowledged in it
 * (the rows fell behind). The queue rises and falls by a group at a time, so
 * its growth is the least-squares trend of samples every 100 ms. Without this
 * a 2 s window from an empty queue passed at 5,666 batches/s while 10
 * minutes sustained 2,213.
 */
export const MAX_PROJECTION_GROWTH = 0.05
export const PROJECTION_PENDING = 'pitwall_projection_pending_batches'
const QUEUE_SAMPLE_MS = 100

/** Least-squares slope of y over x; 0 with fewer than two points. */
export function slope (points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length
  if (n < 2) return 0
  let sx = 0; let sy = 0; let sxx = 0; let sxy = 0
  for (const [x, y] of points) { sx += x; sy += y; sxx += x * x; sxy += x * y }
  const d = n * sxx - sx * sx
  return d === 0 ? 0 : (n * sxy - sx * sy) / d
}

/**
 * Samples Pitwall's projector queue every QUEUE_SAMPLE_MS until `endAt`
 * (performance.now() time) and returns its fitted growth over `windowS`
 * seconds, in batches (MAX_PROJECTION_GROWTH says why a trend).
 */
export async function projectionGrowth (metrics: () => Promise<Record<string, number>>, endAt: number, windowS: number): Promise<number> {
  const queue: Array<[number, number]> = []
  for (let at = performance.now(); at < endAt; at = performance.now()) {
    queue.push([at / 1000, (await metrics())[PROJECTION_PENDING] ?? 0])
    await sleep(Math.min(QUEUE_SAMPLE_MS, endAt - performance.now()))
  }
  return Math.round(slope(queue) * windowS)
}
/** A result at or above this share of the generator's ceiling is labelled capped by the generator. */
const NEAR_CEILING = 0.9

export interface Target {
  name: TargetName
  url: string
  /** the broker's processes (Pitwall: every node of a cluster): CPU and RSS summed; none when unknown */
  pids: readonly number[]
  anonymous: boolean
  /** batches the target took in, for QoS 0 (no acknowledgement) */
  received?: () => Promise<number>
  /** Pitwall: its /metrics (a cluster's summed over its nodes) */
  pitwall?: Pick<PitwallProcess, 'metrics'>
  /** Pitwall: the database processes doing its work */
  databaseCpu?: ProcessGroupCpu
  /** Pitwall nodes sharing a Redis: the Redis server, when its process is known */
  redisCpu?: ProcessGroupCpu
  /** Pitwall: waits until what the last step left is done (./settle.ts); with `rollup`, its minutes rolled up too */
  settle?: (rollup: boolean) => Promise<Settled>
}

function latency (sorted: number[]): StepResult['latencyMs'] {
  return sorted.length === 0 ? undefined : latencySummary(sorted)
}

/** Points kept per latency CDF: more than a 720 px wide chart can show apart, and three series add ~40 kB to results.json. */
const CDF_POINTS = 1000

/** `sorted` at up to CDF_POINTS evenly spaced ranks, the first and last included, to 3 significant digits. */
export function cdfPoints (sorted: readonly number[]): number[] {
  const n = sorted.length
  const m = Math.min(n, CDF_POINTS)
  return Array.from({ length: m }, (_, j) => Number((sorted[m === 1 ? 0 : Math.round((j * (n - 1)) / (m - 1))] as number).toPrecision(3)))
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

export interface StepSpec { qos: 0 | 1, ratePerS: number, warmupMs: number, measureMs: number, drainMs: number, keepCdf?: boolean }

/** A run's result and its latencies (sorted), which repeated runs pool. */
export interface Run { result: StepResult, latenciesMs: number[] }

/** One run against `target` with CPU, memory and (for Pitwall) pipeline counters read at the edges of the measured window. */
export async function step (gen: LoadGenerator, target: Target, spec: StepSpec, generatorCeiling: number): Promise<Run> {
  const settled = await target.settle?.(false)
  const db = target.databaseCpu
  const edges: Array<{ target: number, generator: number, db: Map<number, number>, redis: Map<number, number>, received: number, counters: Record<string, number> }> = []
  const readEdge = async (): Promise<void> => {
    const generator = gen.pids.reduce((a, pid) => a + (cpuSeconds(pid) ?? 0), 0)
    edges.push({
      target: target.pids.reduce((a, pid) => a + (cpuSeconds(pid) ?? 0), 0),
      generator,
      db: db?.read() ?? new Map(),
      redis: target.redisCpu?.read() ?? new Map(),
      received: target.received === undefined || spec.qos === 1 ? 0 : await target.received(),
      counters: target.pitwall === undefined ? {} : await target.pitwall.metrics()
    })
  }
  // the workers start their schedules ~40 ms after the command (two 20 ms offsets in load-worker.ts)
  const t0 = performance.now() + 40
  let growth: number | undefined
  const edgeReads = (async () => {
    await sleep(t0 + spec.warmupMs - performance.now())
    await readEdge()
    const end = t0 + spec.warmupMs + spec.measureMs
    const pitwall = target.pitwall
    if (pitwall !== undefined) growth = await projectionGrowth(async () => await pitwall.metrics(), end, spec.measureMs / 1000)
    await sleep(end - performance.now())
    await readEdge()
  })()
  const report = await gen.run(spec)
  await edgeReads
  const [a, b] = edges as [typeof edges[0], typeof edges[0]]
  const seconds = spec.measureMs / 1000
  const stored = (b.counters['pitwall_batches_total:stored'] ?? 0) - (a.counters['pitwall_batches_total:stored'] ?? 0)
  const accepted = spec.qos === 1
    ? report.completedInWindow / seconds
    : target.pitwall !== undefined ? stored / seconds : target.received !== undefined ? (b.received - a.received) / seconds : undefined
  const lat = spec.qos === 1 ? latency(report.latenciesMs) : undefined
  const mems = target.pids.map((pid) => memoryMiB(pid))
  const mem = mems.length === 0 || mems.some((m) => m === undefined) ? undefined : { rss: mems.reduce((a, m) => a + (m?.rss ?? 0), 0), peak: mems.reduce((a, m) => a + (m?.peak ?? 0), 0) }
  const perS = (name: string): number => ((b.counters[name] ?? 0) - (a.counters[name] ?? 0)) / seconds
  const result: StepResult = {
    qos: spec.qos,
    offeredPerS: spec.ratePerS,
    sentPerS: report.sent / ((spec.warmupMs + spec.measureMs) / 1000),
    ...(accepted === undefined ? {} : { acceptedPerS: accepted, canFramesPerS: accepted * gen.canFramesPerBatch }),
    ...(lat === undefined ? {} : { latencyMs: lat }),
    ...(lat === undefined || spec.keepCdf !== true ? {} : { latencyCdfMs: cdfPoints(report.latenciesMs) }),
    errors: report.errors,
    ...(report.firstError === undefined ? {} : { firstError: report.firstError }),
    pendingAfterDrain: report.pending,
    ...(target.pids.length === 0 ? {} : { targetCpuPct: (100 * (b.target - a.target)) / seconds }),
    ...(db === undefined ? {} : { databaseCpuPct: (100 * ProcessGroupCpu.between(a.db, b.db)) / seconds }),
    ...(target.redisCpu === undefined ? {} : { redisCpuPct: (100 * ProcessGroupCpu.between(a.redis, b.redis)) / seconds }),
    generatorCpuPct: (100 * (b.generator - a.generator)) / seconds,
    ...(mem === undefined ? {} : { rssMiB: Math.round(mem.rss), peakRssMiB: Math.round(mem.peak) }),
    sendLagP99Ms: Math.round(report.sendLagP99Ms * 10) / 10,
    passed: false,
    cappedByGenerator: false
  }
  if (settled !== undefined) result.settle = settled
  if (target.pitwall !== undefined) {
    result.decodedSignalsPerS = perS('pitwall_can_signals_decoded_total')
    result.rowsPerS = perS('pitwall_signal_samples_total')
    result.faultEventsPerS = perS('pitwall_fault_events_total')
  }
  if (growth !== undefined) result.projectionGrowth = growth
  const failedBy = missed({ offeredPerS: spec.ratePerS, acceptedPerS: accepted, p99Ms: lat?.p99, errors: report.errors, projectionGrowth: result.projectionGrowth, acknowledged: report.completedInWindow })
  result.passed = spec.qos === 1 && failedBy.length === 0
  if (spec.qos === 1 && failedBy.length > 0) result.failedBy = failedBy
  // the generator fell behind its own schedule, or works at its measured ceiling
  result.cappedByGenerator = report.sendLagP99Ms > 100 || (accepted ?? result.sentPerS) >= NEAR_CEILING * generatorCeiling
  return { result, latenciesMs: report.latenciesMs }
}

/** The pass conditions a QoS 1 step missed (MIN_ACCEPTED, MAX_P99_MS, no errors, MAX_PROJECTION_GROWTH); none: it passed. */
export function missed (r: { offeredPerS: number, acceptedPerS: number | undefined, p99Ms: number | undefined, errors: number, projectionGrowth: number | undefined, acknowledged: number }): FailedBy[] {
  const failedBy: FailedBy[] = []
  if (r.acceptedPerS === undefined || r.acceptedPerS < MIN_ACCEPTED * r.offeredPerS) failedBy.push('accepted')
  if ((r.p99Ms ?? Infinity) > MAX_P99_MS) failedBy.push('p99')
  if (r.errors !== 0) failedBy.push('errors')
  if ((r.projectionGrowth ?? 0) > MAX_PROJECTION_GROWTH * r.acknowledged) failedBy.push('rows behind')
  return failedBy
}

/** Ascending arrays merged into one. */
function mergeSorted (lists: readonly number[][]): number[] {
  return lists.flat().sort((a, b) => a - b)
}

/**
 * The same step run until `runs` runs exist (those in `done` first), each
 * with its own warm-up, window and drain, merged as StepResult describes.
 */
export async function repeated (gen: LoadGenerator, target: Target, spec: StepSpec, generatorCeiling: number, runs: number, done: Run[] = []): Promise<StepResult> {
  const all = done.slice()
  while (all.length < runs) all.push(await step(gen, target, spec, generatorCeiling))
  const results = all.map((r) => r.result)
  const median = spread(results, (r) => r.acceptedPerS ?? r.sentPerS, results[0] as StepResult).median
  const pooled = mergeSorted(all.map((r) => r.latenciesMs))
  const lat = spec.qos === 1 ? latency(pooled) : undefined
  const { latencyMs: _latency, latencyCdfMs: _cdf, ...rest } = median
  return {
    ...rest,
    ...(lat === undefined ? {} : { latencyMs: lat }),
    ...(lat === undefined || spec.keepCdf !== true ? {} : { latencyCdfMs: cdfPoints(pooled) }),
    errors: results.reduce((n, r) => n + r.errors, 0),
    pendingAfterDrain: results.reduce((n, r) => n + r.pendingAfterDrain, 0),
    passed: results.every((r) => r.passed),
    cappedByGenerator: results.some((r) => r.cappedByGenerator),
    runs: results.map((r) => ({
      ...(r.acceptedPerS === undefined ? {} : { acceptedPerS: r.acceptedPerS }),
      ...(r.latencyMs === undefined ? {} : { latencyMs: r.latencyMs }),
      ...(r.targetCpuPct === undefined ? {} : { targetCpuPct: r.targetCpuPct }),
      ...(r.databaseCpuPct === undefined ? {} : { databaseCpuPct: r.databaseCpuPct }),
      ...(r.redisCpuPct === undefined ? {} : { redisCpuPct: r.redisCpuPct }),
      generatorCpuPct: r.generatorCpuPct,
      errors: r.errors,
      passed: r.passed,
      ...(r.failedBy === undefined ? {} : { failedBy: r.failedBy })
    }))
  }
}

/**
 * The search for the highest rate that holds, shared by the throughput and
 * API sections: up `ladder`, each rate run until it has `repeats` runs or
 * one fails; a rate holds when all its runs pass, and only then is the next
 * rate tried. At the first rate that does not hold, with `refine`, one rate
 * between it and the last that held (their geometric mean, to 50/s). A
 * single 2 s step can pass where the same rate run again fails (the pinned
 * Pitwall passed 4,000/s once, then failed 2 of 3 runs there), and a rate
 * that fails a run is no maximum to take half of. Each rate is held before
 * the next is tried so that no overloaded rate runs before the maximum is
 * known: confirming it after the search's overloaded steps measured what they
 * left behind (half load after them: p99 75-300 ms, against 13 ms at
 * 1,000/s in the search).
 */
export async function searchHolding<R> (plan: { ladder: readonly number[], refine: boolean, repeats: number }, runAt: (rate: number) => Promise<R>, passes: (r: R) => boolean, beyond: (rate: number) => boolean = () => false): Promise<HoldingSearch<R>> {
  const all: R[] = []
  const notHeld: Array<{ rate: number, runs: R[] }> = []
  let held: { rate: number, runs: R[] } | undefined
  const hold = async (rate: number): Promise<boolean> => {
    const runs: R[] = []
    while (runs.length < plan.repeats) {
      const r = await runAt(rate)
      runs.push(r)
      all.push(r)
      if (!passes(r)) break
    }
    if (runs.length === plan.repeats && runs.every(passes)) {
      held = { rate, runs }
      return true
    }
    if (runs.length > 1) notHeld.push({ rate, runs })
    return false
  }
  for (const rate of plan.ladder) {
    if (beyond(rate)) break
    const last = held?.rate
    if (!await hold(rate)) {
      if (plan.refine && last !== undefined) {
        const between = Math.round(Math.sqrt(last * rate) / 50) * 50
        if (between > last && between < rate) await hold(between)
      }
      break
    }
  }
  return { all, held, notHeld }
}

export interface HoldingSearch<R> {
  /** every run, in order */
  all: R[]
  /** the highest rate that held, with its runs */
  held?: { rate: number, runs: R[] } | undefined
  /** rates that passed a first run and then failed one */
  notHeld: Array<{ rate: number, runs: R[] }>
}

function searchSpec (plan: Plan, ratePerS: number): StepSpec {
  return { qos: 1, ratePerS, warmupMs: plan.warmupMs, measureMs: plan.measureMs, drainMs: plan.drainMs }
}

/** The target's maximum: the highest rate that held in the search (searchHolding), its runs merged as `atMax`. */
export async function findMax (gen: LoadGenerator, target: Target, plan: Plan, ceiling: number, log: (s: string) => void): Promise<Pick<TargetResult, 'search' | 'maxQos1PerS' | 'atMax' | 'maxCappedByGenerator' | 'maxIsLowerBound' | 'saturatedPerS' | 'notHeld'>> {
  const found = await searchHolding<Run>(plan, async (rate) => {
    const run = await step(gen, target, searchSpec(plan, rate), ceiling)
    const r = run.result
    log(`${target.name} QoS 1 offered ${rate}/s: accepted ${Math.round(r.acceptedPerS ?? 0)}/s, p99 ${r.latencyMs?.p99 ?? '-'} ms, cpu ${Math.round(r.targetCpuPct ?? 0)} %${r.passed ? '' : ` (fails: ${(r.failedBy ?? []).join(', ')})`}`)
    return run
  }, (run) => run.result.passed, (rate) => rate > 1.2 * ceiling) // beyond what the generator can offer
  const steps = found.all.map((r) => r.result)
  const failed = steps.filter((s) => !s.passed)
  const held = found.held
  const atMax = held === undefined ? undefined : await repeated(gen, target, searchSpec(plan, held.rate), ceiling, held.runs.length, held.runs)
  if (atMax !== undefined) log(`${target.name} held ${atMax.offeredPerS}/s: accepted ${atMax.runs?.map((r) => Math.round(r.acceptedPerS ?? 0)).join(', ')}/s, p99 ${atMax.runs?.map((r) => r.latencyMs?.p99 ?? '-').join(', ')} ms`)
  const notHeld = found.notHeld.map((n) => ({
    offeredPerS: n.rate,
    runs: n.runs.length,
    passed: n.runs.filter((r) => r.result.passed).length,
    failedBy: [...new Set(n.runs.flatMap((r) => r.result.failedBy ?? []))]
  }))
  for (const n of notHeld) log(`${target.name} at ${n.offeredPerS}/s did not hold: ${n.passed} of ${n.runs} runs passed (failed by ${n.failedBy.join(', ')})`)
  return {
    search: steps,
    maxQos1PerS: atMax?.acceptedPerS ?? 0,
    ...(atMax === undefined ? {} : { atMax }),
    maxCappedByGenerator: atMax?.cappedByGenerator ?? false,
    maxIsLowerBound: steps.length > 0 && failed.length === 0,
    ...(failed.length === 0 ? {} : { saturatedPerS: Math.max(...failed.map((s) => s.acceptedPerS ?? 0)) }),
    notHeld
  }
}

/** Every batch Pitwall acknowledged must be in the batches table: returns how many are not. */
export async function countLost (databaseUrl: string, acked: Map<string, number[]>): Promise<{ checked: number, lost: number, storedBatches: number }> {
  const vins: string[] = []
  const seqs: number[] = []
  for (const [vin, list] of acked) for (const seq of list) { vins.push(vin); seqs.push(seq) }
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const lost = await client.query<{ n: string }>(`SELECT count(*) AS n FROM unnest($1::text[], $2::bigint[]) AS a(vin, seq)
      WHERE NOT EXISTS (SELECT 1 FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = a.vin AND b.seq = a.seq)`, [vins, seqs])
    const stored = await client.query<{ n: string }>('SELECT count(*) AS n FROM batches')
    return { checked: vins.length, lost: Number(lost.rows[0]?.n ?? 0), storedBatches: Number(stored.rows[0]?.n ?? 0) }
  } finally {
    await client.end()
  }
}

/** QoS 1 at `ratePerS`, run `plan.repeats` times; its pooled latencies are kept for the CDF chart. */
export async function halfLoadStep (gen: LoadGenerator, target: Target, plan: Plan, ratePerS: number, ceiling: number): Promise<StepResult> {
  // the search ended overloaded: its rollup work is done before half load is measured, as each step's projection is
  await target.settle?.(true)
  return await repeated(gen, target, { qos: 1, ratePerS, warmupMs: plan.warmupMs, measureMs: plan.halfLoadMs, drainMs: plan.drainMs, keepCdf: true }, ceiling, plan.repeats)
}

/** The load every target gets, from Pitwall's maximum: full (for QoS 0) and half of it, rounded. */
export function loadsFrom (pitwallMaxPerS: number): { fullLoad: number, halfLoad: number } {
  const fullLoad = Math.max(50, Math.round(pitwallMaxPerS / 50) * 50)
  return { fullLoad, halfLoad: Math.max(25, Math.round(fullLoad / 2 / 25) * 25) }
}

/** The generator's ceiling: closed loop against `url` (raw aedes), QoS 0 (written to the socket) and QoS 1 (PUBACK). */
export async function generatorCeiling (gen: LoadGenerator, url: string, fleet: Parameters<LoadGenerator['connect']>[1], plan: Plan): Promise<{ qos0PerS: number, qos1PerS: number }> {
  await gen.connect(url, fleet)
  const flood0 = await gen.flood(0, plan.floodMs, 2000)
  const flood1 = await gen.flood(1, plan.floodMs, 2000)
  await gen.disconnect()
  return { qos0PerS: flood0.completedInWindow / (plan.floodMs / 1000), qos1PerS: flood1.completedInWindow / (plan.floodMs / 1000) }
}
