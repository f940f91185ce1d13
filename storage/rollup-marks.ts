/**
 * The marks the batch writer leaves for the signal rollup (migration 020):
 * one per batch and minute its samples fall in, naming the signals sampled
 * in that minute, as statement parameters (vehicle, seq, minute, offset and
 * count into one flat array of signal ids). A batch covers about a second,
 * so nearly always one mark; the signal ids are made distinct here, not in
 * the database, where grouping every sample row would cost more than the
 * mark saves.
 */
import { ArrayParam, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'

export const MINUTE_US = 60_000_000

export class RollupMarks {
  private readonly vehicle: ArrayParam
  private readonly seq: ArrayParam
  private readonly minute: ArrayParam
  private readonly offset: ArrayParam
  private readonly count: ArrayParam
  private readonly signals: ArrayParam
  private signalCount = 0
  // reused across batches: ids already listed for the mark being built
  private readonly listed = new Set<number>()

  constructor (batches: number) {
    this.vehicle = new ArrayParam(INT4, batches)
    this.seq = new ArrayParam(INT8, batches)
    this.minute = new ArrayParam(TIMESTAMPTZ, batches)
    this.offset = new ArrayParam(INT4, batches)
    this.count = new ArrayParam(INT4, batches)
    this.signals = new ArrayParam(INT4, batches * 32)
  }

  /** The marks of one batch's samples (columns of equal length). */
  add (vehicleId: number, seq: number, timeUs: readonly number[], signalId: readonly number[]): void {
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
      this.mark(vehicleId, seq, low, this.listed)
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
    for (const [m, ids] of byMinute) this.mark(vehicleId, seq, m, ids)
  }

  private mark (vehicleId: number, seq: number, minute: number, ids: Set<number>): void {
    this.vehicle.push(vehicleId)
    this.seq.push(seq)
    this.minute.push(minute * MINUTE_US)
    this.offset.push(this.signalCount)
    this.count.push(ids.size)
    for (const id of ids) this.signals.push(id)
    this.signalCount += ids.size
  }

  /** Parameters $34 to $39 of the group statement, in its order. */
  finish (): Buffer[] {
    return [this.vehicle.finish(), this.seq.finish(), this.minute.finish(), this.offset.finish(), this.count.finish(), this.signals.finish()]
  }
}
