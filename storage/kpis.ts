/**
 * Service KPIs, computed from the stored timelines (faults and their events,
 * dealer alerts with their inbox events and webhook deliveries, survey
 * answers, commands): nothing is counted separately, so a KPI can always be
 * traced back to the rows it came from. Plain SQL on PostgreSQL 15 and
 * PGlite alike.
 *
 * The period selects faults by when they opened and commands by when they
 * were created, so a fault opened in March counts in March however late it
 * was repaired or rated; a group's week is the same time's ISO 8601 week in
 * UTC. Fault times are the vehicle's (the sample that opened the fault),
 * alert and command times the gateway's; T-boxes keep GNSS time, so the two
 * clocks agree to well under the seconds these KPIs are read in.
 *
 * Each KPI is one query over one row per case (alert, fault, survey answer,
 * command) carrying its group keys, aggregated with GROUPING SETS: the
 * period's figures and each group's come from the same rows in one pass.
 *
 * Dealer scope: a dealer's KPIs cover its own alerts only; the fleet-wide
 * ones (fixed remotely, command success) are null there.
 */
import type pg from 'pg'
import {
  DEFAULT_FTF_WINDOW_DAYS, KPI_GROUP_KEYS,
  type BackOnRoadKpi, type CsiKpi, type DurationKpi, type KpiFigures, type KpiGroup, type KpiGroupKey, type KpiQuery, type NpsKpi, type RateKpi,
  type ServiceKpis, type VerifiedFixKpi
} from '../actions/kpis/model.js'

// $1 from, $2 to, $3 dealer id or NULL: the alerts of faults opened in the period
const ALERTS_IN_PERIOD = 'f.opened_at >= $1 AND f.opened_at < $2 AND ($3::text IS NULL OR a.dealer_id = $3)'
const FAULTS_IN_PERIOD = 'f.opened_at >= $1 AND f.opened_at < $2'
/** the ISO 8601 week of a time, in UTC: 2026-W10 */
const week = (time: string): string => `to_char(${time} AT TIME ZONE 'UTC', 'IYYY-"W"IW')`
/** the group keys of a fault's row */
const FAULT_KEYS = `v.model AS model, ${week('f.opened_at')} AS week`
const ALERTS = `dealer_alerts a JOIN faults f ON f.id = a.fault_id JOIN vehicles v ON v.id = f.vehicle_id WHERE ${ALERTS_IN_PERIOD}`

const firstEvent = (status: string): string =>
  `(SELECT min(e.time) FROM dealer_alert_events e WHERE e.alert_id = a.id AND e.status = '${status}')`

const seconds = (later: string, earlier: string): string => `extract(epoch FROM (${later}) - (${earlier}))::float8`

/** DurationKpi of the seconds in column `s` (percentile_cont, avg and count skip the nulls: a case not reached yet). */
const DURATION = `count(s)::int AS count, avg(s)::float8 AS "meanS",
  percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::float8 AS "p50S", percentile_cont(0.9) WITHIN GROUP (ORDER BY s)::float8 AS "p90S"`

/**
 * `aggregates` over `rows` for the whole period (overall) and, when grouped,
 * per group; `always` columns are grouped by in both (a command's kind).
 */
function grouped (rows: string, aggregates: string, by: readonly KpiGroupKey[], always: readonly string[] = []): string {
  const keys = KPI_GROUP_KEYS.map((k) => by.includes(k) ? `r.${k}` : `NULL::text AS ${k}`).join(', ')
  // Monday 00:00 UTC of the ISO week (to_date reads IYYY-IW as the week's Monday)
  const weekStart = by.includes('week') ? `to_date(r.week, 'IYYY-"W"IW')::timestamp AT TIME ZONE 'UTC'` : 'NULL::timestamptz'
  const base = always.map((c) => `r.${c}`)
  const sets = by.length === 0 ? `(${base.join(', ')})` : `(${base.join(', ')}), (${[...base, ...by.map((k) => `r.${k}`)].join(', ')})`
  // a model may be null (a vehicle without one): grouping() tells the period's row from that group's
  const overall = by.length === 0 ? 'true' : `grouping(r.${by[0] as string}) = 1`
  return `SELECT ${overall} AS overall, ${keys}, ${weekStart} AS "weekStart"${base.map((c) => `, ${c}`).join('')}, ${aggregates} FROM (${rows}) r GROUP BY GROUPING SETS (${sets})`
}

const FAULT_TO_ALERT_ROWS = `
  SELECT ${FAULT_KEYS}, ${seconds('w.at', 'f.opened_at')} AS s, w.at IS NULL AS undelivered
  FROM dealer_alerts a JOIN faults f ON f.id = a.fault_id JOIN vehicles v ON v.id = f.vehicle_id
  CROSS JOIN LATERAL (SELECT CASE WHEN count(*) = 0 THEN a.created_at ELSE min(wd.delivered_at) END AS at
    -- the alert's own delivery, not the updates that followed it (migration 024: those carry notice_id)
    FROM webhook_deliveries wd WHERE wd.alert_id = a.id AND wd.notice_id IS NULL) w
  WHERE ${ALERTS_IN_PERIOD}`

const ALERT_TO_PARTS_ROWS = `SELECT ${FAULT_KEYS}, ${seconds(firstEvent('parts_staged'), 'a.created_at')} AS s FROM ${ALERTS}`

const FIRST_TIME_FIX_ROWS = `SELECT ${FAULT_KEYS}, a.first_time_fix AS flag FROM ${ALERTS}`

/**
 * Each repaired alert with what the data says of its fix ($4 window in days,
 * $5 now): failed when the same rule's fault came back on the vehicle after
 * the repair and within the window (a new fault opened, or one reoccurred:
 * the engine writes a `reoccurred` event for an occurrence after a clear,
 * and for one added to a fault still open), verified when the window has
 * passed without that, pending until then.
 */
const VERIFIED_FIX_ROWS = `
  SELECT x.model, x.week, x.flag,
    CASE WHEN EXISTS (
        SELECT 1 FROM faults g WHERE g.vehicle_id = x.vehicle_id AND g.rule_id = x.rule_id AND (
          (g.opened_at > x.repaired_at AND g.opened_at <= x.repaired_at + $4 * interval '1 day')
          OR EXISTS (SELECT 1 FROM fault_events e WHERE e.fault_id = g.id AND e.type = 'reoccurred'
            AND e.time > x.repaired_at AND e.time <= x.repaired_at + $4 * interval '1 day')))
      THEN 'failed'
      WHEN x.repaired_at + $4 * interval '1 day' <= $5 THEN 'verified'
      ELSE 'pending' END AS outcome
  FROM (SELECT ${FAULT_KEYS}, a.first_time_fix AS flag, f.vehicle_id, f.rule_id, ${firstEvent('repaired')} AS repaired_at FROM ${ALERTS}) x
  WHERE x.repaired_at IS NOT NULL`
const VERIFIED_FIX = `count(*) FILTER (WHERE outcome <> 'pending')::int AS count, count(*) FILTER (WHERE outcome = 'verified')::int AS hits,
  count(*) FILTER (WHERE outcome = 'pending')::int AS pending,
  count(*) FILTER (WHERE outcome <> 'pending' AND flag IS NOT NULL AND flag <> (outcome = 'verified'))::int AS disagreements,
  count(*) FILTER (WHERE outcome = 'failed' AND flag)::int AS "flaggedButReoccurred"`

// a fault may have been sent to several dealers (rescue): the first repair ends it
const DOWNTIME_ROWS = `SELECT ${FAULT_KEYS}, ${seconds(`min(${firstEvent('repaired')})`, 'f.opened_at')} AS s FROM ${ALERTS} GROUP BY f.id, v.id`

/**
 * Each fault with when it ended for the customer: the first repair (of the
 * dealer's alerts, in a dealer's scope), or the fault clearing after a
 * confirmed remote fix (the time it cleared, which the fixed_remotely event
 * keeps: a later reoccurrence empties the fault's cleared_at).
 */
const BACK_ON_ROAD_ROWS = `
  SELECT ${FAULT_KEYS}, ${seconds('least(r.at, x.at)', 'f.opened_at')} AS s, x.at IS NOT NULL AND (r.at IS NULL OR x.at <= r.at) AS remote
  FROM faults f JOIN vehicles v ON v.id = f.vehicle_id
  CROSS JOIN LATERAL (SELECT min(e.time) AS at FROM dealer_alerts a JOIN dealer_alert_events e ON e.alert_id = a.id
    WHERE a.fault_id = f.id AND e.status = 'repaired' AND ($3::text IS NULL OR a.dealer_id = $3)) r
  CROSS JOIN LATERAL (SELECT min(coalesce((e.detail->>'clearedAt')::timestamptz, e.time)) AS at FROM fault_events e
    WHERE e.fault_id = f.id AND e.type = 'fixed_remotely') x
  WHERE ${FAULTS_IN_PERIOD} AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM dealer_alerts a WHERE a.fault_id = f.id AND a.dealer_id = $3))`

const REPAIR_TIME_ROWS = `SELECT ${FAULT_KEYS}, ${seconds(firstEvent('repaired'), firstEvent('appointment_booked'))} AS s FROM ${ALERTS}`

const SURVEY_ROWS = `SELECT ${FAULT_KEYS}, s.csi, s.recommend FROM alert_surveys s JOIN dealer_alerts a ON a.id = s.alert_id
  JOIN faults f ON f.id = a.fault_id JOIN vehicles v ON v.id = f.vehicle_id WHERE ${ALERTS_IN_PERIOD}`
const SURVEYS = `count(csi)::int AS "csiCount", avg(csi)::float8 AS "csiMean", count(recommend)::int AS "npsCount",
  count(*) FILTER (WHERE recommend >= 9)::int AS promoters, count(*) FILTER (WHERE recommend BETWEEN 7 AND 8)::int AS passives,
  count(*) FILTER (WHERE recommend <= 6)::int AS detractors`

const FIXED_REMOTELY_ROWS = `
  SELECT ${FAULT_KEYS}, EXISTS (SELECT 1 FROM fault_events e WHERE e.fault_id = f.id AND e.type = 'fixed_remotely') AS hit
  FROM faults f JOIN vehicles v ON v.id = f.vehicle_id WHERE ${FAULTS_IN_PERIOD} AND f.state IN ('resolved', 'auto_cleared')`

const COMMAND_ROWS = `
  SELECT v.model AS model, ${week('c.created_at')} AS week, c.body ? 'ota' AS ota, c.state
  FROM commands c JOIN vehicles v ON v.id = c.vehicle_id
  WHERE c.created_at >= $1 AND c.created_at < $2 AND (c.body ? 'ota' OR c.body ? 'action')`
const COMMANDS = `count(*) FILTER (WHERE state IN ('succeeded', 'failed', 'rejected', 'expired'))::int AS count,
  count(*) FILTER (WHERE state = 'succeeded')::int AS hits`

type Row = { overall: boolean, model: string | null, week: string | null, weekStart: Date | null } & Record<string, unknown>

const noDuration = (): DurationKpi => ({ count: 0, meanS: null, p50S: null, p90S: null })
const rateOf = (count: number, hits: number): RateKpi => ({ count, hits, rate: count === 0 ? null : hits / count })
// to the millisecond: interpolated percentiles carry float noise (5591520.000000001 s) nobody reads
const ms = (s: unknown): number | null => s === null ? null : Math.round((s as number) * 1000) / 1000
const duration = (r: Row): DurationKpi => ({ count: r.count as number, meanS: ms(r.meanS), p50S: ms(r.p50S), p90S: ms(r.p90S) })

function emptyFigures (fleet: boolean): KpiFigures {
  const rate = (): RateKpi | null => fleet ? rateOf(0, 0) : null
  return {
    faultToAlert: { ...noDuration(), undelivered: 0 },
    alertToPartsStaged: noDuration(),
    firstTimeFix: rateOf(0, 0),
    verifiedFirstTimeFix: { ...rateOf(0, 0), pending: 0, disagreements: 0, flaggedButReoccurred: 0 },
    downtime: noDuration(),
    backOnRoad: { ...noDuration(), remote: 0 },
    repairTime: noDuration(),
    csi: { count: 0, mean: null },
    nps: { count: 0, promoters: 0, passives: 0, detractors: 0, score: null },
    fixedRemotely: rate(),
    otaSuccess: rate(),
    remoteActionSuccess: rate()
  }
}

export class KpiStore {
  constructor (private readonly pool: pg.Pool) {}

  /** The KPIs over a period, and per group, as the policy accepted them (actions/kpis/policy.ts). */
  async serviceKpis (query: KpiQuery): Promise<ServiceKpis> {
    const { from, to } = query
    const dealerId = query.dealerId ?? null
    const fleet = dealerId === null
    const by = [...(query.groupBy ?? [])]
    const windowDays = query.ftfWindowDays ?? DEFAULT_FTF_WINDOW_DAYS
    const params = [from, to, dealerId]

    const overall = emptyFigures(fleet)
    const groups = new Map<string, KpiGroup>()
    /** the figures a row belongs to: the period's, or its group's (made when first met) */
    const figuresOf = (r: Row): KpiFigures => {
      if (r.overall) return overall
      const key = JSON.stringify([r.model, r.week])
      let group = groups.get(key)
      if (group === undefined) {
        group = { model: r.model, week: r.week, weekStart: r.weekStart, ...emptyFigures(fleet) }
        groups.set(key, group)
      }
      return group
    }
    const each = async (rows: string, aggregates: string, values: unknown[], set: (f: KpiFigures, r: Row) => void, always: string[] = []): Promise<void> => {
      for (const r of (await this.pool.query<Row>(grouped(rows, aggregates, by, always), values)).rows) set(figuresOf(r), r)
    }

    await each(FAULT_TO_ALERT_ROWS, `${DURATION}, count(*) FILTER (WHERE undelivered)::int AS undelivered`, params,
      (f, r) => { f.faultToAlert = { ...duration(r), undelivered: r.undelivered as number } })
    await each(ALERT_TO_PARTS_ROWS, DURATION, params, (f, r) => { f.alertToPartsStaged = duration(r) })
    await each(FIRST_TIME_FIX_ROWS, 'count(flag)::int AS count, count(*) FILTER (WHERE flag)::int AS hits', params,
      (f, r) => { f.firstTimeFix = rateOf(r.count as number, r.hits as number) })
    await each(VERIFIED_FIX_ROWS, VERIFIED_FIX, [...params, windowDays, query.now ?? new Date()], (f, r) => {
      const v: VerifiedFixKpi = {
        ...rateOf(r.count as number, r.hits as number),
        pending: r.pending as number,
        disagreements: r.disagreements as number,
        flaggedButReoccurred: r.flaggedButReoccurred as number
      }
      f.verifiedFirstTimeFix = v
    })
    await each(DOWNTIME_ROWS, DURATION, params, (f, r) => { f.downtime = duration(r) })
    await each(BACK_ON_ROAD_ROWS, `${DURATION}, count(*) FILTER (WHERE remote AND s IS NOT NULL)::int AS remote`, params, (f, r) => {
      const b: BackOnRoadKpi = { ...duration(r), remote: r.remote as number }
      f.backOnRoad = b
    })
    await each(REPAIR_TIME_ROWS, DURATION, params, (f, r) => { f.repairTime = duration(r) })
    await each(SURVEY_ROWS, SURVEYS, params, (f, r) => {
      const csi: CsiKpi = { count: r.csiCount as number, mean: r.csiMean as number | null }
      const count = r.npsCount as number
      const [promoters, detractors] = [r.promoters as number, r.detractors as number]
      const nps: NpsKpi = { count, promoters, passives: r.passives as number, detractors, score: count === 0 ? null : 100 * (promoters - detractors) / count }
      f.csi = csi
      f.nps = nps
    })
    if (fleet) {
      await each(FIXED_REMOTELY_ROWS, 'count(*)::int AS count, count(*) FILTER (WHERE hit)::int AS hits', [from, to],
        (f, r) => { f.fixedRemotely = rateOf(r.count as number, r.hits as number) })
      await each(COMMAND_ROWS, COMMANDS, [from, to], (f, r) => {
        const rate = rateOf(r.count as number, r.hits as number)
        if (r.ota === true) f.otaSuccess = rate
        else f.remoteActionSuccess = rate
      }, ['ota'])
    }

    const ordered = [...groups.values()].sort((a, b) => compareNullsLast(a.model, b.model) || compareNullsLast(a.week, b.week))
    return { from, to, dealerId, ftfWindowDays: windowDays, ...overall, groupBy: by, groups: ordered }
  }
}

function compareNullsLast (a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}
