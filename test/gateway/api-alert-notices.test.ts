/**
 * An alert's updates over HTTP on one backend: the dealer reads them in the
 * alert's timeline and sees the latest on its list; engineers read every
 * notice with why it was or was not told, and merge two alerts of one dealer
 * and vehicle; dealers, operators (writing) and bad input are refused.
 */
import t from 'tap'
import { DealerNoticeProcessor } from '../../actions/dealer-notices/processor.js'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { expectEngineerWrites, openApi, roleTokens } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.berlin, webhookUrl: 'https://dms.nord.example/pitwall' })
    await storage.dealers.add({ id: 'dealer-sued', name: 'Autohaus Süd', ...PLACES.munich })
    const tokens = await roleTokens(storage.apiTokens)
    const sued = (await storage.apiTokens.create({ name: 'Süd desk', role: 'dealer', dealerId: 'dealer-sued' })).token
    const service = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
    const processor = new DealerNoticeProcessor({ store: storage.dealerNotices, log: recordingLog() })

    const f = await seedFault(storage)
    await storage.vehicles.assignDealer(f.vin, 'dealer-nord')
    const [alert] = await service.raiseForFault(f.faultId, 'prestage')
    const id = alert?.id as number
    const fault = await storage.faults.get(f.faultId)
    await storage.faults.record([{ type: 'cleared', vehicleId: f.vehicleId, ruleId: fault.ruleId, ruleVersion: fault.ruleVersion, severity: fault.severity, timeUs: (f.openedAt.getTime() + 60_000) * 1000, occurrences: 1, evidence: [] }])
    await processor.runOnce()
    // a second alert for the same vehicle and dealer (another rule's fault), to merge into
    const other = await seedFault(storage, { on: f })
    const [second] = await service.raiseForFault(other.faultId, 'prestage')
    const secondId = second?.id as number

    t.test('the dealer sees the update on its list and in the alert\'s timeline', async (t) => {
      const listed = (await call('GET', '/api/v1/inbox/alerts', tokens.dealer)).json()
      t.match(listed.alerts.find((a: { id: number }) => a.id === id), { lastUpdate: 'fault_cleared', lastUpdateAt: /^\d{4}-/ })
      t.match(listed.alerts.find((a: { id: number }) => a.id === secondId), { lastUpdate: null, lastUpdateAt: null })
      const shown = (await call('GET', `/api/v1/inbox/alerts/${id}`, tokens.dealer)).json()
      t.match(shown.timeline, [{ status: 'new', update: null }, { status: 'new', update: 'fault_cleared', by: 'pitwall', detail: { summary: /cleared on its own/ } }])
      t.same(shown.deliveries.map((d: { event: string, alertId: number, reminderId: number | null }) => [d.event, d.alertId, d.reminderId]),
        [['dealer_alert.created', id, null], ['dealer_alert.fault_cleared', id, null]])
      t.equal((await call('GET', `/api/v1/inbox/alerts/${id}`, sued)).statusCode, 404, 'another dealer cannot read it')
    })

    t.test('only engineers merge, operators and engineers read the notices; dealers neither', async (t) => {
      await expectEngineerWrites(t, call, [
        ['GET', `/api/v1/dealer-alerts/${id}/notices`],
        ['POST', `/api/v1/dealer-alerts/${id}/supersede`, { by: secondId }]
      ], tokens)
      const read = await call('GET', `/api/v1/dealer-alerts/${id}/notices`, tokens.operator)
      t.equal(read.statusCode, 200)
      t.match(read.json().notices, [{ type: 'fault_cleared', alertId: id, state: 'told', outcome: null }])
    })

    t.test('bad input names the field; unknown alerts are 404', async (t) => {
      const url = `/api/v1/dealer-alerts/${id}/supersede`
      await expectError(t, call('POST', url, tokens.engineer, {}), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "by"')
      await expectError(t, call('POST', url, tokens.engineer, { by: 0 }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.by must be >= 1')
      await expectError(t, call('POST', url, tokens.engineer, { by: secondId, note: '' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.note must NOT have fewer than 1 characters')
      await expectError(t, call('POST', url, tokens.engineer, { by: secondId, reason: 'x' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "reason"')
      await expectError(t, call('POST', url, tokens.engineer, { by: id }), 400, 'PITWALL_ERR_DEALER_ALERT_INVALID', `alert ${id} cannot supersede itself`)
      await expectError(t, call('POST', url, tokens.engineer, { by: 999_999 }), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', 'no alert 999999')
      await expectError(t, call('GET', '/api/v1/dealer-alerts/999999/notices', tokens.engineer), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', 'no alert 999999')
    })

    t.test('an engineer merges the alert into the other; the dealer is told to work from that one, once', async (t) => {
      const merged = await call('POST', `/api/v1/dealer-alerts/${id}/supersede`, tokens.engineer, { by: secondId, note: 'same coolant leak' })
      t.equal(merged.statusCode, 201)
      t.match(merged.json(), { type: 'superseded', alertId: id, supersededBy: secondId, by: 'alice', detail: { note: 'same coolant leak' }, state: 'pending' })
      await expectError(t, call('POST', `/api/v1/dealer-alerts/${id}/supersede`, tokens.engineer, { by: secondId }), 409, 'PITWALL_ERR_DEALER_ALERT_TRANSITION',
        `alert ${id} is already superseded by alert ${secondId}`)
      await processor.runOnce()
      const shown = (await call('GET', `/api/v1/inbox/alerts/${id}`, tokens.dealer)).json()
      t.match(shown, { lastUpdate: 'superseded', timeline: [{}, {}, { update: 'superseded', by: 'alice', detail: { supersededBy: secondId, note: 'same coolant leak' } }] })
      t.equal(shown.deliveries.at(-1).event, 'dealer_alert.superseded')
    })
  })
}
