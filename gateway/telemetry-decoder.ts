/**
 * TelemetryBatch payload -> everything Pitwall derives from it: the validated
 * batch, the rows to store, the compiled DBCs' samples, and the rules'
 * transitions. Live ingest and backtests both decode through this, so a
 * backtest sees exactly what the live rules saw.
 *
 * The frame and sample buffers are reused batch after batch: a result is
 * valid until the next decode (decoding is synchronous, so ingest consumes
 * it before another batch arrives).
 */
import { decodeBatch, type DecodedBatch } from '../decoders/batch.js'
import { BatchSignals } from '../decoders/batch-signals.js'
import { CanFrameColumns } from '../decoders/can-frames.js'
import { SampleBuffer } from '../decoders/sample-buffer.js'
import { telemetryRows, type TelemetryRows } from '../decoders/telemetry-rows.js'
import type { RuleEngine } from '../rules/engine.js'
import type { FaultEvent } from '../rules/model.js'
import type { CanDecoding } from './can-network.js'

export interface DecodedTelemetry {
  batch: DecodedBatch
  rows: TelemetryRows
  /** the compiled DBCs' samples (signal = channel), when DBCs are configured */
  canSamples: SampleBuffer | undefined
  /** frames no configured DBC describes (all of them without DBCs) */
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

  constructor (readonly can: CanDecoding | undefined) {}

  /** Decodes and validates `payload`; throws BatchRejected with the reason. */
  decode (vin: string, payload: Uint8Array, nowUs: number): DecodedTelemetry {
    const batch = decodeBatch(payload, { vin, nowUs }, this.frames)
    const rows = telemetryRows(batch)
    if (this.can === undefined) return { batch, rows, canSamples: undefined, unknownFrames: batch.canFrames }
    this.canSamples.clear()
    const unknownFrames = this.can.network.decodeFrames(this.frames, this.canSamples)
    return { batch, rows, canSamples: this.canSamples, unknownFrames }
  }

  /** Runs `decoded` (the last decode) through the rules: every sample, before storage thins any. */
  evaluate (engine: RuleEngine, vehicle: TelemetryVehicle, decoded: DecodedTelemetry): FaultEvent[] {
    this.ruleInput.fill(decoded.canSamples, this.can?.catalogIds, decoded.rows)
    const firmware = decoded.batch.firmware === '' ? undefined : decoded.batch.firmware
    return engine.evaluate(vehicle.vehicleId, { model: vehicle.model, firmware }, this.ruleInput.samples, this.ruleInput.dtcs)
  }
}
