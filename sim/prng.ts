/**
 * Seeded pseudo-random numbers for the simulator: the same seed gives the same
 * fleet, drive cycles and faults on every run, so a failing demo or test can
 * be replayed. sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded
 * through splitmix32 so that nearby seeds give unrelated streams.
 */
export class SeededRandom {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor (seed: number) {
    let s = seed >>> 0
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = splitmix()
    this.b = splitmix()
    this.c = splitmix()
    this.d = splitmix()
    for (let i = 0; i < 12; i++) this.next()
  }

  /** Uniform in [0, 1). */
  next (): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t / 4294967296
  }

  uniform (min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** Integer in [min, max]. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance (probability: number): boolean {
    return this.next() < probability
  }

  /** Standard normal (Box-Muller), scaled. */
  normal (mean = 0, sd = 1): number {
    const u = 1 - this.next()
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

/** A per-vehicle seed from the fleet seed and the VIN (FNV-1a), independent of fleet order. */
export function vehicleSeed (fleetSeed: number, vin: string): number {
  let h = (0x811c9dc5 ^ fleetSeed) >>> 0
  for (let i = 0; i < vin.length; i++) {
    h ^= vin.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
