/**
 * A closed route the simulated vehicles drive around, and a follower that
 * advances along it by distance travelled. The default is an approximation of
 * Munich's Mittlerer Ring (about 26 km).
 */

export interface GeoPoint {
  /** WGS-84 degrees */
  lat: number
  lon: number
}

export interface RoutePosition extends GeoPoint {
  /** Course over ground, degrees clockwise from north, 0..360. */
  headingDeg: number
  /** Metres above sea level. */
  altitudeM: number
}

export const MITTLERER_RING: readonly GeoPoint[] = [
  { lat: 48.1426, lon: 11.5363 }, // Donnersbergerbruecke
  { lat: 48.1560, lon: 11.5340 }, // Landshuter Allee
  { lat: 48.1755, lon: 11.5370 }, // Georg-Brauchle-Ring
  { lat: 48.1780, lon: 11.5600 }, // Petuelring
  { lat: 48.1770, lon: 11.5800 },
  { lat: 48.1730, lon: 11.5950 }, // Isarring
  { lat: 48.1600, lon: 11.6060 },
  { lat: 48.1540, lon: 11.6200 }, // Effnerplatz
  { lat: 48.1380, lon: 11.6180 }, // Richard-Strauss-Strasse
  { lat: 48.1200, lon: 11.6150 }, // Innsbrucker Ring
  { lat: 48.1110, lon: 11.5790 }, // Tegernseer Landstrasse
  { lat: 48.1110, lon: 11.5650 }, // Candidplatz
  { lat: 48.1150, lon: 11.5300 }, // Heckenstallerstrasse
  { lat: 48.1300, lon: 11.5230 } // Garmischer Strasse
]

const EARTH_RADIUS_M = 6_371_008.8
const BASE_ALTITUDE_M = 519

const rad = (deg: number): number => (deg * Math.PI) / 180

function distanceM (a: GeoPoint, b: GeoPoint): number {
  const dLat = rad(b.lat - a.lat)
  const dLon = rad(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Initial great-circle bearing from a to b, degrees 0..360. */
function bearingDeg (a: GeoPoint, b: GeoPoint): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat))
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon))
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360
}

/** Follows a closed polyline; segments are short enough to interpolate linearly in degrees. */
export class RouteFollower {
  private readonly points: readonly GeoPoint[]
  private readonly startsM: number[] = []
  private readonly lengthsM: number[] = []
  readonly lengthM: number
  private travelledM: number

  constructor (points: readonly GeoPoint[], startDistanceM = 0) {
    if (points.length < 2) throw new RangeError('a route needs at least two points')
    this.points = points
    let total = 0
    for (let i = 0; i < points.length; i++) {
      const length = distanceM(points[i] as GeoPoint, points[(i + 1) % points.length] as GeoPoint)
      this.startsM.push(total)
      this.lengthsM.push(length)
      total += length
    }
    this.lengthM = total
    this.travelledM = ((startDistanceM % total) + total) % total
  }

  advance (distance: number): void {
    this.travelledM = (this.travelledM + distance) % this.lengthM
  }

  position (): RoutePosition {
    let i = this.startsM.length - 1
    while (i > 0 && (this.startsM[i] as number) > this.travelledM) i--
    const a = this.points[i] as GeoPoint
    const b = this.points[(i + 1) % this.points.length] as GeoPoint
    const f = (this.travelledM - (this.startsM[i] as number)) / (this.lengthsM[i] as number)
    return {
      lat: a.lat + (b.lat - a.lat) * f,
      lon: a.lon + (b.lon - a.lon) * f,
      headingDeg: bearingDeg(a, b),
      // a gentle rise and fall around the loop, like the Isar valley's edge
      altitudeM: BASE_ALTITUDE_M + 12 * Math.sin((2 * Math.PI * this.travelledM) / this.lengthM)
    }
  }
}
