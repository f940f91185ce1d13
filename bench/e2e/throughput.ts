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
 * Then the same targets again with the generator and the target on cores
 * of their own (pinned.ts), for CPU per batch that the generator does not skew.
 */
import { cpus, loadavg } from 'node:os'
import { benchVins } from './latency.js'
import { LoadGenerator, type MergedReport } from './load-generator.js'
import { corePair } from './pinning.js'
import { runPinned } from './pinned.js'
import { postgresCpu } from './proc-stats.js'
import { settlerFor } from './settle.js'
import { BenchDatabase, preparePitwallDatabase, probeMosquitto, startPitwall, startRawAedes, type PitwallProcess, type RawAedesProcess } from './targets.js'
import type { TargetResult, ThroughputResult } from './throughput-model.js'
import { countLost, findMax, generatorCeiling, halfLoadStep, loadsFrom, MAX_P99_MS, MIN_ACCEPTED, PLANS, sleep, step, type Target } from './throughput-steps.js'

export type { LatencySummary, StepResult, TargetResult, ThroughputResult } from './throughput-model.js'
export { renderThroughput } from './throughput-report.js'

export interface ThroughputOptions {
  quick: boolean
  /** PostgreSQL server URL whose database the bench may CREATE and DROP beside; default the local test database */
  adminDatabaseUrl?: string
  /** when given, the Pitwall gateway runs with --cpu-prof and writes its profile here */
  cpuProfileDir?: string
}

const SANITY = { vehicles: 20, ratePerVehicle: 20 }

/** 20 vehicles at 20 batches/s each for `durationMs`: every publish acknowledged. */
async function sanity (gen: LoadGenerator, url: string, credentials: Parameters<LoadGenerator['connect']>[1], durationMs: number): Promise<{ sent: number, acknowledged: number, errors: number, ok: boolean }> {
  await gen.connect(url, credentials)
  const r: MergedReport = await gen.run({ qos: 1, ratePerS: SANITY.vehicles * SANITY.ratePerVehicle, warmupMs: 0, measureMs: durationMs, drainMs: 10_000 })
  await gen.disconnect()
  return { sent: r.sent, acknowledged: r.completed, errors: r.errors, ok: r.sent > 0 && r.completed === r.sent && r.errors === 0 }
}

export async function runThroughputBench (options: ThroughputOptions): Promise<ThroughputResult> {
  const started = performance.now()
  const log = (s: string): void => { process.stderr.write(`bench: throughput: ${s}\n`) }
  const adminUrl = options.adminDatabaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test'
  const shared = await runShared(options, adminUrl, log)
  const plan = PLANS[options.quick ? 'quick' : 'full']
  const pair = corePair()
  let pinned: ThroughputResult['pinned']
  if ('skipped' in pair) {
    pinned = { skipped: pair.skipped }
  } else {
    try {
      pinned = await runPinned({ plan, cores: pair, vins: benchVins('PWP', plan.vehicles), sharedAdminUrl: adminUrl, log })
    } catch (err) {
      // the shared-cores figures stand without it
      pinned = { skipped: `failed: ${(err as Error).message}` }
    }
  }
  if ('skipped' in pinned) log(`pinned mode skipped: ${pinned.skipped}`)
  return { ...shared, pinned, elapsedS: Math.round((performance.now() - started) / 1000) }
}

async function runShared (options: ThroughputOptions, adminUrl: string, log: (s: string) => void): Promise<Omit<ThroughputResult, 'pinned' | 'elapsedS'>> {
  const plan = PLANS[options.quick ? 'quick' : 'full']
  const notes: string[] = []
  const cores = cpus().length
  notes.push(`${cores} cores shared by the load generator (${plan.workers} processes), the broker under test and, for Pitwall, PostgreSQL: CPU figures are % of one core`)
  // other work on the machine skews every figure: say how busy it was
  notes.push(`load average when the section started: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min)`)
  const database = await BenchDatabase.create(adminUrl)
  let gen: LoadGenerator | undefined
  let raw: RawAedesProcess | undefined
  let pitwall: PitwallProcess | undefined
  try {
    const fleetVins = benchVins('PWT', plan.vehicles)
    const sanityVins = benchVins('PWS', SANITY.vehicles)
    const prepared = await preparePitwallDatabase(database.url, [...fleetVins, ...sanityVins])
    const fleet = prepared.credentials.filter((c) => c.vin.startsWith('PWT'))
    const sanityFleet = prepared.credentials.filter((c) => c.vin.startsWith('PWS'))
    pitwall = await startPitwall(database.url, { nodeArgs: options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] })
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

    const generator = await generatorCeiling(gen, rawUrl, fleet, plan)
    log(`generator ceiling: QoS 0 ${Math.round(generator.qos0PerS)}/s, QoS 1 ${Math.round(generator.qos1PerS)}/s (closed loop against raw aedes)`)
    const ceiling = generator.qos1PerS

    // Pitwall first: its maximum sets the half and full loads every target gets
    const rawPublishes = raw.publishes
    const targets: TargetResult[] = []
    const pitwallTarget: Target = {
      name: 'pitwall', url: pitwallUrl, pids: [pitwall.pid], anonymous: false, pitwall, databaseCpu: postgresCpu(database.name), settle: settlerFor(pitwall, database.url)
    }
    await gen.connect(pitwallUrl, fleet)
    const pitwallSummary = await findMax(gen, pitwallTarget, plan, ceiling, log)
    const { fullLoad, halfLoad } = loadsFrom(pitwallSummary.maxQos1PerS)
    const extra = async (target: Target): Promise<Pick<TargetResult, 'halfLoad' | 'qos0'>> => {
      const half = await halfLoadStep(gen as LoadGenerator, target, plan, halfLoad, ceiling)
      const qos0 = (await step(gen as LoadGenerator, target, { qos: 0, ratePerS: fullLoad, warmupMs: plan.warmupMs, measureMs: plan.qos0Ms, drainMs: plan.drainMs }, generator.qos0PerS)).result
      log(`${target.name}: half load ${halfLoad}/s p99 ${half.latencyMs?.p99 ?? '-'} ms; QoS 0 at ${fullLoad}/s accepted ${qos0.acceptedPerS === undefined ? 'n/a' : Math.round(qos0.acceptedPerS)}/s`)
      return { halfLoad: half, qos0 }
    }
    const pitwallHalf = await halfLoadStep(gen, pitwallTarget, plan, halfLoad, ceiling)
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

    const rawTarget: Target = { name: 'raw-aedes', url: rawUrl, pids: [raw.pid], anonymous: false, received: rawPublishes }
    await gen.connect(rawUrl, fleet)
    const rawSummary = await findMax(gen, rawTarget, plan, ceiling, log)
    targets.push({ name: 'raw-aedes', label: 'raw aedes (no pipeline)', ...rawSummary, ...await extra(rawTarget) })
    await gen.disconnect()
    await raw.stop()
    raw = undefined

    const mosquitto = await probeMosquitto()
    if ('skipped' in mosquitto) {
      targets.push({ name: 'mosquitto', label: 'Mosquitto (system)', skipped: mosquitto.skipped, search: [], maxQos1PerS: 0, maxCappedByGenerator: false, maxIsLowerBound: false })
    } else {
      if (mosquitto.pid === undefined) notes.push('Mosquitto: its process was not found in /proc, so its CPU and RSS are not shown')
      const target: Target = { name: 'mosquitto', url: mosquitto.url, pids: mosquitto.pid === undefined ? [] : [mosquitto.pid], anonymous: true }
      await gen.connect(mosquitto.url, fleet, true)
      const summary = await findMax(gen, target, plan, ceiling, log)
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
      notes
    }
  } finally {
    await gen?.close().catch(() => {})
    await pitwall?.stop().catch(() => {})
    await raw?.stop().catch(() => {})
    await database.drop().catch((err: unknown) => log(`could not drop ${database.name}: ${(err as Error).message}`))
  }
}
