/**
 * What KPIs are computed over and what a survey answer may say, as pure
 * decisions: the period (what is not given defaults to the 30 days up to
 * now; a period that is not one is refused), the grouping, the first-time
 * fix window, and the survey answer and what becomes of it against the one
 * already stored. The API and the CLI ask here before the stores
 * (storage/kpis.ts, storage/surveys.ts) run their queries.
 */
import { PitwallError } from '../../runtime/errors.js'
import {
  CSI_SCALE, DEFAULT_FTF_WINDOW_DAYS, DEFAULT_KPI_WINDOW_MS, KPI_GROUP_KEYS, MAX_FTF_WINDOW_DAYS, MAX_SURVEY_COMMENT, MAX_WEEKLY_PERIOD_DAYS,
  RECOMMEND_SCALE, SURVEYED_STATUSES, type KpiGroupKey, type KpiPeriod, type SurveyAnswer, type SurveyAttempt, type SurveyInput, type ValidSurvey
} from './model.js'

const DAY_MS = 86_400_000

/** The period from the bounds given; refused with PITWALL_ERR_KPI_QUERY when it is not a valid range. */
export function kpiPeriod (given: { from?: Date | undefined, to?: Date | undefined }, now: Date = new Date()): KpiPeriod {
  const to = given.to ?? now
  const from = given.from ?? new Date(to.getTime() - DEFAULT_KPI_WINDOW_MS)
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
    throw new PitwallError('PITWALL_ERR_KPI_QUERY', `the KPI period must be a valid time range with from before to; got ${String(from)} .. ${String(to)}`)
  }
  return { from, to }
}

/**
 * The keys to group by, from what was asked ("model", "week", or both, in
 * any order, each once): in KPI_GROUP_KEYS order. Weeks over a period longer
 * than MAX_WEEKLY_PERIOD_DAYS are refused, as a table nobody reads and a
 * query nobody should wait for. `field` names the input in the message
 * ("querystring.groupBy", "--by").
 */
export function kpiGrouping (asked: readonly string[], period: KpiPeriod, field: string): KpiGroupKey[] {
  for (const key of asked) {
    if (!(KPI_GROUP_KEYS as readonly string[]).includes(key)) {
      throw new PitwallError('PITWALL_ERR_KPI_QUERY', `${field} ${JSON.stringify(key)} is not one of ${KPI_GROUP_KEYS.join(', ')}`)
    }
  }
  const keys = KPI_GROUP_KEYS.filter((k) => asked.includes(k))
  const days = (period.to.getTime() - period.from.getTime()) / DAY_MS
  if (keys.includes('week') && days > MAX_WEEKLY_PERIOD_DAYS) {
    throw new PitwallError('PITWALL_ERR_KPI_QUERY', `${field} week over ${days.toFixed(1)} days: a period grouped by week spans at most ${MAX_WEEKLY_PERIOD_DAYS} days`)
  }
  return keys
}

/** The first-time fix window in days: a whole number from 1 to MAX_FTF_WINDOW_DAYS (default DEFAULT_FTF_WINDOW_DAYS). */
export function ftfWindowDays (days: number | undefined, field: string): number {
  if (days === undefined) return DEFAULT_FTF_WINDOW_DAYS
  if (!Number.isInteger(days) || days < 1 || days > MAX_FTF_WINDOW_DAYS) {
    throw new PitwallError('PITWALL_ERR_KPI_QUERY', `${field} must be a whole number of days from 1 to ${MAX_FTF_WINDOW_DAYS}, got ${String(days)}`)
  }
  return days
}

// ---- survey answers ---------------------------------------------------------------

/** a survey tool whose clock runs a little ahead is not refused */
const CLOCK_SKEW_MS = 5 * 60_000

/** The answer checked and normalised (comment trimmed, an empty one none), or PITWALL_ERR_SURVEY_INVALID naming the field. */
export function surveyAnswer (input: SurveyInput, now: Date = new Date()): ValidSurvey {
  const fail = (what: string): never => { throw new PitwallError('PITWALL_ERR_SURVEY_INVALID', what) }
  const score = (field: string, value: number | null | undefined, scale: { min: number, max: number }): number | null => {
    if (value === undefined || value === null) return null
    if (!Number.isInteger(value) || value < scale.min || value > scale.max) fail(`${field} must be a whole number from ${scale.min} to ${scale.max}, got ${String(value)}`)
    return value
  }
  const csi = score('csi', input.csi, CSI_SCALE)
  const recommend = score('recommend', input.recommend, RECOMMEND_SCALE)
  if (csi === null && recommend === null) fail(`give csi (${CSI_SCALE.min}-${CSI_SCALE.max}), recommend (${RECOMMEND_SCALE.min}-${RECOMMEND_SCALE.max}) or both: an answer without a score says nothing`)
  const comment = typeof input.comment === 'string' && input.comment.trim() !== '' ? input.comment.trim() : null
  if (comment !== null && comment.length > MAX_SURVEY_COMMENT) fail(`comment is ${comment.length} characters; at most ${MAX_SURVEY_COMMENT}`)
  const answeredAt = input.answeredAt ?? now
  if (Number.isNaN(answeredAt.getTime())) fail('answeredAt is not a time')
  if (answeredAt.getTime() > now.getTime() + CLOCK_SKEW_MS) fail(`answeredAt ${answeredAt.toISOString()} is in the future`)
  const by = typeof input.by === 'string' ? input.by.trim() : ''
  if (by === '') fail('say who records the answer (by is empty)')
  return { csi, recommend, comment, answeredAt, recordedBy: by }
}

/**
 * The outcome of recording `given`: the answer stored now (created), the
 * same answer stored before (a retry, not created), or a refusal: no such
 * alert, an alert not repaired yet, another answer already stored.
 */
export function surveyOutcome (attempt: SurveyAttempt, given: ValidSurvey, unknown: () => PitwallError): { survey: SurveyAnswer, created: boolean } {
  if (attempt.status === null) throw unknown()
  if (attempt.inserted !== null) return { survey: attempt.inserted, created: true }
  const { prior } = attempt
  if (prior !== null) {
    if (prior.csi === given.csi && prior.recommend === given.recommend && prior.comment === given.comment) return { survey: prior, created: false }
    throw new PitwallError('PITWALL_ERR_SURVEY_ANSWERED',
      `alert ${attempt.alertId} has a survey answer already (csi ${String(prior.csi)}, recommend ${String(prior.recommend)}, recorded by ${prior.recordedBy} at ${prior.recordedAt.toISOString()}); answers are not corrected`)
  }
  throw new PitwallError('PITWALL_ERR_SURVEY_TOO_EARLY',
    `alert ${attempt.alertId} is ${attempt.status.replaceAll('_', ' ')}: a survey answer is recorded once it is ${SURVEYED_STATUSES.join(' or ')}`)
}
