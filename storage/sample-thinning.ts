/**
 * Which decoded CAN samples are stored. Rules see every sample; storage keeps
 * a sample of a mapped signal only when its manifest's policy says so: at
 * most one per minimum interval, and with a deadband only one that moved by
 * at least the deadband from the last stored value (or, with a maximum
 * interval, one that has not been stored for that long). One vehicle's CAN
 * bus yields thousands of samples a second, and the raw batch already keeps
 * every frame for replay.
 *
 * What was last stored is kept per vehicle connection (StoredSignals), in
 * typed arrays indexed by the manifest's slot of each stored channel: the
 * hot path reads and writes numbers only. It starts afresh on a reconnect
 * or a manifest change, so the first sample of each signal is then stored.
 */
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { SampleBuffer } from '../decoders/sample-buffer.js'
import type { SampleColumns } from '../decoders/telemetry-rows.js'

/** One vehicle's last stored time and value of each stored signal of one manifest. */
export class StoredSignals {
  readonly lastTimeUs: Float64Array
  readonly lastValue: Float64Array

  constructor (readonly manifest: CompiledManifest) {
    this.lastTimeUs = new Float64Array(manifest.policies.slots).fill(-Infinity)
    this.lastValue = new Float64Array(manifest.policies.slots).fill(NaN)
  }
}

/**
 * Appends to `into` the samples of `buffer` (decoded by `state.manifest`)
 * worth storing, as catalog ids, and notes them in `state`. Returns how many.
 */
export function selectStoredSamples (buffer: SampleBuffer, state: StoredSignals, into: SampleColumns): number {
  const { catalogIds, policies } = state.manifest
  const { slotOf, minIntervalUs, deadband, maxIntervalUs } = policies
  const { lastTimeUs, lastValue } = state
  const before = into.signalId.length
  for (let i = 0; i < buffer.length; i++) {
    const channel = buffer.signal[i] as number
    const slot = slotOf[channel] as number
    if (slot < 0) continue
    const value = buffer.value[i] as number
    if (!Number.isFinite(value)) continue
    const t = buffer.timeUs[i] as number
    // a sample older than the last stored one (a late frame) is negative here: not stored
    const since = t - (lastTimeUs[slot] as number)
    if (since < (minIntervalUs[slot] as number)) continue
    const band = deadband[slot] as number
    if (band > 0 && Math.abs(value - (lastValue[slot] as number)) < band && since < (maxIntervalUs[slot] as number)) continue
    lastTimeUs[slot] = t
    lastValue[slot] = value
    into.timeUs.push(t)
    into.signalId.push(catalogIds[channel] as number)
    into.value.push(value)
  }
  return into.signalId.length - before
}
