/**
 * The dealer loop closed, on both backends: a fault's steps after its alert
 * (cleared, fixed remotely, reoccurred, resolved, superseded) become one
 * timeline entry and one webhook delivery each, written with the notice's
 * end; a closed alert hears nothing; a worker that lost its lease writes
 * nothing; service reminders reach the dealer's webhook when opened and
 * when closed.
 */
import t from 'tap'
import { ackMove, fixCheckRule } from '../../actions/commands/policy.js'
import { alertMove } from '../../actions/dealer-alerts/policy.js'
import { checkMerge, decideNotice } from '../../actions/dealer-notices/policy.js'
import { DealerNoticeProcessor } from '../../actions/dealer-notices/processor.js'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import type { FaultEventType } from '../../rules/model.js'
import { poolOf, type Storage } from '../../storage/index.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault, type SeededFault } from '../actions/dealer-fixtures.js'

const HOOK = 'https://dms.example/pitwall'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    const service = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
    const processor = new DealerNoticeProcessor({ store: storage.dealerNotices, log: recordingLog() })
    await storage.dealers.add({ id: 'loop-hook', name: 'Autohaus mit Webhook', ...PLACES.munich, webhookUrl: HOOK })
    await storage.dealers.add({ id: 'loop-inbox', name: 'Werkstatt ohne Webhook', ...PLACES.stuttgart })

    /** A vehicle of `dealer` with an open fault and its pre-staging alert raised. */
    const alerted = async (dealer = 'loop-hook'): Promise<SeededFault & { alertId: number }> => {
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, dealer)
      const [alert] = await service.raiseForFault(f.faultId, 'prestage')
      return { ...f, alertId: alert?.id as number }
    }
    /** The engine's step of the fault, `s` seconds after it opened. */
    const step = async (f: SeededFault, type: FaultEventType, s: number, faultId = f.faultId): Promise<void> => {
      const fault = await storage.faults.get(faultId)
      const timeUs = (f.openedAt.getTime() + s * 1000) * 1000
      await storage.faults.record([{
        type, vehicleId: f.vehicleId, ruleId: fault.ruleId, ruleVersion: fault.ruleVersion, severity: fault.severity, timeUs, occurrences: 1,
        evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: timeUs / 1e6 - 1, value: 118 }]
      }])
    }
    const deliveries = async (alertId: number): Promise<Array<{ event: string, key: string, body: any }>> =>
      (await storage.dealerAlerts.deliveries(alertId)).map((d) => ({ event: d.event, key: d.idempotencyKey, body: JSON.parse(d.body) }))
    const updates = async (dealerId: string, alertId: number): Promise<Array<string | null>> =>
      (await storage.dealerAlerts.timeline(dealerId, alertId)).map((e) => e.update)
    /** Every notice due now: a held one's recheck time has come. */
    const dueNow = async (): Promise<void> => { await pool.query('UPDATE dealer_notices SET next_attempt_at = now() WHERE state = \'pending\'') }
    const drain = async (): Promise<void> => { while (await processor.runOnce() > 0) { /* until nothing is due */ } }

    t.test('a clearing is told once: a timeline entry, the latest update on the alert, and a delivery with a key of its own', async (t) => {
      const f = await alerted()
      await step(f, 'cleared', 120)
      t.equal((await storage.dealerNotices.list({ alertId: f.alertId })).length, 1, 'the fault step left one notice')
      await drain()
      const alert = await storage.dealerAlerts.get('loop-hook', f.alertId)
      t.equal(alert.lastUpdate, 'fault_cleared')
      t.ok(alert.lastUpdateAt instanceof Date)
      t.equal(alert.status, 'new', 'an update moves no status')
      const timeline = await storage.dealerAlerts.timeline('loop-hook', f.alertId)
      t.same(timeline.map((e) => [e.status, e.update, e.by]), [['new', null, 'pitwall'], ['new', 'fault_cleared', 'pitwall']])
      t.match(timeline[1]?.detail, { summary: /cleared on its own/, partsStaged: false })
      const sent = await deliveries(f.alertId)
      t.same(sent.map((d) => d.event), ['dealer_alert.created', 'dealer_alert.fault_cleared'])
      t.not(sent[0]?.key, sent[1]?.key, 'each delivery has its own idempotency key')
      t.match(sent[1]?.body, {
        schema: 'pitwall.dealer-alert-update/1',
        event: 'dealer_alert.fault_cleared',
        update: 'fault_cleared',
        happenedAt: new Date(f.openedAt.getTime() + 120_000).toISOString(),
        alert: { id: f.alertId, dealerId: 'loop-hook', status: 'new' },
        vehicle: { vin: f.vin },
        fault: { id: f.faultId, ruleId: /^dealer-test-/, state: 'auto_cleared' },
        command: null,
        partsStaged: null,
        advice: /intermittent/
      })

      // the same clearing again (the engine restarted and saw it once more) changes nothing
      await step(f, 'cleared', 130)
      await drain()
      t.equal((await deliveries(f.alertId)).length, 2, 'no second delivery')
      t.equal((await storage.dealerNotices.list({ alertId: f.alertId })).length, 1)
    })

    t.test('a worker that lost its lease writes nothing; the one holding it tells once', async (t) => {
      const f = await alerted()
      await step(f, 'cleared', 60)
      const [first] = await storage.dealerNotices.claim(10, 0) // a lease that ends at once: the worker "stopped"
      t.ok(first !== undefined)
      const [second] = await storage.dealerNotices.claim(10, 60_000)
      t.equal(second?.id, first?.id, 'claimed again once the lease ended')
      const decide = (ctx: Parameters<typeof decideNotice>[0]): ReturnType<typeof decideNotice> => decideNotice(ctx, new Date())
      t.same(await storage.dealerNotices.apply(first as NonNullable<typeof first>, decide), { lost: true }, 'the stale lease applies nothing')
      t.match(await storage.dealerNotices.apply(second as NonNullable<typeof second>, decide), { lost: false, delivery: true, decision: { action: 'tell' } })
      t.same(await storage.dealerNotices.apply(second as NonNullable<typeof second>, decide), { lost: true }, 'nor does applying it twice')
      t.same((await deliveries(f.alertId)).map((d) => d.event), ['dealer_alert.created', 'dealer_alert.fault_cleared'])
      t.same(await updates('loop-hook', f.alertId), [null, 'fault_cleared'])
    })

    t.test('an alert the dealer closed hears nothing more, also when it closed it while the notice waited', async (t) => {
      const closedFirst = await alerted()
      await storage.dealerAlerts.transition('loop-hook', closedFirst.alertId, alertMove(closedFirst.alertId, 'closed', { by: 'anna' }))
      await step(closedFirst, 'cleared', 60)
      t.same(await storage.dealerNotices.list({ alertId: closedFirst.alertId }), [], 'no notice for a closed alert')

      const racing = await alerted()
      await step(racing, 'cleared', 60)
      await storage.dealerAlerts.transition('loop-hook', racing.alertId, alertMove(racing.alertId, 'closed', { by: 'anna' }))
      await drain()
      t.match(await storage.dealerNotices.list({ alertId: racing.alertId }), [{ state: 'skipped', outcome: `alert ${racing.alertId} was closed by the dealer` }])
      for (const f of [closedFirst, racing]) {
        t.same((await deliveries(f.alertId)).map((d) => d.event), ['dealer_alert.created'], 'only the creation went out')
        t.equal((await storage.dealerAlerts.get('loop-hook', f.alertId)).lastUpdate, null)
      }
    })

    t.test('after parts were staged the update says so; a dealer without a webhook sees it in the inbox only', async (t) => {
      const f = await alerted()
      await storage.dealerAlerts.transition('loop-hook', f.alertId, alertMove(f.alertId, 'parts_staged', { by: 'anna', note: 'fan on shelf 2' }))
      await step(f, 'cleared', 60)
      await drain()
      const [, update] = await deliveries(f.alertId)
      t.match(update?.body, { alert: { status: 'parts_staged' }, partsStaged: { by: 'anna' }, advice: /Parts were staged for this alert \(by anna at .*\): they can be unstaged/ })

      const inboxOnly = await alerted('loop-inbox')
      await step(inboxOnly, 'cleared', 60)
      await drain()
      t.same(await updates('loop-inbox', inboxOnly.alertId), [null, 'fault_cleared'], 'in the timeline')
      t.same(await deliveries(inboxOnly.alertId), [], 'no webhook queued')
      t.match(await storage.dealerNotices.list({ alertId: inboxOnly.alertId }), [{ state: 'told', outcome: /inbox only/ }])
    })

    t.test('a clearing confirmed by a remote fix\'s check is told once, as fixed_remotely with the command', async (t) => {
      const f = await alerted()
      const command = await storage.commands.enqueue({ vin: f.vin, body: { action: { name: 'ecu-reset', params: { ecu: '0x7E0' } } }, ttlMs: 60_000, requestedBy: 'eva', faultId: f.faultId })
      await storage.commands.markSent(command.id, 30_000, 'k-test')
      await storage.commands.applyAck(f.vehicleId, { id: command.id, state: 'succeeded', progress: 100, detail: 'done', timeMs: f.openedAt.getTime() + 60_000 }, ackMove('succeeded'))
      await step(f, 'cleared', 120)
      await drain()
      t.match(await storage.dealerNotices.list({ alertId: f.alertId }), [{ type: 'fault_cleared', state: 'pending', outcome: /waits for its check/ }], 'the clearing waits for the fix check')
      t.same((await deliveries(f.alertId)).map((d) => d.event), ['dealer_alert.created'])

      await storage.faults.recordFixChecks(storage.commands.fixCheckDecision(fixCheckRule(60_000)))
      await dueNow()
      await drain()
      t.match(await storage.dealerNotices.list({ alertId: f.alertId }), [
        { type: 'fixed_remotely', state: 'told' },
        { type: 'fault_cleared', state: 'skipped', outcome: /told as fixed_remotely/ }
      ])
      const sent = await deliveries(f.alertId)
      t.same(sent.map((d) => d.event), ['dealer_alert.created', 'dealer_alert.fixed_remotely'], 'one update, not a clearing and a fix')
      t.match(sent[1]?.body, {
        update: 'fixed_remotely',
        command: { id: command.id, requestedBy: 'eva', action: { name: 'ecu-reset', params: { ecu: '0x7E0' } } },
        fault: { clearedAt: new Date(f.openedAt.getTime() + 120_000).toISOString() },
        summary: new RegExp(`command ${command.id}, remote action ecu-reset`),
        advice: /No workshop visit is needed/
      })
      t.equal((await storage.dealerAlerts.get('loop-hook', f.alertId)).lastUpdate, 'fixed_remotely')
    })

    t.test('a reoccurrence is told after the clearing was; a clearing reversed before it was told is not, nor its reoccurrence', async (t) => {
      const told = await alerted()
      await step(told, 'cleared', 60)
      await drain()
      await step(told, 'reoccurred', 120)
      await drain()
      const sent = await deliveries(told.alertId)
      t.same(sent.map((d) => d.event), ['dealer_alert.created', 'dealer_alert.fault_cleared', 'dealer_alert.fault_reoccurred'])
      t.match(sent[2]?.body, { fault: { state: 'open', occurrences: 2 }, evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', value: 118 }], summary: /came back/ })

      const flapped = await alerted()
      await step(flapped, 'cleared', 60)
      await step(flapped, 'reoccurred', 70)
      await drain()
      t.match(await storage.dealerNotices.list({ alertId: flapped.alertId }), [
        { type: 'fault_reoccurred', state: 'skipped', outcome: /never went away/ },
        { type: 'fault_cleared', state: 'skipped', outcome: /came back before the dealer was told/ }
      ])
      t.same((await deliveries(flapped.alertId)).map((d) => d.event), ['dealer_alert.created'])
    })

    t.test('an engineer resolving the fault is told with the note; a newer fault of the same rule supersedes the alert', async (t) => {
      const f = await alerted()
      await storage.faults.resolve(f.faultId, 'eva', 'sensor harness replaced under campaign 24-117')
      await drain()
      const resolved = (await deliveries(f.alertId))[1]
      t.match(resolved, { event: 'dealer_alert.fault_resolved', body: { resolution: { by: 'eva', note: 'sensor harness replaced under campaign 24-117' } } })
      t.match((await storage.dealerAlerts.timeline('loop-hook', f.alertId))[1], { update: 'fault_resolved', by: 'eva', detail: { note: 'sensor harness replaced under campaign 24-117' } })

      // the rule fires again: the resolved fault stays, a new one opens and its alert replaces the old one
      await step(f, 'opened', 900)
      const [newer] = (await storage.faults.list({ vin: f.vin })).filter((x) => x.id !== f.faultId)
      const [replacement] = await service.raiseForFault(newer?.id as number, 'prestage')
      await drain()
      const superseded = (await deliveries(f.alertId))[2]
      t.match(superseded, { event: 'dealer_alert.superseded', body: { supersededBy: { alertId: replacement?.id, faultId: newer?.id, mergedBy: null }, advice: new RegExp(`Work from alert ${replacement?.id ?? 0}`) } })
      t.same((await deliveries(replacement?.id as number)).map((d) => d.event), ['dealer_alert.created'], 'the new alert is not superseded by itself')

      // what happens to the old fault now is the new alert's business
      await pool.query('INSERT INTO dealer_notices (type, alert_id, time) VALUES (\'fault_cleared\', $1, now())', [f.alertId])
      await drain()
      t.match((await storage.dealerNotices.list({ alertId: f.alertId }))[0], { state: 'skipped', outcome: /superseded/ })
    })

    t.test('an engineer merges two alerts of one dealer and vehicle; other merges are refused with the reason', async (t) => {
      const a = await alerted()
      const other = await alerted()
      const second = await seedFault(storage, { on: a }) // another rule's fault on a's vehicle
      const [b] = await service.raiseForFault(second.faultId, 'prestage')
      const inboxAlert = await alerted('loop-inbox')
      const merge = async (from: number, by: number): Promise<void> => {
        checkMerge(from, by, await storage.dealerNotices.mergeCandidates([from, by]))
        await storage.dealerNotices.supersede(from, by, 'eva', 'same coolant leak')
      }
      await t.rejects(merge(a.alertId, a.alertId), { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: `alert ${a.alertId} cannot supersede itself` })
      await t.rejects(merge(a.alertId, 999_999), { code: 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', message: 'no alert 999999' })
      await t.rejects(merge(a.alertId, other.alertId), { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: /about different vehicles/ })
      await t.rejects(merge(a.alertId, inboxAlert.alertId), { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message: /only one dealer's alerts merge/ })

      await merge(a.alertId, b?.id as number)
      await drain()
      t.match((await deliveries(a.alertId))[1], { event: 'dealer_alert.superseded', body: { supersededBy: { alertId: b?.id, mergedBy: 'eva' }, summary: /merged by engineer eva/ } })
      t.match((await storage.dealerAlerts.timeline('loop-hook', a.alertId))[1], { update: 'superseded', by: 'eva', detail: { note: 'same coolant leak' } })
      await t.rejects(merge(a.alertId, b?.id as number), { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: `alert ${a.alertId} is already superseded by alert ${b?.id ?? 0}` })
      await t.rejects(storage.dealerNotices.supersede(a.alertId, b?.id as number, 'eva', null), { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: /already superseded/ }, 'also when two engineers race')
      await t.rejects(merge(b?.id as number, a.alertId), { code: 'PITWALL_ERR_DEALER_ALERT_TRANSITION', message: /is itself superseded/ })
    })

    t.test('service reminders reach the vehicle\'s dealer by webhook when opened and when a service closes them', async (t) => {
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, 'loop-hook')
      const orphan = await seedFault(storage) // no own dealer: no inbox, no webhook
      const inboxOnly = await seedFault(storage)
      await storage.vehicles.assignDealer(inboxOnly.vin, 'loop-inbox')
      const candidate = (vehicleId: number): Parameters<Storage['serviceReminders']['upsertReminders']>[0][number] => ({
        vehicleId, ruleId: 'oil-service', kind: 'due', dueAt: new Date('2030-01-01T00:00:00Z'), dueKm: 30_000, dueHours: null,
        detail: { task: 'Engine oil and filter' }, suppressDismissedSince: null
      })
      const opened = (await storage.serviceReminders.upsertReminders([candidate(f.vehicleId), candidate(orphan.vehicleId), candidate(inboxOnly.vehicleId)]))
        .find((c) => c.reminder.vehicleId === f.vehicleId)
      await storage.serviceReminders.upsertReminders([candidate(f.vehicleId)]) // the next check finds it again: nothing new
      await drain()
      const reminderId = opened?.reminder.id as number
      const rows = await pool.query<{ reminder_id: number, alert_id: number | null, dealer_id: string, event: string, body: string }>(
        'SELECT reminder_id, alert_id, dealer_id, event, body FROM webhook_deliveries WHERE reminder_id IS NOT NULL ORDER BY id')
      t.same(rows.rows.map((r) => [r.reminder_id, r.alert_id, r.dealer_id, r.event]), [[reminderId, null, 'loop-hook', 'service_reminder.created']], 'only the webhook dealer\'s vehicle, once')
      t.match(JSON.parse(rows.rows[0]?.body ?? '{}'), {
        schema: 'pitwall.service-reminder/1', dealerId: 'loop-hook', vehicle: { vin: f.vin },
        reminder: { id: reminderId, ruleId: 'oil-service', kind: 'due', task: 'Engine oil and filter', dueKm: 30_000, state: 'open' }
      })

      await storage.serviceReminders.recordService({ vin: f.vin, time: new Date(), covers: ['oil-service'], description: 'oil and filter', by: 'anna' })
      await drain()
      const closed = await pool.query<{ event: string, body: string }>('SELECT event, body FROM webhook_deliveries WHERE reminder_id = $1 ORDER BY id', [reminderId])
      t.same(closed.rows.map((r) => r.event), ['service_reminder.created', 'service_reminder.closed'])
      t.match(JSON.parse(closed.rows[1]?.body ?? '{}'), { reminder: { id: reminderId, state: 'done', closedBy: 'anna' } })

      // a reminder's dead letter lists like an alert's, without an alert
      await pool.query('UPDATE webhook_deliveries SET state = \'dead\', dead_at = now() WHERE reminder_id = $1', [reminderId])
      t.match((await storage.dealerAlerts.deadLetters({ dealerId: 'loop-hook' })).filter((d) => d.reminderId === reminderId), [{ alertId: null, reminderId }, { alertId: null, reminderId }])
    })
  })
}
