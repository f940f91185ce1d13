/**
 * The tuned engine against the plain reference (test/helpers/reference-rule-engine.ts):
 * random rule sets of every condition kind, random sample streams (values
 * that hit thresholds exactly, NaN, samples out of order, DTCs, signals the
 * catalog lacks), vehicles whose firmware changes, catalog growth and rule
 * reloads mid-stream. Every batch must give the same fault transitions,
 * evidence included, in the same order.
 */
import t from 'tap'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import type { RuleCatalog } from '../../rules/compile.js'
import { RuleEngine, type DtcReport, type VehicleInfo } from '../../rules/engine.js'
import type { CompareOp, Condition, RuleDefinition } from '../../rules/model.js'
import { ReferenceRuleEngine } from '../helpers/reference-rule-engine.js'

const T0 = 1_767_225_600_000_000
const S = 1_000_000
const LAT = 'Vehicle.CurrentLocation.Latitude'
const LON = 'Vehicle.CurrentLocation.Longitude'

/** mulberry32 */
function random (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** A catalog that grows, as the gateway's does when a manifest adds signals. */
class GrowingCatalog implements RuleCatalog {
  readonly names = [LAT, LON, ...Array.from({ length: 6 }, (_, i) => `Test.S${i}`)]
  get size (): number { return this.names.length }
  id (name: string): number | undefined { const i = this.names.indexOf(name); return i < 0 ? undefined : i }
  name (id: number): string { return this.names[id] ?? String(id) }
}

/**
 * `decodedShapes`: half the rules' `when` take the shapes the engine decides
 * without its condition table (rules/signal-readers.ts): any(a > x, b outside
 * a range), all(a > x, ...), count(a > x); random trees reach them rarely.
 */
function scenario (seed: number, decodedShapes = false): { batches: number, events: number, mismatch: string | undefined } {
  const rnd = random(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))
  const catalog = new GrowingCatalog()
  // rules may name the two signals the catalog gets later (skipped until then) and one it never gets
  const nameable = (): string[] => [...catalog.names.slice(2), 'Test.S6', 'Test.S7', ...(rnd() < 0.05 ? ['Test.Never'] : [])]
  const ops: CompareOp[] = ['>', '>=', '<', '<=', '==', '!=']

  const leaf = (): Condition => {
    const signal = pick(nameable())
    switch (int(0, 7)) {
      case 0: case 1: return { kind: 'compare', signal, op: pick(ops), value: int(0, 5) }
      case 2: return { kind: 'range', signal, min: int(0, 2), max: int(2, 5), outside: rnd() < 0.5 }
      case 3: return { kind: 'difference', signal, minus: pick(nameable()), op: pick(ops), value: int(-2, 2) }
      case 4: return { kind: 'rate', signal, op: pick(ops), value: pick([-2, -0.5, 0, 0.5, 2]) }
      case 5: return { kind: 'stale', signal, afterS: int(1, 4) }
      case 6: return { kind: 'dtc', code: pick(['P0217', 'P0217-00', 'C0035']), status: pick([[], ['confirmedDTC'], ['testFailed', 'pendingDTC']]) }
      default: return { kind: 'geofence', lat: 48.137, lon: 11.575, radiusM: pick([500, 1500]), outside: rnd() < 0.5 }
    }
  }
  const condition = (depth: number): Condition => {
    if (depth === 0 || rnd() < 0.5) return leaf()
    switch (int(0, 3)) {
      case 0: return { kind: 'count', of: condition(depth - 1), atLeast: int(1, 3), withinS: int(2, 10) }
      case 1: return { kind: 'all', of: Array.from({ length: int(2, 3) }, () => condition(depth - 1)) }
      case 2: return { kind: 'any', of: Array.from({ length: int(2, 3) }, () => condition(depth - 1)) }
      default: return { kind: 'not', of: condition(depth - 1) }
    }
  }
  const above = (): Condition => ({ kind: 'compare', signal: pick(nameable()), op: '>', value: int(0, 5) })
  const decodedShape = (): Condition => {
    switch (int(0, 2)) {
      case 0: return { kind: 'any', of: [above(), { kind: 'range', signal: pick(nameable()), min: int(0, 2), max: int(2, 5), outside: true }] }
      case 1: return { kind: 'all', of: [above(), condition(1)] }
      default: return { kind: 'count', of: above(), atLeast: int(1, 3), withinS: int(2, 10) }
    }
  }
  let serial = 0
  const rule = (): RuleDefinition => {
    const n = serial++
    const clear = rnd() < 0.3 ? condition(1) : undefined
    return {
      id: `r${n % 40}`,
      name: `rule ${n}`,
      severity: pick(['critical', 'major', 'minor', 'info'] as const),
      enabled: rnd() < 0.95,
      scope: { models: pick([[], [], ['A'], ['B*', 'C']]), firmware: pick([[], [], ['2.*'], ['1.0']]) },
      when: decodedShapes && rnd() < 0.5 ? decodedShape() : condition(2),
      forS: pick([0, 0, 1, 2, 3]),
      ...(clear === undefined ? {} : { clear }),
      clearForS: pick([0, 0, 1, 2]),
      reopenWithinS: pick([0, 5, 30]),
      ...(rnd() < 0.2 ? { caseId: `case-${n}` } : {}),
      ...(rnd() < 0.2 ? { action: { type: 'rescue' as const } } : {}),
      version: `v${n}`
    }
  }

  // a short window, or one long enough that freeze frames show every kept sample (rings that wrapped)
  const windowS = seed % 2 === 0 ? 4 : 100_000
  const engine = new RuleEngine({ catalog, evidenceWindowS: windowS })
  const reference = new ReferenceRuleEngine(catalog, windowS)
  let rules = Array.from({ length: 12 }, rule)
  const load = (): string | undefined => {
    const a = engine.setRules(rules)
    const b = reference.setRules(rules)
    const skipped = a.skipped.map((s) => s.id)
    return a.compiled === b.compiled && JSON.stringify(skipped) === JSON.stringify(b.skipped) ? undefined : `setRules: ${a.compiled} ${JSON.stringify(skipped)} vs ${b.compiled} ${JSON.stringify(b.skipped)}`
  }
  let mismatch = load()

  const vehicles = [1, 2, 3, 4]
  const infos = new Map<number, VehicleInfo>(vehicles.map((v) => [v, { model: pick(['A', 'B2', 'C', undefined]), firmware: pick(['1.0', '2.1', undefined]) }]))
  const second = new Map(vehicles.map((v) => [v, int(0, 5)]))
  let events = 0
  let batches = 0
  for (let step = 0; step < 400 && mismatch === undefined; step++) {
    if (step > 0 && step % 60 === 0) {
      // a reload: most rules kept as they are (a copy, as a reload parses them anew), some changed, some gone, some new
      rules = rules.flatMap((r): RuleDefinition[] => {
        const x = rnd()
        if (x < 0.6) return [structuredClone(r)]
        if (x < 0.75) return [{ ...rule(), id: r.id }]
        return x < 0.85 ? [] : [structuredClone(r), rule()]
      })
      if (step === 180) catalog.names.push('Test.S6', 'Test.S7')
      mismatch = load()
      if (mismatch !== undefined) break
    }
    const vehicle = pick(vehicles)
    if (rnd() < 0.03) infos.set(vehicle, { model: pick(['A', 'B2', 'C', undefined]), firmware: pick(['1.0', '2.1', '2.4.1', undefined]) })
    const info = infos.get(vehicle) as VehicleInfo
    const s = (second.get(vehicle) as number) + int(0, 3)
    second.set(vehicle, s)
    const batch = new SampleBuffer(16)
    const n = int(0, 8)
    for (let i = 0; i < n; i++) {
      // a few samples a second; sometimes two sources interleave out of order
      const at = T0 + s * S + int(0, 9) * 100_000 - (rnd() < 0.1 ? 1500_000 : 0)
      const id = rnd() < 0.03 ? 50 : int(0, catalog.size - 1)
      const value = id < 2
        ? (id === 0 ? 48.137 : 11.575) + (rnd() - 0.5) * 0.03
        : rnd() < 0.03 ? NaN : int(0, 5) + (rnd() < 0.2 ? 0.5 : 0)
      batch.push(at, id, value)
    }
    const dtcs: DtcReport[] = rnd() < 0.15
      ? [{ timeUs: T0 + s * S + 500_000, dtc: pick([0x021700, 0x021712, 0x403500]), status: pick([0, 0x01, 0x08, 0x0d, 0x04]) }]
      : []
    const got = engine.evaluate(vehicle, info, batch, dtcs)
    const want = reference.evaluate(vehicle, info, batch, dtcs)
    batches++
    events += want.length
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      mismatch = `seed ${seed}, step ${step}, vehicle ${vehicle}:\n  engine    ${JSON.stringify(got)}\n  reference ${JSON.stringify(want)}`
    }
  }
  return { batches, events, mismatch }
}

t.test('the engine and the reference agree on the rule shapes the engine decodes for its sample loop', async (t) => {
  let events = 0
  for (let seed = 1; seed <= 60; seed++) {
    const run = scenario(seed, true)
    if (run.mismatch !== undefined) {
      t.fail(run.mismatch)
      return
    }
    events += run.events
  }
  t.ok(events > 3000, `${events} transitions`)
})

t.test('the engine and the reference give the same transitions over random rules and streams', async (t) => {
  let events = 0
  let batches = 0
  for (let seed = 1; seed <= 150; seed++) {
    const run = scenario(seed)
    if (run.mismatch !== undefined) {
      t.fail(run.mismatch)
      return
    }
    events += run.events
    batches += run.batches
  }
  // the streams must make faults happen, or the comparison says little
  t.ok(events > 1000, `${events} transitions over ${batches} batches`)
})
