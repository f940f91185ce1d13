/**
 * The rule engine as an engineer sees it: rule files in, fault transitions
 * out, at the sample times the conditions say.
 */
import t from 'tap'
import { catalogSignalByName } from '../../decoders/catalog.js'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { RuleEngine, type DtcReport, type VehicleInfo } from '../../rules/engine.js'
import { parseRules } from '../../rules/load.js'
import type { FaultEvent } from '../../rules/model.js'

const T0 = 1_767_225_600_000_000 // 2026-01-01 UTC, in microseconds
const S = 1_000_000
const ECT = 'Vehicle.Powertrain.CombustionEngine.ECT'
const SPEED = 'Vehicle.Speed'
const TYRE = 'Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure'

function id (name: string): number {
  const s = catalogSignalByName(name)
  if (s === undefined) throw new Error(name)
  return s.id
}

/** One batch: [seconds after T0, signal name, value] rows. */
function batch (rows: Array<[number, string, number]>): SampleBuffer {
  const b = new SampleBuffer()
  for (const [s, name, value] of rows) b.push(T0 + s * S, id(name), value)
  return b
}

function engineWith (yaml: string): RuleEngine {
  const engine = new RuleEngine({ evidenceWindowS: 30 })
  engine.setRules(parseRules(yaml, 'test.yaml'))
  return engine
}

const summary = (events: FaultEvent[]): string[] => events.map((e) => `${e.type} ${e.ruleId} @${(e.timeUs - T0) / S}s #${e.occurrences}`)

/** Feeds one sample per second from `from` to `to` inclusive. */
function series (engine: RuleEngine, name: string, from: number, to: number, value: (s: number) => number, info: VehicleInfo = {}, vehicle = 1): FaultEvent[] {
  const out: FaultEvent[] = []
  for (let s = from; s <= to; s++) out.push(...engine.evaluate(vehicle, info, batch([[s, name, value(s)]])))
  return out
}

const OVERHEAT = `rules:
  - id: engine-overheat
    severity: critical
    when: { signal: ${ECT}, op: '>', value: 110 }
    for: 10s
    clear: { signal: ${ECT}, op: '<', value: 100 }
    clearFor: 5s
    reopenWithin: 60s
    action: { type: dealer_prestage, parts: [cooling fan relay], repairHours: 1.5, fix: replace the fan relay }
`

t.test('a threshold held for its duration opens one fault, with the samples before it as evidence', async (t) => {
  const engine = engineWith(OVERHEAT)
  const events = [
    ...series(engine, ECT, 0, 4, () => 105),
    ...series(engine, ECT, 5, 30, () => 112)
  ]
  t.same(summary(events), ['opened engine-overheat @15s #1'], 'opens 10 s after ECT first exceeded 110, once')
  const [opened] = events
  t.equal(opened?.severity, 'critical')
  t.match(opened?.action, { type: 'dealer_prestage', parts: [{ number: null, description: 'cooling fan relay', quantity: 1 }] })
  const evidence = opened?.evidence ?? []
  t.equal(evidence.length, 16, 'all ECT samples of the 30 s before the trigger (0..15 s)')
  t.same(evidence.slice(3, 7).map((e) => e.value), [105, 105, 112, 112], 'the freeze frame shows the climb')
  t.ok(evidence.every((e) => e.signal === ECT))
})

t.test('an excursion shorter than the duration opens nothing', async (t) => {
  const engine = engineWith(OVERHEAT)
  const events = [...series(engine, ECT, 0, 8, () => 115), ...series(engine, ECT, 9, 40, () => 95)]
  t.same(summary(events), [])
})

t.test('hysteresis: the fault clears only below the clear threshold held for its window, then reopens as the same fault within reopenWithin', async (t) => {
  const engine = engineWith(OVERHEAT)
  const events = [
    ...series(engine, ECT, 0, 12, () => 112), // opens at 10 s
    ...series(engine, ECT, 13, 30, () => 105), // between 100 and 110: still open
    ...series(engine, ECT, 31, 37, () => 95), // below 100 from 31 s: cleared at 36 s
    ...series(engine, ECT, 38, 60, () => 113), // over again: opens at 48 s, 12 s after clearing -> same fault
    ...series(engine, ECT, 61, 70, () => 90), // cleared at 66 s
    ...series(engine, ECT, 71, 200, (s) => s < 140 ? 90 : 114) // over again from 140 s, 74 s after clearing: a new fault at 150 s
  ]
  t.same(summary(events), [
    'opened engine-overheat @10s #1',
    'cleared engine-overheat @36s #1',
    'reoccurred engine-overheat @48s #2',
    'cleared engine-overheat @66s #2',
    'opened engine-overheat @150s #1'
  ])
})

t.test('a time-based rule completes without a new sample of its signal', async (t) => {
  const engine = engineWith(OVERHEAT)
  const events = [
    ...engine.evaluate(1, {}, batch([[0, ECT, 112]])),
    // only speed samples afterwards: the engine's clock moves on, ECT stays at 112
    ...series(engine, SPEED, 1, 12, () => 50)
  ]
  t.same(summary(events), ['opened engine-overheat @10s #1'])
})

t.test('rate of change, staleness, DTCs, geofence, counts and combinators', async (t) => {
  const engine = engineWith(`rules:
  - id: tyre-fast-leak
    severity: major
    when: { signal: ${TYRE}, rate: { op: '<', value: -20, per: 1min } }
  - id: speed-missing
    severity: minor
    when: { signal: ${SPEED}, stale: 5s }
  - id: overheat-dtc
    severity: major
    when: { dtc: P0217, status: [confirmedDTC] }
  - id: left-depot
    severity: info
    when: { geofence: { lat: 48.137, lon: 11.575, radiusM: 1000, outside: true } }
  - id: repeated-overrev
    severity: minor
    when: { count: { signal: Vehicle.Powertrain.CombustionEngine.Speed, op: '>', value: 6000 }, atLeast: 3, within: 1min }
  - id: hot-and-stopped
    severity: major
    when: { all: [ { signal: ${ECT}, op: '>', value: 105 }, { not: { signal: ${SPEED}, op: '>', value: 0 } } ] }
`)
  const info = {}
  const events: FaultEvent[] = []
  const feed = (rows: Array<[number, string, number]>, dtcs: DtcReport[] = []): void => { events.push(...engine.evaluate(7, info, batch(rows), dtcs)) }
  feed([[0, SPEED, 30], [0, TYRE, 240], [0, ECT, 90], [0, 'Vehicle.CurrentLocation.Latitude', 48.137], [0, 'Vehicle.CurrentLocation.Longitude', 11.575]])
  feed([[1, TYRE, 239.9]]) // -6 kPa/min: slow
  feed([[2, TYRE, 239.0]]) // -54 kPa/min: fast leak
  feed([[3, SPEED, 0], [3, ECT, 106]]) // hot and stopped
  // DTC 0x021700 = P0217 failure type 00; status 0x08 = confirmedDTC
  feed([], [{ timeUs: T0 + 4 * S, dtc: 0x021700, status: 0x08 }])
  // rpm over 6000 three times (rising edges) within a minute
  for (const [s, rpm] of [[5, 6500], [6, 3000], [7, 6400], [8, 2000], [9, 6100]] as const) feed([[s, 'Vehicle.Powertrain.CombustionEngine.Speed', rpm], [s, SPEED, 0]])
  // 2 km north: outside the depot
  feed([[10, 'Vehicle.CurrentLocation.Latitude', 48.155]])
  // speed last seen at 9 s: stale after 14 s
  feed([[12, ECT, 106]])
  feed([[15, ECT, 106]])
  t.same(summary(events), [
    'opened tyre-fast-leak @2s #1',
    'opened hot-and-stopped @3s #1',
    'opened overheat-dtc @4s #1',
    'opened repeated-overrev @9s #1',
    'opened left-depot @10s #1',
    'opened speed-missing @15s #1'
  ])
})

t.test('scope by model and firmware', async (t) => {
  const engine = engineWith(`rules:
  - id: v2-only
    severity: info
    scope: { models: [Demo EV], firmware: ['2.*'] }
    when: { signal: ${SPEED}, op: '>', value: 100 }
`)
  const fast = batch([[0, SPEED, 120]])
  t.same(summary(engine.evaluate(1, { model: 'Demo EV', firmware: '2.4.1' }, fast)), ['opened v2-only @0s #1'])
  t.same(summary(engine.evaluate(2, { model: 'Demo EV', firmware: '1.9.0' }, fast)), [], 'older firmware: out of scope')
  t.same(summary(engine.evaluate(3, { model: 'Other', firmware: '2.4.1' }, fast)), [], 'other model: out of scope')
  t.same(summary(engine.evaluate(2, { model: 'Demo EV', firmware: '2.0.0' }, batch([[1, SPEED, 120]]))), ['opened v2-only @1s #1'], 'after a firmware update it applies')
})

t.test('hot reload keeps the state of unchanged rules and restarts changed ones', async (t) => {
  const engine = engineWith(OVERHEAT + `  - id: fast
    severity: info
    when: { signal: ${SPEED}, op: '>', value: 100 }
    for: 10s
`)
  const events: FaultEvent[] = []
  for (let s = 0; s <= 6; s++) events.push(...engine.evaluate(1, {}, batch([[s, ECT, 112], [s, SPEED, 120]])))
  // halfway through both for-durations: reload with `fast` changed (threshold 90) and overheat untouched
  engine.setRules(parseRules(OVERHEAT + `  - id: fast
    severity: info
    when: { signal: ${SPEED}, op: '>', value: 90 }
    for: 10s
`, 'test.yaml'))
  for (let s = 7; s <= 20; s++) events.push(...engine.evaluate(1, {}, batch([[s, ECT, 112], [s, SPEED, 120]])))
  t.same(summary(events), ['opened engine-overheat @10s #1', 'opened fast @17s #1'], 'overheat kept its 0 s start; fast restarted at 7 s')
  engine.setRules(parseRules(OVERHEAT.replace('severity: critical', 'severity: critical\n    enabled: false'), 'test.yaml'))
  t.equal(engine.ruleCount, 0, 'a disabled rule is dropped')
})

t.test('a difference between two signals: cell-voltage spread', async (t) => {
  const engine = engineWith(`rules:
  - id: hv-cell-imbalance
    severity: major
    when: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '>', value: 0.15 }
    for: 5s
`)
  const events: FaultEvent[] = []
  for (let s = 0; s <= 10; s++) {
    const spread = s < 3 ? 0.05 : 0.2
    events.push(...engine.evaluate(1, {}, batch([[s, 'Vehicle.Powertrain.TractionBattery.CellVoltage.Max', 3.9 + spread], [s, 'Vehicle.Powertrain.TractionBattery.CellVoltage.Min', 3.9]])))
  }
  t.same(summary(events), ['opened hv-cell-imbalance @8s #1'])
})

t.test('"not" over a signal the vehicle never sent is not true: missing data raises nothing', async (t) => {
  const engine = engineWith(`rules:
  - id: stopped
    severity: info
    when: { not: { signal: ${SPEED}, op: '>', value: 0 } }
`)
  t.same(summary(engine.evaluate(1, {}, batch([[0, ECT, 90]]))), [], 'no speed yet: nothing')
  t.same(summary(engine.evaluate(1, {}, batch([[1, SPEED, 0]]))), ['opened stopped @1s #1'], 'speed 0: stopped')
})

t.test('"not" checks its own signals even when a sibling reads them too', async (t) => {
  const engine = engineWith(`rules:
  - id: fast-or-stopped
    severity: info
    when: { any: [ { signal: ${SPEED}, op: '>', value: 100 }, { not: { signal: ${SPEED}, op: '>', value: 0 } } ] }
`)
  t.same(summary(engine.evaluate(1, {}, batch([[0, ECT, 90]]))), [])
})

t.test('a vehicle resumed from storage: a fault in force stays one fault, an auto-cleared one reopens, a resolved one is history', async (t) => {
  // node A raises the fault; node B (another engine) resumes the vehicle from what storage holds
  const a = engineWith(OVERHEAT)
  t.same(summary(series(a, ECT, 0, 12, () => 112)), ['opened engine-overheat @10s #1'])

  const fresh = engineWith(OVERHEAT)
  t.same(summary(series(fresh, ECT, 13, 30, () => 112)), ['opened engine-overheat @23s #1'], 'without resuming, a persisting condition is a new fault')

  const b = engineWith(OVERHEAT)
  b.resume(1, {}, [{ ruleId: 'engine-overheat', active: true, occurrences: 3, clearedUs: 0 }])
  t.same(summary(series(b, ECT, 13, 30, () => 112)), [], 'resumed open: the persisting condition raises nothing')
  t.same(summary(series(b, ECT, 31, 40, () => 95)), ['cleared engine-overheat @36s #3'], 'its clear condition ends it, with the stored occurrences')

  const c = engineWith(OVERHEAT)
  c.resume(1, {}, [{ ruleId: 'engine-overheat', active: true, occurrences: 1, clearedUs: 0 }])
  t.same(summary(series(c, ECT, 13, 20, () => 95)), ['cleared engine-overheat @18s #1'], 'a condition that went away while the vehicle moved clears the fault')

  const d = engineWith(OVERHEAT)
  d.resume(1, {}, [{ ruleId: 'engine-overheat', active: false, occurrences: 2, clearedUs: T0 + 20 * S }])
  t.same(summary(series(d, ECT, 30, 45, () => 112)), ['reoccurred engine-overheat @40s #3'], 'auto-cleared 20 s before (reopenWithin 60 s): the same fault reopens')

  const e = engineWith(OVERHEAT)
  e.resume(1, {}, [{ ruleId: 'engine-overheat', active: false, occurrences: 2, clearedUs: T0 - 100 * S }])
  t.same(summary(series(e, ECT, 0, 10, () => 112)), ['opened engine-overheat @10s #1'], 'auto-cleared longer ago than reopenWithin: a new fault')

  // the vehicle comes back to A, whose memory says open; storage says the fault was resolved meanwhile
  a.resume(1, {}, [])
  t.same(summary(series(a, ECT, 50, 60, () => 112)), ['opened engine-overheat @60s #1'], 'storage wins over a stale open phase')
})

t.test('a vehicle resumed with nothing stored costs nothing until its first batch, and then starts fresh', async (t) => {
  const engine = engineWith(OVERHEAT)
  engine.resume(1, {}, [])
  t.equal(engine.vehicleCount, 0, 'an idle connection holds no rule state')
  t.same(summary(series(engine, ECT, 0, 12, () => 112)), ['opened engine-overheat @10s #1'], 'its first batches run the rules as for any new vehicle')
  t.equal(engine.vehicleCount, 1)
})

t.test('resuming keeps a phase that agrees with storage, its windows with it; a rule out of scope resumes when a batch brings it in', async (t) => {
  const engine = engineWith(OVERHEAT)
  series(engine, ECT, 0, 5, () => 112)
  engine.resume(1, {}, [])
  t.same(summary(series(engine, ECT, 6, 12, () => 112)), ['opened engine-overheat @10s #1'], 'the for-duration that began at 0 s still counts')

  const scoped = engineWith(OVERHEAT.replace('severity: critical', "severity: critical\n    scope: { firmware: ['2.*'] }"))
  // registered without a firmware; the first batch reports 2.1
  scoped.resume(7, {}, [{ ruleId: 'engine-overheat', active: true, occurrences: 1, clearedUs: 0 }])
  t.same(summary(series(scoped, ECT, 0, 20, () => 112, { firmware: '2.1' }, 7)), [], 'the fault in force is resumed as the rule comes into scope')
  t.same(summary(series(scoped, ECT, 21, 30, () => 112, { firmware: '1.0' }, 7)), [])
  t.same(summary(series(scoped, ECT, 31, 45, () => 112, { firmware: '2.2' }, 7)), ['opened engine-overheat @41s #1'], 'later scope changes start fresh, as before')
})
