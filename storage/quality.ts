/**
 * The fleet quality report: which DTCs and faults affect how many vehicles
 * of each model and firmware in a window, how that compares with the window
 * of equal length before it, and since when each has been seen. Read by
 * R&D, so figures are per cohort: the registered vehicles of one model and
 * firmware (and brand, when the report is filtered to one).
 *
 * What counts:
 * - vehicles affected: distinct vehicles that reported the DTC as failed
 *   (testFailed, pending or confirmed) / for which a fault of the rule
 *   opened, in the window. DTCs are grouped by their SAE J2012 code (the failure type byte
 *   of a 3-byte UDS DTC is left out, as rules and cases match them).
 * - occurrences of a DTC: distinct vehicle-days (UTC) it was reported on.
 *   Raw reports measure the T-box's cadence, not the defect (a standing DTC
 *   is repeated every 10 s by one T-box, in every batch by another, only on
 *   change by a third), and an onset cannot be told apart from a parked car:
 *   a gap in reports is as often the ignition off as the DTC healed. A
 *   vehicle-day does not depend on either. Occurrences of a fault: faults
 *   opened, since the rule engine already turns a condition into episodes
 *   (a fault that keeps firing, or fires again soon after clearing, is one).
 * - firmware is the vehicle's as it reports it now (vehicles.firmware): the
 *   batches do not keep it, so after an OTA update a vehicle's earlier
 *   reports count for its new firmware.
 * - the rate per 1,000 vehicles of both windows is over the cohort as it is
 *   now; `trend` is 'new' when the cohort never had it before the window,
 *   else 'rising' or 'falling' when the count of vehicles moved by more
 *   than chance would (trendOf), else 'steady'.
 *
 * DTCs are read from the hourly rollup migration 018 keeps, which makes a
 * window of an hour or more exact (MIN_QUALITY_WINDOW_MS); on TimescaleDB
 * the continuous aggregate of migration 029 of the same name and columns,
 * where a report stored late for an hour already refreshed counts from the
 * next refresh (storage/timescale.ts).
 */
import type pg from 'pg'
import { dtcText } from '../decoders/dtc/j2012.js'

export const QUALITY_KINDS = ['dtc', 'fault'] as const
export type QualityKind = typeof QUALITY_KINDS[number]
export type QualityTrend = 'new' | 'rising' | 'falling' | 'steady'

export const DEFAULT_QUALITY_WINDOW_MS = 7 * 86_400_000
const HOUR_MS = 3_600_000
/** the hourly DTC rollup answers exactly for windows of an hour or more */
export const MIN_QUALITY_WINDOW_MS = HOUR_MS
export const MAX_QUALITY_WINDOW_MS = 366 * 86_400_000
export const DEFAULT_QUALITY_LIMIT = 20
export const MAX_QUALITY_LIMIT = 500

/** A report as asked for, its window already checked (gateway/api/quality.ts qualityQuery). */
export interface QualityQuery {
  from: Date
  to: Date
  kinds: readonly QualityKind[]
  model?: string | undefined
  firmware?: string | undefined
  brand?: string | undefined
  limit: number
}

export interface QualityRow {
  kind: QualityKind
  /** a DTC's SAE J2012 code ('P0217'); a fault's rule id */
  code: string
  /** the rule's name; null for a DTC (and for a rule no longer stored) */
  name: string | null
  /** the rule's severity; null for a DTC */
  severity: string | null
  model: string | null
  firmware: string | null
  vehiclesAffected: number
  occurrences: number
  /** registered vehicles of the model and firmware (and brand, when filtered) */
  fleetSize: number
  ratePer1000: number
  previousVehiclesAffected: number
  previousRatePer1000: number
  /** ratePer1000 − previousRatePer1000 */
  rateDelta: number
  trend: QualityTrend
  /** the cohort's earliest report of the DTC / fault of the rule, ever */
  firstSeenAt: Date
}

export interface QualityReport {
  from: Date
  to: Date
  /** the previous window is [previousFrom, from), as long as [from, to) */
  previousFrom: Date
  rows: QualityRow[]
}

// $1 from, $2 to, $3 previous from, $4 model, $5 firmware, $6 brand, $7 kinds, $8 limit,
// $9 the hour $3 is in (the first rollup row that may hold a report after $3)
const VEHICLES_OF = (v: string): string =>
  `($4::text IS NULL OR ${v}.model = $4) AND ($5::text IS NULL OR ${v}.firmware = $5) AND ($6::text IS NULL OR ${v}.brand = $6)`
const SAME_COHORT = (a: string, b: string): string =>
  `${a}.model IS NOT DISTINCT FROM ${b}.model AND ${a}.firmware IS NOT DISTINCT FROM ${b}.firmware`
// a rollup row (h) was reported within [a, b): see migration 018
const REPORTED = (a: string, b: string): string =>
  `((h.first_at >= ${a} AND h.first_at < ${b}) OR (h.last_at >= ${a} AND h.last_at < ${b}))`

const REPORT = `
WITH dtc_days AS (
  SELECT h.vehicle_id, h.dtc >> 8 AS code, (h.hour AT TIME ZONE 'UTC')::date AS day,
    bool_or(${REPORTED('$1', '$2')}) AS in_window, bool_or(${REPORTED('$3', '$1')}) AS in_previous
  FROM dtc_report_hours h
  WHERE 'dtc' = ANY ($7::text[]) AND h.hour >= $9 AND h.hour < $2
  GROUP BY 1, 2, 3
), dtc_vehicles AS (
  -- per vehicle first, so that the counts per cohort need no DISTINCT (a sort per group)
  SELECT vehicle_id, code, count(*) FILTER (WHERE in_window) AS days, bool_or(in_previous) AS in_previous
  FROM dtc_days GROUP BY 1, 2
), fault_vehicles AS (
  SELECT vehicle_id, rule_id, count(*) FILTER (WHERE opened_at >= $1) AS opened, bool_or(opened_at < $1) AS in_previous
  FROM faults WHERE 'fault' = ANY ($7::text[]) AND opened_at >= $3 AND opened_at < $2
  GROUP BY 1, 2
), counted AS (
  SELECT 'dtc' AS kind, v.model COLLATE "C" AS model, v.firmware COLLATE "C" AS firmware, d.code AS dtc, NULL::text AS rule,
    count(*) FILTER (WHERE d.days > 0)::int AS affected, sum(d.days)::int AS occurrences, count(*) FILTER (WHERE d.in_previous)::int AS previous
  FROM dtc_vehicles d JOIN vehicles v ON v.id = d.vehicle_id
  WHERE ${VEHICLES_OF('v')}
  GROUP BY d.code, v.model COLLATE "C", v.firmware COLLATE "C" HAVING sum(d.days) > 0
  UNION ALL
  SELECT 'fault', v.model COLLATE "C", v.firmware COLLATE "C", NULL, f.rule_id,
    count(*) FILTER (WHERE f.opened > 0)::int, sum(f.opened)::int, count(*) FILTER (WHERE f.in_previous)::int
  FROM fault_vehicles f JOIN vehicles v ON v.id = f.vehicle_id
  WHERE ${VEHICLES_OF('v')}
  GROUP BY f.rule_id, v.model COLLATE "C", v.firmware COLLATE "C" HAVING sum(f.opened) > 0
), top AS (
  SELECT * FROM counted
  ORDER BY affected DESC, occurrences DESC, kind, model COLLATE "C", firmware COLLATE "C", dtc, rule COLLATE "C"
  LIMIT $8
), fleet AS MATERIALIZED (
  SELECT v.id, v.model, v.firmware FROM vehicles v WHERE ${VEHICLES_OF('v')}
), sizes AS MATERIALIZED (
  SELECT model, firmware, count(*)::int AS size FROM fleet GROUP BY 1, 2
), dtc_firsts AS MATERIALIZED (
  -- one pass over the first reports of the codes shown (a range scan per code read more: common codes are in most
  -- vehicles), joined to the fleet by hash (a vehicle looked up per report took longer than the rest of the report)
  SELECT v.model, v.firmware, r.dtc >> 8 AS code, min(r.first_at) AS first_at
  FROM dtc_first_reports r JOIN fleet v ON v.id = r.vehicle_id
  WHERE r.dtc >> 8 IN (SELECT dtc FROM top WHERE kind = 'dtc')
  GROUP BY 1, 2, 3
)
SELECT t.kind, t.model, t.firmware, t.dtc, t.rule, t.affected AS "vehiclesAffected", t.occurrences,
  t.previous AS "previousVehiclesAffected", s.size AS "fleetSize",
  r.definition->>'name' AS name, r.definition->>'severity' AS severity,
  CASE WHEN t.kind = 'dtc' THEN df.first_at
    -- the rule's faults in time order, up to the first in the cohort
    ELSE (SELECT f.opened_at FROM faults f JOIN vehicles v ON v.id = f.vehicle_id
      WHERE f.rule_id = t.rule AND ${SAME_COHORT('v', 't')} AND ${VEHICLES_OF('v')} ORDER BY f.opened_at LIMIT 1)
  END AS "firstSeenAt"
FROM top t
JOIN sizes s ON ${SAME_COHORT('s', 't')}
LEFT JOIN dtc_firsts df ON df.code = t.dtc AND ${SAME_COHORT('df', 't')}
LEFT JOIN rules r ON r.id = t.rule
ORDER BY t.affected DESC, t.occurrences DESC, t.kind, t.model COLLATE "C", t.firmware COLLATE "C", t.dtc, t.rule COLLATE "C"`

interface CountedRow {
  kind: QualityKind
  model: string | null
  firmware: string | null
  dtc: number | null
  rule: string | null
  vehiclesAffected: number
  occurrences: number
  previousVehiclesAffected: number
  fleetSize: number
  name: string | null
  severity: string | null
  firstSeenAt: Date
}

export class QualityStore {
  constructor (private readonly pool: pg.Pool) {}

  async report (query: QualityQuery): Promise<QualityReport> {
    const { from, to } = query
    const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()))
    const firstHour = new Date(Math.floor(previousFrom.getTime() / HOUR_MS) * HOUR_MS)
    const res = await this.pool.query<CountedRow>(REPORT, [from, to, previousFrom,
      query.model ?? null, query.firmware ?? null, query.brand ?? null, query.kinds, query.limit, firstHour])
    return { from, to, previousFrom, rows: res.rows.map((r) => qualityRow(r, from)) }
  }
}

function qualityRow (r: CountedRow, from: Date): QualityRow {
  const per1000 = (vehicles: number): number => Math.round(vehicles / r.fleetSize * 1_000_000) / 1000
  const ratePer1000 = per1000(r.vehiclesAffected)
  const previousRatePer1000 = per1000(r.previousVehiclesAffected)
  return {
    kind: r.kind,
    code: r.kind === 'dtc' ? dtcText(r.dtc as number) : r.rule as string,
    name: r.kind === 'dtc' ? null : r.name,
    severity: r.kind === 'dtc' ? null : r.severity,
    model: r.model,
    firmware: r.firmware,
    vehiclesAffected: r.vehiclesAffected,
    occurrences: r.occurrences,
    fleetSize: r.fleetSize,
    ratePer1000,
    previousVehiclesAffected: r.previousVehiclesAffected,
    previousRatePer1000,
    rateDelta: Math.round((ratePer1000 - previousRatePer1000) * 1000) / 1000,
    trend: r.firstSeenAt >= from ? 'new' : trendOf(r.vehiclesAffected, r.previousVehiclesAffected),
    firstSeenAt: r.firstSeenAt
  }
}

/**
 * Rising or falling when the two windows' counts of vehicles differ by more
 * than twice the standard deviation of the difference of two Poisson counts
 * (√(now + before)), about what chance gives once in 20: a fleet's 3
 * vehicles against 1 is noise, 100 against 60 is not. Both windows are
 * over the same cohort, so counts compare as rates do.
 */
export function trendOf (now: number, before: number): Exclude<QualityTrend, 'new'> {
  const delta = now - before
  if (Math.abs(delta) <= 2 * Math.sqrt(now + before)) return 'steady'
  return delta > 0 ? 'rising' : 'falling'
}
