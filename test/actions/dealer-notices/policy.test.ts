/**
 * What a dealer is told after its alert, decided over plain data: closed
 * and superseded alerts hear nothing, a clearing waits for a remote fix's
 * check (and is folded into it), a reversed clearing and its reoccurrence
 * are skipped, parts staged are named, each body carries what the advisor
 * needs; reminders go only where a webhook takes them.
 */
import t from 'tap'
import {
  FIX_CHECK_HOLD_MS, FIX_CHECK_RECHECK_MS,
  type AlertUpdate, type AlertUpdateContext, type NoticeDecision, type ReminderNoticeContext
} from '../../../actions/dealer-notices/model.js'
import { checkMerge, decideNotice } from '../../../actions/dealer-notices/policy.js'
import type { MergeCandidate } from '../../../storage/dealer-notices.js'

const NOW = new Date('2025-03-04T10:00:00Z')
const CLEARED_AT = new Date('2025-03-04T09:58:00Z')

function context (type: AlertUpdate, over: Partial<AlertUpdateContext> = {}): AlertUpdateContext {
  return {
    subject: 'alert',
    notice: { id: 7, type, time: CLEARED_AT, createdAt: new Date(NOW.getTime() - 1000), by: null, detail: null },
    alert: { id: 42, dealerId: 'DE-MUC-01', kind: 'prestage', status: 'acknowledged', createdAt: new Date('2025-03-04T08:00:00Z') },
    vehicle: { vin: 'WBA3B5C50DF000001', model: 'i4', brand: 'BMW' },
    fault: {
      id: 9, ruleId: 'coolant-overheat', ruleName: 'Coolant overheat', severity: 'major', state: 'auto_cleared',
      openedAt: new Date('2025-03-04T07:55:00Z'), occurrences: 1, clearedAt: CLEARED_AT
    },
    step: { id: 100, type: 'cleared', time: CLEARED_AT, by: null, detail: { occurrences: 1 } },
    command: null,
    replacement: null,
    partsStaged: null,
    told: [],
    fixCheckPending: false,
    fixedLater: false,
    webhook: true,
    ...over
  }
}

function told (decision: NoticeDecision): { event: string, body: any, timeline: Record<string, unknown> | null } {
  if (decision.action !== 'tell') throw new Error(`expected tell, got ${JSON.stringify(decision)}`)
  return { event: decision.event, body: JSON.parse(decision.body), timeline: decision.timeline }
}

t.test('a clearing is told with what the advisor needs: alert, vehicle, fault, rule, what happened and when', async (t) => {
  const { event, body, timeline } = told(decideNotice(context('fault_cleared'), NOW))
  t.equal(event, 'dealer_alert.fault_cleared')
  t.match(body, {
    schema: 'pitwall.dealer-alert-update/1',
    event: 'dealer_alert.fault_cleared',
    update: 'fault_cleared',
    happenedAt: CLEARED_AT.toISOString(),
    summary: `The fault's condition cleared on its own at ${CLEARED_AT.toISOString()}.`,
    alert: { id: 42, dealerId: 'DE-MUC-01', kind: 'prestage', status: 'acknowledged' },
    vehicle: { vin: 'WBA3B5C50DF000001', model: 'i4', brand: 'BMW' },
    fault: { id: 9, ruleId: 'coolant-overheat', ruleName: 'Coolant overheat', severity: 'major', state: 'auto_cleared', clearedAt: CLEARED_AT.toISOString() },
    command: null,
    resolution: null,
    supersededBy: null,
    evidence: [],
    partsStaged: null
  })
  t.match(body.advice, /intermittent: you are told if it comes back\. Close the alert when you are done with it\.$/)
  t.match(timeline, { summary: body.summary, happenedAt: CLEARED_AT.toISOString(), partsStaged: false })
})

t.test('a rescue request\'s updates carry its own event prefix', async (t) => {
  const ctx = context('fixed_remotely')
  t.equal(told(decideNotice({ ...ctx, alert: { ...ctx.alert, kind: 'rescue' } }, NOW)).event, 'rescue_request.fixed_remotely')
})

t.test('a closed alert hears nothing; a superseded one hears nothing after it', async (t) => {
  for (const type of ['fault_cleared', 'fixed_remotely', 'fault_reoccurred', 'fault_resolved', 'superseded'] as const) {
    const ctx = context(type, { told: ['fault_cleared'] })
    t.same(decideNotice({ ...ctx, alert: { ...ctx.alert, status: 'closed' } }, NOW), { action: 'skip', reason: 'alert 42 was closed by the dealer' }, type)
    t.same(decideNotice(context(type, { told: ['superseded'] }), NOW), { action: 'skip', reason: 'alert 42 was superseded; the dealer works from the newer alert' }, type)
  }
  t.equal(decideNotice(context('fault_cleared', { alert: { ...context('fault_cleared').alert, status: 'repaired' } }), NOW).action, 'tell', 'a repaired alert still hears of its fault')
})

t.test('a clearing waits for a remote fix\'s pending check, is folded into fixed_remotely, and is told anyway once the hold ends', async (t) => {
  t.same(decideNotice(context('fault_cleared', { fixCheckPending: true }), NOW),
    { action: 'wait', ms: FIX_CHECK_RECHECK_MS, reason: 'a remote fix that succeeded before the clearing waits for its check' })
  t.same(decideNotice(context('fault_cleared', { fixedLater: true, fixCheckPending: true }), NOW),
    { action: 'skip', reason: 'told as fixed_remotely: the remote fix\'s check confirmed this clearing' })
  const late = context('fault_cleared', { fixCheckPending: true })
  late.notice.createdAt = new Date(NOW.getTime() - FIX_CHECK_HOLD_MS)
  t.equal(decideNotice(late, NOW).action, 'tell', 'a check that never decides does not hold the clearing for ever')
})

t.test('a clearing the fault has already reversed is skipped, and the reoccurrence is told only after a clearing was', async (t) => {
  const reversed = context('fault_cleared')
  t.same(decideNotice({ ...reversed, fault: { ...reversed.fault, state: 'open' } }, NOW),
    { action: 'skip', reason: 'the fault came back before the dealer was told it had cleared' })
  const back = (toldBefore: AlertUpdate[]): NoticeDecision => {
    const ctx = context('fault_reoccurred', { told: toldBefore, step: { id: 101, type: 'reoccurred', time: NOW, by: null, detail: { occurrences: 2, evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: 1, value: 121 }] } } })
    return decideNotice({ ...ctx, fault: { ...ctx.fault, state: 'open', occurrences: 2 } }, NOW)
  }
  const skipped = { action: 'skip', reason: 'the dealer was not told the fault had gone: for them it never went away' }
  t.same(back([]), skipped)
  t.same(back(['fault_cleared', 'fault_reoccurred']), skipped, 'not twice for one clearing')
  t.same(back(['fault_resolved']), skipped, 'a resolution is not a clearing')
  const { event, body } = told(back(['fault_cleared']))
  t.equal(event, 'dealer_alert.fault_reoccurred')
  t.match(body, { summary: /came back at .* \(occurrence 2\)/, evidence: [{ value: 121 }], advice: /stage the parts and book the visit/ })
  t.equal(back(['fixed_remotely']).action, 'tell', 'after a remote fix too')
})

t.test('fixed_remotely names the command; OTA packages by name and version, not their URL', async (t) => {
  const action = told(decideNotice(context('fixed_remotely', {
    command: { id: 'c-1', body: { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }, requestedBy: 'rule:cell-imbalance', finishedAt: new Date('2025-03-04T09:57:00Z') }
  }), NOW))
  t.match(action.body, {
    command: { id: 'c-1', requestedBy: 'rule:cell-imbalance', finishedAt: '2025-03-04T09:57:00.000Z', action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } },
    summary: 'A remote fix (command c-1, remote action bms-extended-balancing) succeeded at 2025-03-04T09:57:00.000Z and fresh data cleared the fault at 2025-03-04T09:58:00.000Z.',
    advice: 'No workshop visit is needed for this fault. Close the alert when you are done with it.'
  })
  t.equal(action.timeline?.commandId, 'c-1')
  const ota = told(decideNotice(context('fixed_remotely', {
    command: { id: 'c-2', body: { ota: { package: 'bms-fw', version: '2.4.1', url: 'https://ota.example/bms-fw-2.4.1.bin', sha256: 'ab'.repeat(32), size: 1024 } }, requestedBy: 'eva', finishedAt: null }
  }), NOW))
  t.same(ota.body.command, { id: 'c-2', requestedBy: 'eva', finishedAt: null, ota: { package: 'bms-fw', version: '2.4.1' } })
  t.notOk(JSON.stringify(ota.body).includes('ota.example'))
})

t.test('updates after the dealer staged parts say so, and what to do with them', async (t) => {
  const staged = { at: new Date('2025-03-04T08:30:00Z'), by: 'anna' }
  t.match(told(decideNotice(context('fault_cleared', { partsStaged: staged }), NOW)).body, {
    partsStaged: { at: '2025-03-04T08:30:00.000Z', by: 'anna' },
    advice: /Parts were staged for this alert \(by anna at 2025-03-04T08:30:00.000Z\): they can be unstaged\.$/
  })
  t.match(told(decideNotice(context('fault_reoccurred', { partsStaged: staged, told: ['fault_cleared'] }), NOW)).body.advice, /keep them, the fault is back/)
  const superseding = context('superseded', {
    step: null,
    partsStaged: staged,
    replacement: { alertId: 57, faultId: 12, ruleId: 'coolant-overheat', ruleName: 'Coolant overheat', severity: 'critical', createdAt: NOW }
  })
  const { body, timeline } = told(decideNotice(superseding, NOW))
  t.match(body, {
    supersededBy: { alertId: 57, faultId: 12, severity: 'critical', mergedBy: null },
    summary: 'Alert 57 (Coolant overheat, critical) for the same vehicle replaces this one.',
    advice: /^Work from alert 57 and close this one\. Parts were staged .*: keep them if alert 57 needs them, else unstage them\.$/
  })
  t.match(timeline, { supersededBy: 57, partsStaged: true })
})

t.test('a resolution carries the engineer and the note; a merge the engineer who made it', async (t) => {
  const resolved = told(decideNotice(context('fault_resolved', {
    step: { id: 102, type: 'resolved', time: NOW, by: 'eva', detail: { note: 'harness replaced under campaign 24-117' } }
  }), NOW))
  t.match(resolved.body, { resolution: { by: 'eva', note: 'harness replaced under campaign 24-117' }, summary: /^Engineer eva resolved the fault at .*: harness replaced under campaign 24-117$/ })
  t.equal(resolved.timeline?.note, 'harness replaced under campaign 24-117')
  const ctx = context('superseded', { step: null, replacement: { alertId: 57, faultId: 12, ruleId: 'r', ruleName: null, severity: 'major', createdAt: NOW } })
  const merged = told(decideNotice({ ...ctx, notice: { ...ctx.notice, by: 'eva', detail: { note: 'same leak' } } }, NOW))
  t.match(merged.body, { supersededBy: { mergedBy: 'eva' }, summary: 'Alert 57 (r, major) for the same vehicle replaces this one; merged by engineer eva.' })
  t.equal(merged.timeline?.note, 'same leak')
})

t.test('reminders go to a dealer with a webhook; a closing only where the creation went', async (t) => {
  const reminder = (type: 'reminder_created' | 'reminder_closed', over: Partial<ReminderNoticeContext> = {}): ReminderNoticeContext => ({
    subject: 'reminder',
    notice: { id: 3, type, time: NOW },
    reminder: {
      id: 5, ruleId: 'oil-service', kind: 'due_soon', dueAt: new Date('2025-04-01T00:00:00Z'), dueKm: 30_000, dueHours: null,
      detail: { task: 'Engine oil and filter' }, state: 'open', createdAt: NOW, closedAt: null, closedBy: null
    },
    vehicle: { vin: 'WBA3B5C50DF000001', model: 'i4', brand: 'BMW' },
    dealer: { id: 'DE-MUC-01', webhook: true },
    createdTold: false,
    ...over
  })
  const created = told(decideNotice(reminder('reminder_created'), NOW))
  t.equal(created.event, 'service_reminder.created')
  t.equal(created.timeline, null, 'a reminder has no alert timeline')
  t.match(created.body, {
    schema: 'pitwall.service-reminder/1', event: 'service_reminder.created', dealerId: 'DE-MUC-01', vehicle: { vin: 'WBA3B5C50DF000001' },
    reminder: { id: 5, ruleId: 'oil-service', kind: 'due_soon', task: 'Engine oil and filter', dueAt: '2025-04-01T00:00:00.000Z', dueKm: 30_000, dueHours: null, state: 'open' }
  })
  t.same(decideNotice(reminder('reminder_created', { dealer: null }), NOW), { action: 'skip', reason: 'the vehicle WBA3B5C50DF000001 has no own dealer' })
  t.same(decideNotice(reminder('reminder_created', { dealer: { id: 'DE-MUC-01', webhook: false } }), NOW), { action: 'skip', reason: 'dealer DE-MUC-01 takes no webhooks (no URL, or inactive)' })
  t.same(decideNotice(reminder('reminder_closed'), NOW), { action: 'skip', reason: 'dealer DE-MUC-01 was not sent reminder 5' })
  t.equal(told(decideNotice(reminder('reminder_closed', { createdTold: true }), NOW)).event, 'service_reminder.closed')
})

t.test('an engineer merges only two open alerts of one dealer and vehicle', async (t) => {
  const alert = (id: number, over: Partial<MergeCandidate> = {}): MergeCandidate => ({ id, dealerId: 'DE-MUC-01', vehicleId: 1, kind: 'prestage', status: 'new', supersededBy: null, ...over })
  const found = (...alerts: MergeCandidate[]): Map<number, MergeCandidate> => new Map(alerts.map((a) => [a.id, a]))
  t.doesNotThrow(() => { checkMerge(1, 2, found(alert(1), alert(2))) })
  t.throws(() => { checkMerge(1, 1, found(alert(1))) }, { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: 'alert 1 cannot supersede itself' })
  t.throws(() => { checkMerge(1, 2, found(alert(2))) }, { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: 'no alert 1' })
  t.throws(() => { checkMerge(1, 2, found(alert(1))) }, { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: 'no alert 2' })
  t.throws(() => { checkMerge(1, 2, found(alert(1), alert(2, { dealerId: 'DE-BER-01' }))) }, { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: /went to dealer DE-MUC-01, alert 2 to DE-BER-01/ })
  t.throws(() => { checkMerge(1, 2, found(alert(1), alert(2, { vehicleId: 9 }))) }, { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: 'alerts 1 and 2 are about different vehicles' })
  t.throws(() => { checkMerge(1, 2, found(alert(1, { status: 'closed' }), alert(2))) }, { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: /alert 1 was closed/ })
  t.throws(() => { checkMerge(1, 2, found(alert(1, { supersededBy: 3 }), alert(2))) }, { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: 'alert 1 is already superseded by alert 3' })
  t.throws(() => { checkMerge(1, 2, found(alert(1), alert(2, { status: 'closed' }))) }, { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: /alert 2 was closed by its dealer; the dealer cannot work from it/ })
  t.throws(() => { checkMerge(1, 2, found(alert(1), alert(2, { supersededBy: 3 }))) }, { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: 'alert 2 is itself superseded by alert 3' })
})
