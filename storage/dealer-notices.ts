/**
 * The notice outbox (storage/migrations/024_dealer_notices.sql): what a
 * dealer must be told after an alert was raised, and of its vehicles'
 * service reminders. Triggers write the notices with the changes
 * themselves; here they are claimed with a lease, in order per alert or
 * reminder, and each is decided and applied in one transaction: the
 * context is read with the alert locked (a dealer closing it waits, and is
 * respected), the caller's decision (actions/dealer-notices/policy.ts)
 * is taken on it, and the alert's timeline entry, the webhook delivery and
 * the notice's end commit together. A worker that stops halfway leaves the
 * notice to be claimed again when its lease ends; one that lost its lease
 * writes nothing.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { CommandBody } from '../actions/commands/model.js'
import type { DealerAlertKind, DealerAlertStatus } from '../actions/dealer-alerts/model.js'
import type {
  AlertUpdate, AlertUpdateContext, ClaimedNotice, DealerNotice, NoticeContext, NoticeDecision, ReminderNotice, ReminderNoticeContext
} from '../actions/dealer-notices/model.js'
import type { FaultState, FaultTimelineType } from '../rules/fault-lifecycle.js'
import type { Severity } from '../rules/model.js'
import type { ReminderKind, ReminderState } from '../rules/service-reminders/model.js'
import { PitwallError } from '../runtime/errors.js'
import { inTransaction } from './transaction.js'

/** DealerNotice, from dealer_notices n */
const NOTICE_COLUMNS = `n.id, n.type, n.alert_id AS "alertId", n.reminder_id AS "reminderId", n.fault_event_id AS "faultEventId",
  n.superseded_by AS "supersededBy", n.time, n.by, n.detail, n.state, n.attempts, n.next_attempt_at AS "nextAttemptAt", n.outcome,
  n.created_at AS "createdAt", n.done_at AS "doneAt"`

/** What applying a claimed notice did; lost: the lease had passed to another worker, nothing was written. */
export type NoticeApplied =
  | { lost: false, decision: NoticeDecision, delivery: boolean }
  | { lost: true }

export interface NoticeQuery {
  alertId: number
  /** newest first; default 100 */
  limit?: number | undefined
}

/** Two alerts an engineer merges, as read for the policy's check. */
export interface MergeCandidate {
  id: number
  dealerId: string
  vehicleId: number
  kind: DealerAlertKind
  status: DealerAlertStatus
  /** the alert that already supersedes it (told or pending), if any */
  supersededBy: number | null
}

export class DealerNoticeStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * Up to `limit` due notices, each leased for `leaseMs`; a notice waits
   * while an older one of its alert or reminder is pending, so the dealer
   * hears of a clearing before the reoccurrence that follows it. SKIP LOCKED
   * lets several gateways claim side by side.
   */
  async claim (limit: number, leaseMs: number): Promise<ClaimedNotice[]> {
    const res = await this.pool.query<ClaimedNotice>(
      `WITH due AS (
         SELECT n.id FROM dealer_notices n
         WHERE n.state = 'pending' AND n.next_attempt_at <= now()
           AND NOT EXISTS (SELECT 1 FROM dealer_notices o WHERE o.alert_id = n.alert_id AND o.id < n.id AND o.state = 'pending')
           AND NOT EXISTS (SELECT 1 FROM dealer_notices o WHERE o.reminder_id = n.reminder_id AND o.id < n.id AND o.state = 'pending')
         ORDER BY n.next_attempt_at, n.id LIMIT $1 FOR UPDATE SKIP LOCKED
       )
       UPDATE dealer_notices n SET attempts = n.attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond', lease_id = $3
       FROM due WHERE n.id = due.id
       RETURNING ${NOTICE_COLUMNS}, n.lease_id AS "leaseId"`, [limit, leaseMs, randomUUID()])
    return res.rows.sort((a, b) => a.id - b.id)
  }

  /**
   * Decides the notice with `decide` on its context as committed and applies
   * the decision, all in one transaction: told writes the alert's timeline
   * entry and latest update, and a webhook delivery (a fresh idempotency
   * key, at most one per notice) when the dealer takes webhooks; skip ends
   * the notice with the reason; wait hands it back, due after `ms`, without
   * counting the claim.
   */
  async apply (notice: ClaimedNotice, decide: (ctx: NoticeContext) => NoticeDecision): Promise<NoticeApplied> {
    return await inTransaction(this.pool, async (client) => {
      const held = await client.query('SELECT 1 FROM dealer_notices WHERE id = $1 AND lease_id = $2 AND state = \'pending\' FOR UPDATE', [notice.id, notice.leaseId])
      if (held.rowCount === 0) return { lost: true }
      const ctx = notice.alertId !== null ? await alertContext(client, notice.id) : await reminderContext(client, notice.id)
      const decision = decide(ctx)
      if (decision.action === 'wait') {
        await client.query(
          `UPDATE dealer_notices SET next_attempt_at = now() + $2 * interval '1 millisecond', outcome = $3, lease_id = NULL, attempts = attempts - 1
           WHERE id = $1`, [notice.id, decision.ms, decision.reason])
        return { lost: false, decision, delivery: false }
      }
      if (decision.action === 'skip') {
        await client.query(`UPDATE dealer_notices SET state = 'skipped', outcome = $2, done_at = now(), lease_id = NULL WHERE id = $1`, [notice.id, decision.reason])
        return { lost: false, decision, delivery: false }
      }
      let delivery: boolean
      if (ctx.subject === 'alert') {
        await client.query(
          `WITH ev AS (
             INSERT INTO dealer_alert_events (alert_id, time, status, by, detail, alert_update)
             SELECT id, now(), status, $2, $3::jsonb, $4 FROM dealer_alerts WHERE id = $1
           )
           UPDATE dealer_alerts SET last_update = $4, last_update_at = now() WHERE id = $1`,
          [ctx.alert.id, ctx.notice.by ?? ctx.step?.by ?? 'pitwall', decision.timeline === null ? null : JSON.stringify(decision.timeline), ctx.notice.type])
        delivery = ctx.webhook
        if (delivery) await queueDelivery(client, { alertId: ctx.alert.id, reminderId: null, dealerId: ctx.alert.dealerId, noticeId: notice.id }, decision)
      } else {
        delivery = ctx.dealer !== null
        if (ctx.dealer !== null) await queueDelivery(client, { alertId: null, reminderId: ctx.reminder.id, dealerId: ctx.dealer.id, noticeId: notice.id }, decision)
      }
      await client.query(`UPDATE dealer_notices SET state = 'told', outcome = $2, done_at = now(), lease_id = NULL WHERE id = $1`,
        [notice.id, delivery ? null : 'in the inbox only: the dealer takes no webhooks'])
      return { lost: false, decision, delivery }
    })
  }

  /** Not applied (the handling failed): due again after `delayMs`, with the reason kept. */
  async retry (notice: ClaimedNotice, delayMs: number, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE dealer_notices SET next_attempt_at = now() + $3 * interval '1 millisecond', outcome = $4, lease_id = NULL
       WHERE id = $1 AND lease_id = $2 AND state = 'pending'`, [notice.id, notice.leaseId, delayMs, reason])
  }

  /** Abandoned after too many failures: skipped, with the reason. */
  async giveUp (notice: ClaimedNotice, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE dealer_notices SET state = 'skipped', outcome = $3, done_at = now(), lease_id = NULL
       WHERE id = $1 AND lease_id = $2 AND state = 'pending'`, [notice.id, notice.leaseId, reason])
  }

  /** The notices of one alert, newest first. */
  async list (query: NoticeQuery): Promise<DealerNotice[]> {
    const res = await this.pool.query<DealerNotice>(
      `SELECT ${NOTICE_COLUMNS} FROM dealer_notices n WHERE n.alert_id = $1 ORDER BY n.id DESC LIMIT $2`, [query.alertId, query.limit ?? 100])
    return res.rows
  }

  /** Two alerts as an engineer's merge needs them; a missing one is absent from the map. */
  async mergeCandidates (ids: readonly number[]): Promise<Map<number, MergeCandidate>> {
    const res = await this.pool.query<MergeCandidate>(
      `SELECT a.id, a.dealer_id AS "dealerId", a.vehicle_id AS "vehicleId", a.kind, a.status,
         (SELECT n.superseded_by FROM dealer_notices n WHERE n.alert_id = a.id AND n.type = 'superseded' AND n.state <> 'skipped') AS "supersededBy"
       FROM dealer_alerts a WHERE a.id = ANY ($1::bigint[])`, [[...ids]])
    return new Map(res.rows.map((r) => [r.id, r]))
  }

  /**
   * An engineer's merge, as the policy allowed it (checkMerge): alert
   * `alertId` is superseded by `byAlertId`, told like Pitwall's own. Refused
   * (409) if the alert was closed or superseded meanwhile.
   */
  async supersede (alertId: number, byAlertId: number, engineer: string, note: string | null): Promise<DealerNotice> {
    try {
      const res = await this.pool.query<DealerNotice>(
        `WITH n AS (
           INSERT INTO dealer_notices (type, alert_id, superseded_by, time, by, detail)
           SELECT 'superseded', id, $2, now(), $3, CASE WHEN $4::text IS NULL THEN NULL ELSE jsonb_build_object('note', $4::text) END
           FROM dealer_alerts WHERE id = $1 AND status <> 'closed'
           RETURNING *
         )
         SELECT ${NOTICE_COLUMNS} FROM n`, [alertId, byAlertId, engineer, note])
      const row = res.rows[0]
      if (row === undefined) throw new PitwallError('PITWALL_ERR_DEALER_ALERT_TRANSITION', `alert ${alertId} was closed by its dealer; nothing to supersede`)
      return row
    } catch (err) {
      if ((err as { code?: unknown }).code === '23505') {
        throw new PitwallError('PITWALL_ERR_DEALER_ALERT_TRANSITION', `alert ${alertId} is already superseded`, { cause: err })
      }
      throw err
    }
  }
}

interface DeliveryTarget {
  alertId: number | null
  reminderId: number | null
  dealerId: string
  noticeId: number
}

async function queueDelivery (client: pg.PoolClient, to: DeliveryTarget, decision: Extract<NoticeDecision, { action: 'tell' }>): Promise<void> {
  // random, as for an alert's creation: a receiver cannot guess other deliveries' keys
  await client.query(
    `INSERT INTO webhook_deliveries (alert_id, reminder_id, dealer_id, idempotency_key, event, body, notice_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [to.alertId, to.reminderId, to.dealerId, randomUUID(), decision.event, decision.body, to.noticeId])
}

interface AlertContextRow {
  type: AlertUpdate
  time: Date
  createdAt: Date
  by: string | null
  detail: Record<string, unknown> | null
  alertId: number
  dealerId: string
  kind: DealerAlertKind
  status: DealerAlertStatus
  alertCreatedAt: Date
  vin: string
  model: string | null
  brand: string | null
  faultId: number
  ruleId: string
  ruleName: string | null
  severity: Severity
  state: FaultState
  openedAt: Date
  occurrences: number
  clearedAt: Date | null
  stepId: number | null
  stepType: FaultTimelineType | null
  stepTime: Date | null
  stepBy: string | null
  stepDetail: Record<string, unknown> | null
  commandId: string | null
  commandBody: CommandBody | null
  commandRequestedBy: string | null
  commandFinishedAt: Date | null
  replacementId: number | null
  replacementFaultId: number | null
  replacementRuleId: string | null
  replacementRuleName: string | null
  replacementSeverity: Severity | null
  replacementCreatedAt: Date | null
  stagedAt: Date | null
  stagedBy: string | null
  told: AlertUpdate[]
  fixCheckPending: boolean
  fixedLater: boolean
  webhook: boolean
}

/** The alert update's context, the alert locked (FOR UPDATE) until the transaction ends. */
async function alertContext (client: pg.PoolClient, noticeId: number): Promise<AlertUpdateContext> {
  const res = await client.query<AlertContextRow>(
    `SELECT n.type, n.time, n.created_at AS "createdAt", n.by, n.detail,
       a.id AS "alertId", a.dealer_id AS "dealerId", a.kind, a.status, a.created_at AS "alertCreatedAt", v.vin, v.model, v.brand,
       f.id AS "faultId", f.rule_id AS "ruleId", rv.definition->>'name' AS "ruleName", f.severity, f.state, f.opened_at AS "openedAt",
       f.occurrences, f.cleared_at AS "clearedAt",
       e.id AS "stepId", e.type AS "stepType", e.time AS "stepTime", e.by AS "stepBy", e.detail AS "stepDetail",
       c.id AS "commandId", c.body AS "commandBody", c.requested_by AS "commandRequestedBy", c.finished_at AS "commandFinishedAt",
       r.id AS "replacementId", r.fault_id AS "replacementFaultId", rf.rule_id AS "replacementRuleId", rrv.definition->>'name' AS "replacementRuleName",
       rf.severity AS "replacementSeverity", r.created_at AS "replacementCreatedAt",
       ps.time AS "stagedAt", ps.by AS "stagedBy",
       (SELECT coalesce(array_agg(t.alert_update ORDER BY t.id), '{}') FROM dealer_alert_events t WHERE t.alert_id = a.id AND t.alert_update IS NOT NULL) AS told,
       -- the fix check's own rule (storage/commands.ts fixCheckDecision): a clearing at or after the fix's success confirms it
       (e.id IS NOT NULL AND EXISTS (SELECT 1 FROM commands p WHERE p.fault_id = f.id AND p.fix_check = 'pending'
         AND coalesce(p.finished_at, p.updated_at) <= e.time)) AS "fixCheckPending",
       (e.id IS NOT NULL AND EXISTS (SELECT 1 FROM fault_events l WHERE l.fault_id = f.id AND l.type = 'fixed_remotely' AND l.id > e.id)) AS "fixedLater",
       (d.webhook_url IS NOT NULL AND d.active) AS webhook
     FROM dealer_notices n
     JOIN dealer_alerts a ON a.id = n.alert_id
     JOIN vehicles v ON v.id = a.vehicle_id
     JOIN faults f ON f.id = a.fault_id
     JOIN dealers d ON d.id = a.dealer_id
     LEFT JOIN rule_versions rv ON rv.id = f.rule_id AND rv.version = f.rule_version
     LEFT JOIN fault_events e ON e.id = n.fault_event_id
     LEFT JOIN commands c ON n.type = 'fixed_remotely' AND c.id = e.detail->>'commandId'
     LEFT JOIN dealer_alerts r ON r.id = n.superseded_by
     LEFT JOIN faults rf ON rf.id = r.fault_id
     LEFT JOIN rule_versions rrv ON rrv.id = rf.rule_id AND rrv.version = rf.rule_version
     LEFT JOIN LATERAL (SELECT time, by FROM dealer_alert_events
       WHERE alert_id = a.id AND status = 'parts_staged' AND alert_update IS NULL ORDER BY id LIMIT 1) ps ON true
     WHERE n.id = $1
     FOR UPDATE OF a`, [noticeId])
  const row = res.rows[0]
  if (row === undefined) throw new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', `notice ${noticeId}: its alert or fault is gone`)
  return {
    subject: 'alert',
    notice: { id: noticeId, type: row.type, time: row.time, createdAt: row.createdAt, by: row.by, detail: row.detail },
    alert: { id: row.alertId, dealerId: row.dealerId, kind: row.kind, status: row.status, createdAt: row.alertCreatedAt },
    vehicle: { vin: row.vin, model: row.model, brand: row.brand },
    fault: {
      id: row.faultId,
      ruleId: row.ruleId,
      ruleName: row.ruleName,
      severity: row.severity,
      state: row.state,
      openedAt: row.openedAt,
      occurrences: row.occurrences,
      clearedAt: row.clearedAt
    },
    step: row.stepId === null ? null : { id: row.stepId, type: row.stepType as FaultTimelineType, time: row.stepTime as Date, by: row.stepBy, detail: row.stepDetail },
    command: row.commandId === null
      ? null
      : { id: row.commandId, body: row.commandBody as CommandBody, requestedBy: row.commandRequestedBy as string, finishedAt: row.commandFinishedAt },
    replacement: row.replacementId === null
      ? null
      : {
          alertId: row.replacementId,
          faultId: row.replacementFaultId as number,
          ruleId: row.replacementRuleId as string,
          ruleName: row.replacementRuleName,
          severity: row.replacementSeverity as Severity,
          createdAt: row.replacementCreatedAt as Date
        },
    partsStaged: row.stagedAt === null ? null : { at: row.stagedAt, by: row.stagedBy as string },
    told: row.told,
    fixCheckPending: row.fixCheckPending,
    fixedLater: row.fixedLater,
    webhook: row.webhook
  }
}

interface ReminderContextRow {
  type: ReminderNotice
  time: Date
  id: number
  ruleId: string
  kind: ReminderKind
  dueAt: Date | null
  dueKm: number | null
  dueHours: number | null
  detail: Record<string, unknown>
  state: ReminderState
  createdAt: Date
  closedAt: Date | null
  closedBy: string | null
  vin: string
  model: string | null
  brand: string | null
  dealerId: string | null
  webhook: boolean | null
  createdTold: boolean
}

async function reminderContext (client: pg.PoolClient, noticeId: number): Promise<ReminderNoticeContext> {
  const res = await client.query<ReminderContextRow>(
    `SELECT n.type, n.time, r.id, r.rule_id AS "ruleId", r.kind, r.due_at AS "dueAt", r.due_km AS "dueKm", r.due_hours AS "dueHours", r.detail,
       r.state, r.created_at AS "createdAt", r.closed_at AS "closedAt", r.closed_by AS "closedBy", v.vin, v.model, v.brand,
       d.id AS "dealerId", (d.webhook_url IS NOT NULL AND d.active) AS webhook, cw.id IS NOT NULL AS "createdTold"
     FROM dealer_notices n
     JOIN service_reminders r ON r.id = n.reminder_id
     JOIN vehicles v ON v.id = r.vehicle_id
     -- a closing goes to the dealer the creation went to, even if the vehicle has changed dealer since
     LEFT JOIN LATERAL (SELECT w.id, w.dealer_id FROM dealer_notices cn JOIN webhook_deliveries w ON w.notice_id = cn.id
       WHERE n.type = 'reminder_closed' AND cn.reminder_id = r.id AND cn.type = 'reminder_created') cw ON true
     LEFT JOIN dealers d ON d.id = coalesce(cw.dealer_id, v.dealer_id)
     WHERE n.id = $1`, [noticeId])
  const row = res.rows[0]
  if (row === undefined) throw new PitwallError('PITWALL_ERR_REMINDER_UNKNOWN', `notice ${noticeId}: its service reminder is gone`)
  return {
    subject: 'reminder',
    notice: { id: noticeId, type: row.type, time: row.time },
    reminder: {
      id: row.id,
      ruleId: row.ruleId,
      kind: row.kind,
      dueAt: row.dueAt,
      dueKm: row.dueKm,
      dueHours: row.dueHours,
      detail: row.detail,
      state: row.state,
      createdAt: row.createdAt,
      closedAt: row.closedAt,
      closedBy: row.closedBy
    },
    vehicle: { vin: row.vin, model: row.model, brand: row.brand },
    dealer: row.dealerId === null ? null : { id: row.dealerId, webhook: row.webhook === true },
    createdTold: row.createdTold
  }
}
