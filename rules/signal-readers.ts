/**
 * The rules a sample of each catalog signal runs, with each rule's `when`
 * pre-decoded for the per-sample loop in rules/engine.ts: a kind that names
 * the node's op and comparison together, and its signals and numbers beside
 * the rule index, so the common shapes are one switch and a compare over
 * arrays read in order. Through the condition table they were two switches
 * (node op, then comparison) and a chain of loads (rule -> node -> signal);
 * at ~1 reader per sample in bench/micro/rules.ts that cost ~18 ns a pair,
 * mostly branches the predictor could not learn. Shapes not named here keep
 * the table's path (GENERAL).
 *
 * Readers of a signal stay in rule order: the fault events a sample raises
 * come out in that order.
 */
import type { CompiledRule } from './compile.js'
import { ALL, ANY, COMPARE, COUNT, DIFFERENCE, RANGE_IN, RANGE_OUT, RATE, STALE } from './condition-table.js'

/** `when` through ConditionTable */
export const GENERAL = 0
/** the sample's own value against x (the compare is on the sampled signal) */
export const ABOVE = 1
export const AT_LEAST = 2
export const BELOW = 3
export const AT_MOST = 4
/** the sample's own value inside [x, y] */
export const INSIDE = 5
export const OUTSIDE = 6
/** latest[a] - latest[c] against x */
export const DIFFERENCE_ABOVE = 7
export const DIFFERENCE_AT_LEAST = 8
/** the sampled signal's rate of change against x */
export const RATE_ABOVE = 9
export const RATE_AT_LEAST = 10
export const RATE_BELOW = 11
/** signal a without a sample for more than x µs */
export const STALE_FOR = 12
/** all(...) whose first part is latest[a] > x: false without running the rest when that part is */
export const ALL_FROM_ABOVE = 13
/** any(latest[a] > x, latest[c] outside [y, z]): both parts are leaves, so no part keeps state to update */
export const ABOVE_OR_OUTSIDE = 14
/** count(latest[a] > x, b times within y µs), its slots from c past the rule's condition slots */
export const COUNT_ABOVE = 15

// comparison numbers as compile.ts gives them: > >= < <=
const SAMPLE_KINDS = [ABOVE, AT_LEAST, BELOW, AT_MOST]
const DIFFERENCE_KINDS = [DIFFERENCE_ABOVE, DIFFERENCE_AT_LEAST]
const RATE_KINDS = [RATE_ABOVE, RATE_AT_LEAST, RATE_BELOW]

/**
 * Rules' `when`, decoded entry by entry; an entry is a rule run for a reason:
 * a sample of catalog id `id`, or the end of a batch (id -1, so no kind that
 * reads the sample's own value).
 */
export class DecodedWhens {
  readonly kind: Uint8Array
  readonly a: Int32Array
  readonly b: Int32Array
  readonly c: Int32Array
  readonly x: Float64Array
  readonly y: Float64Array
  readonly z: Float64Array

  constructor (entries: ReadonlyArray<readonly [id: number, rule: CompiledRule]>) {
    const count = entries.length
    this.kind = new Uint8Array(count)
    this.a = new Int32Array(count)
    this.b = new Int32Array(count)
    this.c = new Int32Array(count)
    this.x = new Float64Array(count)
    this.y = new Float64Array(count)
    this.z = new Float64Array(count)
    entries.forEach(([id, rule], k) => this.decode(k, id, rule))
  }

  /** Entry k, `rule` run for `id`: its kind and operands, GENERAL when none fits. */
  private decode (k: number, id: number, rule: CompiledRule): void {
    const nodes = rule.conditions.nodes
    const when = nodes[0]
    if (when === undefined) return
    const own = when.a === id
    let kind = GENERAL
    switch (when.op) {
      case COMPARE: kind = own ? SAMPLE_KINDS[when.b] ?? GENERAL : GENERAL; break
      case RANGE_IN: kind = own ? INSIDE : GENERAL; break
      case RANGE_OUT: kind = own ? OUTSIDE : GENERAL; break
      case DIFFERENCE: kind = DIFFERENCE_KINDS[when.b] ?? GENERAL; break
      case RATE: kind = own ? RATE_KINDS[when.b] ?? GENERAL : GENERAL; break
      case STALE: kind = STALE_FOR; break
      case ALL: {
        const first = nodes[1]
        if (when.span > 1 && first !== undefined && first.op === COMPARE && first.b === 0) {
          this.kind[k] = ALL_FROM_ABOVE
          this.a[k] = first.a
          this.x[k] = first.x
        }
        return
      }
      case COUNT: {
        const part = nodes[1]
        if (when.span === 2 && part !== undefined && part.op === COMPARE && part.b === 0) {
          this.kind[k] = COUNT_ABOVE
          this.a[k] = part.a
          this.x[k] = part.x
          this.b[k] = when.b
          this.c[k] = when.a
          this.y[k] = when.x
        }
        return
      }
      case ANY: {
        const [, first, second] = nodes
        if (when.span === 3 && first !== undefined && first.op === COMPARE && first.b === 0 && second !== undefined && second.op === RANGE_OUT) {
          this.kind[k] = ABOVE_OR_OUTSIDE
          this.a[k] = first.a
          this.x[k] = first.x
          this.c[k] = second.a
          this.y[k] = second.x
          this.z[k] = second.y
        }
        return
      }
    }
    this.kind[k] = kind
    this.a[k] = when.a
    this.c[k] = when.c
    this.x[k] = when.x
    this.y[k] = when.y
  }
}

export class SignalReaders extends DecodedWhens {
  /** the readers of catalog id `id` are entries start[id] .. start[id + 1] */
  readonly start: Int32Array
  readonly rule: Int32Array
  /** the catalog's size when the rules were loaded: samples of later ids have no readers */
  readonly catalogSize: number

  constructor (rules: readonly CompiledRule[], catalogSize: number) {
    const bySignal: number[][] = Array.from({ length: catalogSize }, () => [])
    rules.forEach((rule, r) => {
      for (const id of rule.signals) bySignal[id]?.push(r)
    })
    super(bySignal.flatMap((rs, id) => rs.map((r) => [id, rules[r] as CompiledRule] as const)))
    this.catalogSize = catalogSize
    this.start = new Int32Array(catalogSize + 1)
    bySignal.forEach((rs, id) => { this.start[id + 1] = (this.start[id] as number) + rs.length })
    this.rule = Int32Array.from(bySignal.flat())
  }
}
