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
  compileRule, DEFAULT_CATALOG, RULE_SLOTS, type RuleCatalog, SLOT_LAST_CLEARED, SLOT_OCCURRENCES, SLOT_SINCE,
  type CompiledRule
} from './compile.js'
import { ConditionTable, countEdges, LEAF } from './condition-table.js'
import {
  ABOVE, ABOVE_OR_OUTSIDE, ALL_FROM_ABOVE, COUNT_ABOVE, AT_LEAST, AT_MOST, BELOW, DIFFERENCE_ABOVE, DIFFERENCE_AT_LEAST, INSIDE, OUTSIDE, RATE_ABOVE,
  DecodedWhens, RATE_AT_LEAST, RATE_BELOW, SignalReaders, STALE_FOR
} from './signal-readers.js'
import type { FaultEvent, FaultEventType, RuleDefinition, StoredRuleState } from './model.js'
import { inScope } from './scope.js'
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

/**
 * Where a rule stands for one vehicle: one byte per rule in the vehicle's
 * phase array, the only rule state most samples touch. The phases split
 * "no fault" and "open" by whether the condition that decides the next move
 * is known to be false, so the end-of-batch step can skip a rule whose
 * condition cannot have changed since it last ran (see runAtEnd).
 */
/** no fault; `when` not known to be false (never run, or a clear condition just ended the fault) */
const FRESH = 0
/** no fault; `when` was false when the rule last ran */
const IDLE = 1
/** no fault yet; `when` holds since SLOT_SINCE, its for-duration running */
const PENDING = 2
/** fault open; its clear condition not run since it opened */
const OPENED = 3
/** fault open; its clear condition was false when the rule last ran */
const OPEN = 4
/** fault open; its clear condition holds since SLOT_SINCE, its clear window running */
const CLEARING = 5
const OUT_OF_SCOPE = 6
/**
 * Phases in which a time-based rule whose conditions do not read the clock
 * still has to run at the end of a batch: a duration may complete, or the
 * condition was never evaluated. In IDLE and OPEN the condition is a function
 * of signal values (and DTCs) that have not changed since it was last false,
 * so running it again would change nothing.
 */
const RUN_AT_END = (1 << FRESH) | (1 << PENDING) | (1 << OPENED) | (1 << CLEARING)
/** A rule whose conditions read the clock runs at the end of every batch, in any phase but out of scope. */
const RUN_AT_END_CLOCKED = (1 << OUT_OF_SCOPE) - 1

interface VehicleRuleState {
  signals: VehicleSignals
  info: VehicleInfo
  /** per rule index: its phase */
  phase: Uint8Array
  /** every rule's slots, rule r's from RuleEngine.base[r]: one array, so a vehicle's rule state is contiguous */
  slab: Float64Array
  /**
   * What resume() was given, until the vehicle's next batch: a rule that
   * batch brings into scope (its firmware differs from the registered one)
   * resumes from it rather than starting fresh.
   */
  resumed?: ReadonlyMap<string, StoredRuleState> | undefined
}

const US = 1e6

export class RuleEngine {
  private rules: CompiledRule[] = []
  /** per rule, the catalog names of its signals, for its events' evidence */
  private signalNames: string[][] = []
  // per rule index, flat, for the per-sample path
  private readonly conditions = new ConditionTable()
  /** where the rule's `when` starts in `conditions`, and its clear condition (-1: none, `when` false clears) */
  private whenAt = new Int32Array(0)
  private clearAt = new Int32Array(0)
  /** where rule r's own slots (SLOT_SINCE ...) start in a vehicle's slab */
  private base = new Int32Array(0)
  /**
   * what rule r's condition slots (count windows, numbered from RULE_SLOTS by
   * compile.ts) are relative to: they lie together at the start of the slab,
   * away from the rules' own slots, so the few a batch reads share cache
   * lines. Spread over each rule's span they were a cache miss per count
   * evaluation, ~8% of the engine's time in bench/micro/rules.ts.
   */
  private slots = new Int32Array(0)
  private forUs = new Float64Array(0)
  private clearForUs = new Float64Array(0)
  private reopenUs = new Float64Array(0)
  private slabSize = 0
  private readers: SignalReaders
  private dtcRules = new Int32Array(0)
  private timedRules = new Int32Array(0)
  /** per entry of timedRules: the phases it runs in at the end of a batch, a bit each (one test, not one per case) */
  private timedPhases = new Uint8Array(0)
  /** per entry of timedRules: its `when` decoded, so stale and count rules (run at every batch's end) skip the table */
  private timedWhens = new DecodedWhens([])
  private readonly vehicles = new Map<number, VehicleRuleState>()
  private readonly evidenceWindowUs: number
  private readonly catalog: RuleCatalog
  private events: FaultEvent[] = []

  constructor (options: RuleEngineOptions = {}) {
    this.evidenceWindowUs = (options.evidenceWindowS ?? 30) * US
    this.catalog = options.catalog ?? DEFAULT_CATALOG
    this.readers = new SignalReaders([], this.catalog.size)
  }

  /** Vehicles whose rule state this engine holds (made by their first batch, or resumed with a fault to carry). */
  get vehicleCount (): number {
    return this.vehicles.size
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
    const base = new Int32Array(rules.length)
    const slots = new Int32Array(rules.length)
    let slabSize = 0
    rules.forEach((rule, i) => {
      slots[i] = slabSize - RULE_SLOTS
      slabSize += rule.stateSize - RULE_SLOTS
    })
    rules.forEach((rule, i) => {
      base[i] = slabSize
      slabSize += RULE_SLOTS
    })
    for (const vehicle of this.vehicles.values()) {
      const phase = new Uint8Array(rules.length)
      const slab = new Float64Array(slabSize)
      rules.forEach((rule, i) => {
        const old = previous.get(rule.key)
        if (old === undefined) {
          phase[i] = inScope(rule.def.scope, vehicle.info) ? FRESH : OUT_OF_SCOPE
          return
        }
        // the same id and version: the same conditions, so the same slots
        phase[i] = vehicle.phase[old] as number
        const from = this.base[old] as number
        slab.set(vehicle.slab.subarray(from, from + RULE_SLOTS), base[i])
        const fromSlots = (this.slots[old] as number) + RULE_SLOTS
        slab.set(vehicle.slab.subarray(fromSlots, fromSlots + rule.stateSize - RULE_SLOTS), (slots[i] as number) + RULE_SLOTS)
      })
      vehicle.phase = phase
      vehicle.slab = slab
    }
    const timed = rules.flatMap((r, i) => r.timed ? [i] : [])
    this.rules = rules
    this.signalNames = rules.map((r) => r.signals.map((id) => this.catalog.name(id)))
    const starts = this.conditions.load(rules.map((r) => r.conditions))
    this.whenAt = Int32Array.from(starts)
    this.clearAt = Int32Array.from(rules, (r, i) => r.clearAt === undefined ? -1 : (starts[i] as number) + r.clearAt)
    this.base = base
    this.slots = slots
    this.forUs = Float64Array.from(rules, (r) => r.def.forS * US)
    this.clearForUs = Float64Array.from(rules, (r) => r.def.clearForS * US)
    this.reopenUs = Float64Array.from(rules, (r) => r.def.reopenWithinS * US)
    this.slabSize = slabSize
    this.readers = new SignalReaders(rules, size)
    this.dtcRules = Int32Array.from(rules.flatMap((r, i) => r.usesDtc ? [i] : []))
    this.timedRules = Int32Array.from(timed)
    this.timedWhens = new DecodedWhens(timed.map((r) => [-1, rules[r] as CompiledRule] as const))
    this.timedPhases = Uint8Array.from(timed, (i) => (rules[i] as CompiledRule).clocked ? RUN_AT_END_CLOCKED : RUN_AT_END)
    return { compiled: rules.length, skipped }
  }

  /**
   * Feeds one batch of a vehicle: samples (signal = catalog id, in time
   * order within each source) and DTC reports. Returns the fault transitions.
   */
  evaluate (vehicleId: number, info: VehicleInfo, samples: SampleBuffer, dtcs: readonly DtcReport[] = []): FaultEvent[] {
    this.events = []
    const vehicle = this.vehicle(vehicleId, info)
    const { signals, phase, slab } = vehicle
    const { conditions, whenAt, clearAt, slots } = this
    const { start, rule, kind, a, b, c, x, y, z } = this.readers
    const { latest, previous, previousTime } = signals
    const limit = this.readers.catalogSize
    const ids = samples.signal
    const times = samples.timeUs
    const values = samples.value
    for (let i = 0; i < samples.length; i++) {
      const id = ids[i] as number
      if (id >= limit) continue
      const t = times[i] as number
      const value = values[i] as number
      signals.update(id, t, value)
      const from = start[id] as number
      const end = start[id + 1] as number
      // the signals rules read are those with readers: one branch decides both (it mispredicts often, read and unread signals arrive mixed)
      if (from === end) continue
      signals.record(id, t, value)
      for (let k = from; k < end; k++) {
        const r = rule[k] as number
        const p = phase[r] as number
        if (p === OUT_OF_SCOPE) continue
        // the common cases inline, `when` decided here: no fault and `when`
        // false, or an open fault `when` keeps open; the rest in step()
        let holds: boolean
        switch (kind[k]) {
          case ABOVE: holds = value > (x[k] as number); break
          case AT_LEAST: holds = value >= (x[k] as number); break
          case BELOW: holds = value < (x[k] as number); break
          case AT_MOST: holds = value <= (x[k] as number); break
          case INSIDE: holds = value >= (x[k] as number) && value <= (y[k] as number); break
          case OUTSIDE: holds = value < (x[k] as number) || value > (y[k] as number); break
          case DIFFERENCE_ABOVE: holds = (latest[a[k] as number] as number) - (latest[c[k] as number] as number) > (x[k] as number); break
          case DIFFERENCE_AT_LEAST: holds = (latest[a[k] as number] as number) - (latest[c[k] as number] as number) >= (x[k] as number); break
          case RATE_ABOVE: case RATE_AT_LEAST: case RATE_BELOW: {
            // as ConditionTable.leaf's RATE, with the sample's own value and time
            const dt = t - (previousTime[id] as number)
            const rate = (value - (previous[id] as number)) / (dt / US)
            const kk = kind[k] as number
            holds = dt > 0 && (kk === RATE_ABOVE ? rate > (x[k] as number) : kk === RATE_AT_LEAST ? rate >= (x[k] as number) : rate < (x[k] as number))
            break
          }
          case STALE_FOR: holds = signals.clockUs - (signals.time[a[k] as number] as number) > (x[k] as number); break
          case ALL_FROM_ABOVE:
            holds = (latest[a[k] as number] as number) > (x[k] as number) && conditions.holds(whenAt[r] as number, signals, slab, slots[r] as number)
            break
          case ABOVE_OR_OUTSIDE: {
            const other = latest[c[k] as number] as number
            holds = (latest[a[k] as number] as number) > (x[k] as number) || other < (y[k] as number) || other > (z[k] as number)
            break
          }
          case COUNT_ABOVE:
            holds = countEdges(
              slab, (slots[r] as number) + (c[k] as number), b[k] as number, (latest[a[k] as number] as number) > (x[k] as number), signals.clockUs, y[k] as number
            )
            break
          default: {
            const n = whenAt[r] as number
            const op = conditions.op(n)
            holds = op <= LEAF ? conditions.leaf(n, op, signals) : conditions.holds(n, signals, slab, slots[r] as number)
          }
        }
        if (!this.settledAtOnce(r, p, phase, holds)) this.step(vehicleId, r, phase, slab, signals, t, holds)
      }
    }
    for (const d of dtcs) {
      signals.updateDtc(d.dtc, d.status, d.timeUs)
      const dtcRules = this.dtcRules
      for (let k = 0; k < dtcRules.length; k++) {
        const r = dtcRules[k] as number
        if (phase[r] !== OUT_OF_SCOPE) this.run(vehicleId, r, phase, slab, signals, d.timeUs)
      }
    }
    // Time passes without samples too: a for-duration completes, a signal goes stale.
    const now = signals.clockUs
    const { timedRules, timedPhases, timedWhens } = this
    for (let k = 0; k < timedRules.length; k++) {
      const r = timedRules[k] as number
      const p = phase[r] as number
      if ((((timedPhases[k] as number) >> p) & 1) === 0) continue
      let holds: boolean
      switch (timedWhens.kind[k]) {
        case STALE_FOR:
          holds = now - (signals.time[timedWhens.a[k] as number] as number) > (timedWhens.x[k] as number)
          break
        case COUNT_ABOVE:
          holds = countEdges(
            slab, (slots[r] as number) + (timedWhens.c[k] as number), timedWhens.b[k] as number,
            (latest[timedWhens.a[k] as number] as number) > (timedWhens.x[k] as number), now, timedWhens.y[k] as number
          )
          break
        default:
          holds = conditions.holds(whenAt[r] as number, signals, slab, slots[r] as number)
      }
      if (!this.settledAtOnce(r, p, phase, holds)) this.step(vehicleId, r, phase, slab, signals, now, holds)
    }
    signals.settle()
    return this.events
  }

  /**
   * Resumes a vehicle's rule state from its faults in storage, when its
   * session starts on this node (the vehicle comes from another node, or
   * this one restarted): storage is the record of which faults are in force.
   * A rule with an open or acknowledged fault is open (its clear condition
   * runs at the next batch), with the stored occurrences, so a condition that
   * persists raises nothing new; one whose newest fault auto-cleared keeps
   * the clearing time, so a reoccurrence within `reopenWithin` reopens that
   * fault instead of opening another; any other rule has no fault (a fault an
   * engineer resolved is history: the next trigger opens a new one).
   *
   * Where the in-memory phase agrees with storage (both open, or both no
   * fault) it is kept with its windows (a `for` half elapsed, a clear
   * window running); where they disagree, storage wins. Matched by rule id,
   * whatever version opened the fault: storage keeps one fault in force per
   * vehicle and rule id, and the version in force now decides when it
   * clears (a changed condition that no longer holds clears it at once).
   */
  resume (vehicleId: number, info: VehicleInfo, stored: readonly StoredRuleState[]): void {
    // Nothing stored and nothing here: the state its first batch makes is already what storage says.
    // Made now, every idle connection carried it (bench connections: 12.2 -> 17.4 KiB per idle vehicle).
    if (stored.length === 0 && !this.vehicles.has(vehicleId)) return
    const vehicle = this.vehicle(vehicleId, info)
    const byRule = new Map(stored.map((s) => [s.ruleId, s]))
    for (let r = 0; r < this.rules.length; r++) {
      if (vehicle.phase[r] !== OUT_OF_SCOPE) this.restore(vehicle, r, byRule.get((this.rules[r] as CompiledRule).def.id))
    }
    vehicle.resumed = byRule
  }

  /** Rule r's lifecycle as storage has it (`stored` undefined: no fault in force or to reopen). */
  private restore (vehicle: VehicleRuleState, r: number, stored: StoredRuleState | undefined): void {
    const { phase, slab } = vehicle
    const active = stored?.active === true
    const open = (phase[r] as number) >= OPENED && phase[r] !== OUT_OF_SCOPE
    // OPENED and FRESH leave nothing to skip: the rule runs at its next sample or batch end
    if (open !== active) phase[r] = active ? OPENED : FRESH
    const base = this.base[r] as number
    slab[base + SLOT_OCCURRENCES] = stored?.occurrences ?? 0
    slab[base + SLOT_LAST_CLEARED] = stored === undefined || active ? 0 : stored.clearedUs
  }

  /** Forgets a vehicle (e.g. deregistered); its open faults stay in storage. */
  forget (vehicleId: number): void {
    this.vehicles.delete(vehicleId)
  }

  private vehicle (vehicleId: number, info: VehicleInfo): VehicleRuleState {
    let vehicle = this.vehicles.get(vehicleId)
    if (vehicle === undefined) {
      const phase = Uint8Array.from(this.rules, (r) => inScope(r.def.scope, info) ? FRESH : OUT_OF_SCOPE)
      vehicle = { signals: new VehicleSignals(this.catalog.size), info, phase, slab: new Float64Array(this.slabSize), resumed: undefined }
      this.vehicles.set(vehicleId, vehicle)
    } else if (vehicle.signals.size < this.readers.catalogSize) {
      // the catalog grew (a manifest added signals) since this vehicle was first seen
      vehicle.signals.grow(this.readers.catalogSize)
    }
    if (vehicle.info.model !== info.model || vehicle.info.firmware !== info.firmware) {
      // a firmware update can bring a vehicle into or out of a rule's scope
      const { phase, slab } = vehicle
      this.rules.forEach((rule, r) => {
        if (!inScope(rule.def.scope, info)) phase[r] = OUT_OF_SCOPE
        else if (phase[r] === OUT_OF_SCOPE) {
          // coming into scope: fresh state, as for a rule it never had, or as storage has it when just resumed
          phase[r] = FRESH
          const from = this.base[r] as number
          slab.fill(0, from, from + RULE_SLOTS)
          const fromSlots = (this.slots[r] as number) + RULE_SLOTS
          slab.fill(0, fromSlots, fromSlots + rule.stateSize - RULE_SLOTS)
          const resumed = vehicle.resumed
          if (resumed !== undefined) this.restore(vehicle, r, resumed.get(rule.def.id))
        }
      })
      vehicle.info = info
    }
    vehicle.resumed = undefined
    return vehicle
  }

  /**
   * The common outcomes, decided before step() (small enough for V8 to
   * inline where step() is not): no fault and `when` false, or an open
   * fault that `when` keeps open. True when decided.
   */
  private settledAtOnce (r: number, p: number, phase: Uint8Array, holds: boolean): boolean {
    if (p < OPENED) {
      if (holds) return false
      phase[r] = IDLE
      return true
    }
    if (!holds || this.clearAt[r] !== -1) return false
    phase[r] = OPEN
    return true
  }

  /** Runs rule r for a vehicle at `now`. */
  private run (vehicleId: number, r: number, phase: Uint8Array, s: Float64Array, v: VehicleSignals, now: number): void {
    this.step(vehicleId, r, phase, s, v, now, this.conditions.holds(this.whenAt[r] as number, v, s, this.slots[r] as number))
  }

  /** Moves rule r's phase for a vehicle at `now`, given `when`; emits a transition when one happens. */
  private step (vehicleId: number, r: number, phase: Uint8Array, s: Float64Array, v: VehicleSignals, now: number, holds: boolean): void {
    const base = this.base[r] as number
    const p = phase[r] as number
    if (p < OPENED) {
      if (!holds) {
        phase[r] = IDLE
        return
      }
      if (p !== PENDING) {
        phase[r] = PENDING
        s[base + SLOT_SINCE] = now
      }
      if (now - (s[base + SLOT_SINCE] as number) < (this.forUs[r] as number)) return
      const occurrences = s[base + SLOT_OCCURRENCES] as number
      const reopen = occurrences > 0 && now - (s[base + SLOT_LAST_CLEARED] as number) <= (this.reopenUs[r] as number)
      s[base + SLOT_OCCURRENCES] = reopen ? occurrences + 1 : 1
      // without a clear condition the fault clears when `when` stops holding, and it holds now
      phase[r] = this.clearAt[r] === -1 ? OPEN : OPENED
      this.emit(reopen ? 'reoccurred' : 'opened', vehicleId, r, s, v, now)
      return
    }
    const clear = this.clearAt[r] as number
    const clearing = clear === -1 ? !holds : this.conditions.holds(clear, v, s, this.slots[r] as number)
    if (!clearing) {
      phase[r] = OPEN
      return
    }
    if (p !== CLEARING) {
      phase[r] = CLEARING
      s[base + SLOT_SINCE] = now
    }
    if (now - (s[base + SLOT_SINCE] as number) < (this.clearForUs[r] as number)) return
    s[base + SLOT_LAST_CLEARED] = now
    // a clear condition says nothing about `when`: it may hold still
    phase[r] = clear === -1 ? IDLE : FRESH
    this.emit('cleared', vehicleId, r, s, v, now)
  }

  private emit (type: FaultEventType, vehicleId: number, r: number, s: Float64Array, v: VehicleSignals, now: number): void {
    const rule = this.rules[r] as CompiledRule
    const def = rule.def
    const event: FaultEvent = {
      type,
      vehicleId,
      ruleId: def.id,
      ruleVersion: def.version,
      severity: def.severity,
      timeUs: now,
      occurrences: s[(this.base[r] as number) + SLOT_OCCURRENCES] as number,
      evidence: v.evidence(rule.signals, this.signalNames[r] as string[], now - this.evidenceWindowUs)
    }
    // assigned, not spread in: spreading took a copy of two throwaway objects per event
    if (def.action !== undefined) event.action = def.action
    if (def.caseId !== undefined) event.caseId = def.caseId
    this.events.push(event)
  }
}
