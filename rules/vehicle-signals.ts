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
 * - every history ring of the vehicle lives in one slab, found through an
 *   index by catalog id, and a batch's samples go into the rings after the
 *   batch, signal by signal in ring order: written as they came, each sample
 *   was a cold cache line somewhere in ~300 KB of rings (about half the
 *   engine's time at 500 rules). A transition in the middle of a batch takes
 *   the batch's samples so far from the batch itself.
 */
import type { SampleBuffer } from '../decoders/sample-buffer.js'
import type { EvidenceSample } from './model.js'

/** Samples kept per signal for evidence; at 100 Hz that is 0.64 s, at 1 Hz a minute. */
const HISTORY = 64
/** a ring: (time, value) pairs */
const RING = 2 * HISTORY

export class VehicleSignals {
  latest: Float64Array
  time: Float64Array
  previous: Float64Array
  previousTime: Float64Array
  clockUs = 0
  /** 3-byte UDS DTC -> status byte, for DTCs currently reported with a status */
  readonly dtcs = new Map<number, number>()
  /** catalog id -> start of its ring in `rings`, or -1 while it has none */
  private ringAt: Int32Array
  /** per catalog id: the next slot its ring writes; the samples in it are min(pushed, HISTORY) */
  private ringHead: Uint8Array
  private ringFull: Uint8Array
  private rings = new Float64Array(0)
  private ringsUsed = 0

  constructor (catalogSize: number) {
    this.latest = new Float64Array(catalogSize).fill(NaN)
    this.time = new Float64Array(catalogSize).fill(-Infinity)
    this.previous = new Float64Array(catalogSize).fill(NaN)
    this.previousTime = new Float64Array(catalogSize).fill(-Infinity)
    this.ringAt = new Int32Array(catalogSize).fill(-1)
    this.ringHead = new Uint8Array(catalogSize)
    this.ringFull = new Uint8Array(catalogSize)
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
    this.ringAt = widen(this.ringAt, size, -1)
    this.ringHead = widen(this.ringHead, size, 0)
    this.ringFull = widen(this.ringFull, size, 0)
  }

  update (id: number, t: number, value: number): void {
    this.previous[id] = this.latest[id] as number
    this.previousTime[id] = this.time[id] as number
    this.latest[id] = value
    this.time[id] = t
    if (t > this.clockUs) this.clockUs = t
  }

  /**
   * Adds a batch's samples of the signals `read` marks (ids below its length)
   * to their history, in the batch's order per signal.
   */
  remember (samples: SampleBuffer, read: Uint8Array, grouping: SignalGrouping): void {
    const { first, last } = grouping
    const next = grouping.reserve(samples.length)
    const ids = samples.signal
    const limit = read.length
    let distinct = 0
    for (let i = 0; i < samples.length; i++) {
      const id = ids[i] as number
      if (id >= limit || read[id] === 0) continue
      if (first[id] === -1) {
        first[id] = i
        grouping.ids[distinct++] = id
      } else {
        next[last[id] as number] = i
      }
      last[id] = i
      next[i] = -1
    }
    if (distinct === 0) return
    // rings are laid out in the order their signals were first remembered: catalog order, mostly
    const order = grouping.ids.subarray(0, distinct).sort()
    const times = samples.timeUs
    const values = samples.value
    for (let k = 0; k < distinct; k++) {
      const id = order[k] as number
      let i = first[id] as number
      first[id] = -1
      let at = this.ringAt[id] as number
      if (at < 0) at = this.newRing(id)
      let head = this.ringHead[id] as number
      let wrapped = false
      while (i !== -1) {
        const slot = at + 2 * head
        this.rings[slot] = times[i] as number
        this.rings[slot + 1] = values[i] as number
        head = head === HISTORY - 1 ? 0 : head + 1
        wrapped ||= head === 0
        i = next[i] as number
      }
      this.ringHead[id] = head
      if (wrapped) this.ringFull[id] = 1
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

  /**
   * The last HISTORY samples of each of `ids` from `sinceUs` on, oldest
   * first: the freeze frame. `batch` holds the samples not remembered yet:
   * those before `upTo` count.
   */
  evidence (ids: readonly number[], names: readonly string[], sinceUs: number, batch: SampleBuffer, upTo: number): EvidenceSample[] {
    const out: EvidenceSample[] = []
    ids.forEach((id, k) => {
      const kept: Array<{ t: number, value: number }> = []
      const at = this.ringAt[id] ?? -1
      if (at >= 0) {
        const head = this.ringHead[id] as number
        const size = this.ringFull[id] === 1 ? HISTORY : head
        for (let i = 0; i < size; i++) {
          const slot = at + 2 * ((head - size + i + HISTORY) % HISTORY)
          kept.push({ t: this.rings[slot] as number, value: this.rings[slot + 1] as number })
        }
      }
      for (let i = 0; i < upTo; i++) if (batch.signal[i] === id) kept.push({ t: batch.timeUs[i] as number, value: batch.value[i] as number })
      for (const { t, value } of kept.slice(-HISTORY)) if (t >= sinceUs) out.push({ signal: names[k] as string, t, value })
    })
    return out.sort((a, b) => a.t - b.t)
  }

  private newRing (id: number): number {
    const at = this.ringsUsed
    if (at + RING > this.rings.length) {
      // a quarter more each time: a vehicle reports a few hundred read signals, all in its first batches
      const rings = new Float64Array(Math.max(at + RING, Math.ceil(this.rings.length * 1.25 / RING) * RING))
      rings.set(this.rings)
      this.rings = rings
    }
    this.ringsUsed = at + RING
    this.ringAt[id] = at
    return at
  }
}

/**
 * Scratch for VehicleSignals.remember, one per engine: each signal's samples
 * in a batch as a linked list through sample indexes.
 */
export class SignalGrouping {
  /** per catalog id: its first and last sample in the batch (-1: none; every entry is -1 between batches) */
  first: Int32Array
  last: Int32Array
  /** the distinct ids of the batch */
  ids: Int32Array
  /** per sample: the signal's next sample in the batch, -1 after its last */
  private next = new Int32Array(1024)

  constructor (catalogSize: number) {
    this.first = new Int32Array(catalogSize).fill(-1)
    this.last = new Int32Array(catalogSize)
    this.ids = new Int32Array(catalogSize)
  }

  reserve (samples: number): Int32Array {
    if (this.next.length < samples) this.next = new Int32Array(samples)
    return this.next
  }
}

/** `from` with room for `size` entries, the new ones `fill` */
function widen<T extends Float64Array | Int32Array | Uint8Array> (from: T, size: number, fill: number): T {
  const to = new (from.constructor as new (size: number) => T)(size)
  to.fill(fill)
  to.set(from)
  return to
}
