/**
 * A TelemetryBatch's own fields, read by hand in one pass: vin, seq,
 * base_time_us and firmware where they are, the OBD-II, DTC, GNSS and signal
 * entries into BatchEntries' columns (counted as they come, kept up to their
 * caps), and where the CAN blocks lie; can-block-reader.ts reads those once
 * the envelope has been checked.
 *
 * It replaces protobufjs' decode (an object per entry, a JS array per
 * column, a string per text field) and the counting pass that ran before it
 * (issue 16): the whole envelope's wire format is checked here, so a batch
 * past a cap is refused after one pass and without an object per entry.
 */
import type { BatchLimits } from './batch-limits.js'
import { readDtcRecord, readGnssFix, readObdResponse, readSignalBlock, skipMessage, type BatchEntries } from './batch-entries.js'
import { cursor, malformed, readEnd, readingFor, readTag, readUint64, skipField, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './wire.js'

const VIN = (1 << 3) | WIRE_LENGTH_DELIMITED
const SEQ = (2 << 3) | WIRE_VARINT
const BASE_TIME_US = (3 << 3) | WIRE_VARINT
const CAN = (4 << 3) | WIRE_LENGTH_DELIMITED
const OBD = (5 << 3) | WIRE_LENGTH_DELIMITED
const DTC = (6 << 3) | WIRE_LENGTH_DELIMITED
const GNSS = (7 << 3) | WIRE_LENGTH_DELIMITED
const SIGNALS = (8 << 3) | WIRE_LENGTH_DELIMITED
const FIRMWARE = (9 << 3) | WIRE_LENGTH_DELIMITED

/** The envelope's scalars and where its text and CAN blocks are; one instance, overwritten by each read. */
export interface Envelope {
  seq: number
  baseTimeUs: number
  /** the vin's UTF-8 bytes: payload[vinStart .. vinEnd) (empty when absent) */
  vinStart: number
  vinEnd: number
  firmwareStart: number
  firmwareEnd: number
  /** the tag of the first CAN block (-1: none) and the end of the last: the CAN reader reads only there */
  canFrom: number
  canTo: number
  /** entries as sent, including those past their cap (which BatchEntries does not keep) */
  obd: number
  dtc: number
  gnss: number
  /** the longest signal column */
  samples: number
}

const envelope: Envelope = { seq: 0, baseTimeUs: 0, vinStart: 0, vinEnd: 0, firmwareStart: 0, firmwareEnd: 0, canFrom: -1, canTo: 0, obd: 0, dtc: 0, gnss: 0, samples: 0 }

const describe = (): string => 'payload is not a TelemetryBatch'

/** Reads `payload`'s envelope and entries into `entries`; throws BatchRejected (malformed) where its wire format is broken. */
export function readEnvelope (payload: Uint8Array, entries: BatchEntries, limits: Readonly<BatchLimits>): Envelope {
  readingFor(describe)
  entries.clear(payload)
  const e = envelope
  e.seq = 0
  e.baseTimeUs = 0
  e.vinStart = e.vinEnd = 0
  e.firmwareStart = e.firmwareEnd = 0
  e.canFrom = -1
  e.canTo = 0
  let obd = 0
  let dtc = 0
  let gnss = 0
  const buf = payload
  const end = payload.length
  cursor.pos = 0
  while (cursor.pos < end) {
    const tagAt = cursor.pos
    const tag = readTag(buf, end)
    switch (tag) {
      case CAN: {
        const blockEnd = readEnd(buf, end)
        if (e.canFrom < 0) e.canFrom = tagAt
        e.canTo = blockEnd
        cursor.pos = blockEnd
        continue
      }
      case VIN: {
        const vinEnd = readEnd(buf, end)
        checkUtf8(buf, cursor.pos, vinEnd, 'vin')
        e.vinStart = cursor.pos
        e.vinEnd = cursor.pos = vinEnd
        continue
      }
      case SEQ: e.seq = readUint64(buf, end); continue
      case BASE_TIME_US: e.baseTimeUs = readUint64(buf, end); continue
      case OBD: {
        const entryEnd = readEnd(buf, end)
        if (obd++ < limits.obd) readObdResponse(buf, entryEnd, entries.obd)
        else skipMessage(buf, entryEnd)
        continue
      }
      case GNSS: {
        const entryEnd = readEnd(buf, end)
        if (gnss++ < limits.gnss) readGnssFix(buf, entryEnd, entries.gnss)
        else skipMessage(buf, entryEnd)
        continue
      }
      case DTC: {
        const entryEnd = readEnd(buf, end)
        if (dtc++ < limits.dtc) readDtcRecord(buf, entryEnd, entries.dtc)
        else skipMessage(buf, entryEnd)
        continue
      }
      case SIGNALS: readSignalBlock(buf, readEnd(buf, end), entries.signals, limits.samples); continue
      case FIRMWARE: {
        const firmwareEnd = readEnd(buf, end)
        checkUtf8(buf, cursor.pos, firmwareEnd, 'firmware')
        e.firmwareStart = cursor.pos
        e.firmwareEnd = cursor.pos = firmwareEnd
        continue
      }
    }
    skipField(buf, end, tag & 7, tag >>> 3)
  }
  e.obd = obd
  e.dtc = dtc
  e.gnss = gnss
  const s = entries.signals
  e.samples = Math.max(s.dtUsCount, s.signalIdCount, s.valueCount)
  return e
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** protobufjs refuses a string field that is not UTF-8; ASCII (every VIN, most versions) is checked without decoding. */
function checkUtf8 (buf: Uint8Array, start: number, end: number, field: string): void {
  for (let i = start; i < end; i++) {
    if ((buf[i] as number) >= 0x80) {
      try {
        strictUtf8.decode(buf.subarray(start, end))
      } catch {
        malformed(`${field} is not UTF-8`)
      }
      return
    }
  }
}

/** A string field's text: only read when it is wanted (and checked UTF-8 already). */
export function textAt (buf: Uint8Array, start: number, end: number): string {
  return start === end ? '' : strictUtf8.decode(buf.subarray(start, end))
}

/** Whether payload[start .. end) is `text` in UTF-8, without decoding it when `text` is ASCII. */
export function bytesEqualText (buf: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start < text.length) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80) return textAt(buf, start, end) === text
    if (buf[start + i] !== c) return false
  }
  return end - start === text.length
}
