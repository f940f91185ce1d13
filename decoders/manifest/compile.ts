/**
 * A resolved manifest -> what the hot path runs: the compiled CAN network,
 * the catalog id of each channel, and each stored channel's storage policy as
 * typed arrays (storage/sample-thinning.ts reads them per sample).
 */
import type { SignalSource } from '../catalog-sources.js'
import { compileCanNetwork, type CompiledCanNetwork } from '../can/compile.js'
import type { SignalCatalog } from '../signal-catalog.js'
import type { ManifestWarning } from './model.js'
import type { ResolvedManifest } from './resolve.js'

/**
 * Per stored channel (slot), in typed arrays: the thinner's whole state is
 * numbers. `slotOf[channel]` is -1 for a channel that is not stored.
 */
export interface ChannelPolicies {
  readonly slotOf: Int32Array
  readonly slots: number
  readonly minIntervalUs: Float64Array
  readonly deadband: Float64Array
  /** Infinity: no heartbeat */
  readonly maxIntervalUs: Float64Array
}

export interface CompiledManifest {
  /** storage id; 0 for the --can-dbc default, which storage does not hold */
  readonly id: number
  /** undefined for the default, which decodes any model without a manifest of its own */
  readonly model: string | undefined
  readonly version: number
  /** "demo-ev@3", or "default (--can-dbc)" */
  readonly label: string
  readonly network: CompiledCanNetwork
  /** catalog id per channel, 0 where a DBC signal is not mapped */
  readonly catalogIds: Uint32Array
  readonly policies: ChannelPolicies
  /** what feeds each catalog signal, for signal_sources */
  readonly sources: SignalSource[]
  /** what its DBCs' lenient parse assumed, to be logged where it is loaded */
  readonly warnings: readonly ManifestWarning[]
}

export interface ManifestIdentity {
  id: number
  model: string | undefined
  version: number
}

/** `catalog` must hold every name the manifest provides (its additions stored first). */
export function compileManifest (resolved: ResolvedManifest, catalog: SignalCatalog, identity: ManifestIdentity, defaultMinIntervalS: number): CompiledManifest {
  const network = compileCanNetwork(resolved.databases)
  const channelOf = new Map(network.channels.map((c) => [c.signal, c.channel]))
  const catalogIds = new Uint32Array(network.channels.length)
  const slotOf = new Int32Array(network.channels.length).fill(-1)
  const n = resolved.mappings.length
  const minIntervalUs = new Float64Array(n)
  const deadband = new Float64Array(n)
  const maxIntervalUs = new Float64Array(n)
  const defaults = resolved.source.spec.defaults
  const label = identity.model === undefined ? 'default (--can-dbc)' : `${identity.model}@${identity.version}`
  const sources: SignalSource[] = []
  resolved.mappings.forEach((m, slot) => {
    const channel = channelOf.get(m.signal)
    const id = catalog.id(m.catalogName)
    if (channel === undefined || id === undefined) throw new Error(`${label}: ${m.message.name}.${m.signal.name} has no channel or ${m.catalogName} no catalog id`)
    catalogIds[channel] = id
    slotOf[channel] = slot
    minIntervalUs[slot] = (m.policy.minIntervalS ?? defaults.minIntervalS ?? defaultMinIntervalS) * 1e6
    deadband[slot] = m.policy.deadband ?? defaults.deadband ?? 0
    maxIntervalUs[slot] = (m.policy.maxIntervalS ?? defaults.maxIntervalS ?? Infinity) * 1e6
    const prefix = identity.model === undefined ? '' : `${label} `
    sources.push({ signalId: id, kind: 'dbc', source: `${prefix}bus ${m.bus} ${m.message.name}.${m.signal.name}`, unit: m.signal.unit })
  })
  return {
    id: identity.id,
    model: identity.model,
    version: identity.version,
    label,
    network,
    catalogIds,
    policies: { slotOf, slots: n, minIntervalUs, deadband, maxIntervalUs },
    sources,
    warnings: resolved.warnings
  }
}
