/**
 * Which compiled manifest decodes a vehicle's batch: its model's active
 * manifest, else the --can-dbc default, else none (the batch's CAN frames
 * are archived raw only). The reloader swaps the table whole, so a lookup
 * never sees half a reload; a lookup is one Map.get per batch.
 */
import type { CompiledManifest } from '../decoders/manifest/compile.js'

export class DecoderRegistry {
  private byModel: ReadonlyMap<string, CompiledManifest> = new Map()

  constructor (readonly fallback: CompiledManifest | undefined) {}

  forModel (model: string | undefined): CompiledManifest | undefined {
    return (model === undefined ? undefined : this.byModel.get(model)) ?? this.fallback
  }

  /** The active manifests now (the fallback stays). */
  replace (manifests: readonly CompiledManifest[]): void {
    this.byModel = new Map(manifests.flatMap((m) => m.model === undefined ? [] : [[m.model, m] as const]))
  }

  get manifests (): CompiledManifest[] {
    return [...this.byModel.values()]
  }
}
