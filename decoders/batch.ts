/**
 * TelemetryBatch payload -> validated, plain batch. Pure: no I/O, no clock
 * (the caller passes `nowUs`), so the same code serves live ingest, replay
 * and tests.
 *
 * The entries are counted first and a batch over a cap refused before any
 * is decoded (batch-limits.ts); then protobufjs decodes the envelope (through
 * a view that leaves the CAN blocks out) and the CAN blocks go straight into
 * typed columns (can-block-reader.ts).
 */
import { pitwall } from '../proto/index.js'
import { checkBatchCounts, countBatchEntries, overLimit, type BatchLimits } from './batch-limits.js'
import { readCanFrames } from './can-block-reader.js'
import { CanFrameColumns } from './can-frames.js'
import { BatchRejected } from './errors.js'

/** C0 controls and DEL (U+0000 among them). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/

type Envelope = pitwall.v1.TelemetryBatchEnvelope

export interface DecodedBatch {
  vin: string
  seq: number
  baseTimeUs: number
  firmware: string
  canFrames: number
  obd: pitwall.v1.IObdResponse[]
  dtc: pitwall.v1.IDtcRecord[]
  gnss: pitwall.v1.IGnssFix[]
  signals: pitwall.v1.ISignalBlock | null
}

const MAX_EXTENDED_ID = 0x1fff_ffff
/** A clock more than this far ahead of the gateway's is wrong, not early. */
const MAX_FUTURE_US = 24 * 3600 * 1e6
/** 2000-01-01: anything before is an unset RTC, not history. */
const MIN_TIME_US = 946_684_800 * 1e6

export interface BatchContext {
  /** the authenticated vehicle's VIN */
  vin: string
  nowUs: number
  /** caps on the batch's entries and strings (DEFAULT_BATCH_LIMITS, or the gateway's settings) */
  limits: Readonly<BatchLimits>
}

/** Names a part of the batch in an error message ('' for the batch itself). */
export type Where = (part: string) => string

/**
 * Decodes and validates `payload`; its CAN frames land in `frames` (pass the
 * same instance batch after batch: its columns are reused).
 */
export function decodeBatch (payload: Uint8Array, ctx: BatchContext, frames: CanFrameColumns = new CanFrameColumns()): DecodedBatch {
  // Before protobufjs builds an object per entry: a hostile batch costs one pass over its bytes.
  checkBatchCounts(countBatchEntries(payload), ctx.limits, ctx.vin)
  let batch: Envelope
  try {
    batch = pitwall.v1.TelemetryBatchEnvelope.decode(payload)
  } catch (err) {
    throw new BatchRejected('PITWALL_ERR_MALFORMED_PROTOBUF', `payload is not a TelemetryBatch: ${(err as Error).message}`)
  }
  if (batch.vin !== ctx.vin) {
    throw new BatchRejected('PITWALL_ERR_VIN_MISMATCH', `batch vin ${quote(batch.vin)} differs from the authenticated vehicle ${ctx.vin}`)
  }
  if (!(batch.seq > 0) || !Number.isSafeInteger(batch.seq)) {
    throw new BatchRejected('PITWALL_ERR_MISSING_SEQ', `batch from ${ctx.vin} has seq ${batch.seq}: it must be an integer from 1 to 2^53-1`)
  }
  if (batch.baseTimeUs < MIN_TIME_US || batch.baseTimeUs > ctx.nowUs + MAX_FUTURE_US) {
    throw new BatchRejected('PITWALL_ERR_BAD_TIME', `batch ${batch.seq} from ${ctx.vin}: base_time_us ${batch.baseTimeUs} is not a plausible time`)
  }
  // Error messages are built only when something is wrong: this runs for every batch.
  const seq = batch.seq
  const where: Where = (part) => `batch ${seq} from ${ctx.vin}${part === '' ? '' : `: ${part}`}`
  if (batch.firmware.length > ctx.limits.firmwareChars) throw overLimit('firmwareChars', batch.firmware.length, ctx.limits.firmwareChars, where(''))
  // stored on the vehicle and shown to engineers: a NUL (which PostgreSQL text cannot hold) made every later batch's update fail
  if (CONTROL_CHARACTER.test(batch.firmware)) {
    throw new BatchRejected('PITWALL_ERR_FIRMWARE', where(`firmware ${JSON.stringify(batch.firmware)} holds a control character; a version is printable text`))
  }
  const canFrames = readCanFrames(payload, batch.baseTimeUs, frames, where, ctx.limits.canFrames)
  const signals = batch.signals ?? null
  if (signals !== null) checkSignalBlock(signals, where)
  for (let i = 0; i < batch.obd.length; i++) checkObd(batch.obd[i] as pitwall.v1.IObdResponse, i, where)
  for (let i = 0; i < batch.dtc.length; i++) checkDtc(batch.dtc[i] as pitwall.v1.IDtcRecord, i, where)
  return {
    vin: batch.vin,
    seq: batch.seq,
    baseTimeUs: batch.baseTimeUs,
    firmware: batch.firmware,
    canFrames,
    obd: batch.obd,
    dtc: batch.dtc,
    gnss: batch.gnss,
    signals
  }
}

function checkSignalBlock (block: pitwall.v1.ISignalBlock, where: Where): void {
  const n = block.signalId?.length ?? 0
  if ((block.dtUs?.length ?? 0) !== n || (block.value?.length ?? 0) !== n) {
    throw new BatchRejected('PITWALL_ERR_SIGNAL_BLOCK',
      `${where('signals')}: columns differ in length (dt_us ${block.dtUs?.length ?? 0}, signal_id ${n}, value ${block.value?.length ?? 0})`)
  }
}

/** ECU addresses are CAN identifiers: 11 or 29 bits. */
const MAX_ECU = MAX_EXTENDED_ID

function checkObd (r: pitwall.v1.IObdResponse, i: number, where: Where): void {
  if ((r.ecu ?? 0) > MAX_ECU) throw new BatchRejected('PITWALL_ERR_OBD', `${where(`obd[${i}]`)}: ecu 0x${(r.ecu ?? 0).toString(16)} is not a CAN address`)
  if ((r.mode ?? 0) > 0xff || (r.pid ?? 0) > 0xffff) {
    throw new BatchRejected('PITWALL_ERR_OBD', `${where(`obd[${i}]`)}: mode 0x${(r.mode ?? 0).toString(16)} / pid 0x${(r.pid ?? 0).toString(16)} out of range`)
  }
}

function checkDtc (d: pitwall.v1.IDtcRecord, i: number, where: Where): void {
  if ((d.ecu ?? 0) > MAX_ECU) throw new BatchRejected('PITWALL_ERR_DTC', `${where(`dtc[${i}]`)}: ecu 0x${(d.ecu ?? 0).toString(16)} is not a CAN address`)
  // ISO 14229-1: a DTC is 3 bytes, its status 1 byte.
  if ((d.dtc ?? 0) > 0xffffff) throw new BatchRejected('PITWALL_ERR_DTC', `${where(`dtc[${i}]`)}: dtc 0x${(d.dtc ?? 0).toString(16)} is longer than 3 bytes`)
  if ((d.status ?? 0) > 0xff) throw new BatchRejected('PITWALL_ERR_DTC', `${where(`dtc[${i}]`)}: status 0x${(d.status ?? 0).toString(16)} is longer than 1 byte`)
}

/** A client-supplied string in an error message: quoted, bounded, control characters escaped. */
function quote (text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}
