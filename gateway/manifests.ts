/**
 * Decoder manifests between their files, the catalog and storage: what the
 * CLI, the API, the reloader and backtests share. Checking is the decoders'
 * (decoders/manifest/), keeping is storage's (storage/manifests.ts); this
 * puts them in order: check against the stored catalog, compile to be sure,
 * then store.
 */
import { compileManifest, type CompiledManifest } from '../decoders/manifest/compile.js'
import { loadManifestFile } from '../decoders/manifest/load.js'
import type { ManifestSource, ManifestWarning } from '../decoders/manifest/model.js'
import { resolveManifest, type ResolvedManifest } from '../decoders/manifest/resolve.js'
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { BUILT_IN_SIGNALS, type RuleSignals } from '../rules/load.js'
import { compileDefaultManifest, DEFAULT_MANIFEST_MODEL } from './default-manifest.js'
import type { AddedManifest, ManifestStore } from '../storage/manifests.js'

/** The catalog storage holds: built-in signals and those manifests added. */
export async function storedCatalog (store: ManifestStore): Promise<SignalCatalog> {
  const catalog = new SignalCatalog()
  catalog.add(await store.catalog())
  return catalog
}

/** What a rule may read: the built-in catalog and every name an active manifest feeds or declares. */
export async function ruleSignals (store: ManifestStore): Promise<RuleSignals> {
  const provided = await store.provided()
  for (const name of BUILT_IN_SIGNALS.names()) provided.add(name)
  return { has: (name) => provided.has(name), names: () => provided, where: 'the built-in catalog or any active decoder manifest' }
}

/**
 * Compiles `resolved` against `catalog`, its additions given ids above the
 * catalog's (in a copy): for a check before storing, or a trial that is not
 * stored at all.
 */
export function compileUnstored (resolved: ResolvedManifest, catalog: SignalCatalog, defaultMinIntervalS: number): { manifest: CompiledManifest, catalog: SignalCatalog } {
  const trial = new SignalCatalog(catalog.entries())
  trial.add(resolved.additions.map((a, i) => ({ ...a, id: catalog.size + i })))
  return { manifest: compileManifest(resolved, trial, { id: 0, model: resolved.source.spec.model, version: 0 }, defaultMinIntervalS), catalog: trial }
}

export interface AddManifestResult extends AddedManifest {
  warnings: ManifestWarning[]
}

/** Checks a manifest against `catalog` and compiles it once to be sure: what `pitwall manifests check` reports and addManifest stores. */
export function checkManifest (source: ManifestSource, catalog: SignalCatalog): ResolvedManifest {
  const resolved = resolveManifest(source, catalog)
  compileUnstored(resolved, catalog, 1)
  return resolved
}

/** Checks a manifest against the stored catalog and stores it as its model's next version (activated if asked). */
export async function addManifest (store: ManifestStore, source: ManifestSource, by: string, activate = false): Promise<AddManifestResult> {
  const resolved = checkManifest(source, await storedCatalog(store))
  return { ...(await store.add(resolved, by, activate)), warnings: resolved.warnings }
}

/** A manifest file compiled for a backtest, not stored. */
export function trialManifest (path: string, catalog: SignalCatalog, defaultMinIntervalS: number): { manifest: CompiledManifest, catalog: SignalCatalog, warnings: ManifestWarning[] } {
  const resolved = resolveManifest(loadManifestFile(path), catalog)
  const trial = compileUnstored(resolved, catalog, defaultMinIntervalS)
  return { manifest: { ...trial.manifest, label: `${trial.manifest.model ?? ''} (trial: ${path})` }, catalog: trial.catalog, warnings: resolved.warnings }
}

/**
 * The default in force on the database (the active version of model `*`,
 * the --can-dbc a gateway imported last) compiled as the default, for tools
 * that decode as the gateways do; undefined when there is none.
 */
export async function storedDefaultManifest (store: ManifestStore, catalog: SignalCatalog, minIntervalS: number): Promise<CompiledManifest | undefined> {
  const active = (await store.list({ model: DEFAULT_MANIFEST_MODEL, active: true }))[0]
  return active === undefined ? undefined : compileDefaultManifest(await store.source(active.id), catalog, minIntervalS)
}

/** Stored versions compiled on demand, each once: a stored version never changes. */
export class StoredManifests {
  private readonly compiled = new Map<number, Promise<CompiledManifest>>()

  constructor (private readonly store: ManifestStore, private readonly catalog: SignalCatalog, private readonly defaultMinIntervalS: number) {}

  async get (id: number): Promise<CompiledManifest> {
    let manifest = this.compiled.get(id)
    if (manifest === undefined) {
      manifest = this.compile(id)
      this.compiled.set(id, manifest)
      // a failure is not cached: the next call tries again
      manifest.catch(() => { this.compiled.delete(id) })
    }
    return await manifest
  }

  private async compile (id: number): Promise<CompiledManifest> {
    const source = await this.store.source(id)
    const resolved = resolveManifest(source, this.catalog, { allowAdditions: false })
    return compileManifest(resolved, this.catalog, { id, model: source.spec.model, version: source.version }, this.defaultMinIntervalS)
  }
}
