/**
 * Runs the per-minute signal rollup's pass (storage/signal-rollup.ts) at
 * start and every interval, one at a time; on several nodes the database's
 * advisory lock lets one of them do each pass. A pass that fails leaves the
 * marks in place for the next one, and history reads the marked minutes
 * from the samples meanwhile: slower, never wrong. A pass takes a minute
 * once no mark came for it for one interval, so a minute filled from a
 * T-box's buffer is recomputed once it is full, not at every pass.
 */
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { MinuteRollup } from '../storage/signal-rollup.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

export class SignalRollup {
  private readonly passes: PeriodicPass
  // ends a pass working off a backlog between two chunks when the gateway stops
  private readonly stopping = new AbortController()

  constructor (store: MinuteRollup, private readonly intervalMs: number, metrics: Metrics, log: Logger) {
    this.passes = new PeriodicPass(async () => {
      const pass = await store.pass(this.stopping.signal, this.intervalMs)
      metrics.rollupMarks.inc(pass.marks)
      metrics.rollupMinutes.inc(pass.minutes)
    }, (err) => { log.error({ err: err.message }, 'signal rollup pass failed; history reads more samples until the next pass') })
  }

  start (): void {
    this.passes.start(this.intervalMs)
    this.passes.kick()
  }

  /** One pass now (after the one running, if any). */
  kick (): void {
    this.passes.kick()
  }

  async stop (): Promise<void> {
    this.stopping.abort()
    await this.passes.stop()
  }
}
