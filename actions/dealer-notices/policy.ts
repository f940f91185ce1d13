/**
 * What a dealer is told after an alert was raised, decided per notice over
 * plain data (./model.ts): whether the update reaches the dealer at
 * all, what it says, and whether it waits. The store reads the context with
 * the alert locked and writes the decision in the same transaction
 * (storage/dealer-notices.ts), so a dealer closing the alert meanwhile is
 * respected and a decision is never applied twice.
 *
 * - An alert the dealer closed hears nothing more; neither does one already
 *   superseded (the dealer works from the newer one).
 * - A clearing is held while a remote fix that succeeded before it waits
 *   for its check: when the check confirms it, the dealer hears one
 *   `fixed_remotely`, not a clearing and then a fix. A clearing the fault
 *   has already reversed when it comes to be told is skipped, and so is the
 *   reoccurrence that reversed it: for the dealer the fault never went away.
 * - A reoccurrence is told only after the dealer was told the fault had
 *   gone (cleared or fixed remotely).
 * - Updates after the dealer staged parts say so, and what to do with them.
 */
import { ACTIVE_FAULT_STATES } from '../../rules/fault-lifecycle.js'
import { PitwallError } from '../../runtime/errors.js'
import type { MergeCandidate } from '../../storage/dealer-notices.js'
import type { CommandBody } from '../commands/model.js'
import { alertUpdateContent, serviceReminderContent } from './content.js'
import {
  alertUpdateEvent, FIX_CHECK_HOLD_MS, FIX_CHECK_RECHECK_MS, REMINDER_EVENTS,
  type AlertUpdateContext, type NoticeContext, type NoticeDecision, type ReminderNoticeContext
} from './model.js'

export function decideNotice (ctx: NoticeContext, now: Date): NoticeDecision {
  return ctx.subject === 'alert' ? decideAlertUpdate(ctx, now) : decideReminderNotice(ctx)
}

function decideAlertUpdate (ctx: AlertUpdateContext, now: Date): NoticeDecision {
  const { alert, fault, notice } = ctx
  if (alert.status === 'closed') return skip(`alert ${alert.id} was closed by the dealer`)
  if (ctx.told.includes('superseded')) return skip(`alert ${alert.id} was superseded; the dealer works from the newer alert`)
  switch (notice.type) {
    case 'fault_cleared':
      if (ctx.fixedLater) return skip('told as fixed_remotely: the remote fix\'s check confirmed this clearing')
      if (ctx.fixCheckPending && now.getTime() - notice.createdAt.getTime() < FIX_CHECK_HOLD_MS) {
        return { action: 'wait', ms: FIX_CHECK_RECHECK_MS, reason: 'a remote fix that succeeded before the clearing waits for its check' }
      }
      if (ACTIVE_FAULT_STATES.includes(fault.state)) return skip('the fault came back before the dealer was told it had cleared')
      break
    case 'fault_reoccurred': {
      const last = ctx.told.at(-1)
      if (last !== 'fault_cleared' && last !== 'fixed_remotely') return skip('the dealer was not told the fault had gone: for them it never went away')
      break
    }
    case 'fixed_remotely':
    case 'fault_resolved':
    case 'superseded':
      break
  }
  const event = alertUpdateEvent(alert.kind, notice.type)
  const summary = summaryOf(ctx)
  const content = alertUpdateContent(ctx, event, summary, adviceOf(ctx))
  return {
    action: 'tell',
    event,
    body: JSON.stringify(content),
    timeline: {
      summary,
      happenedAt: content.happenedAt,
      ...(content.command === null ? {} : { commandId: content.command.id }),
      ...(content.supersededBy === null ? {} : { supersededBy: content.supersededBy.alertId }),
      ...(content.resolution?.note == null ? {} : { note: content.resolution.note }),
      ...(typeof notice.detail?.note === 'string' ? { note: notice.detail.note } : {}),
      partsStaged: ctx.partsStaged !== null
    }
  }
}

function summaryOf (ctx: AlertUpdateContext): string {
  const at = ctx.notice.time.toISOString()
  switch (ctx.notice.type) {
    case 'fault_cleared':
      return `The fault's condition cleared on its own at ${at}.`
    case 'fixed_remotely': {
      const c = ctx.command
      const what = c === null ? 'A remote fix' : `A remote fix (command ${c.id}, ${commandText(c.body)})`
      const cleared = ctx.fault.clearedAt ?? ctx.notice.time
      return `${what} succeeded${c?.finishedAt == null ? '' : ` at ${c.finishedAt.toISOString()}`} and fresh data cleared the fault at ${cleared.toISOString()}.`
    }
    case 'fault_reoccurred':
      return `The fault came back at ${at} after it had cleared (occurrence ${ctx.fault.occurrences}).`
    case 'fault_resolved': {
      const note = ctx.step?.detail?.note
      return `Engineer ${ctx.step?.by ?? 'unknown'} resolved the fault at ${at}${typeof note === 'string' ? `: ${note}` : '.'}`
    }
    case 'superseded': {
      const r = ctx.replacement
      const by = ctx.notice.by === null ? '' : `; merged by engineer ${ctx.notice.by}`
      return r === null
        ? `A newer alert for the same vehicle replaces this one${by}.`
        : `Alert ${r.alertId} (${r.ruleName ?? r.ruleId}, ${r.severity}) for the same vehicle replaces this one${by}.`
    }
  }
}

function adviceOf (ctx: AlertUpdateContext): string {
  const staged = ctx.partsStaged === null ? null : `Parts were staged for this alert (by ${ctx.partsStaged.by} at ${ctx.partsStaged.at.toISOString()})`
  const type = ctx.notice.type
  if (type === 'fault_reoccurred') {
    return staged === null ? 'The fault is back: stage the parts and book the visit as the alert suggests.' : `${staged}: keep them, the fault is back.`
  }
  if (type === 'superseded') {
    const next = ctx.replacement === null ? 'the newer alert' : `alert ${ctx.replacement.alertId}`
    return `Work from ${next} and close this one.${staged === null ? '' : ` ${staged}: keep them if ${next} needs them, else unstage them.`}`
  }
  // cleared, fixed remotely, resolved: the fault is gone (for now)
  const base = type === 'fault_cleared'
    ? 'No workshop visit may be needed, but the fault may be intermittent: you are told if it comes back.'
    : 'No workshop visit is needed for this fault.'
  return staged === null ? `${base} Close the alert when you are done with it.` : `${base} ${staged}: they can be unstaged.`
}

/** A command as an advisor reads it: remote action bms-extended-balancing, OTA bms-firmware 2.4.1. */
function commandText (body: CommandBody): string {
  if ('action' in body) return `remote action ${body.action.name}`
  if ('ota' in body) return `OTA ${body.ota.package} ${body.ota.version}`
  return 'diagnostic request'
}

function decideReminderNotice (ctx: ReminderNoticeContext): NoticeDecision {
  const { dealer, reminder, notice } = ctx
  if (dealer === null) return skip(`the vehicle ${ctx.vehicle.vin} has no own dealer`)
  if (!dealer.webhook) return skip(`dealer ${dealer.id} takes no webhooks (no URL, or inactive)`)
  if (notice.type === 'reminder_closed' && !ctx.createdTold) return skip(`dealer ${dealer.id} was not sent reminder ${reminder.id}`)
  const event = REMINDER_EVENTS[notice.type]
  return { action: 'tell', event, body: JSON.stringify(serviceReminderContent(ctx, event, dealer.id)), timeline: null }
}

function skip (reason: string): NoticeDecision {
  return { action: 'skip', reason }
}

/**
 * An engineer's merge: alert `alertId` is superseded by `byAlertId`, both
 * routed to the same dealer for the same vehicle (the dealer must be able to
 * work from the other one), neither closed nor already superseded. Throws
 * the refusal naming why: unknown (404), not mergeable (400), no longer
 * open to it (409).
 */
export function checkMerge (alertId: number, byAlertId: number, found: ReadonlyMap<number, MergeCandidate>): void {
  const invalid = (message: string): PitwallError => new PitwallError('PITWALL_ERR_DEALER_ALERT_INVALID', message)
  if (alertId === byAlertId) throw invalid(`alert ${alertId} cannot supersede itself`)
  const old = found.get(alertId)
  const by = found.get(byAlertId)
  if (old === undefined) throw new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', `no alert ${alertId}`)
  if (by === undefined) throw new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', `no alert ${byAlertId}`)
  if (old.dealerId !== by.dealerId) throw invalid(`alert ${alertId} went to dealer ${old.dealerId}, alert ${byAlertId} to ${by.dealerId}: only one dealer's alerts merge`)
  if (old.vehicleId !== by.vehicleId) throw invalid(`alerts ${alertId} and ${byAlertId} are about different vehicles`)
  const refused = (message: string): PitwallError => new PitwallError('PITWALL_ERR_DEALER_ALERT_TRANSITION', message)
  if (old.status === 'closed') throw refused(`alert ${alertId} was closed by its dealer; nothing to supersede`)
  if (old.supersededBy !== null) throw refused(`alert ${alertId} is already superseded by alert ${old.supersededBy}`)
  if (by.status === 'closed') throw refused(`alert ${byAlertId} was closed by its dealer; the dealer cannot work from it`)
  if (by.supersededBy !== null) throw refused(`alert ${byAlertId} is itself superseded by alert ${by.supersededBy}`)
}
