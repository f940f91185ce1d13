/**
 * Stored or simulated TelemetryBatch payloads -> the rules, decoded exactly
 * as live ingest decodes them (decodeBatch, the compiled DBCs, telemetryRows,
 * BatchSignals). Backtests and tests run rules over history with this, so
 * what they report is what the live gateway would have raised.
 */
import { decodeBatch } from '../decoders/batch.js'
import { BatchSignals } from '../decoders/batch-signals.js'
import { CanFrameColumns } from '../decoders/can-frames.js'
import { SampleBuffer } from '../decoders/sample-buffer.js'
import { telemetryRows } from '../decoders/telemetry-rows.js'
import type { RuleEngine, VehicleInfo } from '../rules/engine.js'
import type { FaultEvent } from '../rules/model.js'
import type { CanDecoding } from './can-network.js'

export class BatchRules {
  private readonly frames = new CanFrameColumns()
  private readonly canSamples = new SampleBuffer(4096)
  private readonly input = new BatchSignals()

  constructor (private readonly engine: RuleEngine, private readonly can: CanDecoding | undefined) {}

  /** Decodes `payload` (throws BatchRejected like ingest) and returns the fault transitions it causes. */
  feed (vehicle: { vin: string, vehicleId: number, model?: string | undefined }, payload: Uint8Array, nowUs = Number.MAX_SAFE_INTEGER): FaultEvent[] {
    const batch = decodeBatch(payload, { vin: vehicle.vin, nowUs }, this.frames)
    const rows = telemetryRows(batch)
    if (this.can !== undefined) {
      this.canSamples.clear()
      this.can.network.decodeFrames(this.frames, this.canSamples)
    }
    this.input.fill(this.can === undefined ? undefined : this.canSamples, this.can?.catalogIds, rows)
    const info: VehicleInfo = { model: vehicle.model, firmware: batch.firmware === '' ? undefined : batch.firmware }
    return this.engine.evaluate(vehicle.vehicleId, info, this.input.samples, this.input.dtcs)
  }
}
