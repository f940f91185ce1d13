/**
 * Service reminders in storage: services dealers record, what the reminder
 * check (gateway/service-reminders.ts) reads (latest odometer / engine
 * hours, the last service per item, daily aggregates of stored samples) and
 * the reminders it writes. Plain SQL that runs on PostgreSQL 15 and on
 * PGlite alike.
 */
import type pg from 'pg'
import { catalogSignalByName } from '../decoders/catalog.js'
import type { CompareOp } from '../rules/model.js'
import { SERVICE_DONE, type ReminderKind, type ReminderState, type ReminderTransition } from '../rules/service-reminders/model.js'
import { PitwallError } from '../runtime/errors.js'
import { cannotMove, refusedMove } from '../runtime/transition.js'

export interface ServiceRecordInput {
  vin: string
  time: Date
  /** when absent, the latest stored reading at or before `time` (NULL if there is none) */
  odometerKm?: number | undefined
  engineHours?: number | undefined
  /** ids of the maintenance items (reminder definitions) the service took care of */
  covers: readonly string[]
  description: string
  by: string
  /** when set, only a vehicle whose own dealer (vehicles.dealer_id) this is; any other reads as unknown */
  dealerId?: string | undefined
}

export interface ServiceRecord {
  id: number
  vehicleId: number
  vin: string
  time: Date
  odometerKm: number | null
  engineHours: number | null
  covers: string[]
  description: string
  by: string
}

/** A vehicle as the reminder check sees it. */
export interface FleetVehicle {
  vehicleId: number
  vin: string
  model: string | null
  firmware: string | null
  registeredAt: Date
  /** latest stored Vehicle.TraveledDistance / EngineHours sample; null: none */
  odometerKm: number | null
  engineHours: number | null
}

export interface LastService {
  vehicleId: number
  ruleId: string
  time: Date
  odometerKm: number | null
  engineHours: number | null
}

export interface DailyAggregateQuery {
  /** catalog name */
  signal: string
  /** when set, aggregates signal - minus, paired by their means in the same minute */
  minus?: string | undefined
  /** only minutes in which every sample of this signal satisfies the comparison (and at least one exists) */
  where?: { signal: string, op: CompareOp, value: number } | undefined
  from: Date
  to: Date
  /** default: every vehicle */
  vehicleIds?: readonly number[] | undefined
}

export interface DailyAggregate {
  vehicleId: number
  /** UTC day, YYYY-MM-DD */
  day: string
  min: number
  avg: number
  max: number
  /** samples (or, with `minus`, paired minutes) that went into the day */
  samples: number
}

export interface ReminderCandidate {
  vehicleId: number
  ruleId: string
  kind: ReminderKind
  dueAt: Date | null
  dueKm: number | null
  dueHours: number | null
  detail: Record<string, unknown>
  /**
   * A dismissed reminder of the same kind and limits keeps this one from
   * being raised: for good when null (an interval: the limits move only
   * with a new service), else only if it was dismissed at or after this time
   * (a trend: a dismissal lasts one window).
   */
  suppressDismissedSince: Date | null
}

export interface ServiceReminder extends Omit<ReminderCandidate, 'suppressDismissedSince'> {
  id: number
  vin: string
  state: ReminderState
  createdAt: Date
  updatedAt: Date
  closedAt: Date | null
  closedBy: string | null
}

/** opened: new; changed: its kind or limits moved (e.g. due soon -> due); refreshed: only the detail did */
export type ReminderChangeType = 'opened' | 'changed' | 'refreshed'

export interface ReminderChange {
  change: ReminderChangeType
  reminder: ServiceReminder
}

export interface ReminderQuery {
  vin?: string | undefined
  /** only vehicles whose own dealer (vehicles.dealer_id) this is */
  dealerId?: string | undefined
  state?: ReminderState | undefined
  ruleId?: string | undefined
  /** newest first; default 100 */
  limit?: number | undefined
}

const ODOMETER = signalId('Vehicle.TraveledDistance')
const ENGINE_HOURS = signalId('Vehicle.Powertrain.CombustionEngine.EngineHours')

const SQL_OPS: Record<CompareOp, string> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=', '==': '=', '!=': '<>' }

/** A ServiceReminder from service_reminders `r` joined with vehicles `v`. */
const REMINDER_COLUMNS = `r.id, r.vehicle_id AS "vehicleId", v.vin, r.rule_id AS "ruleId", r.kind, r.due_at AS "dueAt", r.due_km AS "dueKm",
  r.due_hours AS "dueHours", r.detail, r.state, r.created_at AS "createdAt", r.updated_at AS "updatedAt", r.closed_at AS "closedAt",
  r.closed_by AS "closedBy"`

/** A ServiceRecord from service_records `s` joined with vehicles `v`. */
const SERVICE_COLUMNS = `s.id, s.vehicle_id AS "vehicleId", v.vin, s.time, s.odometer_km AS "odometerKm", s.engine_hours AS "engineHours",
  s.covers, s.description, s.by`

// One statement, so the record and the reminders it closes commit together.
const RECORD_SERVICE = `
WITH v AS (SELECT id, vin FROM vehicles WHERE vin = $1 AND ($10::text IS NULL OR dealer_id = $10)),
ins AS (
  INSERT INTO service_records (vehicle_id, time, odometer_km, engine_hours, covers, description, by)
  SELECT v.id, $2,
    coalesce($3::float8, (SELECT value FROM signal_samples WHERE vehicle_id = v.id AND signal_id = $8 AND time <= $2 ORDER BY time DESC LIMIT 1)),
    coalesce($4::float8, (SELECT value FROM signal_samples WHERE vehicle_id = v.id AND signal_id = $9 AND time <= $2 ORDER BY time DESC LIMIT 1)),
    $5::text[], $6, $7
  FROM v
  RETURNING *
), closed AS (
  -- the service took care of them; a service recorded after the fact for an
  -- older date closes them too, and the next check raises again whatever
  -- the newest service still leaves due
  UPDATE service_reminders r SET state = $12, closed_at = now(), closed_by = ins.by, updated_at = now()
  FROM ins WHERE r.vehicle_id = ins.vehicle_id AND r.rule_id = ANY (ins.covers) AND r.state = ANY ($11::text[])
  RETURNING r.id
)
SELECT ${SERVICE_COLUMNS}, (SELECT count(*) FROM closed)::int AS closed FROM ins s JOIN v ON v.id = s.vehicle_id`

// One statement per check: every candidate either updates the open reminder
// of its vehicle and item (only when something differs, so a repeated check
// writes nothing), or opens one, unless a dismissal suppresses it.
const UPSERT_REMINDERS = `
WITH c AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c (vehicle_id integer, rule_id text, kind text, due_at timestamptz,
    due_km double precision, due_hours double precision, detail jsonb, suppress_since timestamptz, suppress_always boolean)
), existing AS (
  SELECT r.id, r.vehicle_id, r.rule_id, r.kind, r.due_at, r.due_km, r.due_hours FROM service_reminders r
  JOIN c ON r.vehicle_id = c.vehicle_id AND r.rule_id = c.rule_id WHERE r.state = 'open'
), updated AS (
  UPDATE service_reminders r SET kind = c.kind, due_at = c.due_at, due_km = c.due_km, due_hours = c.due_hours,
    detail = c.detail, updated_at = now()
  FROM c JOIN existing o ON o.vehicle_id = c.vehicle_id AND o.rule_id = c.rule_id
  WHERE r.id = o.id
    AND (r.kind, r.due_at, r.due_km, r.due_hours, r.detail) IS DISTINCT FROM (c.kind, c.due_at, c.due_km, c.due_hours, c.detail)
  RETURNING r.*, CASE WHEN (o.kind, o.due_at, o.due_km, o.due_hours) IS DISTINCT FROM (c.kind, c.due_at, c.due_km, c.due_hours)
    THEN 'changed' ELSE 'refreshed' END AS change
), inserted AS (
  INSERT INTO service_reminders (vehicle_id, rule_id, kind, due_at, due_km, due_hours, detail)
  SELECT c.vehicle_id, c.rule_id, c.kind, c.due_at, c.due_km, c.due_hours, c.detail FROM c
  WHERE NOT EXISTS (SELECT 1 FROM existing o WHERE o.vehicle_id = c.vehicle_id AND o.rule_id = c.rule_id)
    AND NOT EXISTS (SELECT 1 FROM service_reminders d
      WHERE d.vehicle_id = c.vehicle_id AND d.rule_id = c.rule_id AND d.state = 'dismissed' AND d.kind = c.kind
        AND (d.due_at, d.due_km, d.due_hours) IS NOT DISTINCT FROM (c.due_at, c.due_km, c.due_hours)
        AND (c.suppress_always OR d.closed_at >= c.suppress_since))
  -- another node's check got there first: its reminder stands
  ON CONFLICT (vehicle_id, rule_id) WHERE state = 'open' DO NOTHING
  RETURNING *, 'opened' AS change
)
SELECT ${REMINDER_COLUMNS}, r.change FROM (SELECT * FROM inserted UNION ALL SELECT * FROM updated) r
JOIN vehicles v ON v.id = r.vehicle_id ORDER BY r.id`

export class ServiceReminderStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * Records a service and marks the open reminders of the items it covers
   * done (SERVICE_DONE). Missing readings are taken from the latest stored
   * samples at or before the service time.
   */
  async recordService (input: ServiceRecordInput): Promise<{ record: ServiceRecord, closedReminders: number }> {
    if (input.covers.length === 0) {
      throw new PitwallError('PITWALL_ERR_SERVICE_COVERS', `service for ${input.vin}: name the maintenance items it covered (covers is empty)`)
    }
    const res = await this.pool.query<ServiceRecord & { closed: number }>(RECORD_SERVICE, [
      input.vin, input.time, input.odometerKm ?? null, input.engineHours ?? null, input.covers, input.description, input.by, ODOMETER, ENGINE_HOURS,
      input.dealerId ?? null, SERVICE_DONE.from, SERVICE_DONE.to
    ])
    const row = res.rows[0]
    if (row === undefined) {
      throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', input.dealerId === undefined
        ? `no vehicle ${input.vin} (pitwall device list shows the registered vehicles)`
        : `dealer ${input.dealerId} has no vehicle ${input.vin}`)
    }
    const { closed, ...record } = row
    return { record, closedReminders: closed }
  }

  /** A vehicle's recorded services, newest first. */
  async services (vin: string): Promise<ServiceRecord[]> {
    const res = await this.pool.query<ServiceRecord>(
      `SELECT ${SERVICE_COLUMNS} FROM service_records s JOIN vehicles v ON v.id = s.vehicle_id
       WHERE v.vin = $1 ORDER BY s.time DESC, s.id DESC`, [vin])
    return res.rows
  }

  /**
   * Every vehicle with its latest odometer and engine hours: one index probe
   * per vehicle and signal (newest sample first), not a scan of history.
   */
  async fleetState (): Promise<FleetVehicle[]> {
    const res = await this.pool.query<FleetVehicle>(
      `SELECT v.id AS "vehicleId", v.vin, v.model, v.firmware, v.created_at AS "registeredAt",
         (SELECT value FROM signal_samples s WHERE s.vehicle_id = v.id AND s.signal_id = $1 ORDER BY s.time DESC LIMIT 1) AS "odometerKm",
         (SELECT value FROM signal_samples s WHERE s.vehicle_id = v.id AND s.signal_id = $2 ORDER BY s.time DESC LIMIT 1) AS "engineHours"
       FROM vehicles v ORDER BY v.id`, [ODOMETER, ENGINE_HOURS])
    return res.rows
  }

  /** The newest service of each vehicle for each item it covered. */
  async lastServices (): Promise<LastService[]> {
    const res = await this.pool.query<LastService>(
      `SELECT DISTINCT ON (s.vehicle_id, c.rule_id) s.vehicle_id AS "vehicleId", c.rule_id AS "ruleId", s.time,
         s.odometer_km AS "odometerKm", s.engine_hours AS "engineHours"
       FROM service_records s CROSS JOIN LATERAL unnest(s.covers) AS c (rule_id)
       ORDER BY s.vehicle_id, c.rule_id, s.time DESC, s.id DESC`)
    return res.rows
  }

  /**
   * min / avg / max per vehicle and UTC day of a signal's stored samples in
   * [from, to). With `minus`, the values are per-minute means of the two
   * signals subtracted (their samples rarely share a timestamp); with
   * `where`, only minutes in which the other signal was sampled and every
   * sample satisfied the comparison count (e.g. engine speed == 0 all
   * minute: a resting battery, not a cranking one).
   */
  async dailyAggregates (query: DailyAggregateQuery): Promise<DailyAggregate[]> {
    const params: unknown[] = [signalId(query.signal), query.from, query.to, query.vehicleIds === undefined ? null : [...query.vehicleIds]]
    const param = (value: unknown): string => { params.push(value); return `$${params.length}` }
    const samplesOf = (p: string): string =>
      `signal_id = ${p} AND time >= $2 AND time < $3 AND ($4::int[] IS NULL OR vehicle_id = ANY ($4::int[]))`
    const ctes: string[] = []
    if (query.minus === undefined) {
      ctes.push(`v AS (SELECT vehicle_id, time, value FROM signal_samples WHERE ${samplesOf('$1')})`)
    } else {
      const minus = param(signalId(query.minus))
      ctes.push(
        `a AS (SELECT vehicle_id, date_trunc('minute', time) AS minute, avg(value) AS value FROM signal_samples WHERE ${samplesOf('$1')} GROUP BY 1, 2)`,
        `b AS (SELECT vehicle_id, date_trunc('minute', time) AS minute, avg(value) AS value FROM signal_samples WHERE ${samplesOf(minus)} GROUP BY 1, 2)`,
        'v AS (SELECT a.vehicle_id, a.minute AS time, a.value - b.value AS value FROM a JOIN b ON b.vehicle_id = a.vehicle_id AND b.minute = a.minute)')
    }
    let filter = ''
    if (query.where !== undefined) {
      const where = param(signalId(query.where.signal))
      const value = param(query.where.value)
      // the operator comes from the fixed table above, never from the caller's text
      ctes.push(`ok AS (SELECT vehicle_id, date_trunc('minute', time) AS minute FROM signal_samples WHERE ${samplesOf(where)}
        GROUP BY 1, 2 HAVING bool_and(value ${SQL_OPS[query.where.op]} ${value}::float8))`)
      filter = `JOIN ok ON ok.vehicle_id = v.vehicle_id AND ok.minute = date_trunc('minute', v.time)`
    }
    const res = await this.pool.query<DailyAggregate>(
      `WITH ${ctes.join(',\n')}
       SELECT v.vehicle_id AS "vehicleId", to_char(v.time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
         min(v.value) AS min, avg(v.value) AS avg, max(v.value) AS max, count(*)::int AS samples
       FROM v ${filter} GROUP BY 1, 2 ORDER BY 1, 2`, params)
    return res.rows
  }

  /**
   * Writes the check's findings in one statement and returns what changed;
   * the same candidates a second time change nothing. Open reminders that
   * are not among the candidates are left as they are: the dealer closes
   * them, or a recorded service does.
   */
  async upsertReminders (candidates: readonly ReminderCandidate[]): Promise<ReminderChange[]> {
    if (candidates.length === 0) return []
    const keys = new Set<string>()
    for (const c of candidates) {
      const key = `${c.vehicleId}\u0000${c.ruleId}`
      if (keys.has(key)) throw new PitwallError('PITWALL_ERR_REMINDER_DUPLICATE', `two reminders for vehicle ${c.vehicleId} and item ${c.ruleId} in one upsert`)
      keys.add(key)
    }
    const rows = candidates.map((c) => ({
      vehicle_id: c.vehicleId,
      rule_id: c.ruleId,
      kind: c.kind,
      due_at: c.dueAt?.toISOString() ?? null,
      due_km: c.dueKm,
      due_hours: c.dueHours,
      detail: c.detail,
      suppress_since: c.suppressDismissedSince?.toISOString() ?? null,
      suppress_always: c.suppressDismissedSince === null
    }))
    const res = await this.pool.query<ServiceReminder & { change: ReminderChangeType }>(UPSERT_REMINDERS, [JSON.stringify(rows)])
    return res.rows.map(({ change, ...reminder }) => ({ change, reminder }))
  }

  async reminders (query: ReminderQuery = {}): Promise<ServiceReminder[]> {
    const res = await this.pool.query<ServiceReminder>(
      `SELECT ${REMINDER_COLUMNS} FROM service_reminders r JOIN vehicles v ON v.id = r.vehicle_id
       WHERE ($1::text IS NULL OR v.vin = $1) AND ($2::text IS NULL OR r.state = $2) AND ($3::text IS NULL OR r.rule_id = $3)
         AND ($5::text IS NULL OR v.dealer_id = $5)
       ORDER BY r.id DESC LIMIT $4`,
      [query.vin ?? null, query.state ?? null, query.ruleId ?? null, query.limit ?? 100, query.dealerId ?? null])
    return res.rows
  }

  /**
   * Moves a reminder `from` one of the transition's states `to` its target
   * (DISMISS: the dealer will not act on it; the same finding is not raised
   * again, see ReminderCandidate). With `dealerId`, only a reminder of that
   * dealer's own vehicles; any other reads as unknown.
   */
  async closeReminder (reminderId: number, transition: ReminderTransition, by: string, dealerId?: string): Promise<ServiceReminder> {
    const res = await this.pool.query<ServiceReminder & { prior: ReminderState | null }>(
      `WITH prior AS (
         SELECT r.id, r.state FROM service_reminders r JOIN vehicles v ON v.id = r.vehicle_id
         WHERE r.id = $1 AND ($3::text IS NULL OR v.dealer_id = $3)
       ), upd AS (UPDATE service_reminders SET state = $5, closed_at = now(), closed_by = $2, updated_at = now()
         WHERE id = (SELECT id FROM prior) AND state = ANY ($4::text[]) RETURNING *)
       SELECT (SELECT state FROM prior) AS prior, ${REMINDER_COLUMNS}
       FROM (SELECT 1) one LEFT JOIN upd r ON true LEFT JOIN vehicles v ON v.id = r.vehicle_id`,
      [reminderId, by, dealerId ?? null, transition.from, transition.to])
    const { prior, ...reminder } = res.rows[0] as ServiceReminder & { prior: ReminderState | null }
    if (reminder.id === null) {
      throw refusedMove(REMINDER_REFUSAL, reminderId, prior, transition, () => new PitwallError('PITWALL_ERR_REMINDER_UNKNOWN',
        dealerId === undefined ? `no service reminder ${reminderId}` : `dealer ${dealerId} has no service reminder ${reminderId}`))
    }
    return reminder
  }
}

const REMINDER_REFUSAL = cannotMove('PITWALL_ERR_REMINDER_TRANSITION', 'service reminder', { plural: 'ones', joiner: ' or ' })

function signalId (name: string): number {
  const signal = catalogSignalByName(name)
  if (signal === undefined) throw new PitwallError('PITWALL_ERR_SIGNAL_UNKNOWN', `${name} is not in the signal catalog`)
  return signal.id
}
