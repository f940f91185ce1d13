/**
 * Runs compiled rules over each vehicle's signal stream and keeps the fault
 * lifecycle per (vehicle, rule): condition held for `for` -> opened; clear
 * condition held for `clearFor` -> cleared; triggered again within
 * `reopenWithin` of clearing -> reoccurred (the same fault, no new alert: that
 * is the flapping suppression). A sample touches only the rules that read its
 * signal; time-based rules are also stepped once at the end of each batch.
 *
 * The same engine serves live ingest, backtests and ULog replays: it only
 * sees (time, catalog id, value) columns and DTC records.
 */
import type { SampleBuffer } from '../decoders/sample-buffer.js'
import {
  compileRule, DEFAULT_CATALOG, type RuleCatalog, SLOT_ACTIVE, SLOT_CLEAR_SINCE, SLOT_CLEARING, SLOT_LAST_CLEARED, SLOT_OCCURRENCES, SLOT_OPEN, SLOT_SINCE,
  type CompiledRule
} from './compile.js'
import type { FaultEvent, FaultEventType, RuleDefinition } from './model.js'
import { VehicleSignals } from './vehicle-signals.js'

export interface VehicleInfo {
  model?: string | undefined
  firmware?: string | undefined
}

export interface DtcReport {
  timeUs: number
  dtc: number
  status: number
}

export interface RuleEngineOptions {
  /** seconds of samples before a transition kept as its evidence (default 30) */
  evidenceWindowS?: number
  /** default: Pitwall's signal catalog */
  catalog?: RuleCatalog
}

export interface RuleSetOutcome {
  compiled: number
  /** rules left out, with why (a signal the catalog does not have) */
  skipped: Array<{ id: string, reason: string }>
}

interface VehicleRuleState {
  signals: VehicleSignals
  info: VehicleInfo
  /** per rule index: its state slots, or null when the rule is out of the vehicle's scope */
  states: Array<Float64Array | null>
}

const US = 1e6

export class RuleEngine {
  private rules: CompiledRule[] = []
  /** catalog id -> indexes of the rules that read it */
  private bySignal: number[][] = []
  private dtcRules: number[] = []
  private timedRules: number[] = []
  /** catalog ids some rule reads: their history is kept for evidence */
  private readSignals: Uint8Array
  private readonly vehicles = new Map<number, VehicleRuleState>()
  private readonly evidenceWindowUs: number
  private readonly catalog: RuleCatalog
  private events: FaultEvent[] = []

  constructor (options: RuleEngineOptions = {}) {
    this.evidenceWindowUs = (options.evidenceWindowS ?? 30) * US
    this.catalog = options.catalog ?? DEFAULT_CATALOG
    this.readSignals = new Uint8Array(this.catalog.size)
  }

  get ruleCount (): number {
    return this.rules.length
  }

  /** The catalog's size now: it grows when manifests add signals. */
  get catalogSize (): number {
    return this.catalog.size
  }

  /**
   * Replaces the rule set. A rule whose id and version are unchanged keeps its
   * state in every vehicle (a for-duration half elapsed, an open fault);
   * a changed rule starts fresh; a removed or disabled one is dropped.
   */
  setRules (definitions: readonly RuleDefinition[]): RuleSetOutcome {
    const previous = new Map(this.rules.map((r, i) => [r.key, i]))
    // One rule naming a signal this engine's catalog lacks (a manifest not
    // loaded yet, a hand-edited row) must not stop the others.
    const skipped: RuleSetOutcome['skipped'] = []
    const rules = definitions.filter((d) => d.enabled).flatMap((d) => {
      try {
        return [compileRule(d, this.catalog)]
      } catch (err) {
        skipped.push({ id: d.id, reason: (err as Error).message })
        return []
      }
    })
    const size = this.catalog.size
    const bySignal: number[][] = Array.from({ length: size }, () => [])
    const read = new Uint8Array(size)
    rules.forEach((rule, i) => {
      for (const id of rule.signals) {
        bySignal[id]?.push(i)
        read[id] = 1
      }
    })
    for (const vehicle of this.vehicles.values()) {
      vehicle.states = rules.map((rule) => {
        const old = previous.get(rule.key)
        return old === undefined ? this.freshState(rule, vehicle.info) : (vehicle.states[old] ?? null)
      })
    }
    this.rules = rules
    this.bySignal = bySignal
    this.readSignals = read
    this.dtcRules = rules.flatMap((r, i) => r.usesDtc ? [i] : [])
    this.timedRules = rules.flatMap((r, i) => r.timed ? [i] : [])
    return { compiled: rules.length, skipped }
  }

  /**
   * Feeds one batch of a vehicle: samples (signal = catalog id, in time
   * order within each source) and DTC reports. Returns the fault transitions.
   */
  evaluate (vehicleId: number, info: VehicleInfo, samples: SampleBuffer, dtcs: readonly DtcReport[] = []): FaultEvent[] {
    this.events = []
    const vehicle = this.vehicle(vehicleId, info)
    const { signals, states } = vehicle
    const ids = samples.signal
    const times = samples.timeUs
    const values = samples.value
    for (let i = 0; i < samples.length; i++) {
      const id = ids[i] as number
      if (id >= this.readSignals.length) continue
      const t = times[i] as number
      signals.update(id, t, values[i] as number, this.readSignals[id] === 1)
      const readers = this.bySignal[id] as number[]
      for (let k = 0; k < readers.length; k++) {
        const r = readers[k] as number
        const state = states[r]
        if (state != null) this.step(vehicleId, r, state, signals, t)
      }
    }
    for (const d of dtcs) {
      signals.updateDtc(d.dtc, d.status, d.timeUs)
      for (const r of this.dtcRules) {
        const state = states[r]
        if (state != null) this.step(vehicleId, r, state, signals, d.timeUs)
      }
    }
    // Time passes without samples too: a for-duration completes, a signal goes stale.
    const now = signals.clockUs
    for (const r of this.timedRules) {
      const state = states[r]
      if (state != null) this.step(vehicleId, r, state, signals, now)
    }
    return this.events
  }

  /** Forgets a vehicle (e.g. deregistered); its open faults stay in storage. */
  forget (vehicleId: number): void {
    this.vehicles.delete(vehicleId)
  }

  private vehicle (vehicleId: number, info: VehicleInfo): VehicleRuleState {
    let vehicle = this.vehicles.get(vehicleId)
    if (vehicle === undefined) {
      vehicle = { signals: new VehicleSignals(this.catalog.size), info, states: this.rules.map((r) => this.freshState(r, info)) }
      this.vehicles.set(vehicleId, vehicle)
    } else if (vehicle.signals.size < this.readSignals.length) {
      // the catalog grew (a manifest added signals) since this vehicle was first seen
      vehicle.signals.grow(this.readSignals.length)
    }
    if (vehicle.info.model !== info.model || vehicle.info.firmware !== info.firmware) {
      // a firmware update can bring a vehicle into or out of a rule's scope
      const current = vehicle
      current.states = this.rules.map((r, i) => inScope(r.def, info) ? (current.states[i] ?? this.freshState(r, info)) : null)
      current.info = info
    }
    return vehicle
  }

  private freshState (rule: CompiledRule, info: VehicleInfo): Float64Array | null {
    return inScope(rule.def, info) ? new Float64Array(rule.stateSize) : null
  }

  private step (vehicleId: number, r: number, s: Float64Array, v: VehicleSignals, now: number): void {
    const rule = this.rules[r] as CompiledRule
    const def = rule.def
    const holds = rule.when(v, s)
    if (s[SLOT_OPEN] === 0) {
      if (!holds) {
        s[SLOT_ACTIVE] = 0
        return
      }
      if (s[SLOT_ACTIVE] === 0) {
        s[SLOT_ACTIVE] = 1
        s[SLOT_SINCE] = now
      }
      if (now - (s[SLOT_SINCE] as number) < def.forS * US) return
      s[SLOT_OPEN] = 1
      s[SLOT_CLEARING] = 0
      const reopen = (s[SLOT_OCCURRENCES] as number) > 0 && now - (s[SLOT_LAST_CLEARED] as number) <= def.reopenWithinS * US
      s[SLOT_OCCURRENCES] = reopen ? (s[SLOT_OCCURRENCES] as number) + 1 : 1
      this.emit(reopen ? 'reoccurred' : 'opened', vehicleId, rule, s, v, now)
      return
    }
    const clearing = rule.clear === undefined ? !holds : rule.clear(v, s)
    if (!clearing) {
      s[SLOT_CLEARING] = 0
      return
    }
    if (s[SLOT_CLEARING] === 0) {
      s[SLOT_CLEARING] = 1
      s[SLOT_CLEAR_SINCE] = now
    }
    if (now - (s[SLOT_CLEAR_SINCE] as number) < def.clearForS * US) return
    s[SLOT_OPEN] = 0
    s[SLOT_ACTIVE] = 0
    s[SLOT_CLEARING] = 0
    s[SLOT_LAST_CLEARED] = now
    this.emit('cleared', vehicleId, rule, s, v, now)
  }

  private emit (type: FaultEventType, vehicleId: number, rule: CompiledRule, s: Float64Array, v: VehicleSignals, now: number): void {
    const def = rule.def
    this.events.push({
      type,
      vehicleId,
      ruleId: def.id,
      ruleVersion: def.version,
      severity: def.severity,
      timeUs: now,
      occurrences: s[SLOT_OCCURRENCES] as number,
      evidence: v.evidence(rule.signals, rule.signals.map((id) => this.catalog.name(id)), now - this.evidenceWindowUs),
      ...(def.action === undefined ? {} : { action: def.action }),
      ...(def.caseId === undefined ? {} : { caseId: def.caseId })
    })
  }
}

/** Empty lists match every vehicle; an entry ending in * matches by prefix (e.g. "2.4.*"). */
function inScope (def: RuleDefinition, info: VehicleInfo): boolean {
  const matches = (patterns: string[], value: string | undefined): boolean =>
    patterns.length === 0 || (value !== undefined && patterns.some((p) => p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : p === value))
  return matches(def.scope.models, info.model) && matches(def.scope.firmware, info.firmware)
}

