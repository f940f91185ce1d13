/**
 * End to end throughput and PUBACK latency (issue 6, items 2 and 3): the same
 * open-loop load of real mqtt.js T-boxes (load-worker.ts, separate
 * processes, one credential per vehicle, demo-vehicle batches of ~210 CAN
 * frames) against
 * - Pitwall's full pipeline (`pitwall start`: decode, demo DBC, demo rules,
 *   PostgreSQL, PUBACK after commit) on a database of its own,
 * - raw aedes (no pipeline) and
 * - the system Mosquitto,
 * all in one run. Per target: a QoS 1 max-throughput search (offered rate
 * raised step by step until fewer than 95 % of the offered batches are
 * acknowledged in the window or p99 passes 1 s) whose highest passing step is
 * repeated, QoS 1 latency at half of Pitwall's maximum (repeated), and QoS 0
 * at Pitwall's maximum. The generator's own
 * ceiling is measured first, so a result near it is labelled as capped.
 * Every acknowledged Pitwall batch is then looked up in the database.
 */
import { cpus, loadavg } from 'node:os'
import pg from 'pg'
import { benchVins, latencySummary } from './latency.js'
import { LoadGenerator, type MergedReport } from './load-generator.js'
import { spread } from '../measure.js'
import { cpuSeconds, memoryMiB, postgresCpu, ProcessGroupCpu } from './proc-stats.js'
import { BenchDatabase, preparePitwallDatabase, probeMosquitto, startPitwall, startRawAedes, type PitwallProcess, type RawAedesProcess } from './targets.js'
import type { StepResult, TargetName, TargetResult, ThroughputResult } from './throughput-model.js'

export type { LatencySummary, StepResult, TargetResult, ThroughputResult } from './throughput-model.js'
export { renderThroughput } from './throughput-report.js'

export interface ThroughputOptions {
  quick: boolean
  /** PostgreSQL server URL whose database the bench may CREATE and DROP beside; default the local test database */
  adminDatabaseUrl?: string
  /** when given, the Pitwall gateway runs with --cpu-prof and writes its profile here */
  cpuProfileDir?: string
}

interface Plan {
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
 * Full mode fits the whole `npm run bench` in 10 minutes: a 2 s window holds
 * 500 to 32,000 acknowledgements per step, enough for a rate and a p99 against
 * a 1 s limit; half load runs 3 times 4 s, its latencies pooled for p99.9 and
 * the CDF. Quick mode is a smoke run: every step once or twice, short
 * windows, and an overload step mild enough to drain in a second.
 */
const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { vehicles: 200, workers: 2, warmupMs: 250, measureMs: 800, drainMs: 8000, ladder: [1000, 2500], refine: false, halfLoadMs: 800, qos0Ms: 800, floodMs: 1000, sanityMs: 1000, repeats: 2 },
  full: { vehicles: 200, workers: 2, warmupMs: 1000, measureMs: 2000, drainMs: 15000, ladder: [250, 500, 1000, 2000, 4000, 8000, 16000], refine: true, halfLoadMs: 4000, qos0Ms: 2000, floodMs: 2000, sanityMs: 5000, repeats: 3 }
}

/** A step passes while at least this share of the offered batches is acknowledged in the window... */
const MIN_ACCEPTED = 0.95
/** ...and p99 stays under this. */
const MAX_P99_MS = 1000
/** A result at or above this share of the generator's ceiling is labelled capped by the generator. */
const NEAR_CEILING = 0.9
const SANITY = { vehicles: 20, ratePerVehicle: 20 }

interface Target {
  name: TargetName
  url: string
  pid: number | undefined
  anonymous: boolean
  /** batches the target took in, for QoS 0 (no acknowledgement) */
  received?: () => Promise<number>
  pitwall?: { process: PitwallProcess, database: string }
}

function latency (sorted: number[]): StepResult['latencyMs'] {
  return sorted.length === 0 ? undefined : latencySummary(sorted)
}

/** Points kept per latency CDF: more than a 720 px wide chart can show apart, and three series add ~40 kB to results.json. */
const CDF_POINTS = 1000

/** `sorted` at up to CDF_POINTS evenly spaced ranks, the first and last included, to 3 significant digits. */
function cdfPoints (sorted: readonly number[]): number[] {
  const n = sorted.length
  const m = Math.min(n, CDF_POINTS)
  return Array.from({ length: m }, (_, j) => Number((sorted[m === 1 ? 0 : Math.round((j * (n - 1)) / (m - 1))] as number).toPrecision(3)))
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

interface StepSpec { qos: 0 | 1, ratePerS: number, warmupMs: number, measureMs: number, drainMs: number, keepCdf?: boolean }

/** A run's result and its latencies (sorted), which repeated runs pool. */
interface Run { result: StepResult, latenciesMs: number[] }

/** One run against `target` with CPU, memory and (for Pitwall) pipeline counters read at the edges of the measured window. */
async function step (gen: LoadGenerator, target: Target, spec: StepSpec, generatorCeiling: number): Promise<Run> {
  const db = target.pitwall === undefined ? undefined : postgresCpu(target.pitwall.database)
  const edges: Array<{ target: number, generator: number, db: Map<number, number>, received: number, counters: Record<string, number> }> = []
  const readEdge = async (): Promise<void> => {
    const generator = gen.pids.reduce((a, pid) => a + (cpuSeconds(pid) ?? 0), 0)
    edges.push({
      target: target.pid === undefined ? 0 : cpuSeconds(target.pid) ?? 0,
      generator,
      db: db?.read() ?? new Map(),
      received: target.received === undefined || spec.qos === 1 ? 0 : await target.received(),
      counters: target.pitwall === undefined ? {} : await target.pitwall.process.counters()
    })
  }
  // the workers start their schedules ~40 ms after the command (two 20 ms offsets in load-worker.ts)
  const t0 = performance.now() + 40
  const edgeReads = (async () => {
    await sleep(t0 + spec.warmupMs - performance.now())
    await readEdge()
    await sleep(t0 + spec.warmupMs + spec.measureMs - performance.now())
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
  const mem = target.pid === undefined ? undefined : memoryMiB(target.pid)
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
    ...(target.pid === undefined ? {} : { targetCpuPct: (100 * (b.target - a.target)) / seconds }),
    ...(db === undefined ? {} : { databaseCpuPct: (100 * ProcessGroupCpu.between(a.db, b.db)) / seconds }),
    generatorCpuPct: (100 * (b.generator - a.generator)) / seconds,
    ...(mem === undefined ? {} : { rssMiB: Math.round(mem.rss), peakRssMiB: Math.round(mem.peak) }),
    sendLagP99Ms: Math.round(report.sendLagP99Ms * 10) / 10,
    passed: false,
    cappedByGenerator: false
  }
  if (target.pitwall !== undefined) {
    result.decodedSignalsPerS = perS('pitwall_can_signals_decoded_total')
    result.rowsPerS = perS('pitwall_signal_samples_total')
    result.faultEventsPerS = perS('pitwall_fault_events_total')
  }
  result.passed = spec.qos === 1 && accepted !== undefined && accepted >= MIN_ACCEPTED * spec.ratePerS &&
    (lat?.p99 ?? Infinity) <= MAX_P99_MS && report.errors === 0
  // the generator fell behind its own schedule, or works at its measured ceiling
  result.cappedByGenerator = report.sendLagP99Ms > 100 || (accepted ?? result.sentPerS) >= NEAR_CEILING * generatorCeiling
  return { result, latenciesMs: report.latenciesMs }
}

/** Ascending arrays merged into one. */
function mergeSorted (lists: readonly number[][]): number[] {
  return lists.flat().sort((a, b) => a - b)
}

/**
 * The same step run until `runs` runs exist (those in `done` first), each
 * with its own warm-up, window and drain, merged as StepResult describes.
 */
async function repeated (gen: LoadGenerator, target: Target, spec: StepSpec, generatorCeiling: number, runs: number, done: Run[] = []): Promise<StepResult> {
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
      generatorCpuPct: r.generatorCpuPct,
      errors: r.errors,
      passed: r.passed
    }))
  }
}

/** QoS 1 offered rates up the ladder until one fails; in full mode one more step between the last pass and the failure. */
async function search (gen: LoadGenerator, target: Target, plan: Plan, ceiling: number, log: (s: string) => void): Promise<Run[]> {
  const runs: Run[] = []
  const at = async (rate: number): Promise<StepResult> => {
    const run = await step(gen, target, searchSpec(plan, rate), ceiling)
    const r = run.result
    log(`${target.name} QoS 1 offered ${rate}/s: accepted ${Math.round(r.acceptedPerS ?? 0)}/s, p99 ${r.latencyMs?.p99 ?? '-'} ms, cpu ${Math.round(r.targetCpuPct ?? 0)} %${r.passed ? '' : ' (fails)'}`)
    runs.push(run)
    return r
  }
  let lastPass: number | undefined
  for (const rate of plan.ladder) {
    if (rate > 1.2 * ceiling) break // beyond what the generator can offer
    const r = await at(rate)
    if (!r.passed) {
      if (plan.refine && lastPass !== undefined) await at(Math.round(Math.sqrt(lastPass * rate) / 50) * 50)
      break
    }
    lastPass = rate
  }
  return runs
}

function searchSpec (plan: Plan, ratePerS: number): StepSpec {
  return { qos: 1, ratePerS, warmupMs: plan.warmupMs, measureMs: plan.measureMs, drainMs: plan.drainMs }
}

/**
 * The search's outcome, with its highest passing rate run again until it has
 * `plan.repeats` runs: the maximum is that step's median run, and the runs
 * show how far it moves between runs.
 */
async function summarize (gen: LoadGenerator, target: Target, plan: Plan, ceiling: number, runs: Run[], log: (s: string) => void): Promise<Pick<TargetResult, 'search' | 'maxQos1PerS' | 'atMax' | 'maxCappedByGenerator' | 'maxIsLowerBound' | 'saturatedPerS'>> {
  const steps = runs.map((r) => r.result)
  const best = runs.filter((r) => r.result.passed).reduce<Run | undefined>((m, r) => ((r.result.acceptedPerS ?? 0) > (m?.result.acceptedPerS ?? 0) ? r : m), undefined)
  const failed = steps.filter((s) => !s.passed)
  const atMax = best === undefined ? undefined : await repeated(gen, target, searchSpec(plan, best.result.offeredPerS), ceiling, plan.repeats, [best])
  if (atMax !== undefined) {
    log(`${target.name} at ${atMax.offeredPerS}/s, ${plan.repeats} runs: accepted ${atMax.runs?.map((r) => Math.round(r.acceptedPerS ?? 0)).join(', ')}/s, p99 ${atMax.runs?.map((r) => r.latencyMs?.p99 ?? '-').join(', ')} ms`)
  }
  return {
    search: steps,
    maxQos1PerS: atMax?.acceptedPerS ?? 0,
    ...(atMax === undefined ? {} : { atMax }),
    maxCappedByGenerator: atMax?.cappedByGenerator ?? false,
    maxIsLowerBound: steps.length > 0 && failed.length === 0,
    ...(failed.length === 0 ? {} : { saturatedPerS: Math.max(...failed.map((s) => s.acceptedPerS ?? 0)) })
  }
}

/** Every batch Pitwall acknowledged must be in the batches table: returns how many are not. */
async function countLost (databaseUrl: string, acked: Map<string, number[]>): Promise<{ checked: number, lost: number, storedBatches: number }> {
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

/** 20 vehicles at 20 batches/s each for `durationMs`: every publish acknowledged. */
async function sanity (gen: LoadGenerator, url: string, credentials: Parameters<LoadGenerator['connect']>[1], durationMs: number): Promise<{ sent: number, acknowledged: number, errors: number, ok: boolean }> {
  await gen.connect(url, credentials)
  const r: MergedReport = await gen.run({ qos: 1, ratePerS: SANITY.vehicles * SANITY.ratePerVehicle, warmupMs: 0, measureMs: durationMs, drainMs: 10_000 })
  await gen.disconnect()
  return { sent: r.sent, acknowledged: r.completed, errors: r.errors, ok: r.sent > 0 && r.completed === r.sent && r.errors === 0 }
}

export async function runThroughputBench (options: ThroughputOptions): Promise<ThroughputResult> {
  const plan = PLANS[options.quick ? 'quick' : 'full']
  const started = performance.now()
  const log = (s: string): void => { process.stderr.write(`bench: throughput: ${s}\n`) }
  const notes: string[] = []
  const cores = cpus().length
  notes.push(`${cores} cores shared by the load generator (${plan.workers} processes), the broker under test and, for Pitwall, PostgreSQL: CPU figures are % of one core`)
  // other work on the machine skews every figure: say how busy it was
  notes.push(`load average when the section started: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min)`)
  const database = await BenchDatabase.create(options.adminDatabaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test')
  let gen: LoadGenerator | undefined
  let raw: RawAedesProcess | undefined
  let pitwall: PitwallProcess | undefined
  try {
    const fleetVins = benchVins('PWT', plan.vehicles)
    const sanityVins = benchVins('PWS', SANITY.vehicles)
    const prepared = await preparePitwallDatabase(database.url, [...fleetVins, ...sanityVins])
    const fleet = prepared.credentials.filter((c) => c.vin.startsWith('PWT'))
    const sanityFleet = prepared.credentials.filter((c) => c.vin.startsWith('PWS'))
    pitwall = await startPitwall(database.url, options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir])
    raw = await startRawAedes()
    gen = await LoadGenerator.start(plan.workers)
    log(`${plan.vehicles} vehicles, ${gen.canFramesPerBatch} CAN frames (${gen.payloadBytes} bytes) per batch, ${plan.workers} load workers`)

    const pitwallUrl = `mqtt://127.0.0.1:${pitwall.mqttPort}`
    const rawUrl = `mqtt://127.0.0.1:${raw.port}`
    const sanityResult = {
      rawAedes: await sanity(gen, rawUrl, sanityFleet, plan.sanityMs),
      pitwall: await sanity(gen, pitwallUrl, sanityFleet, plan.sanityMs)
    }
    log(`sanity: raw aedes ${JSON.stringify(sanityResult.rawAedes)}, pitwall ${JSON.stringify(sanityResult.pitwall)}`)

    // The generator's ceiling: closed loop against raw aedes, QoS 0 (written to the socket) and QoS 1 (PUBACK)
    await gen.connect(rawUrl, fleet)
    const flood0 = await gen.flood(0, plan.floodMs, 2000)
    const flood1 = await gen.flood(1, plan.floodMs, 2000)
    await gen.disconnect()
    const generator = { qos0PerS: flood0.completedInWindow / (plan.floodMs / 1000), qos1PerS: flood1.completedInWindow / (plan.floodMs / 1000) }
    log(`generator ceiling: QoS 0 ${Math.round(generator.qos0PerS)}/s, QoS 1 ${Math.round(generator.qos1PerS)}/s (closed loop against raw aedes)`)
    const ceiling = generator.qos1PerS

    // Pitwall first: its maximum sets the half and full loads every target gets
    const rawPublishes = raw.publishes
    const targets: TargetResult[] = []
    const pitwallTarget: Target = { name: 'pitwall', url: pitwallUrl, pid: pitwall.pid, anonymous: false, pitwall: { process: pitwall, database: database.name } }
    await gen.connect(pitwallUrl, fleet)
    const pitwallSummary = await summarize(gen, pitwallTarget, plan, ceiling, await search(gen, pitwallTarget, plan, ceiling, log), log)
    const fullLoad = Math.max(50, Math.round(pitwallSummary.maxQos1PerS / 50) * 50)
    const halfLoad = Math.max(25, Math.round(fullLoad / 2 / 25) * 25)
    // the same half-load step for every target, repeated; its pooled latencies are kept for the CDF chart
    const halfLoadStep = async (target: Target): Promise<StepResult> =>
      await repeated(gen as LoadGenerator, target, { qos: 1, ratePerS: halfLoad, warmupMs: plan.warmupMs, measureMs: plan.halfLoadMs, drainMs: plan.drainMs, keepCdf: true }, ceiling, plan.repeats)
    const extra = async (target: Target): Promise<Pick<TargetResult, 'halfLoad' | 'qos0'>> => {
      const half = await halfLoadStep(target)
      const qos0 = (await step(gen as LoadGenerator, target, { qos: 0, ratePerS: fullLoad, warmupMs: plan.warmupMs, measureMs: plan.qos0Ms, drainMs: plan.drainMs }, generator.qos0PerS)).result
      log(`${target.name}: half load ${halfLoad}/s p99 ${half.latencyMs?.p99 ?? '-'} ms; QoS 0 at ${fullLoad}/s accepted ${qos0.acceptedPerS === undefined ? 'n/a' : Math.round(qos0.acceptedPerS)}/s`)
      return { halfLoad: half, qos0 }
    }
    const pitwallHalf = await halfLoadStep(pitwallTarget)
    log(`pitwall: half load ${halfLoad}/s p99 ${pitwallHalf.latencyMs?.p99 ?? '-'} ms`)
    // the loss check covers the QoS 1 runs; QoS 0 comes after it
    await sleep(500)
    const loss = await countLost(database.url, await gen.ackedSeqs())
    log(`pitwall: ${loss.checked} acknowledged batches looked up, ${loss.lost} missing`)
    if (loss.lost > 0) notes.push(`FAILED: ${loss.lost} batches acknowledged by Pitwall are not in the database`)
    const pitwallQos0 = (await step(gen, pitwallTarget, { qos: 0, ratePerS: fullLoad, warmupMs: plan.warmupMs, measureMs: plan.qos0Ms, drainMs: plan.drainMs }, generator.qos0PerS)).result
    await gen.disconnect()
    targets.push({ name: 'pitwall', label: 'Pitwall full pipeline (PostgreSQL)', ...pitwallSummary, halfLoad: pitwallHalf, qos0: pitwallQos0 })
    await pitwall.stop()
    pitwall = undefined

    const rawTarget: Target = { name: 'raw-aedes', url: rawUrl, pid: raw.pid, anonymous: false, received: rawPublishes }
    await gen.connect(rawUrl, fleet)
    const rawSummary = await summarize(gen, rawTarget, plan, ceiling, await search(gen, rawTarget, plan, ceiling, log), log)
    targets.push({ name: 'raw-aedes', label: 'raw aedes (no pipeline)', ...rawSummary, ...await extra(rawTarget) })
    await gen.disconnect()
    await raw.stop()
    raw = undefined

    const mosquitto = await probeMosquitto()
    if ('skipped' in mosquitto) {
      targets.push({ name: 'mosquitto', label: 'Mosquitto (system)', skipped: mosquitto.skipped, search: [], maxQos1PerS: 0, maxCappedByGenerator: false, maxIsLowerBound: false })
    } else {
      if (mosquitto.pid === undefined) notes.push('Mosquitto: its process was not found in /proc, so its CPU and RSS are not shown')
      const target: Target = { name: 'mosquitto', url: mosquitto.url, pid: mosquitto.pid, anonymous: true }
      await gen.connect(mosquitto.url, fleet, true)
      const summary = await summarize(gen, target, plan, ceiling, await search(gen, target, plan, ceiling, log), log)
      targets.push({ name: 'mosquitto', label: 'Mosquitto (system, anonymous)', ...summary, ...await extra(target) })
      await gen.disconnect()
      notes.push('Mosquitto QoS 0: the broker does not count what it received, so only the send rate is shown')
    }

    const rawResult = targets.find((t) => t.name === 'raw-aedes')
    const mosquittoResult = targets.find((t) => t.name === 'mosquitto' && t.skipped === undefined)
    const p99 = (t: TargetResult | undefined): number | undefined => t?.halfLoad?.latencyMs?.p99
    const pitwallP99 = p99(targets[0])
    const rawP99 = p99(rawResult)
    return {
      mode: options.quick ? 'quick' : 'full',
      cores,
      vehicles: plan.vehicles,
      workers: plan.workers,
      canFramesPerBatch: gen.canFramesPerBatch,
      payloadBytes: gen.payloadBytes,
      rules: prepared.rules,
      plan: { warmupMs: plan.warmupMs, measureMs: plan.measureMs, ladder: plan.ladder, halfLoadMs: plan.halfLoadMs, qos0Ms: plan.qos0Ms, repeats: plan.repeats, minAccepted: MIN_ACCEPTED, maxP99Ms: MAX_P99_MS },
      generator,
      halfLoadPerS: halfLoad,
      fullLoadPerS: fullLoad,
      targets,
      loss,
      sanity: { ...SANITY, durationMs: plan.sanityMs, ...sanityResult },
      ratios: {
        pitwallVsRawAedesQos1: rawResult === undefined || rawResult.maxQos1PerS === 0 ? undefined : (targets[0]?.maxQos1PerS ?? 0) / rawResult.maxQos1PerS,
        pitwallVsMosquittoQos1: mosquittoResult === undefined || mosquittoResult.maxQos1PerS === 0 ? undefined : (targets[0]?.maxQos1PerS ?? 0) / mosquittoResult.maxQos1PerS,
        halfLoadP99VsRawAedes: pitwallP99 === undefined || rawP99 === undefined || rawP99 === 0 ? undefined : pitwallP99 / rawP99
      },
      notes,
      elapsedS: Math.round((performance.now() - started) / 1000)
    }
  } finally {
    await gen?.close().catch(() => {})
    await pitwall?.stop().catch(() => {})
    await raw?.stop().catch(() => {})
    await database.drop().catch((err: unknown) => log(`could not drop ${database.name}: ${(err as Error).message}`))
  }
}
