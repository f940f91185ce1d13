/**
 * Service reminders as plain data: what the `maintenance:` section of a rule
 * file says once validated (ReminderDefinition, see load.ts), what
 * evaluating it finds (ReminderFinding, see policy.ts), and the states a
 * reminder goes through. Unlike rules, definitions never look at single
 * samples: service intervals read the latest odometer / engine hours and
 * the last recorded service, trends read daily aggregates of stored samples.
 */
import type { Transition } from '../../runtime/transition.js'
import type { CompareOp } from '../model.js'

export type TrendAggregate = 'min' | 'avg' | 'max'
/** below / above; equality is meaningless for a fitted slope or a mean */
export type TrendOp = '<' | '<=' | '>' | '>='

interface ReminderDefinitionBase {
  id: string
  name: string
  description?: string
  enabled: boolean
  /** vehicle models and firmware versions it applies to; empty lists mean all, "2.4.*" matches by prefix */
  scope: { models: string[], firmware: string[] }
  /** what the dealer should do */
  task: string
  parts: string[]
}

/** Limits since the last service covering the item; due when any is reached (whichever first). */
export interface ServiceInterval {
  km?: number
  hours?: number
  /** days or calendar months since the service; a file gives at most one of the two */
  days?: number
  months?: number
}

export interface ServiceIntervalDefinition extends ReminderDefinitionBase {
  kind: 'interval'
  every: ServiceInterval
  /** "due soon" this far before each limit; 0 when the file gives none */
  dueSoon: { km: number, hours: number, days: number }
}

export interface TrendTest {
  op: TrendOp
  value: number
}

export interface TrendSpec {
  /** catalog name of the signal aggregated per day */
  signal: string
  /** when set, the value is signal - minus (their means in the same minute), e.g. the HV cell spread */
  minus?: string
  aggregate: TrendAggregate
  /** only minutes in which every sample of this signal satisfies the comparison count (e.g. engine speed == 0: resting) */
  where?: { signal: string, op: CompareOp, value: number }
  /** the last `windowDays` complete UTC days */
  windowDays: number
  /** fewer days with data in the window: no verdict */
  minDays: number
  /** least-squares slope of the daily aggregate, in signal units per day */
  slope?: TrendTest
  /** the aggregate of the latest day with data */
  last?: TrendTest
}

export interface TrendDefinition extends ReminderDefinitionBase {
  kind: 'trend'
  trend: TrendSpec
}

export type ReminderDefinition = ServiceIntervalDefinition | TrendDefinition

/** fault: a rule's `service_reminder` action asked for it when its fault opened (actions/fault-actions/service-reminder.ts) */
export type ReminderKind = 'due' | 'due_soon' | 'trend' | 'fault'

/** What evaluation found for one vehicle and definition; the check stores it as a service reminder. */
export interface ReminderFinding {
  kind: ReminderKind
  /** the interval's limits counted from the last service (epoch ms, km, h); null when not configured or not known */
  dueAt: number | null
  dueKm: number | null
  dueHours: number | null
  /**
   * Why, for the dealer: stable for unchanged inputs (no current readings
   * that move every hour), so that re-running a check changes nothing.
   */
  detail: Record<string, unknown>
}

/** open: the dealer has something to do; done: a recorded service took care of it; dismissed: the dealer will not act on it */
export const REMINDER_STATES = ['open', 'done', 'dismissed'] as const
export type ReminderState = typeof REMINDER_STATES[number]

/** A dealer's (or a recorded service's) closing of a reminder. */
export type ReminderTransition = Transition<ReminderState>

/** Only an open reminder closes, either way; a closed one stays as it was closed. */
export const DISMISS: ReminderTransition = { verb: 'dismiss', from: ['open'], to: 'dismissed' }
export const SERVICE_DONE: ReminderTransition = { verb: 'mark done', from: ['open'], to: 'done' }
