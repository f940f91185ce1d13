/**
 * Structured parts over HTTP, on one backend: a case written with parts
 * (structured, or as plain descriptions the way clients sent them before)
 * reads back structured and is found by a part number; bad parts are 400s
 * naming the part and field; the alert a dealer reads carries the parts of
 * the rule's pre-staging action structured, beside the /1 text list.
 */
import t from 'tap'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'
import { openApi, roleTokens } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    const { engineer, dealer } = await roleTokens(storage.apiTokens)

    const written = await call('PUT', '/api/v1/cases/case-fan', engineer, {
      title: 'Fan not running',
      parts: [{ number: 'PW-1831-010', description: 'radiator fan assembly' }, { description: 'coolant G13 1 l', quantity: 2 }, 'fan relay']
    })
    t.equal(written.statusCode, 201)
    t.same(written.json().parts, [
      { number: 'PW-1831-010', description: 'radiator fan assembly', quantity: 1 },
      { number: null, description: 'coolant G13 1 l', quantity: 2 },
      { number: null, description: 'fan relay', quantity: 1 }
    ])
    const found = await call('GET', '/api/v1/cases?q=PW-1831-010', dealer)
    t.same(found.json().cases.map((c: { id: string }) => c.id), ['case-fan'], 'a dealer finds the case by the part number')

    await expectError(t, call('PUT', '/api/v1/cases/case-fan', engineer, { title: 'Fan', parts: [{ description: 'fan', quantity: 0 }] }),
      400, 'PITWALL_ERR_CASE_INVALID', 'case "case-fan": parts[0].quantity must be a whole number from 1 to 999, got 0')
    await expectError(t, call('PUT', '/api/v1/cases/case-fan', engineer, { title: 'Fan', parts: [{ description: 'fan', quantity: 2.5 }] }),
      400, 'PITWALL_ERR_BAD_REQUEST', 'body.parts[0].quantity must be integer')
    await expectError(t, call('PUT', '/api/v1/cases/case-fan', engineer, { title: 'Fan', parts: [{ partNo: 'PW-1', description: 'fan' }] }),
      400, 'PITWALL_ERR_BAD_REQUEST', 'body.parts[0] has an unknown field "partNo"')
    await expectError(t, call('PUT', '/api/v1/cases/case-fan', engineer, { title: 'Fan', parts: [{ number: 'PW 1<script>', description: 'fan' }] }),
      400, 'PITWALL_ERR_CASE_INVALID', /parts\[0\]\.number "PW 1<script>" is not a part number/)
    await expectError(t, call('PUT', '/api/v1/cases/case-fan', dealer, { title: 'Fan', parts: ['fan'] }), 403, 'PITWALL_ERR_FORBIDDEN', /engineer/)
    t.equal((await call('GET', '/api/v1/cases/case-fan', dealer)).json().parts.length, 3, 'nothing refused was written')

    // a rule's pre-staging parts, as the dealer's inbox shows the alert
    await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.munich })
    const f = await seedFault(storage, {
      action: { type: 'dealer_prestage', parts: [{ number: 'PW-1213-865', description: 'ignition coil', quantity: 4 }, { number: null, description: 'spark plug set', quantity: 1 }], repairHours: 1.5, fix: 'coils' },
      fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }]
    })
    await storage.vehicles.assignDealer(f.vin, 'dealer-nord')
    const service = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog(), caseLookup: async () => undefined })
    const [alert] = await service.raiseForFault(f.faultId, 'prestage')
    const inbox = await call('GET', `/api/v1/inbox/alerts/${alert?.id ?? 0}`, dealer)
    t.same(inbox.json().payload.suggestion.partItems, [{ number: 'PW-1213-865', description: 'ignition coil', quantity: 4 }, { number: null, description: 'spark plug set', quantity: 1 }])
    t.same(inbox.json().payload.suggestion.parts, ['4 × ignition coil (PW-1213-865)', 'spark plug set'], 'a receiver of schema /1 reads each part as one line')
  })
}
