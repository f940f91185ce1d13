/**
 * Service KPIs as data: the figures (storage/kpis.ts says how each is
 * computed from the stored timelines), the period and groups they cover,
 * the customer survey answers CSI and NPS are computed from, and the
 * defaults and limits. What is asked for and what is accepted is decided in
 * ./policy.ts.
 */

/** How long something took, in seconds, over `count` cases (null figures: no case). */
export interface DurationKpi {
  count: number
  meanS: number | null
  p50S: number | null
  p90S: number | null
}

/** `hits` of `count` cases; rate = hits / count (null: no case). */
export interface RateKpi {
  count: number
  hits: number
  rate: number | null
}

/**
 * First-time fix as the data says it: a repaired alert counts as a hit when
 * the same rule's fault did not come back on the same vehicle (a new fault
 * or a reoccurrence) within the window after the repair, as a miss when it
 * did. Until the window has passed without one, the alert is `pending`,
 * counted neither way. Beside the dealer's own flag (firstTimeFix):
 * `disagreements` are decided alerts the dealer flagged otherwise than the
 * data, `flaggedButReoccurred` those among them the dealer called fixed.
 */
export interface VerifiedFixKpi extends RateKpi {
  pending: number
  disagreements: number
  flaggedButReoccurred: number
}

/**
 * Fault opened → the vehicle back on the road: the first repair a dealer
 * reported, or the fault clearing after a confirmed remote fix, whichever
 * came first; `remote` of `count` ended by the remote fix.
 */
export interface BackOnRoadKpi extends DurationKpi {
  remote: number
}

/** Customer satisfaction with the service visit on the CSI scale (1–5): mean of `count` answers. */
export interface CsiKpi {
  count: number
  mean: number | null
}

/**
 * Net Promoter Score of `count` answers to "how likely are you to recommend
 * us" (0–10): promoters answered 9–10, passives 7–8, detractors 0–6; score =
 * 100 × (promoters − detractors) / count, from −100 to 100 (null: no answer).
 */
export interface NpsKpi {
  count: number
  promoters: number
  passives: number
  detractors: number
  score: number | null
}

/** The figures of one group, or of the whole period. */
export interface KpiFigures {
  /**
   * Fault opened on the vehicle → the alert reached the dealer (its webhook
   * delivered; for an inbox-only dealer, the alert stored). `undelivered`:
   * alerts whose webhook has not been delivered (pending or dead letter).
   */
  faultToAlert: DurationKpi & { undelivered: number }
  /** Alert raised → the dealer reported the parts staged. */
  alertToPartsStaged: DurationKpi
  /** Repaired alerts the dealer flagged as fixed at the first workshop visit. */
  firstTimeFix: RateKpi
  /** The same, verified by the data (VerifiedFixKpi). */
  verifiedFirstTimeFix: VerifiedFixKpi
  /** Fault opened → the dealer reported it repaired: how long the customer lived with it. */
  downtime: DurationKpi
  /** Fault opened → back on the road, by a repair or a remote fix. */
  backOnRoad: BackOnRoadKpi
  /** Appointment booked → repaired: the workshop's part of the downtime. */
  repairTime: DurationKpi
  csi: CsiKpi
  nps: NpsKpi
  /** Faults that ended (resolved or cleared) and were fixed remotely: a confirmed remote fix cleared them. */
  fixedRemotely: RateKpi | null
  /** OTA update commands that finished (succeeded, failed, rejected, expired; cancelled ones do not count) and succeeded. */
  otaSuccess: RateKpi | null
  /** The same for remote-action commands. */
  remoteActionSuccess: RateKpi | null
}

/** What KPIs may be grouped by: the vehicle's model, the ISO 8601 week (UTC) the fault opened in (a command: was created in). */
export const KPI_GROUP_KEYS = ['model', 'week'] as const
export type KpiGroupKey = typeof KPI_GROUP_KEYS[number]

/** One group's figures: model and week are null when not grouped by them (model also for vehicles without one). */
export interface KpiGroup extends KpiFigures {
  model: string | null
  /** e.g. 2026-W10 */
  week: string | null
  /** Monday 00:00 UTC of the week */
  weekStart: Date | null
}

export interface ServiceKpis extends KpiFigures {
  from: Date
  to: Date
  dealerId: string | null
  /** the window after a repair in which the fault's return makes it no first-time fix */
  ftfWindowDays: number
  /** empty: no groups, the figures of the period only */
  groupBy: KpiGroupKey[]
  /** by model (nulls last), then week; only groups with something to count */
  groups: KpiGroup[]
}

/** A period the policy accepted (./policy.ts kpiPeriod): from strictly before to. */
export interface KpiPeriod {
  from: Date
  to: Date
}

export interface KpiQuery extends KpiPeriod {
  /** only this dealer's alerts, and no fleet-wide KPIs */
  dealerId?: string | undefined
  /** as ./policy.ts kpiGrouping accepted it; default none */
  groupBy?: readonly KpiGroupKey[] | undefined
  /** default DEFAULT_FTF_WINDOW_DAYS */
  ftfWindowDays?: number | undefined
  /** when a first-time fix window counts as elapsed; default the time of asking */
  now?: Date | undefined
}

/** The default window: the 30 days up to now. */
export const DEFAULT_KPI_WINDOW_MS = 30 * 86_400_000
/**
 * A fault back within 30 days of its repair was not fixed the first time
 * (PITWALL_FTF_WINDOW_DAYS); a year at most, past which a return is a new
 * failure rather than the old one.
 */
export const DEFAULT_FTF_WINDOW_DAYS = 30
export const MAX_FTF_WINDOW_DAYS = 365
/** Grouped by week, a period spans at most this many days (two years: about 105 weeks per model). */
export const MAX_WEEKLY_PERIOD_DAYS = 731

// ---- customer survey answers ---------------------------------------------------

/**
 * The scales. CSI: overall satisfaction with the service visit, 1 (very
 * dissatisfied) to 5 (very satisfied), the scale most OEM after-sales
 * surveys ask on. NPS: likelihood to recommend, 0 to 10 (Reichheld's
 * question).
 */
export const CSI_SCALE = { min: 1, max: 5 } as const
export const RECOMMEND_SCALE = { min: 0, max: 10 } as const
export const MAX_SURVEY_COMMENT = 2000

/**
 * A survey answer may be recorded once an alert is repaired (or closed):
 * before, there has been no visit to rate.
 */
export const SURVEYED_STATUSES = ['repaired', 'closed'] as const

/**
 * The customer's answer for one alert. One answer per alert, never
 * corrected: CSI feeds dealer scorecards, so a score a workshop (or anyone)
 * could change after the fact would not be the customer's. Sending the same
 * answer again is accepted as a retry; a different one is refused.
 */
export interface SurveyAnswer {
  alertId: number
  /** CSI_SCALE; null: not answered */
  csi: number | null
  /** RECOMMEND_SCALE; null: not answered */
  recommend: number | null
  comment: string | null
  /** when the customer answered */
  answeredAt: Date
  /** who entered it (the token's name) */
  recordedBy: string
  recordedAt: Date
}

export interface SurveyInput {
  csi?: number | null | undefined
  recommend?: number | null | undefined
  comment?: string | null | undefined
  /** default: now */
  answeredAt?: Date | undefined
  by: string
}

/**
 * What recording an answer found (storage/surveys.ts), for ./policy.ts
 * surveyOutcome to decide on: the alert's status (null: no such alert for
 * the caller), the answer stored before, and the one stored now, if any.
 */
export interface SurveyAttempt {
  alertId: number
  status: string | null
  prior: SurveyAnswer | null
  inserted: SurveyAnswer | null
}

/** An answer the policy accepted (./policy.ts surveyAnswer), as the store writes it. */
export type ValidSurvey = Pick<SurveyAnswer, 'csi' | 'recommend' | 'comment' | 'answeredAt' | 'recordedBy'>
