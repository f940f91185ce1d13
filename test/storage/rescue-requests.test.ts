/**
 * Rescue requests on both backends: a fault's rescue and a call centre's
 * are each stored as one request with a copy per dealer in range; a call
 * centre's request that cannot be routed, names an unknown vehicle or
 * repeats an open one stores nothing; of dealers accepting at once exactly
 * one wins and the others' copies close as taken; the winner moves it
 * forward only, each step with its time, its timeline entry (on the request
 * and on the copy) and its signed-outbox webhook.
 */
import t from 'tap'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { RescueService } from '../../actions/rescue/service.js'
import type { RescueRequest } from '../../actions/rescue/model.js'
import { poolOf, type Storage } from '../../storage/index.js'
import { openTestStorage, PLACES, recordingLog, seedFault, standingAt } from '../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const PARIS = { lat: 48.8566, lon: 2.3522 }
const NORD = { dealerId: 'muc', name: 'München desk' }
const SUED = { dealerId: 'str', name: 'Stuttgart desk' }

async function counts (storage: Storage): Promise<{ rescues: number, alerts: number, deliveries: number }> {
  const res = await poolOf(storage).query<{ rescues: number, alerts: number, deliveries: number }>(
    `SELECT (SELECT count(*)::int FROM rescue_requests) AS rescues, (SELECT count(*)::int FROM dealer_alerts) AS alerts,
       (SELECT count(*)::int FROM webhook_deliveries) AS deliveries`)
  return res.rows[0] as { rescues: number, alerts: number, deliveries: number }
}

async function deliveries (storage: Storage, alertId: number): Promise<Array<{ event: string, body: Record<string, unknown> }>> {
  return (await storage.dealerAlerts.deliveries(alertId)).map((d) => ({ event: d.event, body: JSON.parse(d.body) as Record<string, unknown> }))
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    // Ulm: Stuttgart 72 km, Munich 121 km, Berlin out of range
    await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich, webhookUrl: 'https://dms.muc.example/pitwall' })
    await storage.dealers.add({ id: 'str', name: 'Autohaus Stuttgart', ...PLACES.stuttgart })
    await storage.dealers.add({ id: 'ber', name: 'Autohaus Berlin', ...PLACES.berlin, webhookUrl: 'https://dms.ber.example/pitwall' })
    const rescues = new RescueService({ rescues: storage.rescueRequests, dealers: storage.dealers, log: recordingLog() })
    const call = (vin: string, over: Partial<{ lat: number, lon: number }> = {}): Parameters<RescueService['create']>[0] =>
      ({ vin, ...PLACES.ulm, ...over, description: 'Engine died at the Ulm-West exit, hazard lights on', contactPhone: '+49 170 1234567' })
    const vehicle = async (): Promise<string> => (await seedFault(storage)).vin

    t.test('a fault\'s rescue is one request, its alerts are the dealers\' copies', async (t) => {
      const f = await seedFault(storage, { severity: 'critical', fixes: standingAt(PLACES.ulm) })
      const alerts = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
      const raised = await alerts.raiseForFault(f.faultId, 'rescue')
      const rescueId = raised[0]?.rescueId as number
      t.ok(rescueId > 0)
      t.same(raised.map((a) => [a.dealerId, a.rescueId, a.faultId]), [['str', rescueId, f.faultId], ['muc', rescueId, f.faultId]])
      t.match(await storage.rescueRequests.get(rescueId), {
        source: 'fault', faultId: f.faultId, vin: f.vin, ...PLACES.ulm, state: 'requested', contactPhone: null, requestedBy: 'pitwall',
        description: /^Coolant overheat \d+: critical fault, the vehicle stands$/, acceptedAt: null
      })
      t.same((await storage.rescueRequests.offers(rescueId)).map((o) => [o.dealerId, Math.round(o.distanceKm ?? -1), o.alertStatus]), [['str', 72, 'new'], ['muc', 121, 'new']])
      t.match(await deliveries(storage, raised[1]?.id as number), [{ event: 'rescue_request.created', body: { alert: { rescueId } } }], 'the webhook names the request to accept')
      await alerts.raiseForFault(f.faultId, 'rescue')
      t.equal((await storage.rescueRequests.list({ vin: f.vin })).length, 1, 'handled again: still one')
      t.same((await storage.dealerAlerts.forFault(f.faultId, 'prestage')).map((a) => a.rescueId), [], 'no pre-staging alert made')
    })

    t.test('a call centre\'s request is routed like a fault\'s, without a fault, its phone for the one that accepts', async (t) => {
      const vin = await vehicle()
      const { rescue, alerts } = await rescues.create(call(vin), 'olaf')
      t.match(rescue, { source: 'call_centre', faultId: null, vin, state: 'requested', requestedBy: 'olaf', contactPhone: '+49 170 1234567', description: /^Engine died/ })
      t.same(alerts.map((a) => [a.dealerId, a.kind, a.faultId, a.rescueId, a.status]), [['str', 'rescue', null, rescue.id, 'new'], ['muc', 'rescue', null, rescue.id, 'new']])
      t.match(alerts[0]?.payload, { schema: 'pitwall.rescue-request/1', vehicle: { vin, lastPosition: PLACES.ulm }, rescue: { id: rescue.id, description: /^Engine died/ } })
      const [created] = await deliveries(storage, alerts[1]?.id as number)
      t.match(created, { event: 'rescue_request.created', body: { schema: 'pitwall.rescue-request/1', alert: { id: alerts[1]?.id, dealerId: 'muc', rescueId: rescue.id } } })
      t.notOk(JSON.stringify(created).includes('1234567'), 'the phone is not sent to every dealer in range')
      t.same(await storage.rescueRequests.timeline(rescue.id), [{ time: rescue.requestedAt, state: 'requested', dealerId: null, by: 'olaf', detail: { source: 'call_centre' } }])

      const before = await counts(storage)
      await t.rejects(rescues.create(call(vin), 'olga'), { code: 'PITWALL_ERR_RESCUE_OPEN', message: `vehicle ${vin} has an open rescue request ${rescue.id} (requested); cancel or close it before asking again` })
      await t.rejects(rescues.create(call('WBA3B5C5999999999'), 'olaf'), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: /^no vehicle WBA3B5C5999999999 / })
      await t.rejects(rescues.create(call(await vehicle(), PARIS), 'olaf'),
        { code: 'PITWALL_ERR_DEALER_NO_ROUTE', message: /: no active dealer within 150 km of 48\.8566, 2\.3522; nothing was stored$/ })
      await t.rejects(rescues.create({ ...call(vin), contactPhone: 'ring me' }, 'olaf'), { code: 'PITWALL_ERR_RESCUE_INVALID' })
      t.same(await counts(storage), before, 'nothing half-stored')
      const wide = new RescueService({ rescues: storage.rescueRequests, dealers: storage.dealers, log: recordingLog(), rescueRadiusKm: 600 })
      t.same((await wide.create(call(await vehicle(), PARIS), 'olaf')).alerts.map((a) => a.dealerId), ['str'], 'the radius is the setting given')
    })

    t.test('of two dealers accepting at once exactly one wins; the other is told it was taken and its copy closes', async (t) => {
      const { rescue, alerts } = await rescues.create(call(await vehicle()), 'olaf')
      const tries = await Promise.allSettled([rescues.move(rescue.id, 'accepted', {}, NORD), rescues.move(rescue.id, 'accepted', {}, SUED)])
      const won = tries.filter((r) => r.status === 'fulfilled')
      const lost = tries.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      t.equal(won.length, 1, 'one winner')
      t.equal(lost.length, 1, 'one loser')
      t.match(lost[0]?.reason, { code: 'PITWALL_ERR_RESCUE_TAKEN', message: `rescue request ${rescue.id} was accepted by another dealer first; it is no longer open` })
      const stored = await storage.rescueRequests.get(rescue.id)
      const winner = stored.acceptedDealerId as string
      t.ok(winner === 'muc' || winner === 'str')
      t.equal(stored.state, 'accepted')
      const copyOf = (d: string): number => alerts.find((a) => a.dealerId === d)?.id as number
      const loser = winner === 'muc' ? 'str' : 'muc'
      t.equal((await storage.dealerAlerts.get(winner, copyOf(winner))).status, 'acknowledged')
      t.equal((await storage.dealerAlerts.get(loser, copyOf(loser))).status, 'closed')
      t.match((await storage.dealerAlerts.timeline(loser, copyOf(loser))).at(-1), { status: 'closed', by: 'pitwall', detail: { rescue: 'taken', rescueId: rescue.id, note: 'accepted by another dealer' } })
      t.same((await storage.rescueRequests.timeline(rescue.id)).map((e) => [e.state, e.dealerId]), [['requested', null], ['accepted', winner]], 'one acceptance recorded')
      // muc has the webhook: it is told whichever way it went
      t.same((await deliveries(storage, copyOf('muc'))).map((d) => d.event), ['rescue_request.created', winner === 'muc' ? 'rescue_request.accepted' : 'rescue_request.taken'])
    })

    t.test('the winner moves it through its states, each with its time and who; forward only, and nobody else', async (t) => {
      const { rescue, alerts } = await rescues.create(call(await vehicle()), 'olaf')
      const muc = alerts.find((a) => a.dealerId === 'muc')?.id as number
      const str = alerts.find((a) => a.dealerId === 'str')?.id as number
      await rescues.move(rescue.id, 'accepted', { note: 'truck 3 free' }, NORD)
      await t.rejects(rescues.move(rescue.id, 'accepted', {}, NORD), { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: /is accepted; it cannot move to accepted/ })
      const eta = new Date(Date.now() + 45 * 60_000)
      await t.rejects(rescues.move(rescue.id, 'dispatched', { eta }, SUED), { code: 'PITWALL_ERR_RESCUE_TAKEN', message: /accepted by another dealer; only that dealer moves it/ })
      await t.rejects(rescues.move(rescue.id, 'dispatched', { eta }, { dealerId: 'ber', name: 'Berlin' }), { code: 'PITWALL_ERR_RESCUE_UNKNOWN', message: `dealer ber has no rescue request ${rescue.id}` })
      const dispatched = await rescues.move(rescue.id, 'dispatched', { eta }, NORD)
      t.same([dispatched.state, dispatched.eta], ['dispatched', eta])
      await rescues.move(rescue.id, 'on_site', {}, NORD)
      await t.rejects(rescues.move(rescue.id, 'dispatched', { eta }, NORD), { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: /is on_site; it cannot move to dispatched/ }, 'never back')
      await t.rejects(rescues.move(rescue.id, 'towed', { towedTo: 'nowhere' }, NORD), { code: 'PITWALL_ERR_DEALER_UNKNOWN' })
      await rescues.move(rescue.id, 'towed', { towedTo: 'str' }, NORD)
      await t.rejects(rescues.move(rescue.id, 'cancelled', { reason: 'too late' }, { dealerId: null, name: 'olaf' }), { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: /is towed; it cannot move to cancelled/ })
      const closed = await rescues.move(rescue.id, 'closed', { outcome: 'towed_to_workshop', note: 'fuel pump' }, NORD)

      t.match(closed, { state: 'closed', acceptedDealerId: 'muc', towedToDealerId: 'str', outcome: 'towed_to_workshop', cancelledAt: null })
      const times = [closed.requestedAt, closed.acceptedAt, closed.dispatchedAt, closed.onSiteAt, closed.towedAt, closed.closedAt] as Date[]
      t.ok(times.every((d) => d instanceof Date), 'every step has its time')
      t.same([...times].sort((a, b) => a.getTime() - b.getTime()), times, 'in order')
      t.same((await storage.rescueRequests.timeline(rescue.id)).map((e) => [e.state, e.dealerId, e.by, e.detail]), [
        ['requested', null, 'olaf', { source: 'call_centre' }],
        ['accepted', 'muc', 'München desk', { note: 'truck 3 free' }],
        ['dispatched', 'muc', 'München desk', { eta: eta.toISOString() }],
        ['on_site', 'muc', 'München desk', null],
        ['towed', 'muc', 'München desk', { towedTo: 'str' }],
        ['closed', 'muc', 'München desk', { outcome: 'towed_to_workshop', note: 'fuel pump' }]
      ])
      t.same((await storage.dealerAlerts.timeline('muc', muc)).map((e) => [e.status, (e.detail as { rescue?: string } | null)?.rescue]),
        [['new', undefined], ['acknowledged', 'accepted'], ['acknowledged', 'dispatched'], ['acknowledged', 'on_site'], ['acknowledged', 'towed'], ['closed', 'closed']],
        'the inbox timeline shows every step')
      t.same((await storage.dealerAlerts.timeline('str', str)).map((e) => e.status), ['new', 'closed'], 'the other copy only heard it was taken')
      const hooks = await deliveries(storage, muc)
      t.same(hooks.map((d) => d.event), ['rescue_request.created', 'rescue_request.accepted', 'rescue_request.dispatched', 'rescue_request.on_site', 'rescue_request.towed', 'rescue_request.closed'])
      t.match(hooks[2]?.body, { schema: 'pitwall.rescue-event/1', event: 'rescue_request.dispatched', alert: { id: muc, dealerId: 'muc' }, rescue: { id: rescue.id, state: 'dispatched', eta: eta.toISOString(), contactPhone: '+49 170 1234567' } })
      t.same((await storage.rescueRequests.list({ dealerId: 'muc', state: ['closed'] })).map((r) => [r.id, r.offer?.alertId]), [[rescue.id, muc]])
      t.equal((await rescues.create(call(closed.vin), 'olaf')).rescue.state, 'requested', 'once closed, the vehicle may be rescued again')
    })

    t.test('the call centre cancels before anyone is on site: every open copy closes and hears why', async (t) => {
      const { rescue, alerts } = await rescues.create(call(await vehicle()), 'olaf')
      const cancelled = await rescues.move(rescue.id, 'cancelled', { reason: 'driver restarted the car' }, { dealerId: null, name: 'olaf' })
      t.match(cancelled, { state: 'cancelled', acceptedDealerId: null, cancelReason: 'driver restarted the car' })
      t.ok(cancelled.cancelledAt instanceof Date)
      for (const a of alerts) t.equal((await storage.dealerAlerts.get(a.dealerId, a.id)).status, 'closed', `${a.dealerId}'s copy closed`)
      t.match((await deliveries(storage, alerts[1]?.id as number)).at(-1), { event: 'rescue_request.cancelled', body: { rescue: { state: 'cancelled', cancelReason: 'driver restarted the car', contactPhone: null } } })
      await t.rejects(rescues.move(rescue.id, 'accepted', {}, NORD), { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: /is cancelled; it cannot move to accepted/ })
      await t.rejects(rescues.move(9_999_999, 'cancelled', { reason: 'x' }, { dealerId: null, name: 'olaf' }), { code: 'PITWALL_ERR_RESCUE_UNKNOWN', message: 'no rescue request 9999999' })
    })

    t.test('lists: a dealer sees the rescues offered to it, an engineer all; another dealer\'s reads as not found', async (t) => {
      const vin = await vehicle()
      const { rescue } = await rescues.create(call(vin), 'olaf')
      const all = await storage.rescueRequests.list()
      t.ok(all.length >= 5)
      t.ok(all.every((r) => r.offer === null), 'no copy of the lister\'s')
      t.same(all.map((r) => r.id), [...all.map((r) => r.id)].sort((a, b) => b - a), 'newest first')
      t.same((await storage.rescueRequests.list({ dealerId: 'ber' })), [], 'Berlin was offered none')
      const mine = await storage.rescueRequests.list({ dealerId: 'str', vin })
      t.match(mine, [{ id: rescue.id, offer: { dealerId: 'str', alertStatus: 'new' } }])
      t.same((await storage.rescueRequests.list({ state: ['requested'], vin })).map((r: RescueRequest) => r.id), [rescue.id])
      t.same((await storage.rescueRequests.list({ limit: 2, beforeId: rescue.id })).map((r) => r.id), all.filter((r) => r.id < rescue.id).slice(0, 2).map((r) => r.id), 'paged by id')
      await t.rejects(storage.rescueRequests.get(rescue.id, 'ber'), { code: 'PITWALL_ERR_RESCUE_UNKNOWN', message: `dealer ber has no rescue request ${rescue.id}` })
    })
  })
}
