/**
 * Which dealer gets a fault's alert, as plain functions over plain data (no
 * I/O): the vehicle's own dealer while it is active, else the nearest active
 * dealer serving the vehicle's brand to its last position; a stranded
 * vehicle's rescue request goes to every such dealer within a radius.
 */

export interface GeoPoint {
  lat: number
  lon: number
}

export interface RoutableDealer extends GeoPoint {
  id: string
  active: boolean
  /** brands the dealer services; empty: every brand */
  brands: readonly string[]
}

export interface GnssFix extends GeoPoint {
  time: Date
  /** ground speed; null when the T-box did not report one */
  speedMps: number | null
}

export interface RouteRequest {
  /** the vehicle's own dealer, if it has one */
  ownDealerId: string | null
  /** the vehicle's brand; null: any dealer will do */
  brand: string | null
  /** the vehicle's last known position */
  position: GeoPoint | null
}

export type DealerRoute =
  | { found: true, dealerId: string, via: 'own' | 'nearest', distanceKm: number | null }
  | { found: false, reason: string }

export interface RescueTarget {
  dealerId: string
  distanceKm: number
}

/** Mean Earth radius (IUGG), the usual sphere for haversine distances. */
const EARTH_RADIUS_KM = 6371.0088

/** Great-circle distance in km (haversine; within 0.5 % of the WGS-84 ellipsoid). */
export function haversineKm (a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  // min(1, …): rounding can push h a hair above 1 for antipodal points
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

export function servesBrand (dealer: RoutableDealer, brand: string | null): boolean {
  if (brand === null || dealer.brands.length === 0) return true
  const wanted = brand.toLowerCase()
  return dealer.brands.some((b) => b.toLowerCase() === wanted)
}

/**
 * The vehicle's own dealer wins while it is active (whatever the brand: the
 * owner chose it); otherwise the nearest active dealer serving the brand.
 * Equal distances go to the smaller id, so the choice never depends on the
 * order the dealers were listed in.
 */
export function chooseDealer (request: RouteRequest, dealers: readonly RoutableDealer[]): DealerRoute {
  const own = request.ownDealerId === null ? undefined : dealers.find((d) => d.id === request.ownDealerId)
  if (own?.active === true) {
    return { found: true, dealerId: own.id, via: 'own', distanceKm: request.position === null ? null : haversineKm(request.position, own) }
  }
  const ownNote = request.ownDealerId === null ? 'the vehicle has no own dealer' : `its own dealer ${request.ownDealerId} is inactive`
  if (request.position === null) return { found: false, reason: `${ownNote} and no position is known to find the nearest` }
  const [nearest] = byDistance(request.position, dealers.filter((d) => d.active && servesBrand(d, request.brand)))
  if (nearest === undefined) {
    return { found: false, reason: `${ownNote} and no active dealer${request.brand === null ? '' : ` services brand ${request.brand}`}` }
  }
  return { found: true, dealerId: nearest.dealerId, via: 'nearest', distanceKm: nearest.distanceKm }
}

/** Active dealers serving the brand within `radiusKm` of the position, nearest first. */
export function rescueTargets (position: GeoPoint, dealers: readonly RoutableDealer[], radiusKm: number, brand: string | null = null): RescueTarget[] {
  return byDistance(position, dealers.filter((d) => d.active && servesBrand(d, brand))).filter((t) => t.distanceKm <= radiusKm)
}

function byDistance (position: GeoPoint, dealers: readonly RoutableDealer[]): RescueTarget[] {
  return dealers.map((d) => ({ dealerId: d.id, distanceKm: haversineKm(position, d) }))
    .sort((a, b) => a.distanceKm - b.distanceKm || (a.dealerId < b.dealerId ? -1 : a.dealerId > b.dealerId ? 1 : 0))
}

export const STATIONARY_WINDOW_MS = 300_000

export interface StationaryOptions {
  /** how far back from the newest fix to look; default 5 min */
  windowMs?: number
  /** the fixes in the window must span at least this; default 2 min (longer than a red light) */
  minSpanMs?: number
  /** default 0.5 m/s: GNSS speed noise of a parked receiver stays below it */
  maxSpeedMps?: number
  /** default 2 */
  minFixes?: number
}

export type Stationary = { stationary: true, since: Date } | { stationary: false, reason: string }

/**
 * Whether the vehicle stands: at least `minFixes` fixes in the `windowMs`
 * before its newest fix, spanning at least `minSpanMs`, every one at most
 * `maxSpeedMps`. A fix without a speed counts as not standing: a rescue is
 * sent on evidence, not on missing data.
 */
export function isStationary (fixes: readonly GnssFix[], options: StationaryOptions = {}): Stationary {
  const windowMs = options.windowMs ?? STATIONARY_WINDOW_MS
  const minSpanMs = options.minSpanMs ?? 120_000
  const maxSpeed = options.maxSpeedMps ?? 0.5
  const minFixes = Math.max(2, options.minFixes ?? 2)
  if (fixes.length === 0) return { stationary: false, reason: 'no GNSS fix' }
  const newest = Math.max(...fixes.map((f) => f.time.getTime()))
  const recent = fixes.filter((f) => f.time.getTime() >= newest - windowMs)
  if (recent.length < minFixes) return { stationary: false, reason: `${recent.length} GNSS fix(es) in the ${windowMs / 60_000} min before the newest; ${minFixes} needed` }
  const oldest = Math.min(...recent.map((f) => f.time.getTime()))
  if (newest - oldest < minSpanMs) {
    return { stationary: false, reason: `the fixes span ${Math.round((newest - oldest) / 1000)} s; standing needs ${minSpanMs / 1000} s` }
  }
  const moving = recent.find((f) => f.speedMps === null || f.speedMps > maxSpeed)
  if (moving !== undefined) {
    return {
      stationary: false,
      reason: moving.speedMps === null
        ? `the fix at ${moving.time.toISOString()} has no speed`
        : `moving at ${moving.speedMps.toFixed(1)} m/s at ${moving.time.toISOString()}`
    }
  }
  return { stationary: true, since: new Date(oldest) }
}
