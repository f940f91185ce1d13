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
import {
  DEALER_ALERT_STATUSES, PAGE_DEFAULT,
  type AlertMove, type AlertRouting, type DealerAlert, type DealerAlertEvent, type DealerAlertKind, type DealerAlertStatus,
  type DeliveryState, type WebhookDelivery
} from '../actions/dealer-alerts/model.js'
import { unknownFault, type FaultState } from '../rules/fault-lifecycle.js'
import type { EvidenceSample, RuleAction, Severity } from '../rules/model.js'
import { PitwallError } from '../runtime/errors.js'
import { refusedMove, type MoveRefusal } from '../runtime/transition.js'
import type { RescueDraft } from '../actions/rescue/model.js'
import { insertRescueRequest } from './rescue-rows.js'
import { inTransaction } from './transaction.js'

/** Everything about a fault that routing and the alert content need. */

/** the longest an alert waits for the rows of the batches before its fault (./projector.ts lag) */
export const PROJECTION_WAIT_MS = 120_000

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

/** DealerAlert, from dealer_alerts a JOIN vehicles v */
const ALERT_COLUMNS = `a.id, a.fault_id AS "faultId", a.rescue_id AS "rescueId", a.dealer_id AS "dealerId", a.kind, a.vehicle_id AS "vehicleId", v.vin, a.routing, a.payload,
  a.status, a.first_time_fix AS "firstTimeFix", a.created_at AS "createdAt", a.updated_at AS "updatedAt",
  a.last_update AS "lastUpdate", a.last_update_at AS "lastUpdateAt"`
/** WebhookDelivery, from webhook_deliveries w */
const DELIVERY_COLUMNS = `w.id, w.alert_id AS "alertId", w.reminder_id AS "reminderId", w.dealer_id AS "dealerId", w.idempotency_key AS "idempotencyKey", w.event, w.body, w.state,
  w.attempts, w.next_attempt_at AS "nextAttemptAt", w.last_error AS "lastError", w.last_status AS "lastStatus", w.created_at AS "createdAt",
  w.delivered_at AS "deliveredAt", w.dead_at AS "deadAt"`

export interface InboxQuery {
  status?: DealerAlertStatus | readonly DealerAlertStatus[] | undefined
  kind?: DealerAlertKind | undefined
  /** alerts older than this id (paging); newest first */
  beforeId?: number | undefined
  /** default PAGE_DEFAULT */
  limit?: number | undefined
}

/** A guarded update's row: the row's state before, and its columns as updated (all null when the guard matched nothing). */
type Guarded<T, S> = { prior: S | null } & (T | { [K in keyof T]: null })

export class DealerAlertStore {
  constructor (private readonly pool: pg.Pool) {}

  // ---- raising -------------------------------------------------------------

  async faultForAlert (faultId: number): Promise<FaultForAlert> {
    const res = await this.pool.query<FaultForAlert>(
      `SELECT f.id AS "faultId", f.vehicle_id AS "vehicleId", v.vin, v.model, v.brand, v.dealer_id AS "ownDealerId", f.rule_id AS "ruleId",
         rv.definition->>'name' AS "ruleName", f.severity, f.state, f.opened_at AS "openedAt", f.occurrences, f.evidence, f.action, f.case_id AS "caseId"
       FROM faults f JOIN vehicles v ON v.id = f.vehicle_id
       LEFT JOIN rule_versions rv ON rv.id = f.rule_id AND rv.version = f.rule_version
       WHERE f.id = $1`, [faultId])
    const fault = res.rows[0]
    if (fault === undefined) throw unknownFault(faultId)
    return fault
  }

  /**
   * Whether a batch of the vehicle that began by `until` was stored in the
   * last PROJECTION_WAIT_MS and its rows (positions, DTCs) are not written
   * yet. An older one is left to the projector's recovery pass: an alert
   * does not wait on it for longer than that.
   */
  async projectionPending (vehicleId: number, until: Date): Promise<boolean> {
    const res = await this.pool.query<{ pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM unprojected_batches WHERE vehicle_id = $1
         AND base_time <= $2 AND base_time > $2::timestamptz - interval '1 day'
         AND received_at > now() - $3 * interval '1 millisecond') AS pending`, [vehicleId, until, PROJECTION_WAIT_MS])
    return res.rows[0]?.pending === true
  }

  /** The vehicle's GNSS fixes in the `windowMs` up to its newest one, oldest first (empty: none stored). */
  async recentFixes (vehicleId: number, windowMs: number): Promise<PositionFix[]> {
    const res = await this.pool.query<PositionFix>(
      `SELECT time, lat, lon, speed_mps AS "speedMps" FROM gnss_fixes
       WHERE vehicle_id = $1 AND time >= (SELECT max(time) FROM gnss_fixes WHERE vehicle_id = $1) - $2 * interval '1 millisecond'
       ORDER BY time DESC LIMIT 10000`, [vehicleId, windowMs])
    return res.rows.reverse()
  }

  /** DTCs the vehicle reported since `since`, most recently reported first, one per ECU and code. */
  async reportedDtcs (vehicleId: number, since: Date, limit = 50): Promise<ReportedDtc[]> {
    const res = await this.pool.query<ReportedDtc>(
      `SELECT ecu, dtc, (array_agg(status ORDER BY time DESC))[1] AS status, min(time) AS "firstSeenAt", max(time) AS "lastSeenAt", count(*)::int AS reports
       FROM dtc_events WHERE vehicle_id = $1 AND time >= $2
       GROUP BY ecu, dtc ORDER BY max(time) DESC, ecu, dtc LIMIT $3`, [vehicleId, since, limit])
    return res.rows
  }

  /** Alerts of a fault (all dealers), oldest first: the engineer's view and the idempotency check. */
  async forFault (faultId: number, kind?: DealerAlertKind): Promise<DealerAlert[]> {
    const res = await this.pool.query<DealerAlert>(
      `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id
       WHERE a.fault_id = $1 AND ($2::text IS NULL OR a.kind = $2) ORDER BY a.id`, [faultId, kind ?? null])
    return res.rows
  }

  /**
   * Stores the alerts of one fault and kind with their `new` timeline entry
   * and webhook deliveries, in one transaction. If alerts of this fault and
   * kind exist already (raised before, or by a concurrent call that held the
   * fault's lock first), nothing is written and those are returned. With
   * `rescue`, the alerts are the copies of the rescue request it is stored as.
   */
  async create (faultId: number, kind: DealerAlertKind, drafts: readonly AlertDraft[], envelope: WebhookEnvelope, rescue?: RescueDraft): Promise<{ alerts: DealerAlert[], created: boolean }> {
    return await inTransaction(this.pool, async (client) => {
      // NO KEY UPDATE: serializes raisers of this fault without blocking the
      // fault writer's timeline inserts (they take KEY SHARE on the fault)
      const locked = await client.query<{ vehicleId: number }>('SELECT vehicle_id AS "vehicleId" FROM faults WHERE id = $1 FOR NO KEY UPDATE', [faultId])
      const vehicleId = locked.rows[0]?.vehicleId
      if (vehicleId === undefined) throw unknownFault(faultId)
      const existing = await client.query<DealerAlert>(
        `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id
         WHERE a.fault_id = $1 AND a.kind = $2 ORDER BY a.id`, [faultId, kind])
      if (existing.rows.length > 0) return { alerts: existing.rows, created: false }
      const rescueId = rescue === undefined ? null : (await insertRescueRequest(client, vehicleId, rescue)).id
      const alerts = await insertAlerts(client, { faultId, rescueId, vehicleId }, kind, drafts, envelope)
      return { alerts, created: true }
    })
  }

  // ---- the dealer's inbox --------------------------------------------------

  async list (dealerId: string, query: InboxQuery = {}): Promise<DealerAlert[]> {
    const statuses = query.status === undefined ? null : typeof query.status === 'string' ? [query.status] : [...query.status]
    const res = await this.pool.query<DealerAlert>(
      `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id
       WHERE a.dealer_id = $1 AND ($2::text[] IS NULL OR a.status = ANY ($2::text[])) AND ($3::text IS NULL OR a.kind = $3)
         AND ($4::bigint IS NULL OR a.id < $4)
       ORDER BY a.id DESC LIMIT $5`,
      [dealerId, statuses, query.kind ?? null, query.beforeId ?? null, query.limit ?? PAGE_DEFAULT])
    return res.rows
  }

  async get (dealerId: string, alertId: number): Promise<DealerAlert> {
    const res = await this.pool.query<DealerAlert>(
      `SELECT ${ALERT_COLUMNS} FROM dealer_alerts a JOIN vehicles v ON v.id = a.vehicle_id WHERE a.id = $1 AND a.dealer_id = $2`,
      [alertId, dealerId])
    const alert = res.rows[0]
    if (alert === undefined) throw unknownAlert(dealerId, alertId)
    return alert
  }

  /** The alert's statuses in the order they were reached, with the updates of its fault it was told (storage/dealer-notices.ts). */
  async timeline (dealerId: string, alertId: number): Promise<DealerAlertEvent[]> {
    const res = await this.pool.query<DealerAlertEvent | { [K in keyof DealerAlertEvent]: null }>(
      `SELECT e.time, e.status, e.by, e.detail, e.alert_update AS "update" FROM dealer_alerts a LEFT JOIN dealer_alert_events e ON e.alert_id = a.id
       WHERE a.id = $1 AND a.dealer_id = $2 ORDER BY e.id`, [alertId, dealerId])
    if (res.rows.length === 0) throw unknownAlert(dealerId, alertId)
    return res.rows.filter((e): e is DealerAlertEvent => e.status !== null)
  }

  /**
   * Moves the dealer's alert to `move.to` if it is in one of `move.from`
   * (the policy's alertMove decides which), recording when and by whom.
   */
  async transition (dealerId: string, alertId: number, move: AlertMove): Promise<DealerAlert> {
    const res = await this.pool.query<Guarded<DealerAlert, DealerAlertStatus>>(
      `WITH prior AS (SELECT status FROM dealer_alerts WHERE id = $1 AND dealer_id = $2),
       upd AS (
         UPDATE dealer_alerts SET status = $3, first_time_fix = coalesce($4, first_time_fix), updated_at = now()
         WHERE id = $1 AND dealer_id = $2 AND status = ANY ($5::text[]) RETURNING *
       ), ev AS (
         INSERT INTO dealer_alert_events (alert_id, time, status, by, detail) SELECT id, updated_at, $3, $6::text, $7::jsonb FROM upd
       )
       SELECT (SELECT status FROM prior) AS prior, ${ALERT_COLUMNS}
       FROM (SELECT 1) one LEFT JOIN upd a ON true LEFT JOIN vehicles v ON v.id = a.vehicle_id`,
      [alertId, dealerId, move.to, move.firstTimeFix, move.from, move.by, move.detail === null ? null : JSON.stringify(move.detail)])
    const { prior, ...alert } = res.rows[0] as Guarded<DealerAlert, DealerAlertStatus>
    if (alert.id === null) throw refusedMove(ALERT_REFUSAL, alertId, prior, move, () => unknownAlert(dealerId, alertId))
    return alert
  }

  // ---- the webhook outbox --------------------------------------------------

  /**
   * Up to `limit` due deliveries, oldest due first, each leased to the caller
   * for `leaseMs`: its next attempt moves to the lease's end, so a worker that
   * stops mid-request leaves it to be claimed again then. SKIP LOCKED lets
   * several workers claim side by side without waiting on each other.
   * Deliveries to `busyUrls` (endpoints the caller is still sending to) are
   * left for a later claim, so they cannot take the places of others'.
   */
  async claimDeliveries (limit: number, leaseMs: number, busyUrls: readonly string[] = []): Promise<ClaimedDelivery[]> {
    const res = await this.pool.query<ClaimedDelivery>(
      `WITH due AS (
         SELECT w.id FROM webhook_deliveries w JOIN dealers d ON d.id = w.dealer_id
         WHERE w.state = 'pending' AND w.next_attempt_at <= now() AND coalesce(d.webhook_url, '') <> ALL ($4::text[])
         ORDER BY w.next_attempt_at, w.id LIMIT $1 FOR UPDATE OF w SKIP LOCKED
       )
       UPDATE webhook_deliveries w SET lease_until = now() + $2 * interval '1 millisecond', next_attempt_at = now() + $2 * interval '1 millisecond', lease_id = $3
       FROM due, dealers d WHERE w.id = due.id AND d.id = w.dealer_id
       RETURNING ${DELIVERY_COLUMNS}, w.lease_id AS "leaseId", w.lease_until AS "leaseUntil", d.webhook_url AS url, d.webhook_secret AS secret,
         d.active AS "dealerActive"`,
      [limit, leaseMs, randomUUID(), busyUrls])
    return res.rows.sort((a, b) => a.id - b.id)
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
    const res = await this.pool.query<WebhookDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries w WHERE w.state = 'dead' AND ($1::text IS NULL OR w.dealer_id = $1)
       ORDER BY w.dead_at DESC, w.id DESC LIMIT $2`, [query.dealerId ?? null, query.limit ?? PAGE_DEFAULT])
    return res.rows
  }

  /** A dead letter back in the queue, due now, with a fresh count of attempts and the same idempotency key. */
  async retryDeadLetter (deliveryId: number): Promise<WebhookDelivery> {
    const res = await this.pool.query<Guarded<WebhookDelivery, DeliveryState>>(
      `WITH prior AS (SELECT state FROM webhook_deliveries WHERE id = $1),
       upd AS (
         UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL
         WHERE id = $1 AND state = 'dead' RETURNING *
       )
       SELECT (SELECT state FROM prior) AS prior, ${DELIVERY_COLUMNS} FROM (SELECT 1) one LEFT JOIN upd w ON true`, [deliveryId])
    const { prior, ...delivery } = res.rows[0] as Guarded<WebhookDelivery, DeliveryState>
    if (prior === null) throw new PitwallError('PITWALL_ERR_WEBHOOK_DELIVERY_UNKNOWN', `no webhook delivery ${deliveryId}`)
    if (delivery.id === null) throw new PitwallError('PITWALL_ERR_WEBHOOK_NOT_DEAD', `webhook delivery ${deliveryId} is ${prior}; only dead letters can be retried`)
    return delivery
  }

  /** The deliveries of one alert, oldest first. */
  async deliveries (alertId: number): Promise<WebhookDelivery[]> {
    const res = await this.pool.query<WebhookDelivery>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries w WHERE w.alert_id = $1 ORDER BY w.id`, [alertId])
    return res.rows
  }
}

/**
 * Inserts alerts of one owner (a fault, or a rescue request) with their
 * `new` timeline entry and webhook deliveries, inside the caller's
 * transaction: DealerAlertStore.create, and a call centre's rescue request
 * (./rescue-requests.ts), which has no fault.
 */
export async function insertAlerts (client: pg.PoolClient, owner: { faultId: number | null, rescueId: number | null, vehicleId: number },
  kind: DealerAlertKind, drafts: readonly AlertDraft[], envelope: WebhookEnvelope): Promise<DealerAlert[]> {
  const alerts: DealerAlert[] = []
  for (const draft of drafts) {
    const res = await client.query<DealerAlert>(
      `WITH a AS (
         INSERT INTO dealer_alerts (fault_id, rescue_id, dealer_id, kind, vehicle_id, routing, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *
       ), ev AS (
         INSERT INTO dealer_alert_events (alert_id, time, status, by, detail)
         SELECT id, created_at, 'new', 'pitwall', jsonb_build_object('routing', routing) FROM a
       )
       SELECT ${ALERT_COLUMNS} FROM a JOIN vehicles v ON v.id = a.vehicle_id`,
      [owner.faultId, owner.rescueId, draft.dealerId, kind, owner.vehicleId, JSON.stringify(draft.routing), JSON.stringify(draft.payload)])
    const created = res.rows[0] as DealerAlert
    alerts.push(created)
    if (!draft.webhook) continue
    // random, not derived from ids: a receiver cannot guess other alerts' keys
    const key = randomUUID()
    const { event, body } = envelope(created, key)
    await client.query(
      `INSERT INTO webhook_deliveries (alert_id, dealer_id, idempotency_key, event, body) VALUES ($1, $2, $3, $4, $5)`,
      [created.id, created.dealerId, key, event, body])
  }
  return alerts
}

/** A dealer asks for a status, not a verb, and alerts only move forward: the refusal says so. */
const ALERT_REFUSAL: MoveRefusal<AlertMove> = {
  code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION',
  message: (alertId, prior, move) => `alert ${alertId} is ${prior}; it cannot move to ${move.to} (alerts only move forward: ${DEALER_ALERT_STATUSES.join(' → ')})`
}

function unknownAlert (dealerId: string, alertId: number): PitwallError {
  return new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', `dealer ${dealerId} has no alert ${alertId}`)
}
