/**
 * Moves running campaigns along: after each command of a campaign reaches
 * a final state, and on a periodic pass, CampaignStore.advance decides
 * whether to pause (failure share), start the next wave (success rate held)
 * or complete; vehicles given a command are handed to the dispatcher.
 */
import type { CampaignStore } from '../storage/campaigns.js'
import type { ActionLog } from './log.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'

export interface CampaignRunnerOptions {
  campaigns: CampaignStore
  /** a vehicle has a new command to deliver */
  queued: (vehicleId: number) => void
  log: ActionLog
  /** default 1 s: campaigns started, paused or resumed from the CLI or the API (storage only) show within about a second */
  pollMs?: number
}

export class CampaignRunner {
  private readonly passes: PeriodicPass

  constructor (private readonly options: CampaignRunnerOptions) {
    this.passes = new PeriodicPass(async () => { await this.runOnce() }, (err) => {
      options.log.error({ err: err.message }, 'campaign pass failed')
    })
  }

  start (): void {
    this.passes.start(this.options.pollMs ?? 1000)
  }

  /** A campaign command finished, or a campaign was resumed: look again now. */
  kick (): void {
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  async runOnce (): Promise<void> {
    const { campaigns, log, queued } = this.options
    for (const c of await campaigns.list('running')) {
      let advanced
      try {
        advanced = await campaigns.advance(c.id)
      } catch (err) {
        // one campaign's trouble (e.g. paused by an engineer this very moment) must not hold up the others
        log.error({ campaign: c.id, err: (err as Error).message }, 'campaign not advanced; trying again on the next pass')
        continue
      }
      const { step, queued: vehicles } = advanced
      if (step === undefined) continue
      if (step.type === 'paused') log.warn({ campaign: c.id, reason: step.reason }, 'campaign paused')
      else log.info({ campaign: c.id, ...step }, step.type === 'completed' ? 'campaign completed' : 'campaign wave started')
      for (const v of vehicles) queued(v)
    }
  }
}
