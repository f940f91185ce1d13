/**
 * Dealer alerts in storage: what raising one reads (the fault with its
 * vehicle, recent positions and DTCs), the alerts with their webhook outbox
 * written in one transaction, a dealer's inbox and its forward-only
 * lifecycle, and the outbox queries the webhook worker runs.
 *
 * The inbox is scoped by dealer in every query: the dealer id is an argument,
 * not a filter, and another dealer's alert reads as not found.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { EvidenceSample, RuleAction, Severity } from '../rules/model.js'
import { StorageError } from './errors.js'
import type { FaultState } from './faults.js'
import { inTransaction } from './transaction.js'

export type DealerAlertKind = 'prestage' | 'rescue'

/** In lifecycle order: an alert only ever moves right (steps may be skipped). */
export const DEALER_ALERT_STATUSES = ['new', 'acknowledged', 'parts_staged', 'appointment_booked', 'repaired', 'closed'] as const
export type DealerAlertStatus = typeof DEALER_ALERT_STATUSES[number]

export interface AlertRouting {
  /** own: the vehicle's dealer; nearest: to its last position; rescue: within the rescue radius */
  via: 'own' | 'nearest' | 'rescue'
  distanceKm: number | null
}

export interface DealerAlert {
  id: number
  faultId: number
  dealerId: string
  kind: DealerAlertKind
  vehicleId: number
  vin: string
  routing: AlertRouting
  /** the alert content as raised (schema pitwall.dealer-alert/1, actions/alert-content.ts) */
  payload: Record<string, unknown>
  status: DealerAlertStatus
  /** set with `repaired`: fixed at the first workshop visit */
  firstTimeFix: boolean | null
  createdAt: Date
  updatedAt: Date
}

export interface DealerAlertEvent {
  time: Date
  status: DealerAlertStatus
  by: string
  detail: Record<string, unknown> | null
}

/** Everything about a fault that routing and the alert content need. */
export interface FaultForAlert {
  faultId: number
  vehicleId: number
  vin: string
  model: string | null
  brand: string | null
  ownDealerId: string | null
  ruleId: string
  ruleName: string | null
  severity: Severity
  state: FaultState
  openedAt: Date
  occurrences: number
  evidence: EvidenceSample[]
  action: RuleAction | null
  caseId: string | null
}

export interface PositionFix {
  time: Date
  lat: number
  lon: number
  speedMps: number | null
}

/** One DTC (ECU and 3-byte code) as reported over a period. */
export interface ReportedDtc {
  ecu: number
  dtc: number
  /** the status byte of the latest report */
  status: number
  firstSeenAt: Date
  lastSeenAt: Date
  reports: number
}

export interface AlertDraft {
  dealerId: string
  routing: AlertRouting
  payload: object
  /** queue a webhook delivery (the dealer has a webhook URL) */
  webhook: boolean
}

/** The webhook of a created alert: its event name and the exact body to send. */
export type WebhookEnvelope = (alert: DealerAlert, idempotencyKey: string) => { event: string, body: string }

export type DeliveryState = 'pending' | 'delivered' | 'dead'

export interface WebhookDelivery {
  id: number
  alertId: number
  dealerId: string
  idempotencyKey: string
  event: string
  body: string
  state: DeliveryState
  attempts: number
  nextAttemptAt: Date
  lastError: string | null
  lastStatus: number | null
  createdAt: Date
  deliveredAt: Date | null
  deadAt: Date | null
}

/** A delivery leased to one worker, with where it goes and the key to sign it with. */
export interface ClaimedDelivery extends WebhookDelivery {
  leaseId: string
  leaseUntil: Date
  url: string | null
  secret: string | null
  dealerActive: boolean
}

export type AttemptOutcome =
  | { delivered: true, status: number }
  /** retryInMs null: no more attempts, the delivery is dead */
  | { delivered: false, error: string, status: number | null, retryInMs: number | null }

interface AlertRow {
  id: string
  fault_id: string
  dealer_id: string
  kind: DealerAlertKind
  vehicle_id: number
  vin: string
  routing: AlertRouting
  payload: Record<string, unknown>
  status: DealerAlertStatus
  first_time_fix: boolean | null
  created_at: Date
  updated_at: Date
}

interface DeliveryRow {
  id: string
  alert_id: string
  dealer_id: string
  idempotency_key: string
  event: string
  body: string
  state: DeliveryState
  attempts: number
  next_attempt_at: Date
  last_error: string | null
  last_status: number | null
  created_at: Date
  delivered_at: Date | null
  dead_at: Date | null
}

const ALERT_COLUMNS = `a.id, a.fault_id, a.dealer_id, a.kind, a.vehicle_id, v.vin, a.routing, a.payload, a.status, a.first_time_fix,
  a.created_at, a.updated_at`
const DELIVERY_COLUMNS = `w.id, w.alert_id, w.dealer_id, w.idempotency_key, w.event, w.body, w.state, w.attempts, w.next_attempt_at,
  w.last_error, w.last_status, w.created_at, w.delivered_at, w.dead_at`

const alert = (r: AlertRow): DealerAlert => ({
  // bigint arrives as text; ids stay far below 2^53
  id: Number(r.id),
  faultId: Number(r.fault_id),
  dealerId: r.dealer_id,
  kind: r.kind,
  vehicleId: r.vehicle_id,
  vin: r.vin,
  routing: r.routing,
  payload: r.payload,
  status: r.status,
  firstTimeFix: r.first_time_fix,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

const delivery = (r: DeliveryRow): WebhookDelivery => ({
  id: Number(r.id),
  alertId: Number(r.alert_id),
  dealerId: r.dealer_id,
  idempotencyKey: r.idempotency_key,
  event: r.event,
  body: r.body,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastStatus: r.last_status,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  deadAt: r.dead_at
})

export interface InboxQuery {
  status?: DealerAlertStatus | readonly DealerAlertStatus[] | undefined
  kind?: DealerAlertKind | undefined
  /** alerts older than this id (paging); newest first */
  beforeId?: number | undefined
  /** default 100 */
  limit?: number | undefined
}

export interface TransitionInput {
  /** the dealer's user */
  by: string
  /** required with `repaired`: fixed at the first visit */
  firstTimeFix?: boolean | undefined
  note?: string | undefined
}

export class DealerAlertStore {
  constructor (private readonly pool: pg.Pool) {}

  // ---- raising -------------------------------------------------------------

  async faultForAlert (faultId: number): Promise<FaultForAlert> {
    const res = await this.pool.query<{
      id: string, vehicle_id: number, vin: string, model: string | null, brand: string | null, dealer_id: string | null,
      rule_id: string, rule_name: string | null, severity: Severity, state: FaultState, opened_at: Date, occurrences: number,
      evidence: EvidenceSample[], action: RuleAction | null, case_id: string | null
    }>(
      `SELECT f.id, f.vehicle_id, v.vin, v.model, v.brand, v.dealer_id, f.rule_id, rv.definition->>'name' AS rule_name,
         f.severity, f.state, f.opened_at, f.occurrences, f.evidence, f.action, f.case_id
       FROM faults f JOIN vehicles v ON v.id = f.vehicle_id
       LEFT JOIN rule_versions rv ON rv.id = f.rule_id AND rv.version = f.rule_version
       WHERE f.id = $1`, [faultId])
    const r = res.rows[0]
    if (r === undefined) throw new StorageError('PITWALL_ERR_FAULT_UNKNOWN', `no fault ${faultId} (pitwall faults list shows the stored faults)`)
    return {
      faultId: Number(r.id),
      vehicleId: r.vehicle_id,
      vin: r.vin,
      model: r.model,
      brand: r.brand,
      ownDealerId: r.dealer_id,
      ruleId: r.rule_id,
      ruleName: r.rule_name,
      severity: r.severity,
      state: r.state,
      openedAt: r.opened_at,
      occurrences: r.occurrences,
      evidence: r.evidence,
      action: r.action,
      caseId: r.case_id
    }
  }

  /** The vehicle's GNSS fixes in the `windowMs` up to its newest one, oldest first (empty: none stored). */
  async recentFixes (vehicleId: number, windowMs: number): Promise<PositionFix[]> {
    const res = await this.pool.query<{ time: Date, lat: number, lon: number, speed_mps: number | null }>(
      `SELECT time, lat, lon, speed_mps FROM gnss_fixes
       WHERE vehicle_id = $1 AND time >= (SELECT max(time) FROM gnss_fixes WHERE vehicle_id = $1) - $2 * interval '1 millisecond'
       ORDER BY time DESC LIMIT 10000`, [vehicleId, windowMs])
    return res.rows.reverse().map((r) => ({ time: r.time, lat: r.lat, lon: r.lon, speedMps: r.speed_mps }))
  }

  /** DTCs the vehicle reported since `since`, most recently reported first, one per ECU and code. */
  async reportedDtcs (vehicleId: number, since: Date, limit = 50): Promise<ReportedDtc[]> {
    const res = await this.pool.query<{ ecu: number, dtc: number, status: number, first_seen: Date, last_seen: Date, reports: string }>(
      `SELECT ecu, dtc, (array_agg(status ORDER BY time DESC))[1] AS status, min(time) AS first_seen, max(time) AS last_seen, count(*) AS reports
       FROM dtc_events WHERE vehicle_id = $1 AND time >= $2
       GROUP BY ecu, dtc ORDER BY max(time) DESC, ecu, dtc LIMIT $3`, [vehicleId, since, limit])
    return res.rows.map((r) => ({ ecu: r.ecu, dtc: r.dtc, status: r.status, firstSeenAt: r.first_seen, lastSeenAt: r.last_seen, reports: Number(r.reports) }))
  }

  /** Alerts of a fault (all dealers), oldest first: the engineer's view and the idempotency check. */
  async forFault (faultId: number, kind?: DealerAlertKind): Promise<DealerAlert[]> {
    const res = await this.pool.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id
       WHERE a.fault_id = $1 AND ($2::text IS NULL OR a.kind = $2) ORDER BY a.id`, [faultId, kind ?? null])
    return res.rows.map(alert)
  }

  /**
   * Stores the alerts of one fault and kind with their `new` timeline entry
   * and webhook deliveries, in one transaction. If alerts of this fault and
   * kind exist already (raised before, or by a concurrent call that held the
   * fault's lock first), nothing is written and those are returned.
   */
  async create (faultId: number, kind: DealerAlertKind, drafts: readonly AlertDraft[], envelope: WebhookEnvelope): Promise<{ alerts: DealerAlert[], created: boolean }> {
    return await inTransaction(this.pool, async (client) => {
      // NO KEY UPDATE: serializes raisers of this fault without blocking the
      // fault writer's timeline inserts (they take KEY SHARE on the fault)
      const locked = await client.query<{ vehicle_id: number }>('SELECT vehicle_id FROM faults WHERE id = $1 FOR NO KEY UPDATE', [faultId])
      const vehicleId = locked.rows[0]?.vehicle_id
      if (vehicleId === undefined) throw new StorageError('PITWALL_ERR_FAULT_UNKNOWN', `no fault ${faultId} (pitwall faults list shows the stored faults)`)
      const existing = await client.query<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id
         WHERE a.fault_id = $1 AND a.kind = $2 ORDER BY a.id`, [faultId, kind])
      if (existing.rows.length > 0) return { alerts: existing.rows.map(alert), created: false }
      const alerts: DealerAlert[] = []
      for (const draft of drafts) {
        const res = await client.query<AlertRow>(
          `WITH a AS (
             INSERT INTO dealer_alerts (fault_id, dealer_id, kind, vehicle_id, routing, payload)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *
           ), ev AS (
             INSERT INTO dealer_alert_events (alert_id, time, status, by, detail)
             SELECT id, created_at, 'new', 'pitwall', jsonb_build_object('routing', routing) FROM a
           )
           SELECT ${ALERT_COLUMNS} FROM a JOIN vehicles v ON v.id = a.vehicle_id`,
          [faultId, draft.dealerId, kind, vehicleId, JSON.stringify(draft.routing), JSON.stringify(draft.payload)])
        const created = alert(res.rows[0] as AlertRow)
        alerts.push(created)
        if (!draft.webhook) continue
        // random, not derived from ids: a receiver cannot guess other alerts' keys
        const key = randomUUID()
        const { event, body } = envelope(created, key)
        await client.query(
          `INSERT INTO webhook_deliveries (alert_id, dealer_id, idempotency_key, event, body) VALUES ($1, $2, $3, $4, $5)`,
          [created.id, created.dealerId, key, event, body])
      }
      return { alerts, created: true }
    })
  }

  // ---- the dealer's inbox --------------------------------------------------

  async list (dealerId: string, query: InboxQuery = {}): Promise<DealerAlert[]> {
    const statuses = query.status === undefined ? null : typeof query.status === 'string' ? [query.status] : [...query.status]
    const res = await this.pool.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id
       WHERE a.dealer_id = $1 AND ($2::text[] IS NULL OR a.status = ANY ($2::text[])) AND ($3::text IS NULL OR a.kind = $3)
         AND ($4::bigint IS NULL OR a.id < $4)
       ORDER BY a.id DESC LIMIT $5`,
      [dealerId, statuses, query.kind ?? null, query.beforeId ?? null, query.limit ?? 100])
    return res.rows.map(alert)
  }

  async get (dealerId: string, alertId: number): Promise<DealerAlert> {
    const res = await this.pool.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id WHERE a.id = $1 AND a.dealer_id = $2`,
      [alertId, dealerId])
    const row = res.rows[0]
    if (row === undefined) throw unknownAlert(dealerId, alertId)
    return alert(row)
  }

  /** The alert's statuses in the order they were reached. */
  async timeline (dealerId: string, alertId: number): Promise<DealerAlertEvent[]> {
    const res = await this.pool.query<{ time: Date | null, status: DealerAlertStatus | null, by: string | null, detail: Record<string, unknown> | null }>(
      `SELECT e.time, e.status, e.by, e.detail FROM dealer_alerts a LEFT JOIN dealer_alert_events e ON e.alert_id = a.id
       WHERE a.id = $1 AND a.dealer_id = $2 ORDER BY e.id`, [alertId, dealerId])
    if (res.rows.length === 0) throw unknownAlert(dealerId, alertId)
    return res.rows.filter((r) => r.status !== null).map((r) => ({ time: r.time as Date, status: r.status as DealerAlertStatus, by: r.by as string, detail: r.detail }))
  }

  /**
   * Moves the dealer's alert forward to `to` (skipping steps is allowed,
   * going back or staying is not), recording when and by whom.
   */
  async transition (dealerId: string, alertId: number, to: DealerAlertStatus, input: TransitionInput): Promise<DealerAlert> {
    const target = DEALER_ALERT_STATUSES.indexOf(to)
    if (target < 0) {
      throw new StorageError('PITWALL_ERR_DEALER_ALERT_INVALID', `'${String(to)}' is not an alert status (${DEALER_ALERT_STATUSES.join(', ')})`)
    }
    if (input.by.trim() === '') throw new StorageError('PITWALL_ERR_DEALER_ALERT_INVALID', `alert ${alertId}: who moves it to ${to} must be given`)
    if (to === 'repaired' && input.firstTimeFix === undefined) {
      throw new StorageError('PITWALL_ERR_DEALER_ALERT_INVALID', `alert ${alertId}: repaired needs firstTimeFix (was it fixed at the first visit?)`)
    }
    if (to !== 'repaired' && input.firstTimeFix !== undefined) {
      throw new StorageError('PITWALL_ERR_DEALER_ALERT_INVALID', `alert ${alertId}: firstTimeFix belongs to repaired, not ${to}`)
    }
    const detail: Record<string, unknown> = {}
    if (input.firstTimeFix !== undefined) detail.firstTimeFix = input.firstTimeFix
    if (input.note !== undefined) detail.note = input.note
    const res = await this.pool.query<AlertRow & { prior: DealerAlertStatus | null }>(
      `WITH prior AS (SELECT status FROM dealer_alerts WHERE id = $1 AND dealer_id = $2),
       upd AS (
         UPDATE dealer_alerts SET status = $3, first_time_fix = coalesce($4, first_time_fix), updated_at = now()
         WHERE id = $1 AND dealer_id = $2 AND status = ANY ($5::text[]) RETURNING *
       ), ev AS (
         INSERT INTO dealer_alert_events (alert_id, time, status, by, detail) SELECT id, updated_at, $3, $6::text, $7::jsonb FROM upd
       )
       SELECT (SELECT status FROM prior) AS prior, ${ALERT_COLUMNS}
       FROM (SELECT 1) one LEFT JOIN upd a ON true LEFT JOIN vehicles v ON v.id = a.vehicle_id`,
      [alertId, dealerId, to, input.firstTimeFix ?? null, DEALER_ALERT_STATUSES.slice(0, target), input.by,
        Object.keys(detail).length === 0 ? null : JSON.stringify(detail)])
    const row = res.rows[0] as AlertRow & { prior: DealerAlertStatus | null }
    if (row.prior === null) throw unknownAlert(dealerId, alertId)
    if (row.id === null) {
      throw new StorageError('PITWALL_ERR_DEALER_ALERT_TRANSITION',
        `alert ${alertId} is ${row.prior}; it cannot move to ${to} (alerts only move forward: ${DEALER_ALERT_STATUSES.join(' → ')})`)
    }
    return alert(row)
  }

  // ---- the webhook outbox --------------------------------------------------

  /**
   * Up to `limit` due deliveries, oldest due first, each leased to the caller
   * for `leaseMs`: its next attempt moves to the lease's end, so a worker that
   * stops mid-request leaves it to be claimed again then. SKIP LOCKED lets
   * several workers claim side by side without waiting on each other.
   */
  async claimDeliveries (limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const leaseId = randomUUID()
    const res = await this.pool.query<DeliveryRow & { lease_until: Date, url: string | null, secret: string | null, active: boolean }>(
      `WITH due AS (
         SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       UPDATE webhook_deliveries w SET lease_until = now() + $2 * interval '1 millisecond', next_attempt_at = now() + $2 * interval '1 millisecond', lease_id = $3
       FROM due, dealers d WHERE w.id = due.id AND d.id = w.dealer_id
       RETURNING ${DELIVERY_COLUMNS}, w.lease_until, d.webhook_url AS url, d.webhook_secret AS secret, d.active`,
      [limit, leaseMs, leaseId])
    return res.rows.map((r) => ({ ...delivery(r), leaseId, leaseUntil: r.lease_until, url: r.url, secret: r.secret, dealerActive: r.active }))
      .sort((a, b) => a.id - b.id)
  }

  /**
   * The result of one request. Delivered counts whoever holds the lease now
   * (the receiver has it either way); a failure is recorded only while the
   * caller still holds its lease, so a late answer to a worker that lost it
   * cannot reschedule what another worker is sending. Returns whether it was
   * recorded.
   */
  async recordAttempt (d: ClaimedDelivery, outcome: AttemptOutcome): Promise<boolean> {
    if (outcome.delivered) {
      const res = await this.pool.query(
        `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), attempts = attempts + 1, last_status = $2,
           lease_until = NULL, lease_id = NULL
         WHERE id = $1 AND state = 'pending'`, [d.id, outcome.status])
      return res.rowCount === 1
    }
    const res = await this.pool.query(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $3, last_status = $4, lease_until = NULL, lease_id = NULL,
         state = CASE WHEN $5::double precision IS NULL THEN 'dead' ELSE 'pending' END,
         dead_at = CASE WHEN $5::double precision IS NULL THEN now() END,
         next_attempt_at = CASE WHEN $5::double precision IS NULL THEN next_attempt_at ELSE now() + $5 * interval '1 millisecond' END
       WHERE id = $1 AND lease_id = $2 AND state = 'pending'`,
      [d.id, d.leaseId, outcome.error, outcome.status, outcome.retryInMs])
    return res.rowCount === 1
  }

  /**
   * Not attempted (the endpoint's breaker is open, the worker is stopping):
   * due again after `delayMs`, no attempt counted; `reason` (if given)
   * replaces the last error.
   */
  async postpone (d: ClaimedDelivery, delayMs: number, reason: string | null): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now() + $3 * interval '1 millisecond', last_error = coalesce($4, last_error),
         lease_until = NULL, lease_id = NULL
       WHERE id = $1 AND lease_id = $2 AND state = 'pending'`, [d.id, d.leaseId, delayMs, reason])
  }

  /** Dead without an attempt: there is nowhere to send it (dealer inactive, webhook removed). */
  async bury (d: ClaimedDelivery, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_deliveries SET state = 'dead', dead_at = now(), last_error = $3, lease_until = NULL, lease_id = NULL
       WHERE id = $1 AND lease_id = $2 AND state = 'pending'`, [d.id, d.leaseId, reason])
  }

  /** Deliveries that gave up, newest first. */
  async deadLetters (query: { dealerId?: string | undefined, limit?: number | undefined } = {}): Promise<WebhookDelivery[]> {
    const res = await this.pool.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries w WHERE w.state = 'dead' AND ($1::text IS NULL OR w.dealer_id = $1)
       ORDER BY w.dead_at DESC, w.id DESC LIMIT $2`, [query.dealerId ?? null, query.limit ?? 100])
    return res.rows.map(delivery)
  }

  /** A dead letter back in the queue, due now, with a fresh count of attempts and the same idempotency key. */
  async retryDeadLetter (deliveryId: number): Promise<WebhookDelivery> {
    const res = await this.pool.query<DeliveryRow & { prior: DeliveryState | null }>(
      `WITH prior AS (SELECT state FROM webhook_deliveries WHERE id = $1),
       upd AS (
         UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL
         WHERE id = $1 AND state = 'dead' RETURNING *
       )
       SELECT (SELECT state FROM prior) AS prior, ${DELIVERY_COLUMNS} FROM (SELECT 1) one LEFT JOIN upd w ON true`, [deliveryId])
    const row = res.rows[0] as DeliveryRow & { prior: DeliveryState | null }
    if (row.prior === null) throw new StorageError('PITWALL_ERR_WEBHOOK_DELIVERY_UNKNOWN', `no webhook delivery ${deliveryId}`)
    if (row.id === null) throw new StorageError('PITWALL_ERR_WEBHOOK_NOT_DEAD', `webhook delivery ${deliveryId} is ${row.prior}; only dead letters can be retried`)
    return delivery(row)
  }

  /** The deliveries of one alert, oldest first. */
  async deliveries (alertId: number): Promise<WebhookDelivery[]> {
    const res = await this.pool.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries w WHERE w.alert_id = $1 ORDER BY w.id`, [alertId])
    return res.rows.map(delivery)
  }
}

function unknownAlert (dealerId: string, alertId: number): StorageError {
  return new StorageError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', `dealer ${dealerId} has no alert ${alertId}`)
}
