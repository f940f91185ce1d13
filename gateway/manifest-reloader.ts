/**
 * Keeps a running gateway's decoders and catalog in step with the stored
 * manifests: at start, then whenever the manifests' change token moves
 * (`pitwall manifests add/activate/deactivate`, or the API, from any node).
 * Catalog signals manifests added join the in-memory catalog first, so rules
 * naming them compile; each active version is compiled once (a version never
 * changes) and the registry is swapped whole. A version that fails to compile
 * keeps its model on what it decoded with before, and is logged. The
 * active version of model DEFAULT_MANIFEST_MODEL is the default, for models
 * without a manifest: the --can-dbc file a node imported last (app.ts), so
 * every node decodes with the same one whatever file it was started with.
 */
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { SignalCatalog } from '../decoders/signal-catalog.js'
import type { ManifestStore } from '../storage/manifests.js'
import type { DecoderRegistry } from './decoder-registry.js'
import { compileDefaultManifest, DEFAULT_MANIFEST_MODEL } from './default-manifest.js'
import type { Logger } from './logger.js'
import { StoredManifests } from './manifests.js'
import type { Metrics } from './metrics.js'

export class ManifestReloader {
  private revision: string | undefined
  private readonly compiled: StoredManifests
  /** stored default versions compiled as the default, each once (a version never changes) */
  private readonly defaults = new Map<number, CompiledManifest>()

  constructor (private readonly deps: {
    store: ManifestStore
    registry: DecoderRegistry
    catalog: SignalCatalog
    /** the gateway's minimum interval of a stored sample, for manifests that set none */
    defaultMinIntervalS: number
    log: Logger
    metrics?: Metrics | undefined
  }) {
    this.compiled = new StoredManifests(deps.store, deps.catalog, deps.defaultMinIntervalS)
  }

  /** Brings decoders and catalog up to date if anything changed; cheap when nothing did (one small query). */
  async check (): Promise<void> {
    const { store, registry, catalog, log } = this.deps
    const revision = await store.revision()
    if (revision === this.revision) return
    catalog.add(await store.catalog())
    const active = await store.active()
    const next: CompiledManifest[] = []
    // none active: vehicles without a manifest of their own are archived raw
    let fallback: CompiledManifest | undefined
    let defaultVersion: number | undefined
    for (const { id, model, version } of active) {
      if (model === DEFAULT_MANIFEST_MODEL) {
        try {
          fallback = await this.defaultManifest(id)
          defaultVersion = version
        } catch (err) {
          this.deps.metrics?.manifestReloadFailures.inc()
          fallback = registry.fallback
          log.error({ model, version, err: (err as Error).message, keeps: fallback === undefined ? 'none' : 'the default before' }, 'default decoder manifest does not compile; models without a manifest keep what they decoded with')
        }
        continue
      }
      try {
        next.push(await this.compiled.get(id))
      } catch (err) {
        this.deps.metrics?.manifestReloadFailures.inc()
        const before = registry.forModel(model)
        log.error({ model, version, err: (err as Error).message, keeps: before?.label ?? 'none' }, 'decoder manifest does not compile; the model keeps what it decoded with')
        if (before !== undefined && before.model === model) next.push(before)
      }
    }
    registry.replace(next)
    registry.replaceFallback(fallback)
    this.revision = revision
    this.deps.metrics?.manifestsActive.set(next.length + (fallback === undefined ? 0 : 1))
    log.info({
      manifests: next.map((m) => `${m.label} (${m.warnings.length} DBC warnings)`),
      default: fallback === undefined ? 'none' : defaultVersion === undefined ? 'kept' : `${DEFAULT_MANIFEST_MODEL}@${defaultVersion}`,
      catalogSignals: catalog.entries().length,
      revision
    }, 'decoder manifests loaded')
  }

  private async defaultManifest (id: number): Promise<CompiledManifest> {
    let manifest = this.defaults.get(id)
    if (manifest === undefined) {
      manifest = compileDefaultManifest(await this.deps.store.source(id), this.deps.catalog, this.deps.defaultMinIntervalS)
      this.defaults.set(id, manifest)
    }
    return manifest
  }
}
