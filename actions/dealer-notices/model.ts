/**
 * What a dealer is told after an alert was raised, and of its vehicles'
 * service reminders, as data: the notices (storage/migrations/
 * 024_dealer_notices.sql fills their outbox from the changes themselves),
 * their webhook events, what deciding one reads, and what may be decided.
 * ./policy.ts decides; storage/dealer-notices.ts reads and writes.
 *
 * An alert's updates:
 *   fault_cleared     the fault's condition went away on its own
 *   fixed_remotely    a remote fix or OTA command for the fault succeeded and fresh data cleared it
 *   fault_reoccurred  the fault came back after the dealer was told it had cleared
 *   fault_resolved    an engineer closed the fault (their note says why)
 *   superseded        a newer alert to the same dealer for the same vehicle replaces it: its
 *                     fault is of the same rule, or links the same case at a severity no lower;
 *                     or an engineer merged the two
 */
import type { CommandBody } from '../commands/model.js'
import type { FaultState, FaultTimelineType } from '../../rules/fault-lifecycle.js'
import type { Severity } from '../../rules/model.js'
import type { ReminderKind, ReminderState } from '../../rules/service-reminders/model.js'
import type { DealerAlertKind, DealerAlertStatus } from '../dealer-alerts/model.js'

export const ALERT_UPDATES = ['fault_cleared', 'fixed_remotely', 'fault_reoccurred', 'fault_resolved', 'superseded'] as const
export type AlertUpdate = typeof ALERT_UPDATES[number]

export const REMINDER_NOTICES = ['reminder_created', 'reminder_closed'] as const
export type ReminderNotice = typeof REMINDER_NOTICES[number]

export type NoticeType = AlertUpdate | ReminderNotice
export const NOTICE_TYPES: readonly NoticeType[] = [...ALERT_UPDATES, ...REMINDER_NOTICES]

export const NOTICE_STATES = ['pending', 'told', 'skipped'] as const
export type NoticeState = typeof NOTICE_STATES[number]

/** The webhook event prefix per alert kind, as the creation events (../dealer-alerts/model.ts ALERT_EVENTS) spell it. */
const EVENT_PREFIX: Record<DealerAlertKind, string> = { prestage: 'dealer_alert', rescue: 'rescue_request' }

/** The webhook event of an update: dealer_alert.fault_cleared, rescue_request.fixed_remotely, ... */
export function alertUpdateEvent (kind: DealerAlertKind, update: AlertUpdate): string {
  return `${EVENT_PREFIX[kind]}.${update}`
}

export const REMINDER_EVENTS: Record<ReminderNotice, string> = {
  reminder_created: 'service_reminder.created',
  reminder_closed: 'service_reminder.closed'
}

export const ALERT_UPDATE_SCHEMA = 'pitwall.dealer-alert-update/1'
export const SERVICE_REMINDER_SCHEMA = 'pitwall.service-reminder/1'

/** A row of the notice outbox. */
export interface DealerNotice {
  id: number
  type: NoticeType
  alertId: number | null
  reminderId: number | null
  faultEventId: number | null
  supersededBy: number | null
  /** when it happened */
  time: Date
  /** the engineer who superseded the alert by hand */
  by: string | null
  detail: Record<string, unknown> | null
  state: NoticeState
  attempts: number
  nextAttemptAt: Date
  /** why it was skipped, or why it waits */
  outcome: string | null
  createdAt: Date
  doneAt: Date | null
}

/** A notice leased to one worker until `nextAttemptAt`. */
export interface ClaimedNotice extends DealerNotice {
  leaseId: string
}

// ---- what deciding reads ------------------------------------------------------

export interface AlertUpdateContext {
  subject: 'alert'
  notice: { id: number, type: AlertUpdate, time: Date, createdAt: Date, by: string | null, detail: Record<string, unknown> | null }
  alert: { id: number, dealerId: string, kind: DealerAlertKind, status: DealerAlertStatus, createdAt: Date }
  vehicle: { vin: string, model: string | null, brand: string | null }
  fault: {
    id: number
    ruleId: string
    ruleName: string | null
    severity: Severity
    state: FaultState
    openedAt: Date
    occurrences: number
    clearedAt: Date | null
  }
  /** the fault's timeline step behind the notice; null for superseded */
  step: { id: number, type: FaultTimelineType, time: Date, by: string | null, detail: Record<string, unknown> | null } | null
  /** fixed_remotely: the command the fix check confirmed */
  command: { id: string, body: CommandBody, requestedBy: string, finishedAt: Date | null } | null
  /** superseded: the alert that replaces this one */
  replacement: { alertId: number, faultId: number, ruleId: string, ruleName: string | null, severity: Severity, createdAt: Date } | null
  /** the dealer's parts_staged step, if it took it */
  partsStaged: { at: Date, by: string } | null
  /** the updates the dealer was told before, oldest first */
  told: AlertUpdate[]
  /** fault_cleared: a remote fix that succeeded before this clearing waits for its check (which would make it fixed_remotely) */
  fixCheckPending: boolean
  /** fault_cleared: a later step of the fault says a remote fix cleared it */
  fixedLater: boolean
  /** the dealer takes webhooks (a URL, and active) */
  webhook: boolean
}

export interface ReminderNoticeContext {
  subject: 'reminder'
  notice: { id: number, type: ReminderNotice, time: Date }
  reminder: {
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
  }
  vehicle: { vin: string, model: string | null, brand: string | null }
  /** who is told: for a closing, the dealer its creation went to; else the vehicle's own dealer now; null: none */
  dealer: { id: string, webhook: boolean } | null
  /** reminder_closed: whether the dealer was sent the reminder's creation */
  createdTold: boolean
}

export type NoticeContext = AlertUpdateContext | ReminderNoticeContext

/**
 * What happens to a notice: told (the alert's timeline entry and, if the
 * dealer has a webhook, the delivery with this event and exact body),
 * skipped with the reason, or held and decided again later.
 */
export type NoticeDecision =
  | { action: 'tell', event: string, body: string, timeline: Record<string, unknown> | null }
  | { action: 'skip', reason: string }
  | { action: 'wait', ms: number, reason: string }

// ---- limits ------------------------------------------------------------------

/** A clearing waits this long at most for a remote fix's check (the dispatcher decides it within a second or two of the clearing). */
export const FIX_CHECK_HOLD_MS = 5 * 60_000
/** and is looked at again this often meanwhile */
export const FIX_CHECK_RECHECK_MS = 2000
