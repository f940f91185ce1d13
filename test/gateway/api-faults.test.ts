/**
 * Faults over HTTP on one backend: an engineer lists and reads a fault
 * with its evidence, timeline, remote fix and dealer alerts, acknowledges
 * and resolves it, then turns it into a case, which the fault then names;
 * operators read only; dealers and callers without a token are refused.
 */
import t from 'tap'
import type { DealerAlert } from '../../actions/dealer-alerts/model.js'
import { openTestStorage, PLACES, seedFault } from '../actions/dealer-fixtures.js'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

const envelope = (a: DealerAlert, key: string): { event: string, body: string } => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) })

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    const engineer = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
    const operator = (await storage.apiTokens.create({ name: 'olaf', role: 'operator' })).token
    await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
    const dealer = (await storage.apiTokens.create({ name: 'Autohaus München', role: 'dealer', dealerId: 'muc' })).token

    const f = await seedFault(storage)
    const other = await seedFault(storage)
    await storage.dealerAlerts.create(f.faultId, 'prestage', [{ dealerId: 'muc', routing: { via: 'nearest', distanceKm: 12.5 }, payload: { secret: 'content' }, webhook: false }], envelope)
    const fix = await storage.commands.enqueue({ vin: f.vin, body: { action: { name: 'fan.selftest', params: {} } }, ttlMs: 60_000, requestedBy: 'rule', faultId: f.faultId, needsApproval: true })

    t.test('an engineer reads what happened about a fault in one request', async (t) => {
      const listed = await call('GET', `/api/v1/faults?vin=${f.vin}&state=open`, engineer)
      t.equal(listed.statusCode, 200)
      t.same(listed.json().faults.map((x: { id: number }) => x.id), [f.faultId], 'the open faults of that vehicle')
      const res = await call('GET', `/api/v1/faults/${f.faultId}`, operator)
      t.equal(res.statusCode, 200, 'operators read too')
      const body = res.json()
      t.match(body.fault, { id: f.faultId, vin: f.vin, state: 'open', evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', value: 117 }] })
      t.same(body.timeline.map((e: { type: string }) => e.type), ['opened'])
      t.match(body.remoteFixes, [{ id: fix.id, state: 'pending_approval' }], 'the fix waiting for approval')
      t.match(body.dealerAlerts, [{ dealerId: 'muc', kind: 'prestage', status: 'new', routing: { via: 'nearest', distanceKm: 12.5 } }])
      t.notOk('payload' in body.dealerAlerts[0], 'the alert content is the dealer\'s view, not repeated here')
      t.same(body.cases, [], 'no case made from it yet')
    })

    t.test('an engineer acknowledges and resolves it, then makes it a case', async (t) => {
      t.match((await call('POST', `/api/v1/faults/${f.faultId}/acknowledge`, engineer)).json(), { state: 'acknowledged', acknowledgedBy: 'eva' })
      await expectError(t, call('POST', `/api/v1/faults/${f.faultId}/acknowledge`, engineer), 409, 'PITWALL_ERR_FAULT_TRANSITION', /acknowledged/)
      t.match((await call('POST', `/api/v1/faults/${f.faultId}/resolve`, engineer, { note: 'fan relay replaced' })).json(), { state: 'resolved', resolvedBy: 'eva', resolutionNote: 'fan relay replaced' })
      const timeline = (await call('GET', `/api/v1/faults/${f.faultId}`, engineer)).json().timeline
      t.same(timeline.map((e: { type: string, by: string | null }) => [e.type, e.by]), [['opened', null], ['acknowledged', 'eva'], ['resolved', 'eva']])
      const made = await call('POST', `/api/v1/faults/${f.faultId}/case`, engineer, { id: 'fan-relay', steps: ['Replace the fan relay'] })
      t.equal(made.statusCode, 201, 'a resolved fault becomes a case')
      t.same((await call('GET', `/api/v1/faults/${f.faultId}`, operator)).json().cases, [{ id: 'fan-relay', title: made.json().title }], 'and the fault names the case made from it, for good')
      t.same((await call('GET', `/api/v1/faults/${other.faultId}`, engineer)).json().cases, [], 'another fault does not')
    })

    t.test('refusals', async (t) => {
      await expectError(t, call('GET', '/api/v1/faults'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      await expectError(t, call('GET', `/api/v1/faults/${other.faultId}`, dealer), 403, 'PITWALL_ERR_FORBIDDEN', /engineer or operator tokens/)
      await expectError(t, call('POST', `/api/v1/faults/${other.faultId}/resolve`, operator, {}), 403, 'PITWALL_ERR_FORBIDDEN', /engineer tokens/)
      t.equal((await storage.faults.get(other.faultId)).state, 'open', 'nothing changed')
      await expectError(t, call('GET', '/api/v1/faults/999999', engineer), 404, 'PITWALL_ERR_FAULT_UNKNOWN', /999999/)
      await expectError(t, call('GET', '/api/v1/faults?state=broken', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.state.*broken/)
      await expectError(t, call('GET', '/api/v1/faults?vin=nope', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.vin/)
      await expectError(t, call('POST', `/api/v1/faults/${other.faultId}/resolve`, engineer, { nte: 'typo' }), 400, 'PITWALL_ERR_BAD_REQUEST', /unknown field "nte"/)
    })
  })
}
