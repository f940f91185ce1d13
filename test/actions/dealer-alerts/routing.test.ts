/**
 * Dealer routing over real places: the own dealer, the nearest by position,
 * brands, inactive dealers, the rescue radius and standing still.
 */
import t from 'tap'
import { chooseDealer, haversineKm, isStationary, rescueTargets, type GnssFix, type RoutableDealer } from '../../../actions/dealer-alerts/routing.js'

const MUNICH = { lat: 48.1374, lon: 11.5755 }
const STUTTGART = { lat: 48.7758, lon: 9.1829 }
const BERLIN = { lat: 52.5200, lon: 13.4050 }
const NUREMBERG = { lat: 49.4521, lon: 11.0767 }
const ULM = { lat: 48.4011, lon: 9.9876 }
const GARCHING = { lat: 48.2488, lon: 11.6532 } // just north of Munich

const dealer = (id: string, at: { lat: number, lon: number }, extra: Partial<RoutableDealer> = {}): RoutableDealer =>
  ({ id, ...at, active: true, brands: [], ...extra })

const dealers = [dealer('muc', MUNICH), dealer('str', STUTTGART), dealer('ber', BERLIN), dealer('nue', NUREMBERG)]

t.test('haversine distances match the published great-circle distances', async (t) => {
  t.ok(Math.abs(haversineKm(MUNICH, BERLIN) - 504) < 2, `Munich-Berlin ${haversineKm(MUNICH, BERLIN).toFixed(1)} km`)
  t.ok(Math.abs(haversineKm(MUNICH, STUTTGART) - 190) < 2, `Munich-Stuttgart ${haversineKm(MUNICH, STUTTGART).toFixed(1)} km`)
  t.equal(haversineKm(MUNICH, MUNICH), 0)
  t.equal(haversineKm(MUNICH, BERLIN), haversineKm(BERLIN, MUNICH), 'symmetric')
  t.ok(Math.abs(haversineKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 }) - Math.PI * 6371.0088) < 0.01, 'antipodes: half the circumference')
})

t.test("the vehicle's own active dealer wins over a nearer one", async (t) => {
  t.same(chooseDealer({ ownDealerId: 'ber', brand: null, position: GARCHING }, dealers),
    { found: true, dealerId: 'ber', via: 'own', distanceKm: haversineKm(GARCHING, BERLIN) })
  t.same(chooseDealer({ ownDealerId: 'ber', brand: null, position: null }, dealers), { found: true, dealerId: 'ber', via: 'own', distanceKm: null },
    'even without a position')
})

t.test('without an own dealer, the nearest to the last position', async (t) => {
  t.match(chooseDealer({ ownDealerId: null, brand: null, position: GARCHING }, dealers), { found: true, dealerId: 'muc', via: 'nearest' })
  t.match(chooseDealer({ ownDealerId: null, brand: null, position: ULM }, dealers), { found: true, dealerId: 'str', via: 'nearest' })
  t.match(chooseDealer({ ownDealerId: null, brand: null, position: { lat: 52.39, lon: 13.06 } }, dealers), { found: true, dealerId: 'ber' }, 'Potsdam')
  t.match(chooseDealer({ ownDealerId: null, brand: null, position: GARCHING }, [...dealers].reverse()), { dealerId: 'muc' }, 'whatever the order')
})

t.test('inactive dealers are skipped, the own one included', async (t) => {
  const muc = dealer('muc', MUNICH, { active: false })
  const list = [muc, dealer('str', STUTTGART), dealer('ber', BERLIN)]
  t.match(chooseDealer({ ownDealerId: null, brand: null, position: GARCHING }, list), { found: true, dealerId: 'str', via: 'nearest' })
  t.match(chooseDealer({ ownDealerId: 'muc', brand: null, position: GARCHING }, list), { found: true, dealerId: 'str', via: 'nearest' },
    'an inactive own dealer falls back to the nearest')
  t.same(chooseDealer({ ownDealerId: 'muc', brand: null, position: null }, list),
    { found: false, reason: 'its own dealer muc is inactive and no position is known to find the nearest' })
  t.same(chooseDealer({ ownDealerId: null, brand: null, position: GARCHING }, [muc]),
    { found: false, reason: 'the vehicle has no own dealer and no active dealer' })
})

t.test('the nearest dealer must service the brand; a dealer with no brands services all', async (t) => {
  const list = [dealer('muc', MUNICH, { brands: ['BMW'] }), dealer('str', STUTTGART, { brands: ['Mercedes-Benz', 'smart'] }), dealer('ber', BERLIN)]
  t.match(chooseDealer({ ownDealerId: null, brand: 'bmw', position: ULM }, list), { dealerId: 'muc' }, 'case-insensitive, and farther than Stuttgart')
  t.match(chooseDealer({ ownDealerId: null, brand: 'Mercedes-Benz', position: GARCHING }, list), { dealerId: 'str' })
  t.match(chooseDealer({ ownDealerId: null, brand: 'Audi', position: GARCHING }, list), { dealerId: 'ber' }, 'the all-brands dealer')
  t.same(chooseDealer({ ownDealerId: null, brand: 'Audi', position: GARCHING }, list.slice(0, 2)),
    { found: false, reason: 'the vehicle has no own dealer and no active dealer services brand Audi' })
  t.same(chooseDealer({ ownDealerId: null, brand: null, position: null }, list),
    { found: false, reason: 'the vehicle has no own dealer and no position is known to find the nearest' })
})

t.test('rescue goes to every active dealer within the radius, nearest first', async (t) => {
  t.same(rescueTargets(ULM, dealers, 150).map((r) => r.dealerId), ['str', 'muc', 'nue'], 'Ulm: not Berlin (518 km)')
  t.same(rescueTargets(ULM, dealers, 150).map((r) => Math.round(r.distanceKm)), [72, 121, 141])
  t.same(rescueTargets(ULM, dealers, 100).map((r) => r.dealerId), ['str'], 'a smaller radius')
  // Munich-Nuremberg is 150.7 km: just outside the default radius
  t.same(rescueTargets(MUNICH, dealers, 150).map((r) => r.dealerId), ['muc'])
  t.same(rescueTargets(MUNICH, dealers, 151).map((r) => r.dealerId), ['muc', 'nue'])
  t.same(rescueTargets(BERLIN, dealers, 150).map((r) => r.dealerId), ['ber'])
  t.same(rescueTargets({ lat: 48.8566, lon: 2.3522 }, dealers, 150), [], 'Paris: nobody within 150 km')
  t.same(rescueTargets(ULM, [dealer('str', STUTTGART, { active: false }), dealer('muc', MUNICH)], 150).map((r) => r.dealerId), ['muc'], 'inactive skipped')
  t.same(rescueTargets(ULM, [dealer('str', STUTTGART, { brands: ['smart'] }), dealer('muc', MUNICH)], 150, 'BMW').map((r) => r.dealerId), ['muc'], 'brand')
})

const fix = (sAgo: number, speedMps: number | null, at = MUNICH): GnssFix => ({ ...at, time: new Date(Date.UTC(2025, 5, 1, 12) - sAgo * 1000), speedMps })

t.test('stationary: every fix of the last 5 minutes at most 0.5 m/s', async (t) => {
  t.match(isStationary([fix(300, 0), fix(200, 0.3), fix(100, 0.5), fix(0, 0.1)]), { stationary: true, since: fix(300, 0).time })
  // older movement before the window does not matter
  t.match(isStationary([fix(900, 25), fix(600, 13), fix(240, 0), fix(0, 0)]), { stationary: true, since: fix(240, 0).time })
  t.same(isStationary([fix(240, 0), fix(120, 0.6), fix(0, 0)]),
    { stationary: false, reason: `moving at 0.6 m/s at ${fix(120, 0).time.toISOString()}` })
  t.same(isStationary([fix(240, 0), fix(0, 12)]), { stationary: false, reason: `moving at 12.0 m/s at ${fix(0, 0).time.toISOString()}` })
})

t.test('stationary needs at least two fixes spanning two minutes, with speeds', async (t) => {
  t.same(isStationary([]), { stationary: false, reason: 'no GNSS fix' })
  t.same(isStationary([fix(0, 0)]), { stationary: false, reason: '1 GNSS fix(es) in the 5 min before the newest; 2 needed' })
  t.same(isStationary([fix(600, 0), fix(0, 0)]), { stationary: false, reason: '1 GNSS fix(es) in the 5 min before the newest; 2 needed' },
    'a fix 10 minutes earlier is outside the window')
  t.same(isStationary([fix(30, 0), fix(0, 0)]), { stationary: false, reason: 'the fixes span 30 s; standing needs 120 s' }, 'a red light')
  t.same(isStationary([fix(200, 0), fix(0, null)]), { stationary: false, reason: `the fix at ${fix(0, 0).time.toISOString()} has no speed` })
  t.match(isStationary([fix(30, 0), fix(0, 0)], { minSpanMs: 20_000 }), { stationary: true }, 'thresholds are options')
})
