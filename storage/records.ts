/**
 * Plain records the gateway hands to storage. Columns, not row objects, for
 * the per-sample data: one batch can carry thousands of samples.
 */
import type { DtcRow, GnssRow, SampleColumns } from '../decoders/telemetry-rows.js'

/** One accepted TelemetryBatch, ready to be archived; its decoded rows go to the projector (./projector.ts). */
export interface BatchRecord {
  vehicleId: number
  seq: number
  baseTimeUs: number
  canFrames: number
  /** the decoder manifest that decoded its CAN frames; absent or 0: the --can-dbc default, or none */
  manifestId?: number
  /** the PUBLISH payload as received, archived byte for byte */
  payload: Uint8Array
}

/** A batch with the rows the gateway decoded from it: archived before the PUBACK, the rows projected after. */
export interface TelemetryRecord extends BatchRecord {
  samples: SampleColumns
  gnss: GnssRow[]
  dtcs: DtcRow[]
}

/** A payload the gateway refused, kept with its reason. */
export interface DeadLetterRecord {
  vin: string | null
  topic: string
  reasonCode: string
  reason: string
  payloadSize: number
  /** null when the payload was too large to keep */
  payload: Uint8Array | null
}

/**
 * stored: new; duplicate: the same bytes were already stored under this
 * (vehicle, seq), i.e. a retransmission; seq_reused: other bytes were, i.e.
 * the T-box's seq counter went back (reflash, lost state).
 */
export type BatchOutcome = 'stored' | 'duplicate' | 'seq_reused'
