/**
 * Conditions as data: every rule's conditions, flattened by compile.ts into
 * nodes of one Float64Array, evaluated by one switch. A rule's state is per
 * vehicle (rules/engine.ts); this table is shared by all vehicles and small
 * (~60 KB at 500 rules), so it stays in cache while vehicles' state comes
 * and goes. (Closures per condition, the layout before, cost a closure, its
 * context and a boxed threshold per evaluation, each a pointer away, and a
 * call the caller could not inline: bench/micro/rules.ts.)
 *
 * A node is four integers [op, a, b, c] and two numbers [x, y]; its parts
 * follow it, and its span counts the node and its parts. (Integers from an
 * Int32Array, as the switch and the signal indexes want them: read from a
 * Float64Array they were doubles to convert on every use.) Per op:
 *
 *   COMPARE     a signal, b comparison, x value
 *   RANGE_IN    a signal, x min, y max (RANGE_OUT likewise)
 *   DIFFERENCE  a signal, b comparison, c the signal subtracted, x value
 *   RATE        a signal, b comparison, x value per second
 *   STALE       a signal, x µs without a sample
 *   CALL        a index of a predicate (DTC, geofence: rare, and no hot path)
 *   COUNT       a first of its slots at the rule's base, b atLeast, x window µs; one part
 *   ALL, ANY    its parts
 *   NOT         a start of the signals it checks in `reads`, b how many; one part
 *
 * The ops up to STALE are leaves over signal values and the clock: leaf()
 * is small enough for the engine's per-sample loop to take inline.
 */
import type { VehicleSignals } from './vehicle-signals.js'

/** one rule's nodes, as compile.ts appends them */
export interface ConditionNode { op: number, a: number, b: number, c: number, x: number, y: number, span: number }

export const COMPARE = 0
export const RANGE_IN = 1
export const RANGE_OUT = 2
export const DIFFERENCE = 3
export const RATE = 4
export const STALE = 5
/** the last leaf op */
export const LEAF = STALE
export const CALL = 6
export const COUNT = 7
export const ALL = 8
export const ANY = 9
export const NOT = 10

/** A condition the table does not spell out: reads the vehicle's signals, keeps no state. */
export type SignalPredicate = (v: VehicleSignals) => boolean

/** One rule's conditions as compile.ts leaves them, with CALL and NOT indexes local to the rule. */
export interface ConditionCode {
  readonly nodes: readonly ConditionNode[]
  readonly calls: readonly SignalPredicate[]
  readonly reads: readonly number[]
}

const US = 1e6

/** Comparisons by number, in the order compile.ts numbers them: > >= < <= == != */
export function compare (op: number, x: number, threshold: number): boolean {
  switch (op) {
    case 0: return x > threshold
    case 1: return x >= threshold
    case 2: return x < threshold
    case 3: return x <= threshold
    case 4: return x === threshold
    default: return x !== threshold
  }
}

/**
 * A count window's step: its part is `now` at `clockUs`; true when the part
 * became true at least `atLeast` times within the last `windowUs`. Its slots
 * from `at` in `s`: the part's previous value, the ring head, then the
 * atLeast latest edge times.
 */
export function countEdges (s: Float64Array, at: number, atLeast: number, now: boolean, clockUs: number, windowUs: number): boolean {
  const head = at + 1
  const ring = at + 2
  if (now && s[at] === 0) {
    const h = s[head] as number
    s[ring + h] = clockUs
    s[head] = (h + 1) % atLeast
  }
  s[at] = now ? 1 : 0
  // the slot the head points at is the oldest of the last atLeast edges (0 while fewer)
  const oldest = s[ring + (s[head] as number)] as number
  return oldest > 0 && clockUs - oldest <= windowUs
}

export class ConditionTable {
  /** per node at 4n: op, a, b, c */
  private ints = new Int32Array(0)
  /** per node at 2n: x, y */
  private nums = new Float64Array(0)
  private spans = new Int32Array(0)
  private calls: SignalPredicate[] = []
  private reads = new Int32Array(0)

  /** Packs `codes` in order; returns the node each starts at. */
  load (codes: readonly ConditionCode[]): number[] {
    const nodes: ConditionNode[] = []
    const calls: SignalPredicate[] = []
    const reads: number[] = []
    const starts = codes.map((c) => {
      const start = nodes.length
      for (const n of c.nodes) {
        const a = n.op === CALL ? n.a + calls.length : n.op === NOT ? n.a + reads.length : n.a
        nodes.push({ ...n, a })
      }
      calls.push(...c.calls)
      reads.push(...c.reads)
      return start
    })
    this.ints = Int32Array.from(nodes.flatMap((n) => [n.op, n.a, n.b, n.c]))
    this.nums = Float64Array.from(nodes.flatMap((n) => [n.x, n.y]))
    this.spans = Int32Array.from(nodes, (n) => n.span)
    this.calls = calls
    this.reads = Int32Array.from(reads)
    return starts
  }

  /** Node n's op: leaves (op <= LEAF) go to leaf(), the others to holds(). */
  op (n: number): number {
    return this.ints[4 * n] as number
  }

  /** Leaf node n, whose op is `op`, over vehicle `v`. */
  leaf (n: number, op: number, v: VehicleSignals): boolean {
    const ints = this.ints
    const a = ints[4 * n + 1] as number
    const x = this.nums[2 * n] as number
    switch (op) {
      case COMPARE:
        // NaN (no sample yet) compares false, so an unseen signal never fires a threshold
        return compare(ints[4 * n + 2] as number, v.latest[a] as number, x)
      case RANGE_IN: {
        const value = v.latest[a] as number
        return value >= x && value <= (this.nums[2 * n + 1] as number)
      }
      case RANGE_OUT: {
        const value = v.latest[a] as number
        return value < x || value > (this.nums[2 * n + 1] as number)
      }
      case DIFFERENCE:
        return compare(ints[4 * n + 2] as number, (v.latest[a] as number) - (v.latest[ints[4 * n + 3] as number] as number), x)
      case RATE: {
        const dt = (v.time[a] as number) - (v.previousTime[a] as number)
        return dt > 0 && compare(ints[4 * n + 2] as number, ((v.latest[a] as number) - (v.previous[a] as number)) / (dt / US), x)
      }
      default:
        // STALE
        return v.clockUs - (v.time[a] as number) > x
    }
  }

  /**
   * Node `n` over vehicle `v`, with the rule's state slots from `base` in `s`.
   * Leaves, and all / any of leaves (most rules), without a recursive call:
   * this stays small enough for V8 to inline leaf() into it.
   */
  holds (n: number, v: VehicleSignals, s: Float64Array, base: number): boolean {
    const ints = this.ints
    const op = ints[4 * n] as number
    if (op <= LEAF) return this.leaf(n, op, v)
    if (op !== ALL && op !== ANY) return this.inner(n, op, v, s, base)
    const end = n + (this.spans[n] as number)
    let hit = op === ALL
    for (let part = n + 1; part < end; part += this.spans[part] as number) {
      const partOp = ints[4 * part] as number
      const holds = partOp <= LEAF ? this.leaf(part, partOp, v) : this.inner(part, partOp, v, s, base)
      if (op === ALL) {
        if (!holds) return false
      } else {
        // every part runs, so each count window sees every evaluation
        hit = holds || hit
      }
    }
    return hit
  }

  /** The other nodes: their parts through holds(). */
  private inner (n: number, op: number, v: VehicleSignals, s: Float64Array, base: number): boolean {
    const ints = this.ints
    const a = ints[4 * n + 1] as number
    const b = ints[4 * n + 2] as number
    switch (op) {
      case CALL:
        return (this.calls[a] as SignalPredicate)(v)
      case COUNT:
        return countEdges(s, base + a, b, this.holds(n + 1, v, s, base), v.clockUs, this.nums[2 * n] as number)
      case ALL: case ANY:
        return this.holds(n, v, s, base)
      default: {
        // NOT: while a signal the part reads has never been seen, `not` is false too
        const end = a + b
        for (let i = a; i < end; i++) if (Number.isNaN(v.latest[this.reads[i] as number])) return false
        return !this.holds(n + 1, v, s, base)
      }
    }
  }
}
