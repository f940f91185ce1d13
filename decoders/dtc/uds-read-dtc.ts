/**
 * UDS ReadDTCInformation (ISO 14229-1 11.3) positive responses: `59 <reportType> …`.
 * DTCs here are 3 bytes (DTCHighByte, DTCMiddleByte, DTCLowByte) followed by
 * the status byte (ISO 14229-1 D.2, see dtc-status.ts).
 */
import { DiagnosticError, hex2, hexBytes } from '../obd/diagnostic-error.js'
import { expectPositiveResponse } from '../obd/negative-response.js'

export const READ_DTC_RESPONSE_SID = 0x59

/** ISO 14229-1 11.3: DTCFormatIdentifier in the number-of-DTC responses. */
const DTC_FORMATS: ReadonlyMap<number, string> = new Map([
  [0x00, 'SAE_J2012-DA_DTCFormat_00'],
  [0x01, 'ISO_14229-1_DTCFormat'],
  [0x02, 'SAE_J1939-73_DTCFormat'],
  [0x03, 'ISO_11992-4_DTCFormat'],
  [0x04, 'SAE_J2012-DA_DTCFormat_04']
])

/** reportNumberOfDTCByStatusMask, …BySeverityMaskRecord, …MirrorMemoryDTCByStatusMask, …EmissionsOBDDTCByStatusMask */
const COUNT_REPORTS = new Set([0x01, 0x07, 0x11, 0x12])
/**
 * Reports that answer DTCStatusAvailabilityMask then (DTC, status) records:
 * 0x02 byStatusMask, 0x0A supportedDTC, 0x0B-0x0E first/most recent
 * test-failed/confirmed DTC, 0x0F mirror memory, 0x13 emissions OBD, 0x15 permanent.
 */
const RECORD_REPORTS = new Set([0x02, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x13, 0x15])

export interface DtcAndStatus {
  /** 3-byte DTC (udsDtcText turns it into 'P0301-1A') */
  readonly dtc: number
  readonly status: number
}

export type ReadDtcResponse =
  | {
    readonly kind: 'count'
    readonly reportType: number
    readonly statusAvailabilityMask: number
    readonly formatIdentifier: number
    /** ISO 14229-1 name of the DTC format, 'unknown' for values it does not define */
    readonly format: string
    readonly count: number
  }
  | { readonly kind: 'records', readonly reportType: number, readonly statusAvailabilityMask: number, readonly records: DtcAndStatus[] }
  | {
    readonly kind: 'severityRecords'
    readonly reportType: number
    readonly statusAvailabilityMask: number
    readonly records: Array<DtcAndStatus & { readonly severity: number, readonly functionalUnit: number }>
  }
  | { readonly kind: 'snapshotIdentification', readonly reportType: 0x03, readonly records: Array<{ readonly dtc: number, readonly recordNumber: number }> }
  | {
    /**
     * 0x04 snapshot / 0x06 extended data for one DTC. Pitwall reads the
     * header only: the data lengths behind each record (and, in a snapshot,
     * each data identifier) are defined by the vehicle manufacturer.
     */
    readonly kind: 'snapshot' | 'extendedData'
    readonly reportType: 0x04 | 0x06
    readonly dtc: number
    readonly status: number
    /** DTCSnapshotRecordNumber / DTCExtDataRecordNumber of the first record; absent when the ECU has none stored */
    readonly recordNumber?: number
    /** 0x04 only: DTCSnapshotRecordNumberOfIdentifiers of the first record */
    readonly identifierCount?: number
    /** the records, undecoded, starting at the first record number */
    readonly data: Uint8Array
  }

const u24 = (m: Uint8Array, i: number): number => ((m[i] as number) << 16) | ((m[i + 1] as number) << 8) | (m[i + 2] as number)

export function parseReadDtcResponse (msg: Uint8Array): ReadDtcResponse {
  expectPositiveResponse(msg, READ_DTC_RESPONSE_SID, 'ReadDTCInformation response')
  if (msg.length < 2) throw truncated(msg, 2, 'SID and report type')
  const reportType = msg[1] as number
  if (COUNT_REPORTS.has(reportType)) {
    // 59 01 <DTCStatusAvailabilityMask> <DTCFormatIdentifier> <DTCCount high> <DTCCount low>
    if (msg.length !== 6) throw wrongLength(msg, 6, 'availability mask, format identifier and a 2-byte count')
    const formatIdentifier = msg[3] as number
    return {
      kind: 'count',
      reportType,
      statusAvailabilityMask: msg[2] as number,
      formatIdentifier,
      format: DTC_FORMATS.get(formatIdentifier) ?? 'unknown',
      count: ((msg[4] as number) << 8) | (msg[5] as number)
    }
  }
  if (RECORD_REPORTS.has(reportType)) {
    // 59 02 <DTCStatusAvailabilityMask> then (DTC high, middle, low, status) × n
    if (msg.length < 3) throw truncated(msg, 3, 'the DTC status availability mask')
    const records: DtcAndStatus[] = []
    const start = wholeRecords(msg, 3, 4)
    for (let i = start; i < msg.length; i += 4) records.push({ dtc: u24(msg, i), status: msg[i + 3] as number })
    return { kind: 'records', reportType, statusAvailabilityMask: msg[2] as number, records }
  }
  switch (reportType) {
    case 0x03: {
      // 59 03 then (DTC high, middle, low, DTCSnapshotRecordNumber) × n
      const records: Array<{ dtc: number, recordNumber: number }> = []
      for (let i = wholeRecords(msg, 2, 4); i < msg.length; i += 4) records.push({ dtc: u24(msg, i), recordNumber: msg[i + 3] as number })
      return { kind: 'snapshotIdentification', reportType, records }
    }
    case 0x04:
    case 0x06: {
      // 59 04|06 <DTC 3 bytes> <status> then records
      if (msg.length < 6) throw truncated(msg, 6, 'a DTC and its status')
      const data = msg.subarray(6)
      return {
        kind: reportType === 0x04 ? 'snapshot' : 'extendedData',
        reportType,
        dtc: u24(msg, 2),
        status: msg[5] as number,
        ...(data.length > 0 ? { recordNumber: data[0] as number } : {}),
        ...(reportType === 0x04 && data.length > 1 ? { identifierCount: data[1] as number } : {}),
        data
      }
    }
    case 0x08:
    case 0x09: {
      // 59 08 <DTCStatusAvailabilityMask> then (severity, functional unit, DTC 3 bytes, status) × n
      if (msg.length < 3) throw truncated(msg, 3, 'the DTC status availability mask')
      const records: Array<DtcAndStatus & { severity: number, functionalUnit: number }> = []
      for (let i = wholeRecords(msg, 3, 6); i < msg.length; i += 6) {
        records.push({ severity: msg[i] as number, functionalUnit: msg[i + 1] as number, dtc: u24(msg, i + 2), status: msg[i + 5] as number })
      }
      return { kind: 'severityRecords', reportType, statusAvailabilityMask: msg[2] as number, records }
    }
    default:
      throw new DiagnosticError('PITWALL_ERR_UDS_READ_DTC', `ReadDTCInformation response ${hexBytes(msg)}: report type ${hex2(reportType)} is not decoded by Pitwall`)
  }
}

/** Checks that the bytes from `start` are whole records, and returns `start`. */
function wholeRecords (msg: Uint8Array, start: number, size: number): number {
  const extra = (msg.length - start) % size
  if (extra !== 0) {
    throw new DiagnosticError('PITWALL_ERR_UDS_READ_DTC',
      `ReadDTCInformation ${hex2(msg[1] as number)} response ${hexBytes(msg)}: ${extra} bytes left after ${Math.floor((msg.length - start) / size)} records of ${size} bytes`)
  }
  return start
}

function truncated (msg: Uint8Array, need: number, what: string): DiagnosticError {
  return new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `ReadDTCInformation response ${hexBytes(msg)} is ${msg.length} bytes; needs ${need} for ${what}`)
}

function wrongLength (msg: Uint8Array, need: number, what: string): DiagnosticError {
  return new DiagnosticError('PITWALL_ERR_UDS_READ_DTC', `ReadDTCInformation ${hex2(msg[1] as number)} response ${hexBytes(msg)} is ${msg.length} bytes; it is ${need}: SID, report type, ${what}`)
}
