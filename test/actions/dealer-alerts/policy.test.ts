/**
 * The dealer-alert policy without a database: which faults need an alert,
 * where it goes, when a stranded vehicle counts as standing, which status
 * moves a dealer may make, what a dealer record may hold, and how a fault
 * that got no alert is handed over again.
 */
import t from 'tap'
import { RESCUE_RECHECK_MS, type DealerAlertStatus } from '../../../actions/dealer-alerts/model.js'
import {
  alertMove, alertTargets, checkDealer, checkNewDealer, dealerUpdate, DealerAlertError, notNeeded, refusalOutcome, rescuePosition, statusesBefore
} from '../../../actions/dealer-alerts/policy.js'
import type { RoutableDealer } from '../../../actions/dealer-alerts/routing.js'
import type { FaultForAlert, PositionFix } from '../../../storage/dealer-alerts.js'

const OPENED = new Date('2026-03-02T08:00:00Z')
const ULM = { lat: 48.4011, lon: 9.9876 }

const fault = (over: Partial<FaultForAlert> = {}): FaultForAlert => ({
  faultId: 7,
  vehicleId: 1,
  vin: 'WBA3B5C50000000001',
  model: 'demo-ev',
  brand: null,
  ownDealerId: null,
  ruleId: 'overheat',
  ruleName: 'Coolant overheat',
  severity: 'critical',
  state: 'open',
  openedAt: OPENED,
  occurrences: 1,
  evidence: [],
  action: null,
  caseId: null,
  ...over
})

const dealers: RoutableDealer[] = [
  { id: 'str', active: true, brands: [], lat: 48.7758, lon: 9.1829 },
  { id: 'muc', active: true, brands: [], lat: 48.1374, lon: 11.5755 },
  { id: 'ber', active: true, brands: [], lat: 52.52, lon: 13.405 }
]

/** fixes `s` seconds after the fault opened, at Ulm */
const fixes = (...at: Array<[number, number | null]>): PositionFix[] =>
  at.map(([s, speedMps]) => ({ time: new Date(OPENED.getTime() + s * 1000), ...ULM, speedMps }))

t.test('a rescue is for a critical fault, or a rule that asks for one, while it is open', async (t) => {
  t.equal(notNeeded(fault(), 'rescue'), null)
  t.equal(notNeeded(fault({ state: 'acknowledged' }), 'rescue'), null)
  t.equal(notNeeded(fault({ severity: 'major', action: { type: 'rescue' } }), 'rescue'), null)
  t.match(notNeeded(fault({ severity: 'major' }), 'rescue'),
    { name: 'DealerAlertError', code: 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', retryable: false, message: 'fault 7 (overheat, vehicle WBA3B5C50000000001) is major; rescue requests are for critical faults or rules whose action is rescue' })
  t.match(notNeeded(fault({ state: 'auto_cleared' }), 'rescue'), { code: 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', message: /is auto-cleared; no rescue needed$/ })
})

t.test('a pre-staging alert is for any fault an engineer has not resolved', async (t) => {
  t.equal(notNeeded(fault({ severity: 'minor' }), 'prestage'), null)
  t.equal(notNeeded(fault({ state: 'auto_cleared' }), 'prestage'), null)
  t.match(notNeeded(fault({ state: 'resolved' }), 'prestage'), { code: 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', message: /was resolved by an engineer before the alert was raised$/ })
})

t.test('a rescue goes to the newest fix once the vehicle stands; until then it waits', async (t) => {
  const standing = fixes([60, 0], [120, 0], [240, 0.2])
  t.same(rescuePosition(fault(), standing), standing[2])
  t.throws(() => rescuePosition(fault(), fixes([60, 0], [240, 8])), { code: 'PITWALL_ERR_RESCUE_NOT_STATIONARY', retryable: true, message: /moving at 8\.0 m\/s/ })
  t.throws(() => rescuePosition(fault(), []), { code: 'PITWALL_ERR_RESCUE_NOT_STATIONARY', message: /no GNSS fix around the fault's opening at 2026-03-02T08:00:00.000Z/ })
  t.throws(() => rescuePosition(fault(), fixes([-3600, 0], [-3400, 0])), { code: 'PITWALL_ERR_RESCUE_NOT_STATIONARY', message: /no GNSS fix around the fault's opening/ },
    'fixes from an hour before say nothing about now')
})

t.test('rescue targets are every dealer in the radius; a pre-staging alert has one dealer', async (t) => {
  const [position] = fixes([60, 0])
  t.same(alertTargets('rescue', fault(), position ?? null, dealers, 150).map((x) => [x.dealerId, x.routing.via, Math.round(x.routing.distanceKm ?? -1)]),
    [['str', 'rescue', 72], ['muc', 'rescue', 121]])
  t.throws(() => alertTargets('rescue', fault(), position ?? null, dealers, 50),
    { code: 'PITWALL_ERR_DEALER_NO_ROUTE', retryable: true, message: 'fault 7 (overheat, vehicle WBA3B5C50000000001): no active dealer within 50 km of 48.4011, 9.9876' })
  t.same(alertTargets('prestage', fault({ ownDealerId: 'ber' }), null, dealers, 150), [{ dealerId: 'ber', routing: { via: 'own', distanceKm: null } }])
  t.throws(() => alertTargets('prestage', fault(), null, dealers, 150),
    { code: 'PITWALL_ERR_DEALER_NO_ROUTE', message: /the vehicle has no own dealer and no position is known to find the nearest$/ })
})

t.test('a fault without an alert is closed, rechecked each minute, or left to the outbox backoff', async (t) => {
  t.same(refusalOutcome(new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', 'fault 7 is major')),
    { done: true, note: 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED: fault 7 is major' })
  t.same(refusalOutcome(new DealerAlertError('PITWALL_ERR_RESCUE_NOT_STATIONARY', 'moving')),
    { done: false, retryInMs: 60_000, reason: 'PITWALL_ERR_RESCUE_NOT_STATIONARY: moving' })
  t.equal(RESCUE_RECHECK_MS, 60_000)
  t.equal(refusalOutcome(new DealerAlertError('PITWALL_ERR_DEALER_NO_ROUTE', 'nobody')), undefined)
  t.equal(refusalOutcome(new DealerAlertError('PITWALL_ERR_CASE_LOOKUP', 'case base down')), undefined)
  t.same([new DealerAlertError('PITWALL_ERR_DEALER_NO_ROUTE', '').status, new DealerAlertError('PITWALL_ERR_CASE_LOOKUP', '').status], [409, 503])
})

t.test('alerts move forward only; repaired says whether it was a first-time fix', async (t) => {
  t.same(statusesBefore('new'), [])
  t.same(statusesBefore('parts_staged'), ['new', 'acknowledged'])
  t.same(alertMove(5, 'repaired', { by: 'carl', firstTimeFix: true, note: 'coil' }),
    { from: ['new', 'acknowledged', 'parts_staged', 'appointment_booked'], to: 'repaired', by: 'carl', firstTimeFix: true, detail: { firstTimeFix: true, note: 'coil' } })
  t.same(alertMove(5, 'closed', { by: 'anna' }), { from: ['new', 'acknowledged', 'parts_staged', 'appointment_booked', 'repaired'], to: 'closed', by: 'anna', firstTimeFix: null, detail: null })
  const refused: Array<[string, { by: string, firstTimeFix?: boolean }, RegExp | string]> = [
    ['fixed', { by: 'ben' }, "'fixed' is not an alert status (new, acknowledged, parts_staged, appointment_booked, repaired, closed)"],
    ['repaired', { by: 'ben' }, 'alert 5: repaired needs firstTimeFix (was it fixed at the first visit?)'],
    ['appointment_booked', { by: 'ben', firstTimeFix: true }, 'alert 5: firstTimeFix belongs to repaired, not appointment_booked'],
    ['acknowledged', { by: ' ' }, 'alert 5: who moves it to acknowledged must be given']
  ]
  for (const [to, input, message] of refused) t.throws(() => alertMove(5, to as DealerAlertStatus, input), { code: 'PITWALL_ERR_DEALER_ALERT_INVALID', message })
})

t.test('a dealer record is refused naming every problem', async (t) => {
  const base = { id: 'bad-1', name: 'Werkstatt', lat: 48, lon: 11 }
  t.doesNotThrow(() => { checkNewDealer({ ...base, webhookUrl: 'https://dms.example/in', webhookSecret: 'x'.repeat(32) }) })
  t.throws(() => { checkNewDealer({ ...base, lon: -181, lat: Number.NaN }) },
    { name: 'PitwallError', code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer bad-1: lat NaN is outside -90..90; lon -181 is outside -180..180' })
  t.throws(() => { checkNewDealer({ ...base, webhookSecret: 'y'.repeat(40) }) }, { message: 'dealer bad-1: a webhook secret without a webhook URL' })
  t.doesNotThrow(() => { checkDealer('bad-1', { webhookSecret: 'y'.repeat(40) }) }, 'a change may set a secret for the URL the dealer has (the store checks it has one)')
  t.throws(() => { checkDealer('bad-1', { webhookUrl: 'HTTPS://dms.example/in' }) }, { message: /is not an http\(s\) URL \(it must start with http:\/\/ or https:\/\/\)/ })
  t.throws(() => { checkDealer('me', {}) }, { message: /id "me" is reserved/ })
})

t.test('a webhook URL with credentials is refused without repeating them', async (t) => {
  for (const webhookUrl of ['https://pitwall:s3cret@dms.example/in', 'http://user@dms.example/in']) {
    t.throws(() => { checkDealer('nord', { webhookUrl }) },
      { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer nord: webhook URL must not carry credentials (user:password@host): deliveries are authenticated by their signature' })
  }
  t.doesNotThrow(() => { checkDealer('nord', { webhookUrl: 'https://dms.example/in?next=a@b' }) }, 'an @ after the host is not a credential')
})

t.test('a dealer record is normalised, and what a change does to the webhook is decided from the change', async (t) => {
  t.same(checkNewDealer({ id: 'd-1', name: ' Autohaus ', lat: 48, lon: 11, brands: [' BMW', 'MINI', 'BMW '] }),
    { id: 'd-1', name: 'Autohaus', lat: 48, lon: 11, brands: ['BMW', 'MINI'] })
  t.same(dealerUpdate('d-1', { name: ' Werkstatt ', brands: [] }),
    { name: 'Werkstatt', lat: undefined, lon: undefined, brands: [], webhookUrl: undefined, webhookSecret: undefined, generateSecret: false, needsStoredUrl: false })
  t.match(dealerUpdate('d-1', { webhookUrl: 'https://dms.example/in' }), { webhookUrl: 'https://dms.example/in', generateSecret: true, needsStoredUrl: false },
    'a URL without a secret: one is generated where none is stored')
  t.match(dealerUpdate('d-1', { webhookUrl: 'https://dms.example/in', webhookSecret: 'x'.repeat(32) }), { generateSecret: false, needsStoredUrl: false })
  t.match(dealerUpdate('d-1', { webhookSecret: 'x'.repeat(32) }), { webhookSecret: 'x'.repeat(32), generateSecret: false, needsStoredUrl: true },
    'a secret without a URL: only for a dealer with a stored one')
  t.match(dealerUpdate('d-1', { webhookUrl: null }), { webhookUrl: null, generateSecret: false, needsStoredUrl: false })
  t.throws(() => dealerUpdate('d-1', { webhookUrl: null, webhookSecret: 'x'.repeat(32) }),
    { code: 'PITWALL_ERR_DEALER_INVALID', message: 'dealer d-1: a webhook secret without a webhook URL' })
})
