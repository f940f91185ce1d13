/**
 * When something periodic (a CAN message, an OBD-II poll, a GNSS fix) falls
 * inside a batch window. Each schedule keeps its own phase, so a message sent
 * every 100 ms lands at the same offsets whatever the batch rate.
 */
export class PeriodicSchedule {
  readonly periodUs: number
  private nextUs: number | undefined
  private readonly phaseUs: number

  constructor (periodUs: number, phaseUs = 0) {
    if (!(periodUs > 0)) throw new RangeError(`period must be positive, got ${periodUs} us`)
    this.periodUs = periodUs
    this.phaseUs = phaseUs
  }

  /** Offsets from `startUs` of the occurrences in [startUs, endUs). */
  due (startUs: number, endUs: number): number[] {
    if (this.nextUs === undefined) this.nextUs = startUs + this.phaseUs
    if (this.nextUs < startUs) {
      // windows were skipped (the process stalled): resume on the same grid
      this.nextUs += Math.ceil((startUs - this.nextUs) / this.periodUs) * this.periodUs
    }
    const offsets: number[] = []
    while (this.nextUs < endUs) {
      offsets.push(this.nextUs - startUs)
      this.nextUs += this.periodUs
    }
    return offsets
  }
}
