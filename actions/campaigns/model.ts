/**
 * OTA / remote-action campaigns: a cohort of vehicles resolved when the
 * campaign starts, split into waves (cumulative shares of the cohort, e.g.
 * 1 % → 10 % → 100 %), each wave's commands queued only when the wave
 * before it succeeded well enough.
 *
 *   draft → running ⇄ paused → completed | aborted
 *
 * Pausing holds the campaign's unsent commands in their queues (the
 * dispatcher skips them); aborting cancels them. Commands already with a
 * vehicle run to their end either way. The decisions are in ./policy.ts.
 */
import type { Transition } from '../../runtime/transition.js'
import type { CommandBody, CommandState } from '../commands/model.js'

export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'completed', 'aborted'] as const
export type CampaignState = typeof CAMPAIGN_STATES[number]

/** An engineer's (or the runner's) move of a campaign. */
export type CampaignTransition = Transition<CampaignState>

export const CAMPAIGN_TRANSITIONS = {
  start: { verb: 'start', from: ['draft'], to: 'running' },
  pause: { verb: 'pause', from: ['running'], to: 'paused' },
  resume: { verb: 'resume', from: ['paused'], to: 'running' },
  abort: { verb: 'abort', from: ['draft', 'running', 'paused'], to: 'aborted' },
  complete: { verb: 'complete', from: ['running'], to: 'completed' }
} as const satisfies Record<string, CampaignTransition>

/** The state whose campaigns the runner moves along, wave by wave. */
export const ADVANCING_STATE = 'running' satisfies CampaignState

/** Who the runner's moves are recorded as in the campaign timeline. */
export const CAMPAIGN_RUNNER = 'campaign-runner'

/** Commands of a campaign that count as failures (a cancelled one did not run: it is neither). */
export const FAILED_COMMAND_STATES: readonly CommandState[] = ['failed', 'rejected', 'expired']

/** failures are judged on at least this many finished commands (or the whole wave so far, if smaller) */
export const MIN_FINISHED_FOR_PAUSE = 5

export const CAMPAIGN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/
export const MAX_CAMPAIGN_ID_LENGTH = 63
export const MAX_CAMPAIGN_WAVES = 20
/** models, firmware lines or VINs a cohort may list */
export const MAX_COHORT_ENTRIES = 10_000

export const DEFAULT_WAVES: readonly number[] = [0.01, 0.1, 1]
export const DEFAULT_MIN_SUCCESS_RATE = 0.95
export const DEFAULT_FAILURE_THRESHOLD = 0.2
/** how long each campaign command may wait for its vehicle */
export const DEFAULT_CAMPAIGN_COMMAND_TTL_MS = 7 * 86_400_000

export interface Cohort {
  /** registered models (exact); empty: any */
  models?: string[]
  /** firmware versions, `*` at the end for a prefix; empty: any */
  firmware?: string[]
  /** only vehicles with this rule's fault open or acknowledged */
  openFaultRule?: string
  /** only these VINs; empty: any */
  vins?: string[]
}

/** A campaign as an engineer asks for it; absent fields take the defaults above. */
export interface CampaignSpec {
  id: string
  name: string
  body: CommandBody
  cohort: Cohort
  /** cumulative shares, ascending, ending at 1 */
  waves?: number[]
  minSuccessRate?: number
  failureThreshold?: number
  commandTtlMs?: number
  createdBy: string
}

export interface Campaign {
  id: string
  name: string
  body: CommandBody
  cohort: Cohort
  waves: number[]
  minSuccessRate: number
  failureThreshold: number
  commandTtlMs: number
  state: CampaignState
  /** index into waves of the wave whose commands are out (0 before start) */
  currentWave: number
  stateReason: string | null
  createdBy: string
  createdAt: Date
  updatedAt: Date
}

export interface WaveProgress {
  wave: number
  /** cumulative share of the cohort at the end of this wave */
  share: number
  vehicles: number
  /** commands by state (absent: not queued yet) */
  commands: Partial<Record<CommandState, number>>
  succeeded: number
  /** failed, rejected or expired */
  failed: number
  /** final in any state */
  finished: number
}

export interface CampaignProgress {
  campaign: Campaign
  vehicles: number
  waves: WaveProgress[]
}

export interface CampaignEvent {
  time: Date
  state: string
  wave: number
  by: string | null
  detail: Record<string, unknown> | null
}

/** What one runner pass did to a campaign. */
export type CampaignStep =
  | { type: 'wave_started', wave: number, commands: number }
  | { type: 'completed' }
  | { type: 'paused', reason: string }
