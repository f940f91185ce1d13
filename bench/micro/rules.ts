/**
 * Micro-benchmark of rule evaluation on one core: a synthetic fleet (1,000
 * vehicles, a 1,000-signal catalog, ~1,000 samples per batch over ~325
 * signals) through RuleEngine with ~500 rules of every kind but DTC and
 * geofence, against two baselines measured in the same run:
 * - the same engine with no rules: the cost of updating signal state alone;
 * - a hand-written ceiling: per sample, one threshold compare over typed
 *   arrays for each rule the engine's signal index says reads that signal,
 *   and one per time-based rule at the end of the batch, as the engine steps
 *   them.
 * Rules and samples are built in code (no file parsing); the waveforms cross
 * the thresholds now and then, so faults open and clear while it runs.
 */
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { compileRule, type RuleCatalog } from '../../rules/compile.js'
import { RuleEngine } from '../../rules/engine.js'
import type { CompareOp, Condition, RuleDefinition } from '../../rules/model.js'
import { bytesPerCall } from '../allocation.js'
import { measure, type Rate } from '../measure.js'

const SIGNALS = 1000
/** signals every vehicle model reports; each model reports a quarter of the rest */
const COMMON = 100
const MODELS = 4
const VEHICLES = 1000
/** seconds: every waveform repeats with this period, so the batch for second k follows that for k - 1 */
const PERIOD = 64
const RULES = 500
const SCALES = [10, 100, 500, 1000]
const T0 = 1_767_225_600_000_000 // 2026-01-01 UTC, microseconds
const US = 1e6

type Options = { rounds: number, roundMs: number, warmupMs: number }

export interface RuleBenchResult {
  catalogSignals: number
  vehicles: number
  rules: number
  /** top-level condition kinds of the rules, 'compare' including those with a clear condition */
  ruleMix: Record<string, number>
  samplesPerBatch: number
  signalsPerBatch: number
  /** (sample, rule) pairs the signal index yields per batch, and time-based rules stepped at its end */
  pairsPerBatch: number
  timedStepsPerBatch: number
  /** zero rules, RULES rules, ceiling: one interleaved run */
  rates: Rate[]
  scaling: Array<{ rules: number, rate: Rate }>
  /** fault transitions over a sanity run before timing, by the rule's top-level condition kind */
  events: { batches: number, opened: number, reoccurred: number, cleared: number, openedByKind: Record<string, number> }
  /** transitions while timed, RULES rules */
  eventsPerBatchTimed: number
  /** heap bytes allocated per batch */
  allocation: { zeroRules: number, rules: number }
}

/** mulberry32: the same fleet and rules every run */
function random (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const signalName = (j: number): string => `Bench.Signal.${j}`
const LOCATION = ['Vehicle.CurrentLocation.Latitude', 'Vehicle.CurrentLocation.Longitude']

function benchCatalog (): RuleCatalog {
  const names = [...Array.from({ length: SIGNALS }, (_, j) => signalName(j)), ...LOCATION]
  const ids = new Map(names.map((n, i) => [n, i]))
  return { size: names.length, id: (name) => ids.get(name), name: (id) => names[id] ?? String(id) }
}

/** catalog ids a vehicle of `model` reports: the common ones, then every MODELS-th of the rest */
function modelSignals (model: number): number[] {
  const out: number[] = []
  for (let j = 0; j < SIGNALS; j++) if (j < COMMON || (j - COMMON) % MODELS === model) out.push(j)
  return out
}

/**
 * Signal j's value at second t of the period: 50 ± a sine of up to 30 (the
 * normal band, inside most thresholds), a spike to ~95 on 4% of the signals,
 * and on a tenth of the common ones a 6 s dropout (no samples: what `stale`
 * rules watch for).
 */
interface Waveform { periodS: number, phase: number, amplitude: number, spikeAt: number, spikeS: number, dropoutAt: number, fast: boolean }

function waveforms (): Waveform[] {
  const rnd = random(7)
  return Array.from({ length: SIGNALS }, (_, j) => ({
    periodS: [8, 16, 32, 64][Math.floor(rnd() * 4)] as number,
    phase: rnd(),
    amplitude: 10 + rnd() * 20,
    spikeAt: rnd() < 0.04 ? Math.floor(rnd() * (PERIOD - 8)) : -1,
    spikeS: 3 + Math.floor(rnd() * 4),
    dropoutAt: j < COMMON && j % 10 === 3 ? Math.floor(rnd() * (PERIOD - 6)) : -1,
    // 10 Hz; the rest 2 Hz
    fast: j % 7 === 0
  }))
}

function valueAt (w: Waveform, t: number, noise: number): number {
  let x = 50 + w.amplitude * Math.sin(2 * Math.PI * (t / w.periodS + w.phase)) + noise
  if (w.spikeAt >= 0 && t >= w.spikeAt && t < w.spikeAt + w.spikeS + 2) {
    // 1 s ramps up and down around the plateau
    const into = t - w.spikeAt
    const out = w.spikeAt + w.spikeS + 2 - t
    x += (95 - x) * Math.min(1, into, out)
  }
  return x
}

/** [model][second of the period]: one batch each, samples in time order; times are set by FleetFeed */
interface FleetShape { batches: SampleBuffer[][], offsetsUs: Float64Array[][] }

function fleetShape (): FleetShape {
  const wave = waveforms()
  const rnd = random(11)
  const batches: SampleBuffer[][] = []
  const offsetsUs: Float64Array[][] = []
  for (let m = 0; m < MODELS; m++) {
    const reported = modelSignals(m)
    batches.push([])
    offsetsUs.push([])
    for (let s = 0; s < PERIOD; s++) {
      const b = new SampleBuffer(1200)
      const offsets: number[] = []
      for (let tick = 0; tick < 10; tick++) {
        for (const j of reported) {
          const w = wave[j] as Waveform
          if (!w.fast && tick !== j % 5 && tick !== (j % 5) + 5) continue
          if (w.dropoutAt >= 0 && s >= w.dropoutAt && s < w.dropoutAt + 6) continue
          b.push(0, j, valueAt(w, s + tick / 10, (rnd() - 0.5) * 0.2))
          offsets.push(tick * 100_000)
        }
      }
      batches[m]?.push(b)
      offsetsUs[m]?.push(Float64Array.from(offsets))
    }
  }
  return { batches, offsetsUs }
}

/**
 * Batches for one candidate, vehicles in turn, one second of signals each;
 * vehicle v at step c gets second (v + c) mod PERIOD of its model's waveforms,
 * so each vehicle sees continuous signals with its own phase. The copies are
 * its own: the times are rewritten once per step of the whole fleet.
 */
class FleetFeed {
  vehicle: number
  private step = -1
  private readonly batches: SampleBuffer[][]

  constructor (private readonly shape: FleetShape, private readonly vehicles: number) {
    this.vehicle = vehicles - 1
    this.batches = shape.batches.map((perModel) => perModel.map((b) => {
      const copy = new SampleBuffer(b.length)
      for (let i = 0; i < b.length; i++) copy.push(0, b.signal[i] as number, b.value[i] as number)
      return copy
    }))
  }

  next (): SampleBuffer {
    if (++this.vehicle === this.vehicles) {
      this.vehicle = 0
      this.step++
      const base = T0 + this.step * US
      this.batches.forEach((perModel, m) => perModel.forEach((b, s) => {
        const offsets = this.shape.offsetsUs[m]?.[s] as Float64Array
        for (let i = 0; i < b.length; i++) b.timeUs[i] = base + (offsets[i] as number)
      }))
    }
    const v = this.vehicle
    return this.batches[v % MODELS]?.[(v + this.step) % PERIOD] as SampleBuffer
  }
}

/** The rule pool: the first n are the bench's n rules. */
function ruleDefinitions (count: number): RuleDefinition[] {
  const rnd = random(3)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const between = (lo: number, hi: number): number => Math.round((lo + rnd() * (hi - lo)) * 10) / 10
  const rules: RuleDefinition[] = []
  for (let r = 0; r < count; r++) {
    // a rule is written for one vehicle model's signals (or the common ones), spread over the catalog
    const pool = modelSignals(Math.floor(rnd() * MODELS))
    const signal = (): string => signalName(pick(pool))
    const above = (): Condition => ({ kind: 'compare', signal: signal(), op: '>', value: between(78, 99) })
    const op = (): CompareOp => pick(['>', '>='])
    let when: Condition
    let clear: Condition | undefined
    let forS = pick([0, 1, 2, 5])
    let clearForS = pick([0, 1, 2])
    const kind = rnd()
    if (kind < 0.30) {
      // threshold with hysteresis: opens above T, clears below T - h
      const name = signal()
      const high = rnd() < 0.8
      const t = high ? between(75, 99) : between(5, 22)
      const h = between(3, 10)
      when = { kind: 'compare', signal: name, op: high ? '>' : '<', value: t }
      clear = { kind: 'compare', signal: name, op: high ? '<' : '>', value: high ? t - h : t + h }
    } else if (kind < 0.45) {
      const outside = rnd() < 0.8
      when = outside
        ? { kind: 'range', signal: signal(), min: between(2, 15), max: between(84, 92), outside }
        // a plateau: only the spikes stay there
        : { kind: 'range', signal: signal(), min: between(90, 93), max: between(96, 99), outside }
    } else if (kind < 0.55) {
      when = { kind: 'difference', signal: signal(), minus: signal(), op: op(), value: between(50, 75) }
    } else if (kind < 0.65) {
      when = rnd() < 0.5
        ? { kind: 'rate', signal: signal(), op: op(), value: between(20, 50) }
        : { kind: 'rate', signal: signal(), op: '<', value: -between(20, 50) }
      forS = 0
    } else if (kind < 0.70) {
      when = { kind: 'stale', signal: signalName(Math.floor(rnd() * COMMON)), afterS: pick([2, 3, 5]) }
      forS = 0
      clearForS = 0
    } else if (kind < 0.75) {
      when = { kind: 'count', of: { kind: 'compare', signal: signal(), op: '>', value: between(70, 85) }, atLeast: 3, withinS: 60 }
      forS = 0
    } else if (kind < 0.90) {
      when = { kind: 'all', of: [above(), rnd() < 0.5 ? { kind: 'not', of: above() } : { kind: 'compare', signal: signal(), op: '<', value: between(30, 60) }] }
    } else {
      when = { kind: 'any', of: [above(), { kind: 'range', signal: signal(), min: between(5, 20), max: between(85, 95), outside: true }] }
    }
    rules.push({
      id: `bench-${r}`,
      name: `bench rule ${r}`,
      severity: pick(['critical', 'major', 'minor', 'info'] as const),
      enabled: true,
      scope: { models: [], firmware: [] },
      when,
      forS,
      ...(clear === undefined ? {} : { clear }),
      clearForS,
      reopenWithinS: pick([0, 30, 60]),
      version: `v${r}`
    })
  }
  return rules
}

function signalsNamed (c: Condition, out: Set<string>): Set<string> {
  switch (c.kind) {
    case 'difference': out.add(c.signal).add(c.minus); break
    case 'compare': case 'range': case 'rate': case 'stale': out.add(c.signal); break
    case 'count': case 'not': signalsNamed(c.of, out); break
    case 'all': case 'any': for (const p of c.of) signalsNamed(p, out); break
    case 'dtc': case 'geofence': break
  }
  return out
}

/**
 * The ceiling: the engine's signal index as flat typed arrays (readers of
 * signal id at [start[id], start[id + 1])), one compare per reader, and one
 * per time-based rule at the end of the batch; a latest-value array per
 * vehicle. Counts the pairs it visits so the bench can check them.
 */
class ThresholdCeiling {
  pairs = 0
  hits = 0
  private readonly start: Uint32Array
  private readonly threshold: Float64Array
  private readonly timedSignal: Uint32Array
  private readonly timedThreshold: Float64Array
  private readonly latest: Float64Array[]

  constructor (catalog: RuleCatalog, definitions: RuleDefinition[], vehicles: number) {
    const compiled = definitions.map((d) => compileRule(d, catalog))
    const readers: number[][] = Array.from({ length: catalog.size }, () => [])
    compiled.forEach((rule, r) => { for (const id of rule.signals) readers[id]?.push(r) })
    this.start = new Uint32Array(catalog.size + 1)
    readers.forEach((rs, id) => { this.start[id + 1] = (this.start[id] as number) + rs.length })
    this.threshold = Float64Array.from(readers.flat(), (r) => 40 + (r % 50))
    const timed = compiled.filter((r) => r.timed)
    this.timedSignal = Uint32Array.from(timed, (r) => r.signals[0] ?? 0)
    this.timedThreshold = Float64Array.from(timed, (_, k) => 40 + (k % 50))
    this.latest = Array.from({ length: vehicles }, () => new Float64Array(catalog.size))
  }

  evaluate (vehicle: number, samples: SampleBuffer): number {
    const latest = this.latest[vehicle] as Float64Array
    const { start, threshold } = this
    const ids = samples.signal
    const values = samples.value
    let hits = 0
    let pairs = 0
    for (let i = 0; i < samples.length; i++) {
      const id = ids[i] as number
      const x = values[i] as number
      latest[id] = x
      const end = start[id + 1] as number
      for (let k = start[id] as number; k < end; k++) hits += x > (threshold[k] as number) ? 1 : 0
      pairs += end - (start[id] as number)
    }
    for (let k = 0; k < this.timedSignal.length; k++) hits += (latest[this.timedSignal[k] as number] as number) > (this.timedThreshold[k] as number) ? 1 : 0
    this.pairs += pairs
    this.hits += hits
    return samples.length
  }
}

function kindOf (def: RuleDefinition): string {
  return def.clear === undefined ? def.when.kind : `${def.when.kind} + clear`
}

/**
 * `vehicles` below the default makes a smoke run: every vehicle's engine
 * state is built before timing, and at 1,000 vehicles that takes seconds of
 * garbage collection alone.
 */
export async function runRuleBench (options: Options, vehicles = VEHICLES): Promise<RuleBenchResult> {
  const catalog = benchCatalog()
  const shape = fleetShape()
  const pool = ruleDefinitions(Math.max(...SCALES))
  const definitions = pool.slice(0, RULES)
  const engineWith = (n: number): RuleEngine => {
    const e = new RuleEngine({ catalog, evidenceWindowS: 30 })
    e.setRules(pool.slice(0, n))
    return e
  }

  // Sanity, before timing anything: the rules fire and clear, and the ceiling
  // visits exactly the (sample, rule) pairs the rules' signals imply.
  const sanityVehicles = 40
  const sanitySteps = PERIOD
  const engine = engineWith(RULES)
  const feed = new FleetFeed(shape, sanityVehicles)
  const ceiling = new ThresholdCeiling(catalog, definitions, sanityVehicles)
  const ceilingFeed = new FleetFeed(shape, sanityVehicles)
  const readers = new Map<number, number>()
  for (const d of definitions) for (const name of signalsNamed(d.when, d.clear === undefined ? new Set() : signalsNamed(d.clear, new Set()))) {
    const id = catalog.id(name) as number
    readers.set(id, (readers.get(id) ?? 0) + 1)
  }
  const kinds = new Map(definitions.map((d) => [d.id, kindOf(d)]))
  const events = { batches: 0, opened: 0, reoccurred: 0, cleared: 0, openedByKind: {} as Record<string, number> }
  let expectedPairs = 0
  let samples = 0
  let distinct = 0
  const seenAt = new Uint32Array(catalog.size)
  for (let n = 0; n < sanityVehicles * sanitySteps; n++) {
    const batch = feed.next()
    for (const e of engine.evaluate(feed.vehicle, {}, batch)) {
      events[e.type]++
      if (e.type === 'opened') events.openedByKind[kinds.get(e.ruleId) as string] = (events.openedByKind[kinds.get(e.ruleId) as string] ?? 0) + 1
    }
    const same = ceilingFeed.next()
    ceiling.evaluate(ceilingFeed.vehicle, same)
    for (let i = 0; i < batch.length; i++) expectedPairs += readers.get(batch.signal[i] as number) ?? 0
    for (let i = 0; i < batch.length; i++) {
      const id = batch.signal[i] as number
      if (seenAt[id] !== n + 1) { seenAt[id] = n + 1; distinct++ }
    }
    samples += batch.length
    events.batches++
  }
  if (events.opened === 0 || events.cleared === 0) throw new Error(`bench: the rules opened ${events.opened} and cleared ${events.cleared} faults over ${events.batches} batches; the fleet's signals never cross their thresholds`)
  if (ceiling.pairs !== expectedPairs) throw new Error(`bench: the ceiling visited ${ceiling.pairs} (sample, rule) pairs, the rules' signals imply ${expectedPairs}`)
  const timedSteps = definitions.map((d) => compileRule(d, catalog)).filter((r) => r.timed).length

  const ruleMix: Record<string, number> = {}
  for (const d of definitions) ruleMix[kindOf(d)] = (ruleMix[kindOf(d)] ?? 0) + 1

  // Timed candidates: each its own engine and fleet (the vehicles' clocks are their own).
  let timedEvents = 0
  let timedBatches = 0
  const candidate = (name: string, n: number): { name: string, run: () => number } => {
    const e = engineWith(n)
    const f = new FleetFeed(shape, vehicles)
    const counted = n === RULES
    return {
      name,
      run: () => {
        const b = f.next()
        const out = e.evaluate(f.vehicle, {}, b)
        if (counted) { timedEvents += out.length; timedBatches++ }
        return b.length
      }
    }
  }
  const zero = candidate('signal state only (no rules)', 0)
  const scaled = SCALES.map((n) => candidate(`RuleEngine, ${n.toLocaleString('en-US')} rules`, n))
  const timedCeiling = new ThresholdCeiling(catalog, definitions, vehicles)
  const ceilingFleet = new FleetFeed(shape, vehicles)
  const ceilingCandidate = {
    name: `hand-written ceiling (one compare per rule touched, ${RULES} rules)`,
    run: () => { const b = ceilingFleet.next(); return timedCeiling.evaluate(ceilingFleet.vehicle, b) }
  }
  // every vehicle's state exists before timing starts
  for (const c of [zero, ...scaled, ceilingCandidate]) for (let v = 0; v < vehicles; v++) c.run()
  timedEvents = 0
  timedBatches = 0
  const all = measure([zero, ...scaled, ceilingCandidate], options)
  const rateOf = (name: string): Rate => all.find((r) => r.name === name) as Rate
  const main = scaled[SCALES.indexOf(RULES)] ?? zero

  // a few hundred batches suffice: a batch allocates tens of kB, not a few bytes
  const allocation = { zeroRules: bytesPerCall(zero.run, 300), rules: bytesPerCall(main.run, 300) }
  return {
    catalogSignals: catalog.size,
    vehicles,
    rules: RULES,
    ruleMix,
    samplesPerBatch: samples / events.batches,
    signalsPerBatch: distinct / events.batches,
    pairsPerBatch: expectedPairs / events.batches,
    timedStepsPerBatch: timedSteps,
    rates: [rateOf(zero.name), rateOf(main.name), rateOf(ceilingCandidate.name)],
    scaling: SCALES.map((n, i) => ({ rules: n, rate: rateOf((scaled[i] ?? zero).name) })),
    events,
    eventsPerBatchTimed: timedBatches === 0 ? 0 : timedEvents / timedBatches,
    allocation
  }
}
