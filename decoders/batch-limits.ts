/**
 * Caps on what one TelemetryBatch may carry, checked before anything is built
 * per entry. Without them a 1 MB batch of 524,238 empty GNSS fixes (2 bytes
 * each) became 524,238 objects, then 524,238 rows, and blocked the event loop
 * for seconds (issue 16, "row amplification").
 *
 * `countBatchEntries` counts OBD responses, DTC records, GNSS fixes and
 * signal samples in one pass over the wire bytes with protobufjs' Reader:
 * tags are read and fields skipped without allocating, a packed run is
 * counted from its bytes (one varint ends at each byte below 0x80; a double
 * takes 8 bytes). Measured on a 1 MB batch of 524,241 empty GNSS fixes:
 * protobufjs took 60-280 ms to decode it, this pass 4-5 ms; on the demo
 * batch (3.3 KB) it adds about 0.5 µs. It follows protobufjs where a count
 * could differ: a field with an unexpected wire type is skipped, not counted,
 * and the columns of repeated SignalBlocks are summed (protobufjs merges
 * them). CAN frames are capped by can-block-reader.ts as it reads them, and
 * the firmware string once decoded (decoding a string allocates one string).
 */
import protobuf from 'protobufjs/minimal.js'
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

/** The counts read before decoding; CAN frames are capped as can-block-reader.ts reads them. */
export type BatchCounts = Omit<BatchLimits, 'canFrames' | 'firmwareChars'> & {
  /** the batch's seq as read on the way, for the refusal's message */
  seq: number
}

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2

// TelemetryBatch field numbers (proto/telemetry.proto)
const BATCH_SEQ = 2
const BATCH_OBD = 5
const BATCH_DTC = 6
const BATCH_GNSS = 7
const BATCH_SIGNALS = 8
// SignalBlock's columns
const SIGNAL_DT_US = 1
const SIGNAL_ID = 2
const SIGNAL_VALUE = 3

/** Counts the repeated entries of a TelemetryBatch (CAN blocks are skipped whole); throws BatchRejected (malformed) when its wire format is broken. */
export function countBatchEntries (payload: Uint8Array): BatchCounts {
  const r = protobuf.Reader.create(payload)
  const counts: BatchCounts = { seq: 0, samples: 0, gnss: 0, dtc: 0, obd: 0 }
  // SignalBlock columns summed over every block, as protobufjs merges them
  const signals = { dtUs: 0, signalId: 0, value: 0 }
  try {
    while (r.pos < r.len) {
      const tag = r.uint32()
      const field = tag >>> 3
      const wireType = tag & 7
      if (wireType === WIRE_LENGTH_DELIMITED) {
        switch (field) {
          case BATCH_GNSS: counts.gnss++; break
          case BATCH_OBD: counts.obd++; break
          case BATCH_DTC: counts.dtc++; break
          case BATCH_SIGNALS: addSignalColumns(r, signals); continue
        }
      } else if (field === BATCH_SEQ && wireType === WIRE_VARINT) {
        counts.seq = Number(r.uint64())
        continue
      }
      r.skipType(wireType, 0, field)
    }
  } catch (err) {
    throw new BatchRejected('PITWALL_ERR_MALFORMED_PROTOBUF', `payload is not a TelemetryBatch: ${(err as Error).message}`)
  }
  counts.samples = Math.max(signals.dtUs, signals.signalId, signals.value)
  return counts
}

/** Throws PITWALL_ERR_BATCH_LIMIT naming the first count over its cap. */
export function checkBatchCounts (counts: BatchCounts, limits: Readonly<BatchLimits>, vin: string): void {
  for (const key of ['samples', 'gnss', 'dtc', 'obd'] as const) {
    if (counts[key] > limits[key]) throw overLimit(key, counts[key], limits[key], `batch ${counts.seq} from ${vin}`)
  }
}

/** The refusal of a batch (`batch` names it) whose `key` count is over its cap. */
export function overLimit (key: keyof BatchLimits, count: number, limit: number, batch: string): BatchRejected {
  const { what, setting } = BATCH_LIMIT_NAMES[key]
  return new BatchRejected('PITWALL_ERR_BATCH_LIMIT', `${batch}: ${count} ${what}, more than the ${limit} allowed (${setting})`)
}

function addSignalColumns (r: protobuf.Reader, columns: { dtUs: number, signalId: number, value: number }): void {
  const end = embeddedEnd(r)
  while (r.pos < end) {
    const tag = r.uint32()
    const field = tag >>> 3
    const wireType = tag & 7
    if (field === SIGNAL_DT_US) {
      columns.dtUs += varintRunCount(r, wireType)
    } else if (field === SIGNAL_ID) {
      columns.signalId += varintRunCount(r, wireType)
    } else if (field === SIGNAL_VALUE && wireType === WIRE_LENGTH_DELIMITED) {
      // packed doubles: 8 bytes each
      const runEnd = embeddedEnd(r)
      columns.value += Math.floor((runEnd - r.pos) / 8)
      r.pos = runEnd
    } else {
      if (field === SIGNAL_VALUE && wireType === WIRE_FIXED64) columns.value++
      r.skipType(wireType, 1, field)
    }
  }
  if (r.pos !== end) throw new Error('the signal block runs past its length')
}

/**
 * Entries in one run of a repeated varint field: a packed run counted from
 * its bytes (each varint ends at a byte below 0x80), or one plain varint.
 * Any other wire type is skipped, as protobufjs does.
 */
function varintRunCount (r: protobuf.Reader, wireType: number): number {
  if (wireType !== WIRE_LENGTH_DELIMITED) {
    r.skipType(wireType, 1)
    return wireType === WIRE_VARINT ? 1 : 0
  }
  const end = embeddedEnd(r)
  const buf = r.buf
  let n = 0
  for (let i = r.pos; i < end; i++) if ((buf[i] as number) < 0x80) n++
  r.pos = end
  return n
}

/** Reads a length prefix; returns where the field ends, checked against the payload. */
function embeddedEnd (r: protobuf.Reader): number {
  // not `r.pos + r.uint32()`: that adds the length to the position from before it was read
  const length = r.uint32()
  const end = r.pos + length
  if (end > r.len) throw new Error(`a field of ${length} bytes runs past the end of the payload`)
  return end
}
