/**
 * Service KPIs, computed from the stored timelines (faults and their events,
 * dealer alerts with their inbox events and webhook deliveries, commands):
 * nothing is counted separately, so a KPI can always be traced back to the
 * rows it came from. Plain SQL on PostgreSQL 15 and PGlite alike.
 *
 * The period selects faults by when they opened and commands by when they
 * were created, so a fault opened in March counts in March however late it
 * was repaired. Fault times are the vehicle's (the sample that opened the
 * fault), alert and command times the gateway's; T-boxes keep GNSS time, so
 * the two clocks agree to well under the seconds these KPIs are read in.
 *
 * Dealer scope: a dealer's KPIs cover its own alerts only; the fleet-wide
 * ones (fixed remotely, command success) are null there.
 */
import type pg from 'pg'
import type { DurationKpi, KpiQuery, RateKpi, ServiceKpis } from '../actions/kpis/model.js'

// $1 from, $2 to, $3 dealer id or NULL: the alerts of faults opened in the period
const ALERTS_IN_PERIOD = 'f.opened_at >= $1 AND f.opened_at < $2 AND ($3::text IS NULL OR a.dealer_id = $3)'
const ALERTS = `dealer_alerts a JOIN faults f ON f.id = a.fault_id WHERE ${ALERTS_IN_PERIOD}`

const firstEvent = (status: string): string =>
  `(SELECT min(e.time) FROM dealer_alert_events e WHERE e.alert_id = a.id AND e.status = '${status}')`

/** DurationKpi: count, mean and percentiles of the seconds in column `s` of `rows`. */
const durations = (rows: string): string =>
  `SELECT count(s)::int AS count, avg(s)::float8 AS "meanS",
     percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::float8 AS "p50S",
     percentile_cont(0.9) WITHIN GROUP (ORDER BY s)::float8 AS "p90S"
   FROM (${rows}) d WHERE s IS NOT NULL`

/** RateKpi from the count and hits columns of `rows` (rate null: no case). */
const rates = (rows: string): string =>
  `SELECT count, hits, CASE WHEN count = 0 THEN NULL ELSE hits::float8 / count END AS rate FROM (${rows}) r`

const seconds = (later: string, earlier: string): string => `extract(epoch FROM (${later}) - (${earlier}))::float8`

const FAULT_TO_ALERT = `
  WITH reached AS (
    SELECT f.opened_at, CASE WHEN w.n = 0 THEN a.created_at ELSE w.delivered_at END AS at
    FROM dealer_alerts a JOIN faults f ON f.id = a.fault_id
    CROSS JOIN LATERAL (SELECT count(*) AS n, min(wd.delivered_at) AS delivered_at FROM webhook_deliveries wd WHERE wd.alert_id = a.id) w
    WHERE ${ALERTS_IN_PERIOD})
  SELECT k.*, (SELECT count(*)::int FROM reached WHERE at IS NULL) AS undelivered
  FROM (${durations(`SELECT ${seconds('at', 'opened_at')} AS s FROM reached`)}) k`

const ALERT_TO_PARTS = durations(`SELECT ${seconds(firstEvent('parts_staged'), 'a.created_at')} AS s FROM ${ALERTS}`)

const FIRST_TIME_FIX = rates(`SELECT count(a.first_time_fix)::int AS count, count(*) FILTER (WHERE a.first_time_fix)::int AS hits FROM ${ALERTS}`)

// a fault may have been sent to several dealers (rescue): the first repair ends it
const DOWNTIME = durations(`SELECT ${seconds(`min(${firstEvent('repaired')})`, 'f.opened_at')} AS s FROM ${ALERTS} GROUP BY f.id, f.opened_at`)

const REPAIR_TIME = durations(`SELECT ${seconds(firstEvent('repaired'), firstEvent('appointment_booked'))} AS s FROM ${ALERTS}`)

const FIXED_REMOTELY = rates(`
  SELECT count(*)::int AS count,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM fault_events e WHERE e.fault_id = f.id AND e.type = 'fixed_remotely'))::int AS hits
  FROM faults f WHERE f.opened_at >= $1 AND f.opened_at < $2 AND f.state IN ('resolved', 'auto_cleared')`)

// one row per kind of command; a kind without commands in the period has none
const COMMAND_SUCCESS = `
  SELECT r.ota, r.count, r.hits, CASE WHEN r.count = 0 THEN NULL ELSE r.hits::float8 / r.count END AS rate
  FROM (SELECT c.body ? 'ota' AS ota,
      count(*) FILTER (WHERE c.state IN ('succeeded', 'failed', 'rejected', 'expired'))::int AS count,
      count(*) FILTER (WHERE c.state = 'succeeded')::int AS hits
    FROM commands c WHERE c.created_at >= $1 AND c.created_at < $2 AND (c.body ? 'ota' OR c.body ? 'action')
    GROUP BY 1) r`
const NO_CASE: RateKpi = { count: 0, hits: 0, rate: null }

export class KpiStore {
  constructor (private readonly pool: pg.Pool) {}

  /** The KPIs over a period the policy accepted (actions/kpis/policy.ts kpiPeriod). */
  async serviceKpis (query: KpiQuery): Promise<ServiceKpis> {
    const { from, to } = query
    const dealerId = query.dealerId ?? null
    const params = [from, to, dealerId]
    const one = async <R extends pg.QueryResultRow>(sql: string): Promise<R> => (await this.pool.query<R>(sql, params)).rows[0] as R
    const kpis: ServiceKpis = {
      from,
      to,
      dealerId,
      faultToAlert: await one<ServiceKpis['faultToAlert']>(FAULT_TO_ALERT),
      alertToPartsStaged: await one<DurationKpi>(ALERT_TO_PARTS),
      firstTimeFix: await one<RateKpi>(FIRST_TIME_FIX),
      downtime: await one<DurationKpi>(DOWNTIME),
      repairTime: await one<DurationKpi>(REPAIR_TIME),
      fixedRemotely: null,
      otaSuccess: null,
      remoteActionSuccess: null
    }
    if (dealerId !== null) return kpis
    kpis.fixedRemotely = (await this.pool.query<RateKpi>(FIXED_REMOTELY, [from, to])).rows[0] as RateKpi
    const commands = (await this.pool.query<RateKpi & { ota: boolean }>(COMMAND_SUCCESS, [from, to])).rows
    const of = (ota: boolean): RateKpi => {
      const { ota: _kind, ...rate } = commands.find((r) => r.ota === ota) ?? { ota, ...NO_CASE }
      return rate
    }
    kpis.otaSuccess = of(true)
    kpis.remoteActionSuccess = of(false)
    return kpis
  }
}
