/**
 * What the rules know about one vehicle: the latest and previous value and
 * time of every catalog signal, the DTCs it reports, its clock (the newest
 * sample time seen), and a short history of the signals rules read, for
 * freeze frames.
 *
 * Measured in bench/micro/rules.ts, ~1,000 vehicles whose state is cold
 * between two of a vehicle's batches:
 * - the four numbers per signal stay four arrays: interleaved in one (32
 *   bytes per signal) the per-sample updates ran 2-3x slower, as a vehicle's
 *   signals arrive in catalog order within each tick and four dense streams
 *   prefetch better than one strided;
 * - the history is one slab per vehicle, slot-major: slot k of every
 *   signal's ring side by side. Signals sent at the same rate advance their
 *   rings together, so a batch writes a few dense rows instead of a cache
 *   line (and often a page) per signal somewhere in ~300 KB of rings: ring
 *   after ring, history took about a third of the engine's time at 500 rules.
 *   After the batch that first brings a signal, its column moves next to
 *   those of signals as frequent in that batch, so the rows a batch writes
 *   stay dense when rates differ.
 */
import type { EvidenceSample } from './model.js'

/** Samples kept per signal for evidence; at 100 Hz that is 0.64 s, at 1 Hz a minute. */
const HISTORY = 64
const HEAD = HISTORY - 1
const FULL = 64
const COLUMN_SHIFT = 7

export class VehicleSignals {
  latest: Float64Array
  time: Float64Array
  previous: Float64Array
  previousTime: Float64Array
  clockUs = 0
  /** 3-byte UDS DTC -> status byte, for DTCs currently reported with a status */
  readonly dtcs = new Map<number, number>()
  /**
   * per catalog id, its ring in one number (one load per sample, not three):
   * 0 while it has none, else (column + 1) << COLUMN_SHIFT | FULL once it
   * wrapped | the slot it writes next. It holds HISTORY samples when full,
   * else as many as that slot says.
   */
  private ring: Int32Array
  /** HISTORY rows of `capacity` columns, a (time, value) pair each */
  private history = new Float64Array(0)
  private columns = 0
  private capacity = 0
  /** catalog id per column; columns from `settled` on came in the current batch */
  private idOf = new Int32Array(0)
  private settled = 0

  constructor (catalogSize: number) {
    this.latest = new Float64Array(catalogSize).fill(NaN)
    this.time = new Float64Array(catalogSize).fill(-Infinity)
    this.previous = new Float64Array(catalogSize).fill(NaN)
    this.previousTime = new Float64Array(catalogSize).fill(-Infinity)
    this.ring = new Int32Array(catalogSize)
  }

  get size (): number {
    return this.latest.length
  }

  /** Makes room for catalog ids below `size` (new ones: no value yet). */
  grow (size: number): void {
    if (size <= this.latest.length) return
    this.latest = widen(this.latest, size, NaN)
    this.time = widen(this.time, size, -Infinity)
    this.previous = widen(this.previous, size, NaN)
    this.previousTime = widen(this.previousTime, size, -Infinity)
    this.ring = widen(this.ring, size, 0)
  }

  update (id: number, t: number, value: number): void {
    this.previous[id] = this.latest[id] as number
    this.previousTime[id] = this.time[id] as number
    this.latest[id] = value
    this.time[id] = t
    if (t > this.clockUs) this.clockUs = t
  }

  /** Keeps a sample of a signal rules read (their freeze frames), after update(). */
  record (id: number, t: number, value: number): void {
    let ring = this.ring[id] as number
    if (ring === 0) ring = this.addColumn(id)
    const head = ring & HEAD
    const at = 2 * (head * this.capacity + (ring >> COLUMN_SHIFT) - 1)
    this.history[at] = t
    this.history[at + 1] = value
    this.ring[id] = head === HEAD ? (ring & ~HEAD) | FULL : ring + 1
  }

  /** Ends a batch: columns it added join those of signals with as many samples (see the top). */
  settle (): void {
    if (this.settled === this.columns) return
    const from = this.settled
    const added = this.columns - from
    const count = (column: number): number => {
      const ring = this.ring[this.idOf[column] as number] as number
      return (ring & FULL) !== 0 ? HISTORY : ring & HEAD
    }
    // every column up to here is placed; the new ones go after them, most samples first, each stable
    const order = Array.from({ length: added }, (_, k) => from + k).sort((a, b) => count(b) - count(a) || a - b)
    // a copy of the new columns only: copying the whole slab (~300 KB at a few hundred read signals) was most of the
    // bytes a batch that brings a signal allocated
    const moved = new Float64Array(2 * HISTORY * added)
    for (let row = 0; row < HISTORY; row++) {
      const at = 2 * (row * this.capacity + from)
      moved.set(this.history.subarray(at, at + 2 * added), 2 * row * added)
    }
    const ids = this.idOf.slice(from, this.columns)
    order.forEach((old, k) => {
      const column = from + k
      if (column === old) return
      for (let row = 0; row < HISTORY; row++) {
        const to = 2 * (row * this.capacity + column)
        const at = 2 * (row * added + old - from)
        this.history[to] = moved[at] as number
        this.history[to + 1] = moved[at + 1] as number
      }
      const id = ids[old - from] as number
      this.idOf[column] = id
      this.ring[id] = ((column + 1) << COLUMN_SHIFT) | ((this.ring[id] as number) & (FULL | HEAD))
    })
    this.settled = this.columns
  }

  /** ISO 14229-1: status 0 means the DTC is no longer reported. */
  updateDtc (dtc: number, status: number, t: number): void {
    if (status === 0) this.dtcs.delete(dtc)
    else this.dtcs.set(dtc, status)
    if (t > this.clockUs) this.clockUs = t
  }

  /**
   * A reported DTC matching `key` (the whole 3-byte DTC when `exact`, else
   * its J2012 part, the high two bytes) whose status has every bit of `mask`;
   * with an empty mask, any status showing a fault (testFailed, pending or
   * confirmed).
   */
  hasDtc (key: number, exact: boolean, mask: number): boolean {
    for (const [dtc, status] of this.dtcs) {
      if ((exact ? dtc : dtc >>> 8) !== key) continue
      if (mask === 0 ? (status & 0x0d) !== 0 : (status & mask) === mask) return true
    }
    return false
  }

  /** Samples of `ids` from `sinceUs` on, oldest first: the freeze frame. */
  evidence (ids: readonly number[], names: readonly string[], sinceUs: number): EvidenceSample[] {
    const out: EvidenceSample[] = []
    ids.forEach((id, k) => {
      const ring = this.ring[id] ?? 0
      if (ring === 0) return
      const column = (ring >> COLUMN_SHIFT) - 1
      const head = ring & HEAD
      const size = (ring & FULL) !== 0 ? HISTORY : head
      for (let i = 0; i < size; i++) {
        const at = 2 * (((head - size + i + HISTORY) % HISTORY) * this.capacity + column)
        const t = this.history[at] as number
        if (t >= sinceUs) out.push({ signal: names[k] as string, t, value: this.history[at + 1] as number })
      }
    })
    return out.sort((a, b) => a.t - b.t)
  }

  /** A history column for `id`, returned as its `ring`; widens every row when they are full. */
  private addColumn (id: number): number {
    if (this.columns === this.capacity) {
      // a quarter more each time: a vehicle reports a few hundred read signals, most in its first batch
      const capacity = Math.max(16, Math.ceil(this.capacity * 1.25))
      const history = new Float64Array(2 * HISTORY * capacity)
      for (let row = 0; row < HISTORY; row++) history.set(this.history.subarray(2 * row * this.capacity, 2 * (row + 1) * this.capacity), 2 * row * capacity)
      this.history = history
      this.capacity = capacity
      const idOf = new Int32Array(capacity)
      idOf.set(this.idOf)
      this.idOf = idOf
    }
    this.idOf[this.columns] = id
    const ring = ++this.columns << COLUMN_SHIFT
    this.ring[id] = ring
    return ring
  }
}

/** `from` with room for `size` entries, the new ones `fill` */
function widen<T extends Float64Array | Int32Array | Uint8Array> (from: T, size: number, fill: number): T {
  const to = new (from.constructor as new (size: number) => T)(size)
  to.fill(fill)
  to.set(from)
  return to
}
