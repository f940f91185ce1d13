/**
 * Caps on what one TelemetryBatch may carry, checked before anything is built
 * per entry. Without them a 1 MB batch of 524,238 empty GNSS fixes (2 bytes
 * each) became 524,238 objects, then 524,238 rows, and blocked the event loop
 * for seconds (issue 16, "row amplification").
 *
 * batch-envelope.ts counts OBD responses, DTC records, GNSS fixes and signal
 * samples as it reads them, keeping each kind only up to its cap, so a batch
 * past a cap costs one pass over its bytes and no more memory than an
 * accepted one; it is refused before any other check. CAN frames are capped
 * by can-block-reader.ts as it reads them, and the firmware string once
 * decoded (decoding a string allocates one string).
 */
import { BatchRejected } from './errors.js'

export interface BatchLimits {
  /** CAN frames, summed over the batch's CAN blocks */
  canFrames: number
  /** edge-decoded signal samples (SignalBlock) */
  samples: number
  gnss: number
  dtc: number
  obd: number
  /** characters of the firmware version the batch reports (stored on the vehicle) */
  firmwareChars: number
}

/**
 * Well above what a T-box sends: the demo vehicle's 60 s batch holds 12,600
 * CAN frames, 360 samples, 60 fixes, 840 OBD responses and a few DTCs. CAN
 * frames land in reused columns, not rows, so their cap is about what the
 * default 1 MB packet can hold (~100,000 frames of 8 bytes): it bounds the
 * work, and a busy bus in a long batch is not refused.
 */
export const DEFAULT_BATCH_LIMITS: Readonly<BatchLimits> = Object.freeze({
  canFrames: 100_000,
  samples: 50_000,
  gnss: 1_000,
  dtc: 1_000,
  obd: 2_000,
  firmwareChars: 64
})

/** What a refusal calls each count, and the setting (gateway/config.ts) that raises its cap. */
export const BATCH_LIMIT_NAMES: { readonly [K in keyof BatchLimits]: { readonly what: string, readonly setting: string } } = {
  canFrames: { what: 'CAN frames', setting: 'PITWALL_MAX_CAN_FRAMES_PER_BATCH' },
  samples: { what: 'signal samples', setting: 'PITWALL_MAX_SAMPLES_PER_BATCH' },
  gnss: { what: 'gnss fixes', setting: 'PITWALL_MAX_GNSS_PER_BATCH' },
  dtc: { what: 'DTC records', setting: 'PITWALL_MAX_DTCS_PER_BATCH' },
  obd: { what: 'OBD responses', setting: 'PITWALL_MAX_OBD_PER_BATCH' },
  firmwareChars: { what: 'firmware characters', setting: 'PITWALL_MAX_FIRMWARE_CHARS' }
}

/** The counts read with the envelope; CAN frames are capped as can-block-reader.ts reads them. */
export type BatchCounts = Omit<BatchLimits, 'canFrames' | 'firmwareChars'> & {
  /** the batch's seq as read, for the refusal's message */
  seq: number
}

/** Throws PITWALL_ERR_BATCH_LIMIT naming the first count over its cap. */
export function checkBatchCounts (counts: BatchCounts, limits: Readonly<BatchLimits>, vin: string): void {
  // one test for every batch; which count is over only for the refused
  if (counts.samples > limits.samples || counts.gnss > limits.gnss || counts.dtc > limits.dtc || counts.obd > limits.obd) {
    for (const key of ['samples', 'gnss', 'dtc', 'obd'] as const) {
      if (counts[key] > limits[key]) throw overLimit(key, counts[key], limits[key], `batch ${counts.seq} from ${vin}`)
    }
  }
}

/** The refusal of a batch (`batch` names it) whose `key` count is over its cap. */
export function overLimit (key: keyof BatchLimits, count: number, limit: number, batch: string): BatchRejected {
  const { what, setting } = BATCH_LIMIT_NAMES[key]
  return new BatchRejected('PITWALL_ERR_BATCH_LIMIT', `${batch}: ${count} ${what}, more than the ${limit} allowed (${setting})`)
}
