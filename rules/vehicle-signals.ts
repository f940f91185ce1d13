/**
 * What the rules know about one vehicle: the latest and previous value and
 * time of every catalog signal (typed arrays indexed by catalog id), the DTCs
 * it reports, its clock (the newest sample time seen), and a short history of
 * the signals rules read, for freeze frames.
 */
import type { EvidenceSample } from './model.js'

/** Samples kept per signal for evidence; at 100 Hz that is 0.64 s, at 1 Hz a minute. */
const HISTORY = 64

class SignalHistory {
  readonly t = new Float64Array(HISTORY)
  readonly v = new Float64Array(HISTORY)
  head = 0
  size = 0

  push (t: number, v: number): void {
    this.t[this.head] = t
    this.v[this.head] = v
    this.head = (this.head + 1) % HISTORY
    if (this.size < HISTORY) this.size++
  }
}

export class VehicleSignals {
  latest: Float64Array
  time: Float64Array
  previous: Float64Array
  previousTime: Float64Array
  clockUs = 0
  /** 3-byte UDS DTC -> status byte, for DTCs currently reported with a status */
  readonly dtcs = new Map<number, number>()
  private readonly history = new Map<number, SignalHistory>()

  constructor (catalogSize: number) {
    this.latest = new Float64Array(catalogSize).fill(NaN)
    this.time = new Float64Array(catalogSize).fill(-Infinity)
    this.previous = new Float64Array(catalogSize).fill(NaN)
    this.previousTime = new Float64Array(catalogSize).fill(-Infinity)
  }

  get size (): number {
    return this.latest.length
  }

  /** Makes room for catalog ids below `size` (new ones: no value yet). */
  grow (size: number): void {
    if (size <= this.latest.length) return
    const widen = (from: Float64Array, fill: number): Float64Array => {
      const to = new Float64Array(size).fill(fill)
      to.set(from)
      return to
    }
    this.latest = widen(this.latest, NaN)
    this.time = widen(this.time, -Infinity)
    this.previous = widen(this.previous, NaN)
    this.previousTime = widen(this.previousTime, -Infinity)
  }

  update (id: number, t: number, value: number, keepHistory: boolean): void {
    this.previous[id] = this.latest[id] as number
    this.previousTime[id] = this.time[id] as number
    this.latest[id] = value
    this.time[id] = t
    if (t > this.clockUs) this.clockUs = t
    if (keepHistory) {
      let h = this.history.get(id)
      if (h === undefined) {
        h = new SignalHistory()
        this.history.set(id, h)
      }
      h.push(t, value)
    }
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
      const h = this.history.get(id)
      if (h === undefined) return
      for (let i = 0; i < h.size; i++) {
        const at = (h.head - h.size + i + HISTORY) % HISTORY
        const t = h.t[at] as number
        if (t >= sinceUs) out.push({ signal: names[k] as string, t, value: h.v[at] as number })
      }
    })
    return out.sort((a, b) => a.t - b.t)
  }
}
