/**
 * The marks the batch writer leaves for the signal rollup (migration 020):
 * one per batch and minute its samples fall in, naming the signals sampled
 * in that minute, as statement parameters (vehicle, batch, minute, offset and
 * count into one flat array of signal ids). The signal ids are made
 * distinct here, not in the database, where grouping every sample row would
 * cost more than the mark saves.
 *
 * A batch whose minute and signals a committed mark already covers adds
 * none (MarkedMinutes): a T-box sending every second would otherwise leave
 * 60 marks a minute, each one more row for the pass to take and one more
 * read of the minute's samples if they land in different passes. That is
 * safe only while no pass can take the covering mark, so it applies to the
 * current minute (by this process's clock) alone, and the pass takes only
 * minutes that ended more than a minute before its own clock
 * (storage/signal-rollup.ts): clocks may differ by up to a minute.
 */
import { ArrayParam, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'

export const MINUTE_US = 60_000_000
// past this many vehicles remembered, the memory starts over (more marks, nothing wrong)
const MAX_REMEMBERED = 100_000

/** Per vehicle, the minute and signals its committed marks cover. */
export class MarkedMinutes {
  private readonly minute = new Map<number, number>()
  private readonly signals = new Map<number, Set<number>>()

  constructor (private readonly nowUs: () => number = () => Date.now() * 1000) {}

  /** true: a committed mark covers every one of `ids` in this minute, and no pass can take it yet */
  covers (vehicleId: number, minute: number, ids: Set<number>): boolean {
    if (this.minute.get(vehicleId) !== minute || minute < Math.floor(this.nowUs() / MINUTE_US)) return false
    const marked = this.signals.get(vehicleId) as Set<number>
    for (const id of ids) if (!marked.has(id)) return false
    return true
  }

  /** A mark was committed. */
  marked (vehicleId: number, minute: number, ids: Iterable<number>): void {
    let marked = this.signals.get(vehicleId)
    if (this.minute.get(vehicleId) !== minute || marked === undefined) {
      if (this.minute.size >= MAX_REMEMBERED) this.clear()
      this.minute.set(vehicleId, minute)
      this.signals.set(vehicleId, marked = new Set())
    }
    for (const id of ids) marked.add(id)
  }

  clear (): void {
    this.minute.clear()
    this.signals.clear()
  }
}

/** batch: the batch's ordinal in the projector's group statement */
interface Mark { vehicleId: number, batch: number, minute: number, ids: number[] }

export class RollupMarks {
  private readonly vehicle: ArrayParam
  private readonly batch: ArrayParam
  private readonly minute: ArrayParam
  private readonly offset: ArrayParam
  private readonly count: ArrayParam
  private readonly signals: ArrayParam
  private signalCount = 0
  private readonly made: Mark[] = []
  // reused across batches: the signal ids of the batch being looked at
  private readonly listed = new Set<number>()

  constructor (batches: number, private readonly memory: MarkedMinutes) {
    this.vehicle = new ArrayParam(INT4, batches)
    this.batch = new ArrayParam(INT8, batches)
    this.minute = new ArrayParam(TIMESTAMPTZ, batches)
    this.offset = new ArrayParam(INT4, batches)
    this.count = new ArrayParam(INT4, batches)
    this.signals = new ArrayParam(INT4, batches * 32)
  }

  /** The marks of one batch's samples (columns of equal length). */
  add (vehicleId: number, batch: number, timeUs: readonly number[], signalId: readonly number[]): void {
    if (timeUs.length === 0) return
    let low = Infinity
    let high = -Infinity
    for (let i = 0; i < timeUs.length; i++) {
      const m = Math.floor((timeUs[i] as number) / MINUTE_US)
      if (m < low) low = m
      if (m > high) high = m
    }
    if (low === high) {
      this.listed.clear()
      for (let i = 0; i < signalId.length; i++) this.listed.add(signalId[i] as number)
      if (!this.memory.covers(vehicleId, low, this.listed)) this.mark(vehicleId, batch, low, this.listed)
      return
    }
    // a batch spanning minutes (a T-box sending what it buffered): rare, so a map
    const byMinute = new Map<number, Set<number>>()
    for (let i = 0; i < timeUs.length; i++) {
      const m = Math.floor((timeUs[i] as number) / MINUTE_US)
      let ids = byMinute.get(m)
      if (ids === undefined) byMinute.set(m, ids = new Set())
      ids.add(signalId[i] as number)
    }
    for (const [m, ids] of byMinute) if (!this.memory.covers(vehicleId, m, ids)) this.mark(vehicleId, batch, m, ids)
  }

  /** Parameters $5 to $10 of the claiming statement (./projector.ts), in its order. */
  finish (): Buffer[] {
    return [this.vehicle.finish(), this.batch.finish(), this.minute.finish(), this.offset.finish(), this.count.finish(), this.signals.finish()]
  }

  /**
   * The group committed: its marks of batches it inserted are remembered
   * (a redelivered batch's mark was not written, as its samples were not).
   */
  committed (inserted: (vehicleId: number, batch: number) => boolean): void {
    for (const m of this.made) if (inserted(m.vehicleId, m.batch)) this.memory.marked(m.vehicleId, m.minute, m.ids)
  }

  private mark (vehicleId: number, batch: number, minute: number, ids: Set<number>): void {
    const list = [...ids]
    this.vehicle.push(vehicleId)
    this.batch.push(batch)
    this.minute.push(minute * MINUTE_US)
    this.offset.push(this.signalCount)
    this.count.push(list.length)
    for (const id of list) this.signals.push(id)
    this.signalCount += list.length
    this.made.push({ vehicleId, batch, minute, ids: list })
  }
}
