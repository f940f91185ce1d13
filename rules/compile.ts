/**
 * RuleDefinitions -> condition code (./condition-table.ts) over a vehicle's
 * signal state: a condition becomes nodes naming catalog ids, thresholds and
 * comparison numbers; stateful pieces (count windows) get slots in the rule's
 * span of the vehicle's rule-state slab, numbered here from the rule's base,
 * so all of a vehicle's rule state is one array of plain numbers
 * (rules/engine.ts lays it out).
 */
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { DTC_STATUS_FLAGS } from '../decoders/dtc/dtc-status.js'
import { parseUdsDtcText } from '../decoders/dtc/j2012.js'
import {
  ALL, ANY, CALL, type ConditionCode, type ConditionNode, COMPARE, COUNT, DIFFERENCE, NOT, RANGE_IN, RANGE_OUT, RATE, type SignalPredicate, STALE
} from './condition-table.js'
import type { CompareOp, Condition, RuleDefinition } from './model.js'
import { PitwallError } from '../runtime/errors.js'

// Slots every rule has at its base, before its conditions' own.
/** when `when` (or, while the fault is open, the clear condition) started holding */
export const SLOT_SINCE = 0
export const SLOT_OCCURRENCES = 1
export const SLOT_LAST_CLEARED = 2
export const RULE_SLOTS = 3

export interface CompiledRule {
  readonly def: RuleDefinition
  /** id + version: equal keys keep their per-vehicle state across reloads */
  readonly key: string
  /** catalog ids the rule reads: it runs when one of them gets a sample */
  readonly signals: readonly number[]
  readonly usesDtc: boolean
  /** has a time-based part (for, stale, clear window) that can change with no new sample */
  readonly timed: boolean
  /**
   * its conditions read the vehicle's clock (stale, count): their value can
   * change with no sample of the rule's signals. Without that, a condition's
   * value changes only when the rule is run anyway (a sample of its signals,
   * a DTC report for DTC rules).
   */
  readonly clocked: boolean
  /** `when` from node 0, then the clear condition, if any, from node `clearAt` */
  readonly conditions: ConditionCode
  readonly clearAt: number | undefined
  /** slots at the rule's base: RULE_SLOTS, then its conditions' */
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

/** comparison numbers, as condition-table.ts's compare() reads them */
const OPS: readonly CompareOp[] = ['>', '>=', '<', '<=', '==', '!=']

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
  let clocked = false
  let nextSlot = RULE_SLOTS
  const nodes: ConditionNode[] = []
  const calls: SignalPredicate[] = []
  const reads: number[] = []

  /** Appends a node; returns it, for nodes whose parts follow (their span is known after them). */
  const node = (op: number, a = 0, b = 0, c = 0, x = 0, y = 0): ConditionNode => {
    const n = { op, a, b, c, x, y, span: 1 }
    nodes.push(n)
    return n
  }
  const call = (p: SignalPredicate): void => { node(CALL, calls.length); calls.push(p) }

  const build = (c: Condition): void => {
    switch (c.kind) {
      case 'compare': {
        const id = catalogId(c.signal)
        signals.add(id)
        node(COMPARE, id, OPS.indexOf(c.op), 0, c.value)
        return
      }
      case 'range': {
        const id = catalogId(c.signal)
        signals.add(id)
        node(c.outside ? RANGE_OUT : RANGE_IN, id, 0, 0, c.min, c.max)
        return
      }
      case 'difference': {
        const a = catalogId(c.signal)
        const b = catalogId(c.minus)
        signals.add(a)
        signals.add(b)
        node(DIFFERENCE, a, OPS.indexOf(c.op), b, c.value)
        return
      }
      case 'rate': {
        const id = catalogId(c.signal)
        signals.add(id)
        node(RATE, id, OPS.indexOf(c.op), 0, c.value)
        return
      }
      case 'stale': {
        const id = catalogId(c.signal)
        signals.add(id)
        timed = true
        clocked = true
        node(STALE, id, 0, 0, c.afterS * US)
        return
      }
      case 'dtc': {
        usesDtc = true
        const dash = c.code.includes('-')
        const dtc = parseUdsDtcText(c.code)
        // without a failure type the rule matches the J2012 code whatever the failure type
        const key = dash ? dtc : dtc >>> 8
        const mask = c.status.reduce((m, flag) => m | (1 << DTC_STATUS_FLAGS.indexOf(flag as (typeof DTC_STATUS_FLAGS)[number])), 0)
        call((v) => v.hasDtc(key, dash, mask))
        return
      }
      case 'geofence': {
        signals.add(LATITUDE)
        signals.add(LONGITUDE)
        const lat0 = c.lat * Math.PI / 180
        const lon0 = c.lon * Math.PI / 180
        const cosLat0 = Math.cos(lat0)
        const { radiusM, outside } = c
        call((v) => {
          const lat = (v.latest[LATITUDE] as number) * Math.PI / 180
          const lon = (v.latest[LONGITUDE] as number) * Math.PI / 180
          if (Number.isNaN(lat) || Number.isNaN(lon)) return false
          // haversine
          const a = Math.sin((lat - lat0) / 2) ** 2 + cosLat0 * Math.cos(lat) * Math.sin((lon - lon0) / 2) ** 2
          const inside = 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a))) <= radiusM
          return inside !== outside
        })
        return
      }
      case 'count': {
        timed = true
        clocked = true
        const n = node(COUNT, 0, c.atLeast, 0, c.withinS * US)
        const from = nodes.length
        build(c.of)
        // slots: previous value of the part, ring head, then atLeast edge times (the part's own first)
        n.a = nextSlot
        nextSlot += 2 + c.atLeast
        n.span = 1 + nodes.length - from
        return
      }
      case 'all': case 'any': {
        const n = node(c.kind === 'all' ? ALL : ANY)
        const from = nodes.length
        for (const part of c.of) build(part)
        n.span = 1 + nodes.length - from
        return
      }
      case 'not': {
        // Signals the part reads: while one has never been seen, `not` is
        // false too. Otherwise "not (speed > 0)" would hold for a vehicle
        // that has no speed signal at all and open a fault at once.
        const n = node(NOT)
        const from = nodes.length
        build(c.of)
        const ids = signalsOf(c.of).map(catalogId)
        n.a = reads.length
        n.b = ids.length
        reads.push(...ids)
        n.span = 1 + nodes.length - from
      }
    }
  }

  build(def.when)
  const clearAt = def.clear === undefined ? undefined : nodes.length
  if (def.clear !== undefined) build(def.clear)
  return {
    def,
    key: `${def.id}@${def.version}`,
    signals: [...signals],
    usesDtc,
    timed,
    clocked,
    conditions: { nodes, calls, reads },
    clearAt,
    stateSize: nextSlot
  }
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
