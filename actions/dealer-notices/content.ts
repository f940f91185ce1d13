/**
 * The bodies of the webhooks that follow an alert (schema
 * pitwall.dealer-alert-update/1) and of service reminders (schema
 * pitwall.service-reminder/1): what a service advisor needs to act on
 * without opening the console, built from the plain data ./policy.ts
 * decided on.
 */
import type { EvidenceSample } from '../../rules/model.js'
import {
  ALERT_UPDATE_SCHEMA, SERVICE_REMINDER_SCHEMA,
  type AlertUpdate, type AlertUpdateContext, type ReminderNoticeContext
} from './model.js'

export interface AlertUpdateContent {
  schema: typeof ALERT_UPDATE_SCHEMA
  event: string
  update: AlertUpdate
  /** when it happened (the vehicle's sample time for a clearing or a reoccurrence) */
  happenedAt: string
  /** what happened, in a sentence */
  summary: string
  /** what the advisor may do about it, in a sentence or two */
  advice: string
  alert: { id: number, dealerId: string, kind: string, status: string, createdAt: string }
  vehicle: { vin: string, model: string | null, brand: string | null }
  fault: { id: number, ruleId: string, ruleName: string | null, severity: string, state: string, openedAt: string, occurrences: number, clearedAt: string | null }
  /** fixed_remotely: the command that fixed it */
  command: { id: string, requestedBy: string, finishedAt: string | null, action?: { name: string, params: Record<string, string> }, ota?: { package: string, version: string } } | null
  /** fault_resolved: the engineer and their note */
  resolution: { by: string | null, note: string | null } | null
  /** superseded: the alert to work from instead */
  supersededBy: { alertId: number, faultId: number, ruleId: string, ruleName: string | null, severity: string, createdAt: string, mergedBy: string | null } | null
  /** fault_reoccurred: the occurrence's freeze frame */
  evidence: EvidenceSample[]
  /** the dealer's parts_staged step, if it took it: the parts may be unstaged (or kept, when the fault came back) */
  partsStaged: { at: string, by: string } | null
}

export function alertUpdateContent (ctx: AlertUpdateContext, event: string, summary: string, advice: string): AlertUpdateContent {
  const { alert, fault, command, replacement } = ctx
  const type = ctx.notice.type
  const body = command?.body
  return {
    schema: ALERT_UPDATE_SCHEMA,
    event,
    update: type,
    happenedAt: ctx.notice.time.toISOString(),
    summary,
    advice,
    alert: { id: alert.id, dealerId: alert.dealerId, kind: alert.kind, status: alert.status, createdAt: alert.createdAt.toISOString() },
    vehicle: ctx.vehicle,
    fault: {
      id: fault.id,
      ruleId: fault.ruleId,
      ruleName: fault.ruleName,
      severity: fault.severity,
      state: fault.state,
      openedAt: fault.openedAt.toISOString(),
      occurrences: fault.occurrences,
      clearedAt: fault.clearedAt?.toISOString() ?? null
    },
    command: type !== 'fixed_remotely' || command === null
      ? null
      : {
          id: command.id,
          requestedBy: command.requestedBy,
          finishedAt: command.finishedAt?.toISOString() ?? null,
          ...(body !== undefined && 'action' in body ? { action: body.action } : {}),
          // the package's URL and digest are for the vehicle, not the advisor
          ...(body !== undefined && 'ota' in body ? { ota: { package: body.ota.package, version: body.ota.version } } : {})
        },
    resolution: type === 'fault_resolved' ? { by: ctx.step?.by ?? null, note: noteOf(ctx.step?.detail) } : null,
    supersededBy: type !== 'superseded' || replacement === null
      ? null
      : { ...replacement, createdAt: replacement.createdAt.toISOString(), mergedBy: ctx.notice.by },
    evidence: type === 'fault_reoccurred' ? evidenceOf(ctx.step?.detail) : [],
    partsStaged: ctx.partsStaged === null ? null : { at: ctx.partsStaged.at.toISOString(), by: ctx.partsStaged.by }
  }
}

export interface ServiceReminderContent {
  schema: typeof SERVICE_REMINDER_SCHEMA
  event: string
  dealerId: string
  vehicle: { vin: string, model: string | null, brand: string | null }
  reminder: {
    id: number
    /** the maintenance item (or the rule, for a fault's reminder) a service names in `covers` to close it */
    ruleId: string
    kind: string
    /** what to do, when the item or rule says */
    task: string | null
    dueAt: string | null
    dueKm: number | null
    dueHours: number | null
    detail: Record<string, unknown>
    state: string
    createdAt: string
    closedAt: string | null
    closedBy: string | null
  }
}

export function serviceReminderContent (ctx: ReminderNoticeContext, event: string, dealerId: string): ServiceReminderContent {
  const r = ctx.reminder
  return {
    schema: SERVICE_REMINDER_SCHEMA,
    event,
    dealerId,
    vehicle: ctx.vehicle,
    reminder: {
      id: r.id,
      ruleId: r.ruleId,
      kind: r.kind,
      task: typeof r.detail.task === 'string' ? r.detail.task : null,
      dueAt: r.dueAt?.toISOString() ?? null,
      dueKm: r.dueKm,
      dueHours: r.dueHours,
      detail: r.detail,
      state: r.state,
      createdAt: r.createdAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
      closedBy: r.closedBy
    }
  }
}

function noteOf (detail: Record<string, unknown> | null | undefined): string | null {
  return typeof detail?.note === 'string' ? detail.note : null
}

/** A reoccurrence's freeze frame as the fault writer keeps it in the step (storage/faults.ts). */
function evidenceOf (detail: Record<string, unknown> | null | undefined): EvidenceSample[] {
  return Array.isArray(detail?.evidence) ? detail.evidence as EvidenceSample[] : []
}
