/**
 * RuleDefinitions -> closures over a vehicle's signal state. A condition
 * becomes a predicate reading typed arrays by catalog id; stateful pieces
 * (count windows) get slots in the rule's per-vehicle Float64Array, assigned
 * here, so a vehicle's state for a rule is one small array of plain numbers.
 */
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { DTC_STATUS_FLAGS } from '../decoders/dtc/dtc-status.js'
import { parseUdsDtcText } from '../decoders/dtc/j2012.js'
import type { CompareOp, Condition, RuleDefinition } from './model.js'
import type { VehicleSignals } from './vehicle-signals.js'
import { PitwallError } from '../runtime/errors.js'

/** State slots every rule has, before its conditions' own. */
export const SLOT_ACTIVE = 0
export const SLOT_SINCE = 1
export const SLOT_OPEN = 2
export const SLOT_CLEARING = 3
export const SLOT_CLEAR_SINCE = 4
export const SLOT_OCCURRENCES = 5
export const SLOT_LAST_CLEARED = 6
export const RULE_SLOTS = 7

export type Predicate = (v: VehicleSignals, state: Float64Array) => boolean

export interface CompiledRule {
  readonly def: RuleDefinition
  /** id + version: equal keys keep their per-vehicle state across reloads */
  readonly key: string
  /** catalog ids the rule reads: it runs when one of them gets a sample */
  readonly signals: readonly number[]
  readonly usesDtc: boolean
  /** has a time-based part (for, stale, clear window) that can change with no new sample */
  readonly timed: boolean
  readonly when: Predicate
  readonly clear: Predicate | undefined
  readonly stateSize: number
}

/** The signals rules can name: Pitwall's catalog, or a synthetic one in benchmarks. */
export interface RuleCatalog {
  /** one more than the largest id */
  readonly size: number
  id (name: string): number | undefined
  name (id: number): string
}

/** The built-in catalog: a SignalCatalog is a RuleCatalog (the gateway passes its own, grown by manifests). */
export const DEFAULT_CATALOG: RuleCatalog = new SignalCatalog()

const EARTH_RADIUS_M = 6_371_000
const US = 1e6

const OPS: readonly CompareOp[] = ['>', '>=', '<', '<=', '==', '!=']

/**
 * One plain function for every comparison, the operator as a small integer:
 * V8 inlines it into each predicate. (A closure per operator, called from the
 * predicates, made that call site megamorphic: no inlining, and every value
 * boxed into a heap number on the way in. Measured in bench/micro/rules.ts.)
 */
function compare (op: number, x: number, threshold: number): boolean {
  switch (op) {
    case 0: return x > threshold
    case 1: return x >= threshold
    case 2: return x < threshold
    case 3: return x <= threshold
    case 4: return x === threshold
    default: return x !== threshold
  }
}

export function compileRule (def: RuleDefinition, catalog: RuleCatalog = DEFAULT_CATALOG): CompiledRule {
  const catalogId = (name: string): number => {
    const id = catalog.id(name)
    if (id === undefined) throw new PitwallError('PITWALL_ERR_SIGNAL_UNKNOWN', `rule ${def.id}: ${name} is not in the signal catalog`)
    return id
  }
  const LATITUDE = catalogId('Vehicle.CurrentLocation.Latitude')
  const LONGITUDE = catalogId('Vehicle.CurrentLocation.Longitude')
  const signals = new Set<number>()
  let usesDtc = false
  let timed = def.forS > 0 || def.clearForS > 0
  let nextSlot = RULE_SLOTS

  const build = (c: Condition): Predicate => {
    switch (c.kind) {
      case 'compare': {
        const id = catalogId(c.signal)
        signals.add(id)
        const op = OPS.indexOf(c.op)
        const { value } = c
        // NaN (no sample yet) compares false, so an unseen signal never fires a threshold
        return (v) => compare(op, v.latest[id] as number, value)
      }
      case 'range': {
        const id = catalogId(c.signal)
        signals.add(id)
        const { min, max } = c
        return c.outside
          ? (v) => { const x = v.latest[id] as number; return x < min || x > max }
          : (v) => { const x = v.latest[id] as number; return x >= min && x <= max }
      }
      case 'difference': {
        const a = catalogId(c.signal)
        const b = catalogId(c.minus)
        signals.add(a)
        signals.add(b)
        const op = OPS.indexOf(c.op)
        const { value } = c
        return (v) => compare(op, (v.latest[a] as number) - (v.latest[b] as number), value)
      }
      case 'rate': {
        const id = catalogId(c.signal)
        signals.add(id)
        const op = OPS.indexOf(c.op)
        const { value } = c
        return (v) => {
          const dt = (v.time[id] as number) - (v.previousTime[id] as number)
          return dt > 0 && compare(op, ((v.latest[id] as number) - (v.previous[id] as number)) / (dt / US), value)
        }
      }
      case 'stale': {
        const id = catalogId(c.signal)
        signals.add(id)
        timed = true
        const afterUs = c.afterS * US
        return (v) => v.clockUs - (v.time[id] as number) > afterUs
      }
      case 'dtc': {
        usesDtc = true
        const dash = c.code.includes('-')
        const code = parseUdsDtcText(c.code)
        // without a failure type the rule matches the J2012 code whatever the failure type
        const key = dash ? code : code >>> 8
        const mask = c.status.reduce((m, flag) => m | (1 << DTC_STATUS_FLAGS.indexOf(flag as (typeof DTC_STATUS_FLAGS)[number])), 0)
        return (v) => v.hasDtc(key, dash, mask)
      }
      case 'geofence': {
        signals.add(LATITUDE)
        signals.add(LONGITUDE)
        const lat0 = c.lat * Math.PI / 180
        const lon0 = c.lon * Math.PI / 180
        const cosLat0 = Math.cos(lat0)
        const { radiusM, outside } = c
        return (v) => {
          const lat = (v.latest[LATITUDE] as number) * Math.PI / 180
          const lon = (v.latest[LONGITUDE] as number) * Math.PI / 180
          if (Number.isNaN(lat) || Number.isNaN(lon)) return false
          // haversine
          const a = Math.sin((lat - lat0) / 2) ** 2 + cosLat0 * Math.cos(lat) * Math.sin((lon - lon0) / 2) ** 2
          const inside = 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a))) <= radiusM
          return inside !== outside
        }
      }
      case 'count': {
        const inner = build(c.of)
        timed = true
        // slots: previous inner value, ring head, then atLeast edge times
        const prevSlot = nextSlot
        const headSlot = nextSlot + 1
        const ring = nextSlot + 2
        const n = c.atLeast
        nextSlot += 2 + n
        const withinUs = c.withinS * US
        return (v, s) => {
          const now = inner(v, s)
          if (now && s[prevSlot] === 0) {
            const head = s[headSlot] as number
            s[ring + head] = v.clockUs
            s[headSlot] = (head + 1) % n
          }
          s[prevSlot] = now ? 1 : 0
          // the slot the head points at is the oldest of the last n edges (0 while fewer than n)
          const oldest = s[ring + (s[headSlot] as number)] as number
          return oldest > 0 && v.clockUs - oldest <= withinUs
        }
      }
      case 'all': {
        const parts = c.of.map(build)
        // loops, not every/reduce: their callback was a new closure per evaluation
        return (v, s) => {
          for (let i = 0; i < parts.length; i++) if (!(parts[i] as Predicate)(v, s)) return false
          return true
        }
      }
      case 'any': {
        const parts = c.of.map(build)
        // every part runs, so each count window sees every evaluation
        return (v, s) => {
          let hit = false
          for (let i = 0; i < parts.length; i++) hit = (parts[i] as Predicate)(v, s) || hit
          return hit
        }
      }
      case 'not': {
        // Signals the inner condition reads: while one has never been seen,
        // `not` is false too. Otherwise "not (speed > 0)" would hold for a
        // vehicle that has no speed signal at all and open a fault at once.
        const inner = build(c.of)
        const reads = signalsOf(c.of).map(catalogId)
        return (v, s) => {
          for (let i = 0; i < reads.length; i++) if (Number.isNaN(v.latest[reads[i] as number])) return false
          return !inner(v, s)
        }
      }
    }
  }

  const when = build(def.when)
  const clear = def.clear === undefined ? undefined : build(def.clear)
  return { def, key: `${def.id}@${def.version}`, signals: [...signals], usesDtc, timed, when, clear, stateSize: nextSlot }
}

/** Names of the signals a condition reads (position counts as both coordinates). */
function signalsOf (c: Condition): string[] {
  switch (c.kind) {
    case 'compare': case 'range': case 'rate': case 'stale': return [c.signal]
    case 'difference': return [c.signal, c.minus]
    case 'geofence': return ['Vehicle.CurrentLocation.Latitude', 'Vehicle.CurrentLocation.Longitude']
    case 'dtc': return []
    case 'count': case 'not': return signalsOf(c.of)
    case 'all': case 'any': return c.of.flatMap(signalsOf)
  }
}
