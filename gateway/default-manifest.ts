/**
 * `--can-dbc 0=a.dbc,1=b.dbc` (PITWALL_CAN_DBC): the default decoder
 * manifest, for every vehicle whose model has no manifest of its own. Its
 * DBC signals feed the catalog through their VssSignal attribute, onto names
 * the built-in catalog has (it cannot add any). Parsed and compiled at start
 * (a DBC that does not read stops the start with the file, line and reason),
 * then imported into storage as the active version of model
 * DEFAULT_MANIFEST_MODEL: every node on the database decodes with the
 * default last imported (gateway/manifest-reloader.ts), not with its own
 * start-up file, so nodes started with different files converge on one.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { compileManifest, type CompiledManifest } from '../decoders/manifest/compile.js'
import { dbcOf } from '../decoders/manifest/load.js'
import type { ManifestDbc, ManifestSource } from '../decoders/manifest/model.js'
import { resolveManifest, type ResolvedManifest } from '../decoders/manifest/resolve.js'
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { ConfigError } from './config.js'

/** The model under which storage keeps the default manifest (the reloader makes it the registry's fallback, never a model's). */
export const DEFAULT_MANIFEST_MODEL = '*'

/** Parses `spec` ("0=a.dbc,1=b.dbc") and compiles it; undefined when it names no database. */
export function loadDefaultManifest (spec: string, minIntervalS: number, options: { strict?: boolean } = {}): CompiledManifest | undefined {
  const source = defaultManifestSource(spec, options)
  return source === undefined ? undefined : compileDefaultManifest(source, new SignalCatalog(), minIntervalS)
}

/**
 * A default manifest (this start's, or the one storage holds) compiled as
 * the default: onto the names `catalog` has, labelled "default (--can-dbc)",
 * and recorded by the batches it decodes as manifest 0.
 */
export function compileDefaultManifest (source: ManifestSource, catalog: SignalCatalog, minIntervalS: number): CompiledManifest {
  const resolved = resolveManifest(source, catalog, { allowAdditions: false })
  return compileManifest(resolved, catalog, { id: 0, model: undefined, version: 0 }, minIntervalS)
}

/**
 * This start's default manifest checked for storage (ManifestStore.add): its
 * DBC files named without their directories, so nodes that keep the same
 * files in different places import the same content (one stored version).
 */
export function resolveDefaultManifest (source: ManifestSource): ResolvedManifest {
  const dbcs = new Map([...source.dbcs].map(([key, dbc]) => [key, { ...dbc, name: basename(dbc.name) }]))
  return resolveManifest({ ...source, dbcs }, new SignalCatalog(), { allowAdditions: false })
}

/** The manifest `spec` ("0=a.dbc,1=b.dbc") describes, its DBC files read; undefined when it names no database. */
export function defaultManifestSource (spec: string, options: { strict?: boolean } = {}): ManifestSource | undefined {
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
  return {
    origin: '--can-dbc',
    spec: { model: DEFAULT_MANIFEST_MODEL, strict: options.strict === true, vssAttribute: true, buses, signals: [], catalog: [], defaults: {} },
    dbcs
  }
}
