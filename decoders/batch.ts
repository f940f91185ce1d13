/**
 * TelemetryBatch payload -> validated, plain batch. Pure: no I/O, no clock
 * (the caller passes `nowUs`), so the same code serves live ingest, replay
 * and tests.
 *
 * The envelope and its entries are read by hand in one pass
 * (batch-envelope.ts) into reused columns, counted as they come, and a batch
 * over a cap (batch-limits.ts) refused before anything else is checked; then
 * the CAN blocks go straight into typed columns (can-block-reader.ts). No
 * object is built per entry, frame or sample.
 */
import { readEnvelope, bytesEqualText, textAt } from './batch-envelope.js'
import { BatchEntries, MAX_ECU, type DtcRecords, type GnssFixes, type ObdResponses, type SignalSamples } from './batch-entries.js'
import { checkBatchCounts, overLimit, type BatchLimits } from './batch-limits.js'
import { readCanFrames } from './can-block-reader.js'
import { CanFrameColumns } from './can-frames.js'
import { BatchRejected } from './errors.js'

/** C0 controls and DEL (U+0000 among them). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/

/**
 * The entries are `entries`' columns (see decodeBatch): valid until the
 * next batch is decoded with the same CanFrameColumns.
 */
export interface DecodedBatch {
  vin: string
  seq: number
  baseTimeUs: number
  firmware: string
  canFrames: number
  obd: ObdResponses
  dtc: DtcRecords
  gnss: GnssFixes
  /** edge-decoded samples (count 0 when the batch has no signal block) */
  signals: SignalSamples
}

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

/** Each CanFrameColumns' companion columns for the other entries, reused as it is. */
const entriesByFrames = new WeakMap<CanFrameColumns, BatchEntries>()

let lastFrames: CanFrameColumns | undefined
let lastEntries: BatchEntries | undefined

function entriesFor (frames: CanFrameColumns): BatchEntries {
  // ingest passes the same frames batch after batch: one comparison, not a WeakMap lookup
  if (frames === lastFrames) return lastEntries as BatchEntries
  let entries = entriesByFrames.get(frames)
  if (entries === undefined) {
    entries = new BatchEntries()
    entriesByFrames.set(frames, entries)
  }
  lastFrames = frames
  lastEntries = entries
  return entries
}

/** The batch being decoded, for error messages: module state, so naming it costs no closure per batch. */
let namedSeq = 0
let namedVin = ''
const where: Where = (part) => `batch ${namedSeq} from ${namedVin}${part === '' ? '' : `: ${part}`}`

/**
 * Decodes and validates `payload`; its CAN frames land in `frames`, its other
 * entries in columns kept with `frames` (pass the same instance batch after
 * batch: all of them are reused).
 */
export function decodeBatch (payload: Uint8Array, ctx: BatchContext, frames: CanFrameColumns = new CanFrameColumns()): DecodedBatch {
  const entries = entriesFor(frames)
  const envelope = readEnvelope(payload, entries, ctx.limits)
  const seq = envelope.seq
  checkBatchCounts(envelope, ctx.limits, ctx.vin)
  if (!bytesEqualText(payload, envelope.vinStart, envelope.vinEnd, ctx.vin)) {
    const vin = textAt(payload, envelope.vinStart, envelope.vinEnd)
    throw new BatchRejected('PITWALL_ERR_VIN_MISMATCH', `batch vin ${quote(vin)} differs from the authenticated vehicle ${ctx.vin}`)
  }
  if (!(seq > 0) || !Number.isSafeInteger(seq)) {
    throw new BatchRejected('PITWALL_ERR_MISSING_SEQ', `batch from ${ctx.vin} has seq ${seq}: it must be an integer from 1 to 2^53-1`)
  }
  const baseTimeUs = envelope.baseTimeUs
  if (baseTimeUs < MIN_TIME_US || baseTimeUs > ctx.nowUs + MAX_FUTURE_US) {
    throw new BatchRejected('PITWALL_ERR_BAD_TIME', `batch ${seq} from ${ctx.vin}: base_time_us ${baseTimeUs} is not a plausible time`)
  }
  // Error messages are built only when something is wrong: this runs for every batch.
  namedSeq = seq
  namedVin = ctx.vin
  const firmware = firmwareAt(payload, envelope.firmwareStart, envelope.firmwareEnd)
  if (firmware.length > ctx.limits.firmwareChars) throw overLimit('firmwareChars', firmware.length, ctx.limits.firmwareChars, where(''))
  if (!firmwarePrintable) {
    throw new BatchRejected('PITWALL_ERR_FIRMWARE', where(`firmware ${JSON.stringify(firmware)} holds a control character; a version is printable text`))
  }
  const canFrames = readCanFrames(payload, envelope.canFrom, envelope.canTo, baseTimeUs, frames, where, ctx.limits.canFrames)
  checkSignalBlock(entries.signals, where)
  checkObd(entries.obd, where)
  checkDtc(entries.dtc, where)
  return { vin: ctx.vin, seq, baseTimeUs, firmware, canFrames, obd: entries.obd, dtc: entries.dtc, gnss: entries.gnss, signals: entries.signals }
}

/** The firmware bytes of the last batch, their text and whether it is printable: a fleet reports a few versions, so most batches decode none. */
const lastFirmwareBytes = new Uint8Array(128)
let lastFirmwareLength = -1
let lastFirmware = ''
let lastFirmwarePrintable = true
/** whether the text firmwareAt returned last holds no control character */
let firmwarePrintable = true

function firmwareAt (payload: Uint8Array, start: number, end: number): string {
  const n = end - start
  if (n === lastFirmwareLength) {
    let i = 0
    while (i < n && payload[start + i] === lastFirmwareBytes[i]) i++
    if (i === n) {
      firmwarePrintable = lastFirmwarePrintable
      return lastFirmware
    }
  }
  const text = textAt(payload, start, end)
  // stored on the vehicle and shown to engineers: a NUL (which PostgreSQL text cannot hold) made every later batch's update fail
  firmwarePrintable = !CONTROL_CHARACTER.test(text)
  if (n <= lastFirmwareBytes.length) {
    for (let i = 0; i < n; i++) lastFirmwareBytes[i] = payload[start + i] as number
    lastFirmwareLength = n
    lastFirmware = text
    lastFirmwarePrintable = firmwarePrintable
  }
  return text
}

function checkSignalBlock (block: SignalSamples, where: Where): void {
  const n = block.signalIdCount
  if (block.dtUsCount !== n || block.valueCount !== n) {
    throw new BatchRejected('PITWALL_ERR_SIGNAL_BLOCK',
      `${where('signals')}: columns differ in length (dt_us ${block.dtUsCount}, signal_id ${n}, value ${block.valueCount})`)
  }
}

function checkObd (obd: ObdResponses, where: Where): void {
  if (!obd.outOfRange) return
  for (let i = 0; i < obd.count; i++) {
    const ecu = obd.ecu[i] as number
    const mode = obd.mode[i] as number
    const pid = obd.pid[i] as number
    if (ecu > MAX_ECU) throw new BatchRejected('PITWALL_ERR_OBD', `${where(`obd[${i}]`)}: ecu 0x${ecu.toString(16)} is not a CAN address`)
    if (mode > 0xff || pid > 0xffff) {
      throw new BatchRejected('PITWALL_ERR_OBD', `${where(`obd[${i}]`)}: mode 0x${mode.toString(16)} / pid 0x${pid.toString(16)} out of range`)
    }
  }
}

function checkDtc (records: DtcRecords, where: Where): void {
  for (let i = 0; i < records.count; i++) {
    const ecu = records.ecu[i] as number
    const dtc = records.dtc[i] as number
    const status = records.status[i] as number
    if (ecu > MAX_ECU) throw new BatchRejected('PITWALL_ERR_DTC', `${where(`dtc[${i}]`)}: ecu 0x${ecu.toString(16)} is not a CAN address`)
    // ISO 14229-1: a DTC is 3 bytes, its status 1 byte.
    if (dtc > 0xffffff) throw new BatchRejected('PITWALL_ERR_DTC', `${where(`dtc[${i}]`)}: dtc 0x${dtc.toString(16)} is longer than 3 bytes`)
    if (status > 0xff) throw new BatchRejected('PITWALL_ERR_DTC', `${where(`dtc[${i}]`)}: status 0x${status.toString(16)} is longer than 1 byte`)
  }
}

/** A client-supplied string in an error message: quoted, bounded, control characters escaped. */
function quote (text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}
