/**
 * Background work done one pass at a time: every interval, and at once when
 * kicked. A kick that arrives during a pass runs one more pass after it, so
 * work that just became due does not wait for the next interval; a failed
 * pass is reported and the next one runs as usual.
 */
export class PeriodicPass {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = false

  constructor (private readonly pass: () => Promise<unknown>, private readonly onError: (err: Error) => void) {}

  start (intervalMs: number): void {
    this.stopped = false
    this.timer = setInterval(() => { this.kick() }, intervalMs)
    this.timer.unref()
  }

  kick (): void {
    if (this.stopped) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.pass().then(() => {}, (err: unknown) => { this.onError(err as Error) }).finally(() => {
      this.running = undefined
      if (this.again) {
        this.again = false
        this.kick()
      }
    })
  }

  /** Resolves once no pass runs or is due (after the one running and any kicked meanwhile). */
  async idle (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /** No more passes; waits for the one running. */
  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    while (this.running !== undefined) await this.running
  }
}
