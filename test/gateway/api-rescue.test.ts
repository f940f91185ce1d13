/**
 * Rescue requests over HTTP on one backend (injected requests, no port):
 * the call centre (engineer or operator) makes one for a VIN with a
 * position, description and phone, refused with the field named, or with
 * nothing stored when the vehicle is unknown or no dealer is in range; the
 * dealers in range each see it, without the phone until one accepts; of two
 * accepting at once one gets 409 PITWALL_ERR_RESCUE_TAKEN; only the winner
 * moves it, forward only, through the rescue's states (its inbox copy
 * refuses the pre-staging ones); a dealer it was never offered to gets 404.
 */
import t from 'tap'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { openTestStorage, PLACES, seedFault } from '../actions/dealer-fixtures.js'
import { poolOf } from '../../storage/index.js'

const PARIS = { lat: 48.8566, lon: 2.3522 }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    // around Ulm: Stuttgart and Munich in range, Berlin not
    await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
    await storage.dealers.add({ id: 'str', name: 'Autohaus Stuttgart', ...PLACES.stuttgart })
    await storage.dealers.add({ id: 'ber', name: 'Autohaus Berlin', ...PLACES.berlin })
    const token = async (name: string, role: 'engineer' | 'operator' | 'dealer', dealerId?: string): Promise<string> =>
      (await storage.apiTokens.create({ name, role, dealerId })).token
    const engineer = await token('alice', 'engineer')
    const operator = await token('olaf', 'operator')
    const muc = await token('München desk', 'dealer', 'muc')
    const str = await token('Stuttgart desk', 'dealer', 'str')
    const ber = await token('Berlin desk', 'dealer', 'ber')
    const request = async (): Promise<Record<string, unknown>> =>
      ({ vin: (await seedFault(storage)).vin, ...PLACES.ulm, description: 'Stopped on the hard shoulder, A8 km 142', contactPhone: '+49 170 1234567' })
    const create = async (by = operator): Promise<{ id: number, offers: Array<{ alertId: number, dealerId: string }> }> => {
      const res = await call('POST', '/api/v1/rescue-requests', by, await request())
      t.equal(res.statusCode, 201, res.body)
      return res.json()
    }
    const rescueRows = async (): Promise<number> => Number((await poolOf(storage).query('SELECT count(*) AS n FROM rescue_requests')).rows[0]?.n)

    t.test('the call centre makes a rescue request; dealers may not, and every route needs a token', async (t) => {
      const body = await request()
      for (const [method, url] of [['GET', '/api/v1/rescue-requests'], ['POST', '/api/v1/rescue-requests'], ['GET', '/api/v1/rescue-requests/1'], ['POST', '/api/v1/rescue-requests/1/transitions']] as const) {
        await expectError(t, call(method, url, undefined, method === 'POST' ? body : undefined), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      }
      await expectError(t, call('POST', '/api/v1/rescue-requests', muc, body), 403, 'PITWALL_ERR_FORBIDDEN', /^POST \/api\/v1\/rescue-requests is for engineer or operator tokens; token "München desk" is a dealer token$/)

      const res = await call('POST', '/api/v1/rescue-requests', engineer, body)
      t.equal(res.statusCode, 201)
      const made = res.json()
      t.match(made, {
        source: 'call_centre', faultId: null, vin: body.vin, ...PLACES.ulm, description: body.description, contactPhone: '+49 170 1234567',
        state: 'requested', requestedBy: 'alice', acceptedDealerId: null, acceptedAt: null, eta: null, outcome: null
      })
      t.same(made.offers.map((o: { dealerId: string, distanceKm: number, alertStatus: string }) => [o.dealerId, Math.round(o.distanceKm), o.alertStatus]), [['str', 72, 'new'], ['muc', 121, 'new']])
      t.match(made.timeline, [{ state: 'requested', dealerId: null, by: 'alice', detail: { source: 'call_centre' } }])
      const [offers, timeline] = [await storage.rescueRequests.offers(made.id), await storage.rescueRequests.timeline(made.id)]
      t.same(made, JSON.parse(JSON.stringify({ ...await storage.rescueRequests.get(made.id), offers, timeline })), 'the answer is all the store holds, nothing dropped')
      t.equal((await call('POST', '/api/v1/rescue-requests', operator, await request())).statusCode, 201, 'an operator too')
    })

    t.test('bad input is refused naming the field; an unknown vehicle, a repeat or nobody in range stores nothing', async (t) => {
      const good = await request()
      const before = await rescueRows()
      const refusals: Array<[Record<string, unknown>, number, string, string | RegExp]> = [
        [{ ...good, lat: 91 }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body.lat must be <= 90'],
        [{ ...good, lon: -180.5 }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body.lon must be >= -180'],
        [{ ...good, lat: '48.4' }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body.lat must be number'],
        [{ ...good, lat: 0, lon: 0 }, 400, 'PITWALL_ERR_RESCUE_INVALID', /the position 0, 0 is no position/],
        [{ ...good, contactPhone: undefined }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "contactPhone"'],
        [{ ...good, contactPhone: '+49 170 1234567 ext. 12' }, 400, 'PITWALL_ERR_RESCUE_INVALID', /contactPhone "\+49 170 1234567 ext\. 12" is not a phone number/],
        [{ ...good, contactPhone: '1'.repeat(33) }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body.contactPhone must NOT have more than 32 characters'],
        [{ ...good, description: 'd'.repeat(2001) }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body.description must NOT have more than 2000 characters'],
        [{ ...good, description: '   ' }, 400, 'PITWALL_ERR_RESCUE_INVALID', /description is empty/],
        [{ ...good, severity: 'high' }, 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "severity"'],
        [{ ...good, vin: 'NOT-A-VIN' }, 400, 'PITWALL_ERR_BAD_REQUEST', /^body\.vin "NOT-A-VIN" is not a VIN/],
        [{ ...good, vin: 'WBA3B5C5999999999' }, 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /^no vehicle WBA3B5C5999999999 .*no rescue request was stored$/],
        [{ ...good, ...PARIS }, 409, 'PITWALL_ERR_DEALER_NO_ROUTE', `rescue request for ${String(good.vin)}: no active dealer within 150 km of 48.8566, 2.3522; nothing was stored`]
      ]
      for (const [body, status, code, message] of refusals) {
        await expectError(t, call('POST', '/api/v1/rescue-requests', operator, JSON.parse(JSON.stringify(body))), status, code, message)
      }
      t.equal(await rescueRows(), before, 'nothing half-stored')
      const made = await call('POST', '/api/v1/rescue-requests', operator, good)
      await expectError(t, call('POST', '/api/v1/rescue-requests', operator, good), 409, 'PITWALL_ERR_RESCUE_OPEN',
        `vehicle ${String(good.vin)} has an open rescue request ${String(made.json().id)} (requested); cancel or close it before asking again`)
    })

    t.test('dealers in range see it without the phone; one never offered it gets 404', async (t) => {
      const made = await create()
      const list = (await call('GET', '/api/v1/rescue-requests?state=requested', str)).json()
      const mine = list.rescues.find((r: { id: number }) => r.id === made.id)
      t.match(mine, { id: made.id, state: 'requested', contactPhone: null, offer: { dealerId: 'str', alertStatus: 'new' } })
      const seen = (await call('GET', `/api/v1/rescue-requests/${made.id}`, str)).json()
      t.same(seen.offers.map((o: { dealerId: string }) => o.dealerId), ['str'], 'its own copy only')
      t.equal(seen.contactPhone, null)
      t.same((await call('GET', '/api/v1/rescue-requests', ber)).json().rescues, [], 'Berlin was offered none')
      await expectError(t, call('GET', `/api/v1/rescue-requests/${made.id}`, ber), 404, 'PITWALL_ERR_RESCUE_UNKNOWN', `dealer ber has no rescue request ${made.id}`)
      await expectError(t, call('GET', '/api/v1/rescue-requests?dealer=muc', str), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own rescue requests/)
      t.ok((await call('GET', '/api/v1/rescue-requests?dealer=str', engineer)).json().rescues.some((r: { id: number }) => r.id === made.id), 'an engineer names the dealer')
      await expectError(t, call('GET', '/api/v1/rescue-requests?state=stuck', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.state "stuck" is not one of requested, accepted/)
      const copy = (await call('GET', `/api/v1/inbox/alerts/${mine.offer.alertId as number}`, str)).json()
      t.match(copy, { kind: 'rescue', faultId: null, rescueId: made.id, payload: { schema: 'pitwall.rescue-request/1' } }, 'the inbox copy names its rescue')
      await expectError(t, call('POST', `/api/v1/inbox/alerts/${mine.offer.alertId as number}/transitions`, str, { to: 'parts_staged' }), 409, 'PITWALL_ERR_DEALER_ALERT_TRANSITION',
        `alert ${mine.offer.alertId as number} is a copy of rescue request ${made.id}; move the rescue instead (POST /api/v1/rescue-requests/${made.id}/transitions)`)
      t.equal((await storage.dealerAlerts.get('str', mine.offer.alertId as number)).status, 'new', 'pre-staging statuses do not fit a rescue')
    })

    t.test('two dealers accept at once: one wins, the other gets a clear 409, and dealer B cannot move dealer A\'s rescue', async (t) => {
      const made = await create()
      const [a, b] = await Promise.all([
        call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, muc, { to: 'accepted', note: 'truck 3' }),
        call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, str, { to: 'accepted' })
      ])
      t.same([a.statusCode, b.statusCode].sort(), [200, 409], 'exactly one wins')
      const [won, lost] = a.statusCode === 200 ? [a, b] : [b, a]
      const [winner, loser] = a.statusCode === 200 ? [muc, str] : [str, muc]
      t.match(lost.json(), { code: 'PITWALL_ERR_RESCUE_TAKEN', message: `rescue request ${made.id} was accepted by another dealer first; it is no longer open` })
      t.match(won.json(), { state: 'accepted', contactPhone: '+49 170 1234567', acceptedAt: String })

      const eta = new Date(Date.now() + 30 * 60_000).toISOString()
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, loser, { to: 'dispatched', eta }), 409, 'PITWALL_ERR_RESCUE_TAKEN', /only that dealer moves it/)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, ber, { to: 'dispatched', eta }), 404, 'PITWALL_ERR_RESCUE_UNKNOWN', `dealer ber has no rescue request ${made.id}`)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, engineer, { to: 'dispatched', eta }), 403, 'PITWALL_ERR_FORBIDDEN', /is the dealer's \(a dealer token/)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'cancelled', reason: 'x' }), 403, 'PITWALL_ERR_FORBIDDEN', /cancelled by the call centre/)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'dispatched', eta: 'in 30 minutes' }), 400, 'PITWALL_ERR_BAD_REQUEST', /^body\.eta "in 30 minutes" is not an ISO 8601 time/)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'dispatched' }), 400, 'PITWALL_ERR_RESCUE_INVALID', /dispatched needs an eta/)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'closed', outcome: 'fine' }), 400, 'PITWALL_ERR_RESCUE_INVALID', /outcome 'fine' is not one of/)
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'requested' }), 400, 'PITWALL_ERR_RESCUE_INVALID', /'requested' is not a state a rescue moves to/)
      await expectError(t, call('POST', '/api/v1/rescue-requests/99999999/transitions', winner, { to: 'accepted' }), 404, 'PITWALL_ERR_RESCUE_UNKNOWN', /has no rescue request 99999999/)
      t.equal((await storage.rescueRequests.get(made.id)).state, 'accepted', 'nothing moved')

      const onSite = await call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'on_site' })
      t.equal(onSite.statusCode, 200, 'dispatched may be skipped')
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, winner, { to: 'dispatched', eta }), 409, 'PITWALL_ERR_RESCUE_TRANSITION', /is on_site; it cannot move to dispatched \(rescues only move forward/)
      const seenByLoser = (await call('GET', `/api/v1/rescue-requests/${made.id}`, loser)).json()
      t.match(seenByLoser, { state: 'on_site', contactPhone: null, acceptedDealerId: null })
      t.same(seenByLoser.timeline.slice(1).map((e: { by: string, dealerId: string | null }) => [e.by, e.dealerId]), [['another dealer', null], ['another dealer', null]], 'the winner\'s steps, not its name')
    })

    t.test('the call centre cancels an open one; the dealers\' copies close', async (t) => {
      const made = await create()
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, operator, { to: 'cancelled' }), 400, 'PITWALL_ERR_RESCUE_INVALID', /cancelled needs a reason/)
      const res = await call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, operator, { to: 'cancelled', reason: 'the driver got it going' })
      t.equal(res.statusCode, 200)
      t.match(res.json(), { state: 'cancelled', cancelReason: 'the driver got it going', timeline: [{ state: 'requested' }, { state: 'cancelled', by: 'olaf', dealerId: null }] })
      t.same(res.json().offers.map((o: { alertStatus: string }) => o.alertStatus), ['closed', 'closed'])
      await expectError(t, call('POST', `/api/v1/rescue-requests/${made.id}/transitions`, muc, { to: 'accepted' }), 409, 'PITWALL_ERR_RESCUE_TRANSITION', /is cancelled; it cannot move to accepted/)
    })
  })
}
