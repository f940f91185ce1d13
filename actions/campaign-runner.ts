/**
 * Moves running campaigns along: after each command of a campaign reaches
 * a final state, and on a periodic pass, CampaignStore.advance decides
 * whether to pause (failure share), start the next wave (success rate held)
 * or complete; vehicles given a command are handed to the dispatcher.
 */
import type { CampaignStore } from '../storage/campaigns.js'

export interface CampaignRunnerOptions {
  campaigns: CampaignStore
  /** a vehicle has a new command to deliver */
  queued: (vehicleId: number) => void
  log: { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void, error: (obj: object, msg: string) => void }
  /** default 5 s */
  pollMs?: number
}

export class CampaignRunner {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private dirty = false

  constructor (private readonly options: CampaignRunnerOptions) {}

  start (): void {
    this.timer = setInterval(() => { this.kick() }, this.options.pollMs ?? 5000)
    this.timer.unref()
  }

  /** A campaign command finished, or a campaign was resumed: look again now. */
  kick (): void {
    if (this.running !== undefined) {
      this.dirty = true
      return
    }
    this.running = this.runOnce().catch((err: unknown) => {
      this.options.log.error({ err: (err as Error).message }, 'campaign pass failed')
    }).finally(() => {
      this.running = undefined
      if (this.dirty) {
        this.dirty = false
        this.kick()
      }
    })
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    while (this.running !== undefined) await this.running
  }

  async runOnce (): Promise<void> {
    const { campaigns, log, queued } = this.options
    for (const c of await campaigns.list('running')) {
      const { step, queued: vehicles } = await campaigns.advance(c.id)
      if (step === undefined) continue
      if (step.type === 'paused') log.warn({ campaign: c.id, reason: step.reason }, 'campaign paused')
      else log.info({ campaign: c.id, ...step }, step.type === 'completed' ? 'campaign completed' : 'campaign wave started')
      for (const v of vehicles) queued(v)
    }
  }
}
