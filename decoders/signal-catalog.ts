/**
 * The catalog as it grows: the built-in signals (catalog.ts) and those decoder
 * manifests added (a model's own signals, with their unit and VSS path).
 * Ids are stable and never reused: storage hands out an added signal's id
 * once, and a name keeps it for good, whatever manifest is active. Rules,
 * decoders and storage look names and ids up here.
 */
import { SIGNAL_CATALOG, type CatalogSignal } from './catalog.js'
import { PitwallError } from '../runtime/errors.js'

export interface CatalogEntry extends CatalogSignal {
  /** The COVESA VSS path, when the name is not one (an OEM's own signal mapped onto VSS). */
  readonly vss?: string | undefined
  readonly description?: string | undefined
}

export class CatalogConflictError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_CATALOG_CONFLICT', message)
  }
}

/** Units that are the same unit spelled differently. */
const UNIT_ALIASES: Record<string, string> = { '°C': 'degC', C: 'degC', kph: 'km/h', 'km/hr': 'km/h', volt: 'V', Volt: 'V' }

/** A unit as the catalog spells it. */
export function canonicalUnit (unit: string): string {
  return UNIT_ALIASES[unit] ?? unit
}

/**
 * The bound of a signal that declares no range: 2^53. No quantity a vehicle
 * measures comes near it in the catalog's units (an odometer in km, a run
 * time in minutes), and past it a double cannot even count by one, so a
 * value beyond it (1e308, say) is a broken sender, not a reading.
 */
export const PLAUSIBLE_MAGNITUDE = Number.MAX_SAFE_INTEGER + 1

export class SignalCatalog {
  private readonly byId = new Map<number, CatalogEntry>()
  private readonly byName = new Map<string, CatalogEntry>()
  /** 1 at each id in the catalog: the per-sample membership test of edge-decoded signals. */
  private known = new Uint8Array(0)
  /** each id's declared range (±PLAUSIBLE_MAGNITUDE where none is declared): the per-sample range test */
  private low = new Float64Array(0)
  private high = new Float64Array(0)
  private maxId = 0

  constructor (entries: readonly CatalogEntry[] = SIGNAL_CATALOG) {
    this.add(entries)
  }

  /** One more than the largest id: the length of arrays indexed by catalog id. */
  get size (): number {
    return this.maxId + 1
  }

  /**
   * Adds entries; one already here with the same id, name and unit is a
   * no-op. Throws CatalogConflictError when an id or a name would change
   * meaning (ids are never reused, names keep their id and unit).
   */
  add (entries: readonly CatalogEntry[]): void {
    let added = false
    for (const e of entries) {
      const sameId = this.byId.get(e.id)
      const sameName = this.byName.get(e.name)
      if (sameId !== undefined && sameId.name !== e.name) throw new CatalogConflictError(`catalog id ${e.id} is ${sameId.name}; it cannot also be ${e.name}`)
      if (sameName !== undefined && sameName.id !== e.id) throw new CatalogConflictError(`${e.name} has catalog id ${sameName.id}, not ${e.id}`)
      if (sameName !== undefined && canonicalUnit(sameName.unit) !== canonicalUnit(e.unit)) {
        throw new CatalogConflictError(`${e.name} is in "${sameName.unit}" in the catalog, not "${e.unit}"`)
      }
      if (sameName !== undefined) continue
      if (!Number.isInteger(e.id) || e.id < 1) throw new CatalogConflictError(`catalog id ${e.id} of ${e.name} is not a positive integer`)
      this.byId.set(e.id, e)
      this.byName.set(e.name, e)
      this.maxId = Math.max(this.maxId, e.id)
      added = true
    }
    // rebuilt whenever an entry came in, also one below the largest id (a sequence's ids can arrive out of order)
    if (added) {
      const known = new Uint8Array(this.size)
      const low = new Float64Array(this.size).fill(-PLAUSIBLE_MAGNITUDE)
      const high = new Float64Array(this.size).fill(PLAUSIBLE_MAGNITUDE)
      for (const e of this.byId.values()) {
        known[e.id] = 1
        if (e.min !== undefined) low[e.id] = e.min
        if (e.max !== undefined) high[e.id] = e.max
      }
      this.known = known
      this.low = low
      this.high = high
    }
  }

  id (name: string): number | undefined {
    return this.byName.get(name)?.id
  }

  /** The name of an id, or the id as text for one the catalog does not have (evidence of a stale id). */
  name (id: number): string {
    return this.byId.get(id)?.name ?? String(id)
  }

  entry (name: string): CatalogEntry | undefined {
    return this.byName.get(name)
  }

  entryById (id: number): CatalogEntry | undefined {
    return this.byId.get(id)
  }

  hasId (id: number): boolean {
    return this.known[id] === 1
  }

  /**
   * `value` is finite and inside the declared range of `id` (any finite value
   * when the catalog declares none). NaN fails both comparisons; ±Infinity
   * lies beyond every bound.
   */
  inRange (id: number, value: number): boolean {
    return value >= (this.low[id] as number) && value <= (this.high[id] as number)
  }

  entries (): CatalogEntry[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id)
  }
}

/**
 * The names nearest to `name`, for "did you mean": by edit distance over the
 * whole name and over its last segment (Vehicle.Speed vs Vehicle.Sped), so a
 * misspelt leaf and a wrong branch both find their signal.
 */
export function closestNames (name: string, candidates: Iterable<string>, count = 3): string[] {
  const leaf = (s: string): string => s.slice(s.lastIndexOf('.') + 1).toLowerCase()
  const scored: Array<[number, string]> = []
  for (const candidate of candidates) {
    const whole = editDistance(name.toLowerCase(), candidate.toLowerCase())
    const byLeaf = editDistance(leaf(name), leaf(candidate)) + 0.5
    scored.push([Math.min(whole, byLeaf), candidate])
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
  return scored.slice(0, count).map(([, n]) => n)
}

/** Levenshtein distance, two rows at a time. */
function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
    }
    previous = current
  }
  return previous[b.length] as number
}
