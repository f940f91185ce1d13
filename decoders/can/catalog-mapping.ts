/**
 * Which compiled CAN channels feed which catalog signals. A DBC names the
 * catalog signal of one of its signals with the string attribute `VssSignal`
 * (BA_DEF_ SG_ "VssSignal" STRING; BA_ "VssSignal" SG_ 256 EngineSpeed
 * "Vehicle.Powertrain.CombustionEngine.Speed";), so the mapping travels with
 * the database; `overrides` ("Message.Signal" -> catalog name) map signals of
 * a DBC one cannot edit, such as an OEM's.
 */
import type { CatalogSignal } from '../catalog.js'
import type { CompiledCanNetwork } from './compile.js'

export const VSS_ATTRIBUTE = 'VssSignal'

export class CatalogMappingError extends Error {
  readonly code = 'PITWALL_ERR_CATALOG_MAPPING'
}

/** Units that are the same unit spelled differently. */
const UNIT_ALIASES: Record<string, string> = { '°C': 'degC', C: 'degC', kph: 'km/h', 'km/hr': 'km/h', volt: 'V', Volt: 'V' }
const canonicalUnit = (unit: string): string => UNIT_ALIASES[unit] ?? unit

/**
 * Catalog id per channel (0: not mapped). Throws CatalogMappingError naming
 * the DBC signal when it maps to an unknown catalog name or a different unit.
 */
export function catalogIdsForChannels (
  network: CompiledCanNetwork,
  catalogByName: (name: string) => CatalogSignal | undefined,
  overrides: Readonly<Record<string, string>> = {}
): Uint32Array {
  const ids = new Uint32Array(network.channels.length)
  const unused = new Set(Object.keys(overrides))
  for (const { channel, message, signal } of network.channels) {
    const key = `${message.name}.${signal.name}`
    unused.delete(key)
    const attribute = signal.attributes[VSS_ATTRIBUTE]
    const name = overrides[key] ?? (typeof attribute === 'string' && attribute !== '' ? attribute : undefined)
    if (name === undefined) continue
    const target = catalogByName(name)
    if (target === undefined) throw new CatalogMappingError(`signal ${key} maps to ${name}, which is not in the signal catalog`)
    if (canonicalUnit(signal.unit) !== canonicalUnit(target.unit)) {
      throw new CatalogMappingError(`signal ${key} is in "${signal.unit}" but ${name} is in "${target.unit}"`)
    }
    ids[channel] = target.id
  }
  if (unused.size > 0) throw new CatalogMappingError(`mapping names signals no database has: ${[...unused].join(', ')}`)
  return ids
}
