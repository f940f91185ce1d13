/**
 * The rescue policy without a database: what a call centre's request must
 * hold, which moves a rescue may make (forward only, accepting only from
 * requested, cancelling before anyone is on site) and who makes them, why a
 * move that matched nothing was refused (the loser of a race is told another
 * dealer took it), what each move does to the dealers' copies, and what a
 * dealer that did not accept may see.
 */
import t from 'tap'
import { RESCUE_STATES, type RescueOffer, type RescueRequest, type RescueState } from '../../../actions/rescue/model.js'
import {
  checkRescueInput, copyEffects, dealerTimeline, dealerView, refusedRescueMove, rescueMove, rescueStatesBefore, type RescueActor
} from '../../../actions/rescue/policy.js'

const NOW = new Date('2026-03-02T08:00:00Z')
const NORD: RescueActor = { dealerId: 'nord', name: 'Nord service desk' }
const CALL_CENTRE: RescueActor = { dealerId: null, name: 'olaf' }
const input = { vin: 'wba3b5c5000000001', lat: 48.4011, lon: 9.9876, description: ' Engine stopped on the A8 exit ', contactPhone: '+49 170 1234567' }

const rescue = (over: Partial<RescueRequest> = {}): RescueRequest => ({
  id: 5,
  source: 'call_centre',
  faultId: null,
  vehicleId: 1,
  vin: 'WBA3B5C5000000001',
  lat: 48.4011,
  lon: 9.9876,
  description: 'Engine stopped',
  contactPhone: '+49 170 1234567',
  state: 'accepted',
  requestedAt: NOW,
  requestedBy: 'olaf',
  acceptedDealerId: 'nord',
  acceptedAt: NOW,
  dispatchedAt: null,
  eta: null,
  onSiteAt: null,
  towedAt: null,
  towedToDealerId: null,
  closedAt: null,
  outcome: null,
  cancelledAt: null,
  cancelReason: null,
  updatedAt: NOW,
  ...over
})

const copies: RescueOffer[] = [
  { alertId: 11, dealerId: 'nord', distanceKm: 12, alertStatus: 'new' },
  { alertId: 12, dealerId: 'sued', distanceKm: 40, alertStatus: 'new' },
  { alertId: 13, dealerId: 'west', distanceKm: 90, alertStatus: 'closed' }
]

t.test('a call centre\'s request is normalised, and refused naming every problem', async (t) => {
  t.same(checkRescueInput(input), { vin: 'WBA3B5C5000000001', lat: 48.4011, lon: 9.9876, description: 'Engine stopped on the A8 exit', contactPhone: '+49 170 1234567' })
  t.throws(() => checkRescueInput({ ...input, lat: 91, lon: -181 }), {
    code: 'PITWALL_ERR_RESCUE_INVALID',
    message: 'rescue request for WBA3B5C5000000001: lat 91 is not a latitude (-90 to 90); lon -181 is not a longitude (-180 to 180)'
  })
  t.throws(() => checkRescueInput({ ...input, lat: 0, lon: 0 }), { code: 'PITWALL_ERR_RESCUE_INVALID', message: /the position 0, 0 is no position/ })
  t.throws(() => checkRescueInput({ ...input, lat: Number.NaN }), { message: /lat NaN is not a latitude/ })
  t.throws(() => checkRescueInput({ ...input, vin: 'WBA-1', description: '  ' }), {
    message: 'rescue request: vin "WBA-1" is not a VIN (17 characters of A-Z and 0-9, without I, O or Q); description is empty: say what happened and where the vehicle stands'
  })
  t.throws(() => checkRescueInput({ ...input, description: 'x'.repeat(2001) }), { message: /description has 2001 characters; at most 2000/ })
  for (const phone of ['call me', '1234', '+49 170 1234567 890 12', '+49 (170) 1234567'.padEnd(40, '0'), '49+170']) {
    t.throws(() => checkRescueInput({ ...input, contactPhone: phone }), { code: 'PITWALL_ERR_RESCUE_INVALID', message: /contactPhone .* is not a phone number/ }, phone)
  }
  t.equal(checkRescueInput({ ...input, contactPhone: '0049 (170) 123-45.67' }).contactPhone, '0049 (170) 123-45.67', 'written as people write them')
})

t.test('rescues move forward only: accepted from requested alone, later steps may be skipped, cancelled before anyone is on site', async (t) => {
  t.same(rescueStatesBefore('accepted'), ['requested'])
  t.same(rescueStatesBefore('dispatched'), ['accepted'])
  t.same(rescueStatesBefore('on_site'), ['accepted', 'dispatched'])
  t.same(rescueStatesBefore('towed'), ['accepted', 'dispatched', 'on_site'])
  t.same(rescueStatesBefore('closed'), ['accepted', 'dispatched', 'on_site', 'towed'])
  t.same(rescueStatesBefore('cancelled'), ['requested', 'accepted', 'dispatched'])
  // no state is reachable from itself or from a later one: forward only
  for (const to of RESCUE_STATES) {
    const from = rescueStatesBefore(to)
    t.notOk(from.includes(to), `${to} is not repeated`)
    t.notOk(from.some((s) => s === 'closed' || s === 'cancelled'), `nothing leaves a final state for ${to}`)
    if (to !== 'cancelled') t.ok(from.every((s) => RESCUE_STATES.indexOf(s) < RESCUE_STATES.indexOf(to)), `${to} only from earlier states`)
  }
})

t.test('each move takes its own fields, and only the party it belongs to makes it', async (t) => {
  const eta = new Date(NOW.getTime() + 40 * 60_000)
  t.match(rescueMove(5, 'accepted', { note: ' on our way ' }, NORD, NOW), { to: 'accepted', from: ['requested'], dealerId: 'nord', by: 'Nord service desk', detail: { note: 'on our way' } })
  t.match(rescueMove(5, 'dispatched', { eta }, NORD, NOW), { to: 'dispatched', eta, detail: { eta: eta.toISOString() } })
  t.match(rescueMove(5, 'towed', {}, NORD, NOW), { towedToDealerId: 'nord', detail: { towedTo: 'nord' } }, 'towed to its own workshop unless it says otherwise')
  t.match(rescueMove(5, 'towed', { towedTo: 'sued' }, NORD, NOW), { towedToDealerId: 'sued' })
  t.match(rescueMove(5, 'closed', { outcome: 'towed_to_workshop' }, NORD, NOW), { outcome: 'towed_to_workshop', detail: { outcome: 'towed_to_workshop' } })
  t.match(rescueMove(5, 'cancelled', { reason: 'driver got going again' }, CALL_CENTRE, NOW), { dealerId: null, cancelReason: 'driver got going again' })
  t.equal(rescueMove(5, 'on_site', {}, NORD, NOW).detail, null, 'nothing to keep beside a bare step')

  const refused: Array<[string, Parameters<typeof rescueMove>[2], RescueActor, string, RegExp]> = [
    ['requested', {}, NORD, 'PITWALL_ERR_RESCUE_INVALID', /^'requested' is not a state a rescue moves to \(accepted, dispatched, on_site, towed, closed, cancelled\)$/],
    ['fixed', {}, NORD, 'PITWALL_ERR_RESCUE_INVALID', /'fixed' is not a state/],
    ['cancelled', { reason: 'x' }, NORD, 'PITWALL_ERR_FORBIDDEN', /cancelled by the call centre .* dealer nord closes it with its outcome instead/],
    ['accepted', {}, CALL_CENTRE, 'PITWALL_ERR_FORBIDDEN', /moving a rescue to accepted is the dealer's/],
    ['dispatched', {}, NORD, 'PITWALL_ERR_RESCUE_INVALID', /dispatched needs an eta/],
    ['dispatched', { eta: new Date(NOW.getTime() - 3600_000) }, NORD, 'PITWALL_ERR_RESCUE_INVALID', /eta 2026-03-02T07:00:00.000Z is in the past/],
    ['dispatched', { eta: new Date(NOW.getTime() + 49 * 3600_000) }, NORD, 'PITWALL_ERR_RESCUE_INVALID', /more than 48 h away/],
    ['on_site', { eta: NOW }, NORD, 'PITWALL_ERR_RESCUE_INVALID', /eta belongs to dispatched, not on_site/],
    ['closed', {}, NORD, 'PITWALL_ERR_RESCUE_INVALID', /closed needs an outcome \(repaired_on_site, towed_to_workshop, no_fault_found, vehicle_not_found, other\)/],
    ['closed', { outcome: 'fixed' }, NORD, 'PITWALL_ERR_RESCUE_INVALID', /outcome 'fixed' is not one of/],
    ['towed', { towedTo: 'a b' }, NORD, 'PITWALL_ERR_RESCUE_INVALID', /towedTo "a b" is not a dealer id/],
    ['cancelled', { reason: '  ' }, CALL_CENTRE, 'PITWALL_ERR_RESCUE_INVALID', /cancelled needs a reason/],
    ['cancelled', { reason: 'x'.repeat(501) }, CALL_CENTRE, 'PITWALL_ERR_RESCUE_INVALID', /reason has 501 characters; at most 500/],
    ['accepted', { note: 'x'.repeat(2001) }, NORD, 'PITWALL_ERR_RESCUE_INVALID', /note has 2001 characters/],
    ['accepted', {}, { dealerId: 'nord', name: ' ' }, 'PITWALL_ERR_RESCUE_INVALID', /who moves it to accepted must be given/]
  ]
  for (const [to, given, actor, code, message] of refused) {
    t.throws(() => rescueMove(5, to, given, actor, NOW), { code, message }, `${to} ${JSON.stringify(given)}`)
  }
})

t.test('a move that matched nothing says why: not offered, taken by another dealer (the race\'s loser), or not forward', async (t) => {
  const accept = rescueMove(5, 'accepted', {}, NORD, NOW)
  const dispatch = rescueMove(5, 'dispatched', { eta: new Date(NOW.getTime() + 600_000) }, NORD, NOW)
  t.match(refusedRescueMove(5, null, accept), { code: 'PITWALL_ERR_RESCUE_UNKNOWN', message: 'dealer nord has no rescue request 5' })
  t.match(refusedRescueMove(5, { state: 'requested', acceptedDealerId: null, offered: false }, accept), { code: 'PITWALL_ERR_RESCUE_UNKNOWN' }, 'not offered to it: as if it did not exist')
  t.match(refusedRescueMove(5, { state: 'accepted', acceptedDealerId: 'sued', offered: true }, accept),
    { code: 'PITWALL_ERR_RESCUE_TAKEN', message: 'rescue request 5 was accepted by another dealer first; it is no longer open' })
  t.match(refusedRescueMove(5, { state: 'dispatched', acceptedDealerId: 'sued', offered: true }, dispatch),
    { code: 'PITWALL_ERR_RESCUE_TAKEN', message: 'rescue request 5 was accepted by another dealer; only that dealer moves it' })
  t.match(refusedRescueMove(5, { state: 'requested', acceptedDealerId: null, offered: true }, dispatch),
    { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: 'rescue request 5 is requested; accept it before moving it to dispatched' })
  t.match(refusedRescueMove(5, { state: 'accepted', acceptedDealerId: 'nord', offered: true }, accept),
    { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: /^rescue request 5 is accepted; it cannot move to accepted \(rescues only move forward: requested → accepted/ }, 'accepting twice is not forward')
  t.match(refusedRescueMove(5, { state: 'on_site', acceptedDealerId: 'nord', offered: true }, rescueMove(5, 'cancelled', { reason: 'no' }, CALL_CENTRE, NOW)),
    { code: 'PITWALL_ERR_RESCUE_TRANSITION', message: /is on_site; it cannot move to cancelled/ })
  t.match(refusedRescueMove(5, null, rescueMove(5, 'cancelled', { reason: 'no' }, CALL_CENTRE, NOW)), { code: 'PITWALL_ERR_RESCUE_UNKNOWN', message: 'no rescue request 5' })
})

t.test('accepting acknowledges the winner\'s copy and closes the others\' as taken; later steps touch the winner\'s alone', async (t) => {
  const accepted = copyEffects(rescue(), rescueMove(5, 'accepted', {}, NORD, NOW), copies)
  t.same(accepted.map((e) => [e.alertId, e.status, e.changed, e.event, e.by]), [
    [11, 'acknowledged', true, 'rescue_request.accepted', 'Nord service desk'],
    [12, 'closed', true, 'rescue_request.taken', 'pitwall']
  ], 'a copy closed already is left alone; the winner\'s user is not shown to the others')
  t.same(accepted[1]?.detail, { rescue: 'taken', rescueId: 5, note: 'accepted by another dealer' })

  const afterAccept: RescueOffer[] = [{ ...copies[0] as RescueOffer, alertStatus: 'acknowledged' }, { ...copies[1] as RescueOffer, alertStatus: 'closed' }]
  const eta = new Date(NOW.getTime() + 1800_000)
  const steps: Array<[RescueState, Parameters<typeof rescueMove>[2], string, string]> = [
    ['dispatched', { eta }, 'rescue_request.dispatched', 'acknowledged'],
    ['on_site', {}, 'rescue_request.on_site', 'acknowledged'],
    ['towed', {}, 'rescue_request.towed', 'acknowledged'],
    ['closed', { outcome: 'towed_to_workshop' }, 'rescue_request.closed', 'closed']
  ]
  for (const [to, given, event, status] of steps) {
    const effects = copyEffects(rescue({ state: to }), rescueMove(5, to, given, NORD, NOW), afterAccept)
    t.same(effects.map((e) => [e.alertId, e.event, e.status]), [[11, event, status]], to)
    t.match(effects[0]?.detail, { rescue: to, rescueId: 5 })
  }
  const cancelled = copyEffects(rescue({ state: 'cancelled', acceptedDealerId: null }), rescueMove(5, 'cancelled', { reason: 'driver fixed it' }, CALL_CENTRE, NOW), copies)
  t.same(cancelled.map((e) => [e.alertId, e.status, e.event, e.detail.reason]), [[11, 'closed', 'rescue_request.cancelled', 'driver fixed it'], [12, 'closed', 'rescue_request.cancelled', 'driver fixed it']])
})

t.test('a dealer that did not accept sees where and what, not the driver\'s phone nor another dealer\'s work', async (t) => {
  const towed = rescue({ state: 'towed', eta: NOW, towedToDealerId: 'nord' })
  t.same(dealerView(towed, 'nord'), towed, 'the accepting dealer sees everything')
  t.match(dealerView(towed, 'sued'), { state: 'towed', lat: 48.4011, description: 'Engine stopped', contactPhone: null, acceptedDealerId: null, eta: null, towedToDealerId: null })
  t.equal(dealerView(rescue({ state: 'requested', acceptedDealerId: null }), 'nord').contactPhone, null, 'not before accepting either')
  const events = [
    { time: NOW, state: 'requested' as const, dealerId: null, by: 'olaf', detail: { source: 'call_centre' } },
    { time: NOW, state: 'accepted' as const, dealerId: 'nord', by: 'Nord service desk', detail: { note: 'ours' } }
  ]
  t.same(dealerTimeline(events, 'sued')[1], { time: NOW, state: 'accepted', dealerId: null, by: 'another dealer', detail: null })
  t.same(dealerTimeline(events, 'nord'), events)
})
