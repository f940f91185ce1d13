/**
 * TelemetryBatch payload -> everything Pitwall derives from it: the validated
 * batch, the rows to store, the samples of the manifest that decodes the
 * vehicle's CAN frames, and the rules' transitions. Live ingest and
 * backtests both decode through this, so a backtest sees exactly what the
 * live rules saw.
 *
 * The frame and sample buffers are reused batch after batch: a result is
 * valid until the next decode (decoding is synchronous, so ingest consumes
 * it before another batch arrives).
 */
import { decodeBatch, type DecodedBatch } from '../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from '../decoders/batch-limits.js'
import { BatchSignals } from '../decoders/batch-signals.js'
import { CanFrameColumns } from '../decoders/can-frames.js'
import { keepSamplesInRange } from '../decoders/can/signal-ranges.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import { SampleBuffer } from '../decoders/sample-buffer.js'
import type { SignalCatalog } from '../decoders/signal-catalog.js'
import { telemetryRows, type TelemetryRows } from '../decoders/telemetry-rows.js'
import type { RuleEngine } from '../rules/engine.js'
import type { FaultEvent } from '../rules/model.js'

export interface DecodedTelemetry {
  batch: DecodedBatch
  rows: TelemetryRows
  /** what decoded the CAN frames; undefined: nothing (they stay raw in the archive) */
  manifest: CompiledManifest | undefined
  /** the manifest's samples (signal = its channel), those outside their DBC range left out (counted in rows.rejected) */
  canSamples: SampleBuffer | undefined
  /** frames the manifest's DBCs do not describe (all of them without a manifest) */
  unknownFrames: number
}

export interface TelemetryVehicle {
  vin: string
  vehicleId: number
  model?: string | undefined
  /** the firmware stored for the vehicle (see IngestDeps.firmwareReported) */
  firmware?: string | undefined
}

export class TelemetryDecoder {
  private readonly frames = new CanFrameColumns()
  private readonly canSamples = new SampleBuffer(4096)
  private readonly ruleInput = new BatchSignals()

  /** `catalog`: the ids edge-decoded signals may carry, and their ranges; `limits`: the caps per batch */
  constructor (private readonly catalog: Pick<SignalCatalog, 'hasId' | 'inRange'>, private readonly limits: Readonly<BatchLimits> = DEFAULT_BATCH_LIMITS) {}

  /** Decodes and validates `payload`, its CAN frames with `manifest`; throws BatchRejected with the reason. */
  decode (vin: string, payload: Uint8Array, nowUs: number, manifest: CompiledManifest | undefined): DecodedTelemetry {
    const batch = decodeBatch(payload, { vin, nowUs, limits: this.limits }, this.frames)
    const rows = telemetryRows(batch, this.catalog)
    if (manifest === undefined) return { batch, rows, manifest, canSamples: undefined, unknownFrames: batch.canFrames }
    this.canSamples.clear()
    const unknownFrames = manifest.network.decodeFrames(this.frames, this.canSamples)
    // before the rules and storage see them: a float signal's NaN, a "not available" code past the DBC's maximum
    keepSamplesInRange(this.canSamples, 0, manifest.network.ranges, rows.rejected)
    return { batch, rows, manifest, canSamples: this.canSamples, unknownFrames }
  }

  /** Runs `decoded` (the last decode) through the rules: every sample, before storage thins any. */
  evaluate (engine: RuleEngine, vehicle: TelemetryVehicle, decoded: DecodedTelemetry): FaultEvent[] {
    this.ruleInput.fill(decoded.canSamples, decoded.manifest?.catalogIds, decoded.rows)
    const firmware = decoded.batch.firmware === '' ? undefined : decoded.batch.firmware
    return engine.evaluate(vehicle.vehicleId, { model: vehicle.model, firmware }, this.ruleInput.samples, this.ruleInput.dtcs)
  }
}
