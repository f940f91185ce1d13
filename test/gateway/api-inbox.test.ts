/**
 * The dealer inbox over HTTP on one storage backend, through a fastify
 * instance of the test's own (injected requests, no port): a dealer reads
 * and moves only its own alerts (another dealer's answer 404), engineers
 * and operators read any dealer's inbox by naming it, the lifecycle only
 * moves forward, and service reminders and services are scoped by the
 * vehicle's own dealer.
 */
import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import type { ServiceReminder } from '../../storage/service-reminders.js'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'
import { poolOf } from '../../storage/index.js'

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)

    await storage.dealers.add({ id: 'nord', name: 'Autohaus Nord', ...PLACES.berlin, webhookUrl: 'https://dms.nord.example/pitwall' })
    await storage.dealers.add({ id: 'sued', name: 'Autohaus Süd', ...PLACES.munich })
    const token = async (name: string, role: 'engineer' | 'operator' | 'dealer', dealerId?: string): Promise<string> =>
      (await storage.apiTokens.create({ name, role, dealerId })).token
    const engineer = await token('alice', 'engineer')
    const operator = await token('olaf', 'operator')
    const nord = await token('Nord service desk', 'dealer', 'nord')
    const sued = await token('Süd service desk', 'dealer', 'sued')

    // Alerts raised the way the gateway raises them: a fault on a vehicle whose own dealer is nord (or sued).
    const alerts = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
    const raise = async (dealerId: string): Promise<{ id: number, vin: string }> => {
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, dealerId)
      const [alert] = await alerts.raiseForFault(f.faultId, 'prestage')
      return { id: alert?.id as number, vin: f.vin }
    }
    const nordAlerts = [await raise('nord'), await raise('nord'), await raise('nord')]
    const suedAlert = await raise('sued')

    t.test('every inbox route needs a token; moving an alert is for dealer tokens', async (t) => {
      const id = nordAlerts[0]?.id as number
      for (const [method, url] of [['GET', '/api/v1/inbox/alerts'], ['GET', `/api/v1/inbox/alerts/${id}`], ['POST', `/api/v1/inbox/alerts/${id}/transitions`],
        ['GET', '/api/v1/inbox/reminders'], ['POST', '/api/v1/inbox/reminders/1/dismiss'], ['POST', `/api/v1/vehicles/${suedAlert.vin}/services`]] as const) {
        const res = await call(method, url, undefined, method === 'POST' ? {} : undefined)
        t.equal(res.statusCode, 401, `${method} ${url}`)
        t.equal(res.json().code, 'PITWALL_ERR_UNAUTHENTICATED')
      }
      for (const other of [engineer, operator]) {
        await expectError(t, call('POST', `/api/v1/inbox/alerts/${id}/transitions`, other, { to: 'acknowledged' }), 403, 'PITWALL_ERR_FORBIDDEN',
          /^POST \/api\/v1\/inbox\/alerts\/:id\/transitions is for dealer tokens/)
      }
      t.equal((await storage.dealerAlerts.get('nord', id)).status, 'new', 'nothing moved')
    })

    t.test("a dealer lists its own alerts, newest first, filtered and paged; never another dealer's", async (t) => {
      const ids = nordAlerts.map((a) => a.id).reverse()
      const all = await call('GET', '/api/v1/inbox/alerts', nord)
      t.equal(all.statusCode, 200)
      t.same(all.json().alerts.map((a: { id: number }) => a.id), ids)
      t.equal(all.json().nextBefore, null, 'a page that is not full has nothing behind it')
      t.match(all.json().alerts[0], { dealerId: 'nord', kind: 'prestage', status: 'new', vin: nordAlerts[2]?.vin, routing: { via: 'own' }, payload: { schema: 'pitwall.dealer-alert/1' } })

      const first = (await call('GET', '/api/v1/inbox/alerts?limit=2', nord)).json()
      t.same(first.alerts.map((a: { id: number }) => a.id), ids.slice(0, 2))
      t.equal(first.nextBefore, ids[1])
      const second = (await call('GET', `/api/v1/inbox/alerts?limit=2&before=${first.nextBefore as number}`, nord)).json()
      t.same(second.alerts.map((a: { id: number }) => a.id), ids.slice(2))
      t.equal(second.nextBefore, null)

      t.same((await call('GET', '/api/v1/inbox/alerts', sued)).json().alerts.map((a: { id: number }) => a.id), [suedAlert.id], 'Süd sees only its own')
      t.same((await call('GET', '/api/v1/inbox/alerts?kind=rescue', nord)).json().alerts, [])
      t.equal((await call('GET', '/api/v1/inbox/alerts?status=new,acknowledged&kind=prestage', nord)).json().alerts.length, 3)
      t.equal((await call('GET', '/api/v1/inbox/alerts?dealer=nord', nord)).statusCode, 200, 'naming its own dealer is allowed')

      await expectError(t, call('GET', '/api/v1/inbox/alerts?dealer=sued', nord), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own inbox/)
      await expectError(t, call('GET', '/api/v1/inbox/alerts?status=new,fixed', nord), 400, 'PITWALL_ERR_BAD_REQUEST',
        'querystring.status "fixed" is not one of new, acknowledged, parts_staged, appointment_booked, repaired, closed')
      await expectError(t, call('GET', '/api/v1/inbox/alerts?kind=recall', nord), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.kind "recall" is not one of prestage, rescue')
      await expectError(t, call('GET', '/api/v1/inbox/alerts?limit=501', nord), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be <= 500')
      await expectError(t, call('GET', '/api/v1/inbox/alerts?before=x', nord), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.before must be integer')
      await expectError(t, call('GET', '/api/v1/inbox/alerts?state=new', nord), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring has an unknown field "state"')
    })

    t.test("engineers and operators read any dealer's inbox by naming it", async (t) => {
      for (const reader of [engineer, operator]) {
        const res = await call('GET', '/api/v1/inbox/alerts?dealer=sued', reader)
        t.equal(res.statusCode, 200)
        t.same(res.json().alerts.map((a: { id: number }) => a.id), [suedAlert.id])
        t.equal((await call('GET', `/api/v1/inbox/alerts/${suedAlert.id}?dealer=sued`, reader)).json().id, suedAlert.id)
      }
      await expectError(t, call('GET', '/api/v1/inbox/alerts', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring needs the field "dealer"/)
      await expectError(t, call('GET', `/api/v1/inbox/alerts/${suedAlert.id}`, operator), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring needs the field "dealer"/)
      await expectError(t, call('GET', '/api/v1/inbox/alerts?dealer=west', engineer), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
      await expectError(t, call('GET', `/api/v1/inbox/alerts/${suedAlert.id}?dealer=nord`, engineer), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN',
        `dealer nord has no alert ${suedAlert.id}`)
    })

    t.test('an alert reads with its timeline and webhook delivery state; another dealer\'s is a 404', async (t) => {
      const id = nordAlerts[0]?.id as number
      const res = await call('GET', `/api/v1/inbox/alerts/${id}`, nord)
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.match(body, { id, dealerId: 'nord', status: 'new', timeline: [{ status: 'new', by: 'pitwall', detail: { routing: { via: 'own' } } }] })
      t.equal(body.timeline.length, 1)
      t.ok(Number.isFinite(Date.parse(body.timeline[0].time)), 'each step has its time')
      t.equal(body.deliveries.length, 1, 'nord has a webhook: one delivery queued')
      t.match(body.deliveries[0], { alertId: id, dealerId: 'nord', state: 'pending', attempts: 0, event: 'dealer_alert.created', idempotencyKey: /^[0-9a-f-]{36}$/ })
      t.notOk('body' in body.deliveries[0], 'the delivery state, not the body it carries')

      const suedView = (await call('GET', `/api/v1/inbox/alerts/${suedAlert.id}`, sued)).json()
      t.same(suedView.deliveries, [], 'Süd works from the inbox only: no webhook')

      await expectError(t, call('GET', `/api/v1/inbox/alerts/${suedAlert.id}`, nord), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', `dealer nord has no alert ${suedAlert.id}`)
      await expectError(t, call('GET', '/api/v1/inbox/alerts/99999999', nord), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', 'dealer nord has no alert 99999999')
      await expectError(t, call('GET', '/api/v1/inbox/alerts/abc', nord), 400, 'PITWALL_ERR_BAD_REQUEST', 'params.id must be integer')
    })

    t.test('a dealer moves its alert forward, each step timed and signed by the token; back is a 409', async (t) => {
      const id = nordAlerts[1]?.id as number
      const url = `/api/v1/inbox/alerts/${id}/transitions`
      const ack = await call('POST', url, nord, { to: 'acknowledged' })
      t.equal(ack.statusCode, 200)
      t.match(ack.json(), { id, status: 'acknowledged' })
      t.match((await call('POST', url, nord, { to: 'parts_staged', note: 'coil on shelf 4' })).json(), { status: 'parts_staged' })

      await expectError(t, call('POST', url, nord, { to: 'acknowledged' }), 409, 'PITWALL_ERR_DEALER_ALERT_TRANSITION',
        `alert ${id} is parts_staged; it cannot move to acknowledged (alerts only move forward: new → acknowledged → parts_staged → appointment_booked → repaired → closed)`)
      await expectError(t, call('POST', url, nord, { to: 'repaired' }), 400, 'PITWALL_ERR_DEALER_ALERT_INVALID', `alert ${id}: repaired needs firstTimeFix (was it fixed at the first visit?)`)
      await expectError(t, call('POST', url, nord, { to: 'fixed' }), 400, 'PITWALL_ERR_DEALER_ALERT_INVALID', /'fixed' is not an alert status \(new, acknowledged/)
      await expectError(t, call('POST', url, nord, { to: 'repaired', firstTimeFix: 'yes' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.firstTimeFix must be boolean')
      await expectError(t, call('POST', url, nord, { to: 'closed', by: 'someone else' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "by"')
      await expectError(t, call('POST', url, nord, {}), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "to"')

      await expectError(t, call('POST', url, sued, { to: 'closed' }), 404, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN', `dealer sued has no alert ${id}`)
      t.equal((await storage.dealerAlerts.get('nord', id)).status, 'parts_staged', "another dealer's attempt changed nothing")

      t.match((await call('POST', url, nord, { to: 'repaired', firstTimeFix: false })).json(), { status: 'repaired', firstTimeFix: false })
      t.match((await call('POST', url, nord, { to: 'closed' })).json(), { status: 'closed', firstTimeFix: false })
      await expectError(t, call('POST', url, nord, { to: 'closed' }), 409, 'PITWALL_ERR_DEALER_ALERT_TRANSITION', /is closed; it cannot move to closed/)

      const { timeline } = (await call('GET', `/api/v1/inbox/alerts/${id}`, nord)).json()
      t.same(timeline.map((e: { status: string, by: string, detail: unknown }) => [e.status, e.by, e.detail]), [
        ['new', 'pitwall', { routing: { via: 'own', distanceKm: null } }],
        ['acknowledged', 'Nord service desk', null],
        ['parts_staged', 'Nord service desk', { note: 'coil on shelf 4' }],
        ['repaired', 'Nord service desk', { firstTimeFix: false }],
        ['closed', 'Nord service desk', null]
      ])
      t.same((await call('GET', '/api/v1/inbox/alerts?status=closed', nord)).json().alerts.map((a: { id: number }) => a.id), [id])
    })

    t.test("service reminders: a dealer's own vehicles only; a vehicle without a dealer's for engineers and operators", async (t) => {
      const vehicleOf = async (vin: string): Promise<number> => (await poolOf(storage).query<{ id: number }>('SELECT id FROM vehicles WHERE vin = $1', [vin])).rows[0]?.id as number
      const nordVin = nordAlerts[2]?.vin as string
      const orphan = await seedFault(storage)
      const candidate = (vehicleId: number, ruleId: string): Parameters<typeof storage.serviceReminders.upsertReminders>[0][number] => ({
        vehicleId, ruleId, kind: 'due', dueAt: new Date('2026-12-01T00:00:00Z'), dueKm: 30_000, dueHours: null, detail: { task: ruleId }, suppressDismissedSince: null
      })
      const changes = await storage.serviceReminders.upsertReminders([
        candidate(await vehicleOf(nordVin), 'oil-service'), candidate(await vehicleOf(nordVin), 'brake-fluid'),
        candidate(await vehicleOf(suedAlert.vin), 'oil-service'), candidate(orphan.vehicleId, 'oil-service')
      ])
      const reminderOf = (vin: string, ruleId: string): ServiceReminder => changes.find((c) => c.reminder.vin === vin && c.reminder.ruleId === ruleId)?.reminder as ServiceReminder
      const [nordOil, nordFluid, suedOil, orphanOil] = [reminderOf(nordVin, 'oil-service'), reminderOf(nordVin, 'brake-fluid'), reminderOf(suedAlert.vin, 'oil-service'), reminderOf(orphan.vin, 'oil-service')]
      const newestFirst = (...reminders: ServiceReminder[]): number[] => reminders.map((r) => r.id).sort((a, b) => b - a)
      const idsOf = (res: LightMyRequestResponse): number[] => res.json().reminders.map((r: { id: number }) => r.id)

      t.same(idsOf(await call('GET', '/api/v1/inbox/reminders', nord)), newestFirst(nordFluid, nordOil), 'newest first')
      t.same(idsOf(await call('GET', '/api/v1/inbox/reminders', sued)), [suedOil.id])
      t.same(idsOf(await call('GET', '/api/v1/inbox/reminders?dealer=nord', engineer)), newestFirst(nordFluid, nordOil))
      const everything = idsOf(await call('GET', '/api/v1/inbox/reminders', operator))
      t.ok(everything.includes(orphanOil.id), 'the reminder of a vehicle without a dealer is in the engineers\' and operators\' list')
      t.notOk([...idsOf(await call('GET', '/api/v1/inbox/reminders', nord)), ...idsOf(await call('GET', '/api/v1/inbox/reminders', sued))].includes(orphanOil.id),
        "and in no dealer's")
      await expectError(t, call('GET', '/api/v1/inbox/reminders?dealer=nord', sued), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own inbox/)
      await expectError(t, call('GET', '/api/v1/inbox/reminders?state=closed', nord), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.state "closed" is not one of open, done, dismissed')
      await expectError(t, call('GET', '/api/v1/inbox/reminders?dealer=west', operator), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')

      await expectError(t, call('POST', `/api/v1/inbox/reminders/${suedOil.id}/dismiss`, nord), 404, 'PITWALL_ERR_REMINDER_UNKNOWN', `dealer nord has no service reminder ${suedOil.id}`)
      await expectError(t, call('POST', `/api/v1/inbox/reminders/${orphanOil.id}/dismiss`, nord), 404, 'PITWALL_ERR_REMINDER_UNKNOWN', `dealer nord has no service reminder ${orphanOil.id}`)
      t.equal((await storage.serviceReminders.reminders({ vin: suedAlert.vin }))[0]?.state, 'open', "another dealer's reminder stays open")
      const dismissed = await call('POST', `/api/v1/inbox/reminders/${nordFluid.id}/dismiss`, nord)
      t.equal(dismissed.statusCode, 200)
      t.match(dismissed.json(), { id: nordFluid.id, state: 'dismissed', closedBy: 'Nord service desk' })
      await expectError(t, call('POST', `/api/v1/inbox/reminders/${nordFluid.id}/dismiss`, nord), 409, 'PITWALL_ERR_REMINDER_TRANSITION', /it is dismissed/)
      t.match((await call('POST', `/api/v1/inbox/reminders/${orphanOil.id}/dismiss`, operator)).json(), { state: 'dismissed', closedBy: 'olaf' })
      t.same(idsOf(await call('GET', '/api/v1/inbox/reminders?state=open', nord)), [nordOil.id])

      // a recorded service closes what it covers; a dealer records only for its own vehicles
      const service = await call('POST', `/api/v1/vehicles/${nordVin.toLowerCase()}/services`, nord, { covers: ['oil-service'], description: 'oil and filter', odometerKm: 29_950 })
      t.equal(service.statusCode, 201)
      t.match(service.json(), { closedReminders: 1, record: { vin: nordVin, covers: ['oil-service'], description: 'oil and filter', odometerKm: 29_950, by: 'Nord service desk' } })
      t.same(idsOf(await call('GET', '/api/v1/inbox/reminders?state=open', nord)), [], 'the oil reminder is done')
      await expectError(t, call('POST', `/api/v1/vehicles/${suedAlert.vin}/services`, nord, { covers: ['oil-service'] }), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN',
        `dealer nord has no vehicle ${suedAlert.vin}`)
      await expectError(t, call('POST', `/api/v1/vehicles/${orphan.vin}/services`, sued, { covers: ['oil-service'] }), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /dealer sued has no vehicle/)
      t.equal((await storage.serviceReminders.services(suedAlert.vin)).length, 0, 'nothing recorded for the other dealer\'s vehicle')
      const byEngineer = await call('POST', `/api/v1/vehicles/${orphan.vin}/services`, engineer, { covers: ['brake-fluid'], time: '2026-11-01T09:30:00+01:00' })
      t.equal(byEngineer.statusCode, 201)
      t.match(byEngineer.json(), { record: { time: '2026-11-01T08:30:00.000Z', by: 'alice', description: '' }, closedReminders: 0 })
    })

    t.test('a service with a bad body is refused naming the field, and nothing is recorded', async (t) => {
      const vin = nordAlerts[0]?.vin as string
      const url = `/api/v1/vehicles/${vin}/services`
      await expectError(t, call('POST', url, nord, { covers: [] }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.covers must NOT have fewer than 1 items')
      await expectError(t, call('POST', url, nord, { description: 'x' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "covers"')
      await expectError(t, call('POST', url, nord, { covers: ['oil-service'], odometerKm: -1 }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.odometerKm must be >= 0')
      await expectError(t, call('POST', url, nord, { covers: ['oil-service'], time: '2026-02-30T10:00:00Z' }), 400, 'PITWALL_ERR_BAD_REQUEST',
        'body.time "2026-02-30T10:00:00Z" is not an ISO 8601 time with a zone, e.g. 2026-11-23T08:00:00Z')
      await expectError(t, call('POST', url, nord, { covers: ['oil-service'], time: '2026-11-01 10:00' }), 400, 'PITWALL_ERR_BAD_REQUEST', /body\.time "2026-11-01 10:00" is not an ISO 8601 time/)
      const future = new Date(Date.now() + 86_400_000).toISOString()
      await expectError(t, call('POST', url, nord, { covers: ['oil-service'], time: future }), 400, 'PITWALL_ERR_BAD_REQUEST', `body.time ${future} is in the future; record a service once it is done`)
      await expectError(t, call('POST', '/api/v1/vehicles/NOT-A-VIN/services', nord, { covers: ['oil-service'] }), 400, 'PITWALL_ERR_BAD_REQUEST', /params\.vin "NOT-A-VIN" is not a VIN/)
      await expectError(t, call('POST', '/api/v1/vehicles/WBA00000000000000/services', engineer, { covers: ['oil-service'] }), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /no vehicle WBA00000000000000/)
      t.same(await storage.serviceReminders.services(vin), [])
    })
  })
}
