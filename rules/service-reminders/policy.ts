/**
 * What is due: pure functions from a vehicle's service history and readings
 * (intervals) or from daily aggregates of its stored samples (trends) to
 * findings that the check (gateway/service-reminders.ts) stores as service
 * reminders. No I/O; times are epoch milliseconds, days are whole UTC days
 * since the epoch.
 */
import { inScope as scopeMatches, type VehicleScopeInfo } from '../scope.js'
import type {
  ReminderDefinition, ReminderFinding, ServiceIntervalDefinition, TrendDefinition, TrendSpec, TrendTest
} from './model.js'

export const DAY_MS = 86_400_000

export type { VehicleScopeInfo } from '../scope.js'

export function inScope (def: ReminderDefinition, info: VehicleScopeInfo): boolean {
  return scopeMatches(def.scope, info)
}

/**
 * How long a dismissal keeps the same finding from being raised again: an
 * interval's for good (null: its limits move only with a new service), a
 * trend's for one window (after that the window holds only newer days).
 */
export function dismissalHoldsSince (def: ReminderDefinition, now: number): number | null {
  return def.kind === 'interval' ? null : now - def.trend.windowDays * DAY_MS
}

/** A recorded service as an interval counts from it; a reading not recorded is null. */
export interface ServiceBasis {
  time: number
  odometerKm: number | null
  engineHours: number | null
}

export interface VehicleServiceState {
  /** the latest recorded service that covered this item; absent: none */
  lastService?: ServiceBasis | undefined
  /**
   * Without a recorded service the intervals count from 0 km, 0 h and the
   * vehicle's registration in Pitwall (the closest thing to a delivery date
   * it knows); a dealer records the real last service to correct that.
   */
  registeredAt: number
  /** latest stored readings; absent: never reported */
  odometerKm?: number | undefined
  engineHours?: number | undefined
}

type Level = 'due' | 'due_soon' | undefined
type Dimension = 'km' | 'hours' | 'time'

/**
 * Due when any limit of the interval is reached (whichever first), due soon
 * when any is within its margin; undefined when neither. A limit whose
 * reading (or whose reading at the last service) is unknown is skipped:
 * nothing can be said about it.
 */
export function evaluateInterval (def: ServiceIntervalDefinition, state: VehicleServiceState, now: number): ReminderFinding | undefined {
  const basis: ServiceBasis = state.lastService ?? { time: state.registeredAt, odometerKm: 0, engineHours: 0 }
  const { every, dueSoon } = def
  const levels: Array<[Dimension, Level]> = []
  const level = (reading: number, limit: number, margin: number): Level => reading >= limit ? 'due' : reading >= limit - margin ? 'due_soon' : undefined

  const dueKm = every.km === undefined || basis.odometerKm === null ? null : basis.odometerKm + every.km
  if (dueKm !== null && state.odometerKm !== undefined) levels.push(['km', level(state.odometerKm, dueKm, dueSoon.km)])
  const dueHours = every.hours === undefined || basis.engineHours === null ? null : basis.engineHours + every.hours
  if (dueHours !== null && state.engineHours !== undefined) levels.push(['hours', level(state.engineHours, dueHours, dueSoon.hours)])
  const dueAt = every.days !== undefined
    ? basis.time + every.days * DAY_MS
    : every.months !== undefined ? addMonthsUtc(basis.time, every.months) : null
  if (dueAt !== null) levels.push(['time', level(now, dueAt, dueSoon.days * DAY_MS)])

  const reached = (l: Level): Dimension[] => levels.filter(([, x]) => x === l).map(([d]) => d)
  const due = reached('due')
  const soon = reached('due_soon')
  if (due.length === 0 && soon.length === 0) return undefined
  return {
    kind: due.length > 0 ? 'due' : 'due_soon',
    dueAt,
    dueKm,
    dueHours,
    detail: {
      task: def.task,
      parts: def.parts,
      every: def.every,
      // what the limits count from; the readings now are left out on purpose (see ReminderFinding.detail)
      since: state.lastService === undefined
        ? { registration: new Date(basis.time).toISOString() }
        : { service: new Date(basis.time).toISOString(), odometerKm: basis.odometerKm, engineHours: basis.engineHours },
      due,
      dueSoon: soon
    }
  }
}

/**
 * Calendar months in UTC: 31 January + 1 month is 28 (or 29) February, as a
 * service booklet reads, not 3 March.
 */
export function addMonthsUtc (time: number, months: number): number {
  const d = new Date(time)
  const month = d.getUTCMonth() + months
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), month + 1, 0)).getUTCDate()
  return Date.UTC(d.getUTCFullYear(), month, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())
}

/**
 * The days a trend reads: the `windowDays` complete UTC days before today's.
 * Today's partial day is left out so that hourly checks see the same days
 * all day long (a slow trend loses nothing by waiting for midnight).
 * Returns [fromDay, toDay), whole days since the epoch.
 */
export function trendWindow (spec: TrendSpec, now: number): { fromDay: number, toDay: number } {
  const toDay = Math.floor(now / DAY_MS)
  return { fromDay: toDay - spec.windowDays, toDay }
}

/** One day's aggregate of a vehicle's signal (the definition's min, avg or max). */
export interface DailyValue {
  /** whole UTC days since the epoch */
  day: number
  value: number
}

/**
 * A trend reminder when, over the days of the window with data (at least
 * minDays of them), the least-squares slope or the latest day's value passes
 * its test (either one suffices). Days up to and including that of the last
 * service covering the item are left out: they describe the part before it
 * was fixed.
 */
export function evaluateTrend (def: TrendDefinition, daily: readonly DailyValue[], now: number, lastServiceAt?: number): ReminderFinding | undefined {
  const spec = def.trend
  const { fromDay, toDay } = trendWindow(spec, now)
  const firstDay = lastServiceAt === undefined ? fromDay : Math.max(fromDay, Math.floor(lastServiceAt / DAY_MS) + 1)
  const days = daily.filter((d) => d.day >= firstDay && d.day < toDay && Number.isFinite(d.value)).sort((a, b) => a.day - b.day)
  if (days.length < spec.minDays || days.length === 0) return undefined
  const latest = days[days.length - 1] as DailyValue
  const slope = days.length >= 2 ? leastSquaresSlope(days) : undefined
  const exceeded: Array<'slope' | 'last'> = []
  if (spec.slope !== undefined && slope !== undefined && passes(slope, spec.slope)) exceeded.push('slope')
  if (spec.last !== undefined && passes(latest.value, spec.last)) exceeded.push('last')
  if (exceeded.length === 0) return undefined
  return {
    kind: 'trend',
    dueAt: null,
    dueKm: null,
    dueHours: null,
    detail: {
      task: def.task,
      parts: def.parts,
      signal: spec.signal,
      ...(spec.minus === undefined ? {} : { minus: spec.minus }),
      aggregate: spec.aggregate,
      from: isoDay((days[0] as DailyValue).day),
      to: isoDay(latest.day),
      days: days.length,
      // rounded: the database may sum floats in another order next time, and
      // a difference in the 15th digit must not count as a change
      ...(slope === undefined ? {} : { slopePerDay: round(slope) }),
      last: { day: isoDay(latest.day), value: round(latest.value) },
      tests: { ...(spec.slope === undefined ? {} : { slope: spec.slope }), ...(spec.last === undefined ? {} : { last: spec.last }) },
      exceeded
    }
  }
}

/** Slope of the least-squares line through (day, value): Σ(x-x̄)(y-ȳ) / Σ(x-x̄)². */
export function leastSquaresSlope (points: readonly DailyValue[]): number {
  const n = points.length
  let sx = 0
  let sy = 0
  for (const p of points) { sx += p.day; sy += p.value }
  const mx = sx / n
  const my = sy / n
  let sxy = 0
  let sxx = 0
  for (const p of points) {
    sxy += (p.day - mx) * (p.value - my)
    sxx += (p.day - mx) * (p.day - mx)
  }
  return sxx === 0 ? 0 : sxy / sxx
}

function passes (value: number, test: TrendTest): boolean {
  switch (test.op) {
    case '<': return value < test.value
    case '<=': return value <= test.value
    case '>': return value > test.value
    case '>=': return value >= test.value
  }
}

const round = (x: number): number => Number(x.toPrecision(6))
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)
