/**
 * Moves running campaigns along: after each command of a campaign reaches
 * a final state, and on a periodic pass, the runner reads each running
 * campaign's counts, asks the policy (./policy.ts nextStep) whether to
 * pause it (failure share), start its next wave (success rate held) or
 * complete it, and has the store apply that with a guarded statement;
 * vehicles given a command are handed to the dispatcher.
 */
import type { CampaignStore } from '../../storage/campaigns.js'
import { PeriodicPass } from '../../runtime/periodic-pass.js'
import type { ActionLog } from '../log.js'
import { ADVANCING_STATE, CAMPAIGN_RUNNER, CAMPAIGN_TRANSITIONS, type CampaignStep } from './model.js'
import { nextStep } from './policy.js'

export interface CampaignRunnerOptions {
  campaigns: CampaignStore
  /** a vehicle has a new command to deliver */
  queued: (vehicleId: number) => void
  log: ActionLog
  /** default 1 s: campaigns started, paused or resumed from the CLI or the API (storage only) show within about a second */
  pollMs?: number
}

type RunnerStore = Pick<CampaignStore, 'progress' | 'failedBeforeResume' | 'move' | 'startWave'>

/**
 * One runner pass over one campaign: what it did (nothing while it waits or
 * is not running) and the vehicles given a command now. A move the store
 * refuses because an engineer moved the campaign first throws
 * PITWALL_ERR_CAMPAIGN_TRANSITION; a wave another pass started first is
 * nothing done.
 */
export async function advanceCampaign (campaigns: RunnerStore, id: string): Promise<{ step?: CampaignStep, queued: number[] }> {
  const { campaign, waves } = await campaigns.progress(id)
  if (campaign.state !== ADVANCING_STATE) return { queued: [] }
  const decision = nextStep(campaign, waves, await campaigns.failedBeforeResume(id))
  switch (decision.type) {
    case 'wait':
      return { queued: [] }
    case 'pause':
      await campaigns.move(id, CAMPAIGN_TRANSITIONS.pause, CAMPAIGN_RUNNER, decision.reason)
      return { step: { type: 'paused', reason: decision.reason }, queued: [] }
    case 'complete':
      await campaigns.move(id, CAMPAIGN_TRANSITIONS.complete, CAMPAIGN_RUNNER, null)
      return { step: { type: 'completed' }, queued: [] }
    case 'start_wave': {
      const { wave, previousWaveSuccess } = decision
      const queued = await campaigns.startWave(id, ADVANCING_STATE, wave, CAMPAIGN_RUNNER, { previousWaveSuccess })
      if (queued === undefined) return { queued: [] }
      return { step: { type: 'wave_started', wave, commands: queued.length }, queued }
    }
  }
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
    for (const c of await campaigns.list(ADVANCING_STATE)) {
      let advanced
      try {
        advanced = await advanceCampaign(campaigns, c.id)
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
