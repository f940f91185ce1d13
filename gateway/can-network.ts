/**
 * The CAN databases named by the configuration, parsed and compiled once at
 * start. A DBC that does not parse, or maps a signal onto the catalog wrongly,
 * stops the start with the file, line and reason.
 */
import { catalogSignalByName } from '../decoders/catalog.js'
import { catalogIdsForChannels } from '../decoders/can/catalog-mapping.js'
import { compileCanNetwork, type CanBusDatabase, type CompiledCanNetwork } from '../decoders/can/compile.js'
import { parseDbcFile } from '../decoders/can/dbc-parse.js'
import { ConfigError } from './config.js'

export interface CanDecoding {
  network: CompiledCanNetwork
  /** catalog id per channel, 0 where a signal is not mapped */
  catalogIds: Uint32Array
  /** "bus=file" as configured, for logs */
  sources: string[]
}

/** Parses `spec` ("0=a.dbc,1=b.dbc"); undefined when it names no database. */
export function loadCanDecoding (spec: string): CanDecoding | undefined {
  if (spec.trim() === '') return undefined
  const databases: CanBusDatabase[] = []
  const seen = new Set<number>()
  for (const entry of spec.split(',')) {
    const at = entry.indexOf('=')
    const bus = Number(entry.slice(0, at))
    const file = entry.slice(at + 1)
    if (!Number.isInteger(bus) || bus < 0 || bus > 0xffff || file === '') {
      throw new ConfigError(`canDbc (PITWALL_CAN_DBC): "${entry}" is not BUS=FILE with BUS from 0 to 65535`)
    }
    if (seen.has(bus)) throw new ConfigError(`canDbc (PITWALL_CAN_DBC): bus ${bus} is given two databases`)
    seen.add(bus)
    let database
    try {
      database = parseDbcFile(file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).syscall === undefined) throw err // a parse error names file and line itself
      throw new ConfigError(`canDbc (PITWALL_CAN_DBC): cannot read ${file}: ${(err as Error).message}`)
    }
    databases.push({ bus, database })
  }
  const network = compileCanNetwork(databases)
  return { network, catalogIds: catalogIdsForChannels(network, catalogSignalByName), sources: spec.split(',') }
}
