/**
 * The rule engine's semantics written the plain way, as an oracle for
 * test/rules/engine-differential.test.ts: conditions interpreted from the
 * definition tree on every evaluation, per-vehicle state in Maps and small
 * objects, history as arrays. Nothing here is tuned; where rules/engine.ts
 * and this disagree on the same input, one of them is wrong.
 */
import { DTC_STATUS_FLAGS } from '../../decoders/dtc/dtc-status.js'
import { parseUdsDtcText } from '../../decoders/dtc/j2012.js'
import type { SampleBuffer } from '../../decoders/sample-buffer.js'
import type { RuleCatalog } from '../../rules/compile.js'
import type { DtcReport, VehicleInfo } from '../../rules/engine.js'
import type { CompareOp, Condition, EvidenceSample, FaultEvent, FaultEventType, RuleDefinition } from '../../rules/model.js'
import { inScope } from '../../rules/scope.js'

const US = 1e6
const HISTORY = 64
const LATITUDE = 'Vehicle.CurrentLocation.Latitude'
const LONGITUDE = 'Vehicle.CurrentLocation.Longitude'

interface Signal { latest: number, time: number, previous: number, previousTime: number, history: Array<{ t: number, v: number }> | undefined }

interface Vehicle {
  info: VehicleInfo
  signals: Map<number, Signal>
  clockUs: number
  dtcs: Map<number, number>
  /** per rule of the current set: its state, or null out of scope */
  states: Array<RuleState | null>
}

interface RuleState {
  active: boolean
  since: number
  open: boolean
  clearing: boolean
  clearSince: number
  occurrences: number
  lastCleared: number
  /** per count node (by its place in the rule): its edge detector and the times of its last `atLeast` rising edges */
  counts: Map<number, { previous: boolean, edges: number[] }>
}

interface Rule {
  def: RuleDefinition
  key: string
  signals: number[]
  usesDtc: boolean
  timed: boolean
  /** count nodes of this definition -> their place, which a reloaded copy of the same rule shares */
  countPlace: Map<Condition, number>
}

export class ReferenceRuleEngine {
  private rules: Rule[] = []
  private readLimit: number
  private read = new Set<number>()
  private readonly vehicles = new Map<number, Vehicle>()

  constructor (private readonly catalog: RuleCatalog, private readonly evidenceWindowS: number) {
    this.readLimit = catalog.size
  }

  setRules (definitions: readonly RuleDefinition[]): { compiled: number, skipped: string[] } {
    const previous = new Map(this.rules.map((r, i) => [r.key, i]))
    const skipped: string[] = []
    const rules: Rule[] = []
    for (const def of definitions) {
      if (!def.enabled) continue
      const names = [...namesOf(def.when), ...(def.clear === undefined ? [] : namesOf(def.clear))]
      const ids = names.map((n) => this.catalog.id(n))
      // every rule compiles the location signals' ids, whether it reads them or not
      if (ids.includes(undefined) || this.catalog.id(LATITUDE) === undefined || this.catalog.id(LONGITUDE) === undefined) {
        skipped.push(def.id)
        continue
      }
      const kinds = [...kindsOf(def.when), ...(def.clear === undefined ? [] : kindsOf(def.clear))]
      const countPlace = new Map<Condition, number>()
      for (const c of [...nodesOf(def.when), ...(def.clear === undefined ? [] : nodesOf(def.clear))]) if (c.kind === 'count') countPlace.set(c, countPlace.size)
      rules.push({
        countPlace,
        def,
        key: `${def.id}@${def.version}`,
        signals: [...new Set(ids as number[])],
        usesDtc: kinds.includes('dtc'),
        timed: def.forS > 0 || def.clearForS > 0 || kinds.includes('stale') || kinds.includes('count')
      })
    }
    for (const vehicle of this.vehicles.values()) {
      vehicle.states = rules.map((rule) => {
        const old = previous.get(rule.key)
        return old === undefined ? fresh(rule, vehicle.info) : (vehicle.states[old] ?? null)
      })
    }
    this.rules = rules
    this.readLimit = this.catalog.size
    this.read = new Set(rules.flatMap((r) => r.signals))
    return { compiled: rules.length, skipped }
  }

  evaluate (vehicleId: number, info: VehicleInfo, samples: SampleBuffer, dtcs: readonly DtcReport[] = []): FaultEvent[] {
    const events: FaultEvent[] = []
    let vehicle = this.vehicles.get(vehicleId)
    if (vehicle === undefined) {
      vehicle = { info, signals: new Map(), clockUs: 0, dtcs: new Map(), states: this.rules.map((r) => fresh(r, info)) }
      this.vehicles.set(vehicleId, vehicle)
    }
    if (vehicle.info.model !== info.model || vehicle.info.firmware !== info.firmware) {
      const v = vehicle
      v.states = this.rules.map((r, i) => inScope(r.def.scope, info) ? (v.states[i] ?? fresh(r, info)) : null)
      v.info = info
    }
    for (let i = 0; i < samples.length; i++) {
      const id = samples.signal[i] as number
      if (id >= this.readLimit) continue
      const t = samples.timeUs[i] as number
      const value = samples.value[i] as number
      const s = signalOf(vehicle, id)
      s.previous = s.latest
      s.previousTime = s.time
      s.latest = value
      s.time = t
      if (t > vehicle.clockUs) vehicle.clockUs = t
      if (this.read.has(id)) (s.history ??= []).push({ t, v: value })
      this.rules.forEach((rule, r) => { if (rule.signals.includes(id)) this.step(events, vehicleId, vehicle as Vehicle, rule, r, t) })
    }
    for (const d of dtcs) {
      if (d.status === 0) vehicle.dtcs.delete(d.dtc)
      else vehicle.dtcs.set(d.dtc, d.status)
      if (d.timeUs > vehicle.clockUs) vehicle.clockUs = d.timeUs
      this.rules.forEach((rule, r) => { if (rule.usesDtc) this.step(events, vehicleId, vehicle as Vehicle, rule, r, d.timeUs) })
    }
    const now = vehicle.clockUs
    this.rules.forEach((rule, r) => { if (rule.timed) this.step(events, vehicleId, vehicle as Vehicle, rule, r, now) })
    return events
  }

  private step (events: FaultEvent[], vehicleId: number, vehicle: Vehicle, rule: Rule, r: number, now: number): void {
    const s = vehicle.states[r]
    if (s == null) return
    const def = rule.def
    const holds = this.holds(def.when, vehicle, rule, s)
    if (!s.open) {
      if (!holds) {
        s.active = false
        return
      }
      if (!s.active) {
        s.active = true
        s.since = now
      }
      if (now - s.since < def.forS * US) return
      s.open = true
      s.clearing = false
      const reopen = s.occurrences > 0 && now - s.lastCleared <= def.reopenWithinS * US
      s.occurrences = reopen ? s.occurrences + 1 : 1
      events.push(this.event(reopen ? 'reoccurred' : 'opened', vehicleId, vehicle, rule, s, now))
      return
    }
    const clearing = def.clear === undefined ? !holds : this.holds(def.clear, vehicle, rule, s)
    if (!clearing) {
      s.clearing = false
      return
    }
    if (!s.clearing) {
      s.clearing = true
      s.clearSince = now
    }
    if (now - s.clearSince < def.clearForS * US) return
    s.open = false
    s.active = false
    s.clearing = false
    s.lastCleared = now
    events.push(this.event('cleared', vehicleId, vehicle, rule, s, now))
  }

  private holds (c: Condition, vehicle: Vehicle, rule: Rule, s: RuleState): boolean {
    const latest = (name: string): number => vehicle.signals.get(this.catalog.id(name) as number)?.latest ?? NaN
    switch (c.kind) {
      case 'compare': return compare(c.op, latest(c.signal), c.value)
      case 'range': {
        const x = latest(c.signal)
        return c.outside ? x < c.min || x > c.max : x >= c.min && x <= c.max
      }
      case 'difference': return compare(c.op, latest(c.signal) - latest(c.minus), c.value)
      case 'rate': {
        const sig = vehicle.signals.get(this.catalog.id(c.signal) as number)
        const dt = (sig?.time ?? -Infinity) - (sig?.previousTime ?? -Infinity)
        return dt > 0 && compare(c.op, ((sig?.latest ?? NaN) - (sig?.previous ?? NaN)) / (dt / US), c.value)
      }
      case 'stale': return vehicle.clockUs - (vehicle.signals.get(this.catalog.id(c.signal) as number)?.time ?? -Infinity) > c.afterS * US
      case 'dtc': {
        const exact = c.code.includes('-')
        const code = parseUdsDtcText(c.code)
        const key = exact ? code : code >>> 8
        let mask = 0
        for (const flag of c.status) mask |= 1 << DTC_STATUS_FLAGS.indexOf(flag as (typeof DTC_STATUS_FLAGS)[number])
        for (const [dtc, status] of vehicle.dtcs) {
          if ((exact ? dtc : dtc >>> 8) !== key) continue
          if (mask === 0 ? (status & 0x0d) !== 0 : (status & mask) === mask) return true
        }
        return false
      }
      case 'geofence': {
        const lat = latest(LATITUDE) * Math.PI / 180
        const lon = latest(LONGITUDE) * Math.PI / 180
        if (Number.isNaN(lat) || Number.isNaN(lon)) return false
        const lat0 = c.lat * Math.PI / 180
        const lon0 = c.lon * Math.PI / 180
        const a = Math.sin((lat - lat0) / 2) ** 2 + Math.cos(lat0) * Math.cos(lat) * Math.sin((lon - lon0) / 2) ** 2
        const inside = 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(a))) <= c.radiusM
        return inside !== c.outside
      }
      case 'count': {
        const place = rule.countPlace.get(c) as number
        let window = s.counts.get(place)
        if (window === undefined) {
          window = { previous: false, edges: [] }
          s.counts.set(place, window)
        }
        const now = this.holds(c.of, vehicle, rule, s)
        if (now && !window.previous) {
          window.edges.push(vehicle.clockUs)
          if (window.edges.length > c.atLeast) window.edges.shift()
        }
        window.previous = now
        // an edge at time 0 counts as none (the compiled ring starts zeroed)
        const oldest = window.edges.length < c.atLeast ? 0 : window.edges[0] as number
        return oldest > 0 && vehicle.clockUs - oldest <= c.withinS * US
      }
      case 'all':
        for (const part of c.of) if (!this.holds(part, vehicle, rule, s)) return false
        return true
      case 'any': {
        // every part, so count windows inside see every evaluation
        const results = c.of.map((part) => this.holds(part, vehicle, rule, s))
        return results.includes(true)
      }
      case 'not':
        if (namesOf(c.of).some((name) => Number.isNaN(latest(name)))) return false
        return !this.holds(c.of, vehicle, rule, s)
    }
  }

  private event (type: FaultEventType, vehicleId: number, vehicle: Vehicle, rule: Rule, s: RuleState, now: number): FaultEvent {
    const def = rule.def
    const since = now - this.evidenceWindowS * US
    const evidence: EvidenceSample[] = []
    for (const id of rule.signals) {
      for (const h of (vehicle.signals.get(id)?.history ?? []).slice(-HISTORY)) {
        if (h.t >= since) evidence.push({ signal: this.catalog.name(id), t: h.t, value: h.v })
      }
    }
    evidence.sort((a, b) => a.t - b.t)
    return {
      type,
      vehicleId,
      ruleId: def.id,
      ruleVersion: def.version,
      severity: def.severity,
      timeUs: now,
      occurrences: s.occurrences,
      evidence,
      ...(def.action === undefined ? {} : { action: def.action }),
      ...(def.caseId === undefined ? {} : { caseId: def.caseId })
    }
  }
}

function fresh (rule: Rule, info: VehicleInfo): RuleState | null {
  if (!inScope(rule.def.scope, info)) return null
  return { active: false, since: 0, open: false, clearing: false, clearSince: 0, occurrences: 0, lastCleared: 0, counts: new Map() }
}

function signalOf (vehicle: Vehicle, id: number): Signal {
  let s = vehicle.signals.get(id)
  if (s === undefined) {
    s = { latest: NaN, time: -Infinity, previous: NaN, previousTime: -Infinity, history: undefined }
    vehicle.signals.set(id, s)
  }
  return s
}

function compare (op: CompareOp, x: number, threshold: number): boolean {
  switch (op) {
    case '>': return x > threshold
    case '>=': return x >= threshold
    case '<': return x < threshold
    case '<=': return x <= threshold
    case '==': return x === threshold
    case '!=': return x !== threshold
  }
}

/** Signal names in the order a condition reads them (the order of a fault's evidence). */
function namesOf (c: Condition): string[] {
  switch (c.kind) {
    case 'compare': case 'range': case 'rate': case 'stale': return [c.signal]
    case 'difference': return [c.signal, c.minus]
    case 'geofence': return [LATITUDE, LONGITUDE]
    case 'dtc': return []
    case 'count': case 'not': return namesOf(c.of)
    case 'all': case 'any': return c.of.flatMap(namesOf)
  }
}

/** The condition's nodes, each before its parts. */
function nodesOf (c: Condition): Condition[] {
  switch (c.kind) {
    case 'count': case 'not': return [c, ...nodesOf(c.of)]
    case 'all': case 'any': return [c, ...c.of.flatMap(nodesOf)]
    default: return [c]
  }
}

function kindsOf (c: Condition): string[] {
  return nodesOf(c).map((n) => n.kind)
}
