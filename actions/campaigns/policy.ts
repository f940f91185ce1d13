/**
 * The campaign decisions, pure: whether a spec is a campaign worth
 * creating, and on each runner pass whether a running campaign waits,
 * pauses itself (failure share), starts its next wave (the wave gate) or
 * completes. The runner (./runner.ts) reads the counts from the store and
 * has the store apply the decision with a guarded statement.
 *
 * Failures that finished before an engineer last resumed the campaign count
 * in neither check: the engineer saw them and resumed anyway. Counted, they
 * would pause it again at once, for the same reason, and a campaign paused
 * by its runner could never go on.
 */
import { PitwallError } from '../../runtime/errors.js'
import { MAX_COMMAND_TTL_MS } from '../commands/model.js'
import { CAMPAIGN_ID_PATTERN, DEFAULT_WAVES, MIN_FINISHED_FOR_PAUSE, type Campaign, type CampaignSpec, type WaveProgress } from './model.js'

/** Each thing wrong with the spec, naming its field; empty: it may be created. */
export function campaignProblems (spec: CampaignSpec): string[] {
  const problems: string[] = []
  if (!CAMPAIGN_ID_PATTERN.test(spec.id)) problems.push(`id ${JSON.stringify(spec.id)} must be lowercase letters, digits and '-' (at most 63)`)
  if (spec.name.trim() === '') problems.push('name is empty')
  const waves = spec.waves ?? DEFAULT_WAVES
  if (waves.length === 0) problems.push('waves is empty')
  waves.forEach((w, i) => {
    if (!(w > 0 && w <= 1)) problems.push(`waves[${i}] = ${w} is not a share in (0, 1]`)
    else if (i > 0 && w <= (waves[i - 1] as number)) problems.push(`waves[${i}] = ${w} does not grow past waves[${i - 1}] = ${waves[i - 1] as number} (shares are cumulative)`)
  })
  if (waves.length > 0 && waves[waves.length - 1] !== 1) problems.push(`the last wave is ${waves[waves.length - 1] as number}, not 1: part of the cohort would never be reached`)
  for (const [name, v] of [['minSuccessRate', spec.minSuccessRate], ['failureThreshold', spec.failureThreshold]] as const) {
    if (v !== undefined && !(v >= 0 && v <= 1)) problems.push(`${name} ${v} is not between 0 and 1`)
  }
  const ttl = spec.commandTtlMs
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_COMMAND_TTL_MS)) problems.push(`commandTtlMs ${ttl} is not between 1 ms and 30 days`)
  const c = spec.cohort
  if ((c.models ?? []).length === 0 && (c.firmware ?? []).length === 0 && c.openFaultRule === undefined && (c.vins ?? []).length === 0) {
    problems.push('the cohort is the whole fleet: give models, firmware, openFaultRule or vins (a whole-fleet campaign should be a deliberate filter)')
  }
  return problems
}

/** Throws PITWALL_ERR_CAMPAIGN_INVALID listing every problem of the spec. */
export function checkCampaignSpec (spec: CampaignSpec): void {
  const problems = campaignProblems(spec)
  if (problems.length > 0) throw new PitwallError('PITWALL_ERR_CAMPAIGN_INVALID', `campaign ${spec.id}: ${problems.join('; ')}`)
}

/** Commands of the waves out so far, the failures an engineer accepted (by resuming) taken out. */
export interface JudgedCommands {
  vehicles: number
  finished: number
  failed: number
}

/**
 * The auto-pause: the reason to pause when the failed share of the finished
 * commands passes the threshold, judged once MIN_FINISHED_FOR_PAUSE have
 * finished (or every vehicle so far, when there are fewer).
 */
export function failureShareReason (judged: JudgedCommands, failureThreshold: number): string | undefined {
  const { finished, failed } = judged
  if (finished < Math.min(MIN_FINISHED_FOR_PAUSE, judged.vehicles) || finished === 0) return undefined
  if (failed / finished <= failureThreshold) return undefined
  return `${failed} of ${finished} finished commands failed (${pct(failed / finished)} > ${pct(failureThreshold)})`
}

export type WaveGate =
  | { open: true, success: number }
  | { open: false, reason: string }

/**
 * The wave gate, for a finished wave: its success rate must reach
 * minSuccessRate before the next wave goes out. A command an engineer
 * withdrew (cancelled) did not run: it is neither a success nor a failure,
 * and counted it would pause the campaign again at every resume; so are the
 * failures `accepted` by a resume.
 */
export function waveGate (wave: WaveProgress, accepted: number, minSuccessRate: number): WaveGate {
  const counted = wave.vehicles - (wave.commands.cancelled ?? 0) - accepted
  const success = counted === 0 ? 1 : wave.succeeded / counted
  if (success < minSuccessRate) return { open: false, reason: `wave ${wave.wave + 1}: ${wave.succeeded} of ${counted} succeeded (${pct(success)} < ${pct(minSuccessRate)})` }
  return { open: true, success }
}

/** What a runner pass does to a running campaign. */
export type CampaignDecision =
  | { type: 'wait' }
  | { type: 'pause', reason: string }
  | { type: 'complete' }
  | { type: 'start_wave', wave: number, previousWaveSuccess: number }

/**
 * One runner pass over a running campaign: pause when the failure share
 * passed the threshold; else, once the current wave is finished, start the
 * next wave if its success rate held, or complete after the last.
 * `failedBeforeResume`: per wave, failed commands that finished before the
 * campaign last went running.
 */
export function nextStep (campaign: Pick<Campaign, 'waves' | 'currentWave' | 'minSuccessRate' | 'failureThreshold'>, waves: readonly WaveProgress[], failedBeforeResume: ReadonlyMap<number, number>): CampaignDecision {
  const { currentWave } = campaign
  const soFar = waves.slice(0, currentWave + 1)
  const sum = (count: (w: WaveProgress) => number): number => soFar.reduce((a, w) => a + count(w), 0)
  const accepted = sum((w) => failedBeforeResume.get(w.wave) ?? 0)
  const pause = failureShareReason({
    vehicles: sum((w) => w.vehicles) - accepted,
    finished: sum((w) => w.finished) - accepted,
    failed: sum((w) => w.failed) - accepted
  }, campaign.failureThreshold)
  if (pause !== undefined) return { type: 'pause', reason: pause }
  const current = waves[currentWave] as WaveProgress
  if (current.finished < current.vehicles) return { type: 'wait' }
  const gate = waveGate(current, failedBeforeResume.get(currentWave) ?? 0, campaign.minSuccessRate)
  if (!gate.open) return { type: 'pause', reason: gate.reason }
  if (currentWave + 1 >= campaign.waves.length) return { type: 'complete' }
  return { type: 'start_wave', wave: currentWave + 1, previousWaveSuccess: gate.success }
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10} %`
