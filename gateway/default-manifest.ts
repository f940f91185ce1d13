/**
 * `--can-dbc 0=a.dbc,1=b.dbc` (PITWALL_CAN_DBC): a decoder manifest held in
 * memory, not in storage, for every vehicle whose model has no manifest of
 * its own. Its DBC signals feed the catalog through their VssSignal
 * attribute, onto names the built-in catalog has (it cannot add any: ids are
 * handed out by storage). Parsed and compiled once at start; a DBC that does
 * not read stops the start with the file, line and reason.
 */
import { readFileSync } from 'node:fs'
import { compileManifest, type CompiledManifest } from '../decoders/manifest/compile.js'
import { dbcOf } from '../decoders/manifest/load.js'
import type { ManifestDbc, ManifestSource } from '../decoders/manifest/model.js'
import { resolveManifest } from '../decoders/manifest/resolve.js'
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { ConfigError } from './config.js'

/** Parses `spec` ("0=a.dbc,1=b.dbc"); undefined when it names no database. */
export function loadDefaultManifest (spec: string, minIntervalS: number, options: { strict?: boolean } = {}): CompiledManifest | undefined {
  if (spec.trim() === '') return undefined
  const buses: Array<{ bus: number, dbc: string }> = []
  const dbcs = new Map<string, ManifestDbc>()
  for (const entry of spec.split(',')) {
    const at = entry.indexOf('=')
    const bus = Number(entry.slice(0, at))
    const file = entry.slice(at + 1)
    if (!Number.isInteger(bus) || bus < 0 || bus > 0xffff || file === '') {
      throw new ConfigError(`canDbc (PITWALL_CAN_DBC): "${entry}" is not BUS=FILE with BUS from 0 to 65535`)
    }
    if (buses.some((b) => b.bus === bus)) throw new ConfigError(`canDbc (PITWALL_CAN_DBC): bus ${bus} is given two databases`)
    if (!dbcs.has(file)) {
      try {
        dbcs.set(file, dbcOf(file, readFileSync(file)))
      } catch (err) {
        throw new ConfigError(`canDbc (PITWALL_CAN_DBC): cannot read ${file}: ${(err as Error).message}`)
      }
    }
    buses.push({ bus, dbc: file })
  }
  const source: ManifestSource = {
    origin: '--can-dbc',
    spec: { model: '*', strict: options.strict === true, vssAttribute: true, buses, signals: [], catalog: [], defaults: {} },
    dbcs
  }
  const catalog = new SignalCatalog()
  const resolved = resolveManifest(source, catalog, { allowAdditions: false })
  return compileManifest(resolved, catalog, { id: 0, model: undefined, version: 0 }, minIntervalS)
}
