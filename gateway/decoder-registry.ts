/**
 * Which compiled manifest decodes a vehicle's batch: its model's active
 * manifest, else the default (--can-dbc, as stored), else none (the batch's
 * CAN frames are archived raw only). The reloader swaps the table whole and
 * the default with it, so a lookup never sees half a reload; a lookup is one
 * Map.get per batch.
 */
import type { CompiledManifest } from '../decoders/manifest/compile.js'

export class DecoderRegistry {
  private byModel: ReadonlyMap<string, CompiledManifest> = new Map()
  private current: CompiledManifest | undefined

  constructor (fallback: CompiledManifest | undefined) {
    this.current = fallback
  }

  /** the default, for models without a manifest of their own: read it at each use, a reload replaces it */
  get fallback (): CompiledManifest | undefined {
    return this.current
  }

  forModel (model: string | undefined): CompiledManifest | undefined {
    return (model === undefined ? undefined : this.byModel.get(model)) ?? this.current
  }

  /** The active manifests now (the default stays). */
  replace (manifests: readonly CompiledManifest[]): void {
    this.byModel = new Map(manifests.flatMap((m) => m.model === undefined ? [] : [[m.model, m] as const]))
  }

  /** The default now (called beside replace, with no await between: a lookup sees both or neither). */
  replaceFallback (fallback: CompiledManifest | undefined): void {
    this.current = fallback
  }

  get manifests (): CompiledManifest[] {
    return [...this.byModel.values()]
  }
}
