/**
 * Remote diagnosis on demand, the answer side: one ECU's response bytes to a
 * request, decoded with the existing SAE J1979 / ISO 14229-1 parsers into a
 * plain JSON record (stored and returned by the API as is) with a line a
 * person reads. It never throws: an answer that is garbage, cut short or
 * does not answer the request comes back as `ok: false` with the reason, the
 * raw bytes always beside it.
 */
import { dtcStatusNames } from '../dtc/dtc-status.js'
import { dtcText, udsDtcText } from '../dtc/j2012.js'
import { parseObdDtcResponse } from '../dtc/obd-dtc-list.js'
import { parseReadDtcResponse, type DtcAndStatus } from '../dtc/uds-read-dtc.js'
import { DiagnosticError, hex2 } from '../obd/diagnostic-error.js'
import { NEGATIVE_RESPONSE_SID, NRC_RESPONSE_PENDING, nrcName } from '../obd/negative-response.js'
import { decodeService01Response } from '../obd/service01.js'
import { calibrationIdsFromService09, cvnsFromService09, parseService09Response, vinFromService09 } from '../obd/service09.js'
import { supportedPids } from '../obd/pids.js'
import { byteCount, describeDid, didLength, didName, didText, valueOf, valuesText, type DiagnosticDid, type DiagnosticValue } from './data-identifiers.js'
import type { MakerDidTable } from './maker-dids.js'
import { nrcText } from './nrc-text.js'
import { hex4, hexAll, infoTypeName, READ_DTC_REPORTS, serviceName } from './services.js'

export type { DiagnosticDid, DiagnosticValue } from './data-identifiers.js'

export interface DiagnosticDtc {
  /** SAE J2012, e.g. 'P0217' */
  code: string
  /** UDS: with the failure type, 'P0217-00' (udsDtcText); OBD-II's 2-byte DTCs have none: the code again */
  text: string
  /** UDS: the ISO 14229-1 D.2 status byte */
  status?: number
  /** UDS: the names of the status bits set, e.g. ['testFailed', 'confirmedDTC'] */
  statusFlags?: string[]
  /** 59 08/09: DTCSeverity */
  severity?: number
  /** 59 03: a snapshot record stored for the DTC */
  recordNumber?: number
}

export interface DiagnosticPid {
  pid: number
  /** SAE J1979 description, or 'unknown PID' */
  name: string
  hex: string
  /** empty for a PID Pitwall does not decode */
  values: DiagnosticValue[]
}

export interface DiagnosticDtcRecord {
  /** DTCSnapshotRecordNumber or DTCExtDataRecordNumber */
  recordNumber: number
  /** the record's bytes after its number (and, in a snapshot, its identifier count) */
  hex: string
  /** snapshot: DTCSnapshotRecordNumberOfIdentifiers */
  identifierCount?: number
  /** snapshot: the data identifiers read from the record (all of them, unless `note` says otherwise) */
  dids?: DiagnosticDid[]
}

/** 59 04 snapshot or 59 06 extended data of one DTC. */
export interface DiagnosticDtcData {
  dtc: DiagnosticDtc
  /** empty when the ECU stores none for the DTC */
  records: DiagnosticDtcRecord[]
}

export interface DiagnosticVehicleInfo {
  infoType: number
  /** e.g. 'VIN', 'calibration ids' */
  name: string
  /** each data item, hex */
  items: string[]
  vin?: string
  calibrationIds?: string[]
  /** 8 hex digits each */
  cvns?: string[]
  /** InfoType 0x00, 0x20 …: the InfoTypes the ECU supports */
  supported?: number[]
}

export interface DiagnosticNegativeResponse {
  /** the refused request service id */
  service: number
  nrc: number
  /** ISO 14229-1 A.1 name, e.g. 'conditionsNotCorrect' */
  name: string
  /** plain words, e.g. 'conditions not correct: the ECU cannot do this now (e.g. engine running, vehicle moving)' */
  text: string
}

/**
 * One ECU's answer, decoded. A decoded positive answer sets one of the data
 * keys (dtcs … cleared); a refusal sets `negative`; bytes that do not answer
 * the request set `error`. `note` may come with any of them.
 */
export interface DecodedDiagnosticResponse {
  /** a positive response that answers the request (decoded, or kept raw with a note where Pitwall does not decode the service) */
  ok: boolean
  /** one line a person reads, e.g. '2 DTCs: P0217 confirmed, P0A80 pending' */
  summary: string
  /** the answer's bytes, '59 02 FF 02 17 00 2F' */
  raw: string
  /** why the bytes do not answer the request (ok false) */
  error?: string
  /** the ECU refused (ok false) */
  negative?: DiagnosticNegativeResponse
  /** what the decode could not do: DIDs left undivided, PIDs or DIDs the ECU skipped, a service not decoded */
  note?: string
  /** 59 02 (and other DTC-record reports), 43/47/4A */
  dtcs?: DiagnosticDtc[]
  /** 59 01 and other number-of-DTC reports */
  dtcCount?: number
  /** 59 04 */
  snapshot?: DiagnosticDtcData
  /** 59 06 */
  extendedData?: DiagnosticDtcData
  /** 62 */
  dids?: DiagnosticDid[]
  /** 41 */
  pids?: DiagnosticPid[]
  /** 49 */
  vehicleInfo?: DiagnosticVehicleInfo
  /** 54 or 44: the ECU cleared its DTCs */
  cleared?: boolean
}

export interface DecodeOptions {
  /** the vehicle maker's DID data lengths: DID → bytes; standard DIDs (0xF190, 0xF4xx …) need none */
  readonly didLengths?: ReadonlyMap<number, number>
  /** the vehicle model's maker DIDs, from its decoder manifest: names, lengths and fields */
  readonly dids?: MakerDidTable
  /** the vehicle maker's DTCExtDataRecord lengths: record number → bytes */
  readonly extendedDataLengths?: ReadonlyMap<number, number>
}

/** ISO 14229-1 11.3: report types parseReadDtcResponse reads; other positive 0x59 answers are kept raw. */
const DECODED_REPORTS = new Set([0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x11, 0x12, 0x13, 0x15])
/** How many DTCs a summary names before '… and N more'. */
const SUMMARY_DTCS = 5

/** The answer does not fit the request. Thrown inside the decode only and caught there, which keeps only the message. */
function notAnAnswer (message: string): never {
  throw new DiagnosticError('PITWALL_ERR_OBD_SERVICE', message)
}

export function decodeDiagnosticResponse (request: Uint8Array, response: Uint8Array, options: DecodeOptions = {}): DecodedDiagnosticResponse {
  let raw = ''
  try {
    raw = hexAll(response)
    return decode(request, response, options, raw)
  } catch (err) {
    // the parsers' DiagnosticErrors name the bytes and what is wrong; anything else is reported the same way: the contract is never to throw
    const error = err instanceof Error ? err.message : String(err)
    return { ok: false, summary: `unreadable answer: ${error}`, raw, error }
  }
}

/**
 * The answer among an ECU's responses to one request: ISO 14229-1 A.1 NRC
 * 0x78 only asks the tester to wait longer (P2*), so those are skipped and
 * the first other one is the answer. Undefined when only 0x78s came (the
 * ECU never finished: a timeout).
 */
export function finalResponse (responses: readonly Uint8Array[]): Uint8Array | undefined {
  return responses.find((r) => !isResponsePending(r))
}

/** 7F <SID> 78: the ECU asks for more time (ISO 14229-1 A.1), not an answer. */
export function isResponsePending (response: Uint8Array): boolean {
  return response[0] === NEGATIVE_RESPONSE_SID && response.length >= 3 && response[2] === NRC_RESPONSE_PENDING
}

function decode (request: Uint8Array, response: Uint8Array, options: DecodeOptions, raw: string): DecodedDiagnosticResponse {
  if (request.length === 0) notAnAnswer('the request is empty, so no answer can match it')
  if (response.length === 0) notAnAnswer('the answer is empty')
  const sid = request[0] as number
  if (response[0] === NEGATIVE_RESPONSE_SID) return negativeAnswer(sid, response, raw)
  // ISO 14229-1 / SAE J1979: positive response SID = request SID + 0x40
  if (response[0] !== sid + 0x40) {
    notAnAnswer(`the answer starts with ${hex2(response[0] as number)}, not ${hex2((sid + 0x40) & 0xff)}, the positive response to ${serviceName(sid)}`)
  }
  switch (sid) {
    case 0x19: return readDtcAnswer(request, response, options, raw)
    case 0x22: return didAnswer(request, response, options, raw)
    case 0x01: return pidAnswer(request, response, raw)
    case 0x03: case 0x07: case 0x0a: return obdDtcAnswer(response, raw)
    case 0x09: return vehicleInfoAnswer(request, response, raw)
    case 0x14: case 0x04:
      if (response.length !== 1) notAnAnswer(`the positive response to ${serviceName(sid)} is the single byte ${hex2(sid + 0x40)}, got ${response.length} bytes`)
      return { ok: true, summary: 'DTCs cleared', raw, cleared: true }
    default:
      return { ok: true, summary: `positive answer to ${serviceName(sid)}, not decoded`, raw, note: `Pitwall does not decode ${serviceName(sid)} answers; raw holds the bytes` }
  }
}

function negativeAnswer (sid: number, response: Uint8Array, raw: string): DecodedDiagnosticResponse {
  if (response.length !== 3) notAnAnswer(`a negative response is 3 bytes (7F, service, NRC), got ${response.length}`)
  const service = response[1] as number
  if (service !== sid) notAnAnswer(`the negative response refuses service ${hex2(service)}, the request was ${serviceName(sid)}`)
  const nrc = response[2] as number
  const negative = { service, nrc, name: nrcName(nrc), text: nrcText(nrc) }
  const summary = nrc === NRC_RESPONSE_PENDING
    ? `${serviceName(sid)}: the ECU was still working on it (NRC 0x78 response pending) and sent no final answer`
    : `${serviceName(sid)} refused with NRC ${hex2(nrc)}: ${negative.text}`
  return { ok: false, summary, raw, negative }
}

function readDtcAnswer (request: Uint8Array, response: Uint8Array, options: DecodeOptions, raw: string): DecodedDiagnosticResponse {
  const asked = request[1]
  if (response.length >= 2 && response[1] !== asked) {
    notAnAnswer(`the answer is report type ${hex2(response[1] as number)}, the request asked ${asked === undefined ? 'none' : hex2(asked)}`)
  }
  const reportType = response[1] ?? -1
  if (response.length >= 2 && !DECODED_REPORTS.has(reportType)) {
    const name = READ_DTC_REPORTS.get(reportType)?.name ?? `report type ${hex2(reportType)}`
    return { ok: true, summary: `ReadDTCInformation ${name} answer, not decoded`, raw, note: `Pitwall does not decode ${name} answers; raw holds the bytes` }
  }
  const report = parseReadDtcResponse(response)
  switch (report.kind) {
    case 'count':
      return { ok: true, summary: `${plural(report.count, 'DTC')} match${report.count === 1 ? 'es' : ''} the status mask`, raw, dtcCount: report.count }
    case 'records': {
      const dtcs = report.records.map(udsDtc)
      return { ok: true, summary: dtcListSummary(dtcs), raw, dtcs }
    }
    case 'severityRecords': {
      const dtcs = report.records.map((r) => ({ ...udsDtc(r), severity: r.severity }))
      return { ok: true, summary: dtcListSummary(dtcs), raw, dtcs }
    }
    case 'snapshotIdentification': {
      const dtcs = report.records.map((r) => ({ code: dtcText(r.dtc >> 8), text: udsDtcText(r.dtc), recordNumber: r.recordNumber }))
      const named = dtcs.slice(0, SUMMARY_DTCS).map((d) => `${shortText(d)} record ${hex2(d.recordNumber)}`)
      return { ok: true, summary: dtcs.length === 0 ? 'no snapshots stored' : `${plural(dtcs.length, 'snapshot')}: ${named.join(', ')}${more(dtcs.length)}`, raw, dtcs }
    }
    case 'snapshot':
    case 'extendedData': {
      if (request.length >= 5) {
        const askedDtc = ((request[2] as number) << 16) | ((request[3] as number) << 8) | (request[4] as number)
        if (report.dtc !== askedDtc) notAnAnswer(`the answer is for ${udsDtcText(report.dtc)}, the request asked ${udsDtcText(askedDtc)}`)
      }
      // 0xFF asks every record (0xFE every OBD extended data record): only then may several follow one another
      const oneRecord = request[5] !== undefined && request[5] < 0xfe
      const dtc = udsDtc(report)
      const split = report.kind === 'snapshot'
        ? snapshotRecords(report.data, options, oneRecord)
        : extendedDataRecords(report.data, options.extendedDataLengths, oneRecord)
      const data = { dtc, records: split.records }
      const summary = `${shortText(dtc)} ${statusWord(report.status)}: ${recordsSummary(report.kind, split.records)}`
      return {
        ok: true,
        summary,
        raw,
        ...(report.kind === 'snapshot' ? { snapshot: data } : { extendedData: data }),
        ...(split.note !== undefined ? { note: split.note } : {})
      }
    }
  }
}

interface SplitRecords { records: DiagnosticDtcRecord[], note?: string }

/**
 * ISO 14229-1 11.3.2 (0x04): records of DTCSnapshotRecordNumber,
 * DTCSnapshotRecordNumberOfIdentifiers and that many (DID, data). Data
 * lengths are the vehicle maker's, so a DID of unknown length ends the split
 * unless it is the last thing the answer can hold.
 */
function snapshotRecords (data: Uint8Array, options: DecodeOptions, oneRecord: boolean): SplitRecords {
  const records: DiagnosticDtcRecord[] = []
  let i = 0
  while (i < data.length) {
    const recordNumber = data[i] as number
    if (i + 1 >= data.length) notAnAnswer(`snapshot record ${hex2(recordNumber)} ends before its identifier count`)
    const identifierCount = data[i + 1] as number
    const dids: DiagnosticDid[] = []
    let j = i + 2
    for (let k = 0; k < identifierCount; k++) {
      if (j + 2 > data.length) notAnAnswer(`snapshot record ${hex2(recordNumber)} ends inside identifier ${k + 1} of ${identifierCount}`)
      const did = ((data[j] as number) << 8) | (data[j + 1] as number)
      let length = didLength(did, options.didLengths, options.dids)
      const left = data.length - j - 2
      if (length === undefined) {
        if (!(oneRecord && k === identifierCount - 1)) {
          const note = `snapshot record ${hex2(recordNumber)}: the length of DID ${hex4(did)} is the vehicle maker's and unknown here, so the record from it on is left undivided`
          records.push({ recordNumber, identifierCount, hex: hexAll(data.subarray(i + 2)), dids })
          return { records, note }
        }
        length = left
      }
      if (length > left) notAnAnswer(`snapshot record ${hex2(recordNumber)}: DID ${hex4(did)} needs ${length} data bytes, ${left} left`)
      dids.push(describeDid(did, data.subarray(j + 2, j + 2 + length), options.dids))
      j += 2 + length
    }
    records.push({ recordNumber, identifierCount, hex: hexAll(data.subarray(i + 2, j)), dids })
    i = j
  }
  return { records }
}

/** ISO 14229-1 11.3.2 (0x06): records of DTCExtDataRecordNumber then the maker's data, split where `lengths` knows them. */
function extendedDataRecords (data: Uint8Array, lengths: ReadonlyMap<number, number> | undefined, oneRecord: boolean): SplitRecords {
  const records: DiagnosticDtcRecord[] = []
  let i = 0
  while (i < data.length) {
    const recordNumber = data[i] as number
    const left = data.length - i - 1
    const length = byteCount(lengths?.get(recordNumber))
    if (length === undefined) {
      records.push({ recordNumber, hex: hexAll(data.subarray(i + 1)) })
      return oneRecord ? { records } : { records, note: `extended data record ${hex2(recordNumber)}: its length is the vehicle maker's and unknown here, so the data from it on is left undivided` }
    }
    if (length > left) notAnAnswer(`extended data record ${hex2(recordNumber)} needs ${length} bytes, ${left} left`)
    records.push({ recordNumber, hex: hexAll(data.subarray(i + 1, i + 1 + length)) })
    i += 1 + length
  }
  return { records }
}

function recordsSummary (kind: 'snapshot' | 'extendedData', records: readonly DiagnosticDtcRecord[]): string {
  const what = kind === 'snapshot' ? 'snapshot' : 'extended data'
  if (records.length === 0) return `no ${what} stored`
  return records.map((r) => {
    const content = r.dids !== undefined && r.dids.length > 0 ? r.dids.map(didText).join(', ') : (r.hex === '' ? '(empty)' : r.hex)
    return `${what} record ${hex2(r.recordNumber)}: ${content}`
  }).join('; ')
}

/**
 * ISO 14229-1 10.2: the ECU answers the DIDs it supports, in request order,
 * and leaves out the others. A DID of unknown length can only be split off
 * when it is the last one asked.
 */
function didAnswer (request: Uint8Array, response: Uint8Array, options: DecodeOptions, raw: string): DecodedDiagnosticResponse {
  const asked: number[] = []
  for (let i = 1; i + 1 < request.length; i += 2) asked.push(((request[i] as number) << 8) | (request[i + 1] as number))
  const dids: DiagnosticDid[] = []
  let note: string | undefined
  let next = 0
  let i = 1
  while (i < response.length) {
    if (i + 2 > response.length) notAnAnswer(`the answer ends inside a DID at byte ${i}`)
    const did = ((response[i] as number) << 8) | (response[i + 1] as number)
    const at = asked.indexOf(did, next)
    if (at < 0) notAnAnswer(`the answer carries DID ${hex4(did)} at byte ${i}, which the request did not ask for there (asked ${asked.map(hex4).join(', ')})`)
    next = at + 1
    const left = response.length - i - 2
    let length = didLength(did, options.didLengths, options.dids)
    if (length === undefined) {
      if (next < asked.length) {
        // no text or values: the bytes may hold the DIDs after it too
        dids.push({ did, ...didName(did, options.dids), hex: hexAll(response.subarray(i + 2)) })
        note = `the length of DID ${hex4(did)} is the vehicle maker's and unknown here, so its data and any of ${asked.slice(next).map(hex4).join(', ')} after it are left undivided`
        break
      }
      length = left
    }
    if (length > left) notAnAnswer(`DID ${hex4(did)} needs ${length} data bytes, ${left} left`)
    dids.push(describeDid(did, response.subarray(i + 2, i + 2 + length), options.dids))
    i += 2 + length
  }
  if (dids.length === 0) notAnAnswer('the answer carries no DID')
  if (note === undefined) {
    const skipped = asked.filter((d) => !dids.some((x) => x.did === d))
    if (skipped.length > 0) note = `the ECU left out ${skipped.map(hex4).join(', ')}, which it does not support`
  }
  return { ok: true, summary: dids.map(didText).join(', '), raw, dids, ...(note !== undefined ? { note } : {}) }
}

function pidAnswer (request: Uint8Array, response: Uint8Array, raw: string): DecodedDiagnosticResponse {
  const asked = Array.from(request.subarray(1))
  const decoded = decodeService01Response(response)
  const extra = decoded.find((p) => !asked.includes(p.pid))
  if (extra !== undefined) notAnAnswer(`the answer carries PID ${hex2(extra.pid)}, which the request did not ask for`)
  const pids: DiagnosticPid[] = decoded.map((p) => ({ pid: p.pid, name: p.name, hex: hexAll(p.data), values: p.values.map(valueOf) }))
  // SAE J1979: an ECU answers the PIDs it supports and leaves out the others
  const skipped = asked.filter((pid) => !decoded.some((p) => p.pid === pid))
  const summary = decoded.map((p, i) => pidText(pids[i] as DiagnosticPid, p.data)).join(', ')
  return { ok: true, summary, raw, pids, ...(skipped.length > 0 ? { note: `the ECU left out PIDs ${skipped.map(hex2).join(', ')}, which it does not support` } : {}) }
}

function pidText (p: DiagnosticPid, data: Uint8Array): string {
  // PIDs 0x00, 0x20 …: a bitmap of the next 32 PIDs (SAE J1979), read as the list it stands for
  if (p.pid % 0x20 === 0 && p.values.length > 0) {
    const supported = supportedPids(p.pid, data)
    return `PIDs supported: ${supported.length === 0 ? 'none' : supported.map(hex2).join(', ')}`
  }
  return p.values.length === 0 ? `${p.name} ${hex2(p.pid)}: ${p.hex}` : `${p.name} ${valuesText(p.values)}`
}

function obdDtcAnswer (response: Uint8Array, raw: string): DecodedDiagnosticResponse {
  const list = parseObdDtcResponse(response)
  const dtcs: DiagnosticDtc[] = list.dtcs.map((d) => ({ code: dtcText(d), text: dtcText(d) }))
  const kind = list.service === 0x03 ? 'stored' : list.service === 0x07 ? 'pending' : 'permanent'
  const summary = dtcs.length === 0
    ? `no ${kind} DTCs`
    : `${dtcs.length} ${kind} DTC${dtcs.length === 1 ? '' : 's'}: ${dtcs.slice(0, SUMMARY_DTCS).map((d) => d.code).join(', ')}${more(dtcs.length)}`
  return { ok: true, summary, raw, dtcs }
}

function vehicleInfoAnswer (request: Uint8Array, response: Uint8Array, raw: string): DecodedDiagnosticResponse {
  const parsed = parseService09Response(response)
  if (request[1] !== undefined && parsed.infoType !== request[1]) {
    notAnAnswer(`the answer is InfoType ${hex2(parsed.infoType)}, the request asked ${hex2(request[1])}`)
  }
  const info: DiagnosticVehicleInfo = { infoType: parsed.infoType, name: infoTypeName(parsed.infoType), items: parsed.items.map(hexAll) }
  let summary: string
  if (parsed.infoType % 0x20 === 0) {
    // the bitmap's layout is service 01's supported-PID bitmap (SAE J1979)
    info.supported = supportedPids(parsed.infoType, parsed.items[0] ?? new Uint8Array(0))
    summary = `supported InfoTypes: ${info.supported.length === 0 ? 'none' : info.supported.map(hex2).join(', ')}`
  } else if (parsed.infoType === 0x02) {
    info.vin = vinFromService09(response)
    summary = `VIN ${info.vin}`
  } else if (parsed.infoType === 0x04) {
    info.calibrationIds = calibrationIdsFromService09(response)
    summary = `calibration ids: ${info.calibrationIds.join(', ')}`
  } else if (parsed.infoType === 0x06) {
    info.cvns = cvnsFromService09(response)
    summary = `calibration verification numbers: ${info.cvns.join(', ')}`
  } else {
    summary = `${info.name}: ${plural(info.items.length, 'item')} (${info.items.join(' | ')})`
  }
  return { ok: true, summary, raw, vehicleInfo: info }
}

function udsDtc (r: DtcAndStatus): DiagnosticDtc {
  return { code: dtcText(r.dtc >> 8), text: udsDtcText(r.dtc), status: r.status, statusFlags: dtcStatusNames(r.status) }
}

/** '2 DTCs: P0217 confirmed, P0A80-1C pending' */
function dtcListSummary (dtcs: readonly DiagnosticDtc[]): string {
  if (dtcs.length === 0) return 'no DTCs'
  const named = dtcs.slice(0, SUMMARY_DTCS).map((d) => `${shortText(d)} ${statusWord(d.status ?? 0)}`)
  return `${plural(dtcs.length, 'DTC')}: ${named.join(', ')}${more(dtcs.length)}`
}

/** The code alone when the failure type is 00 ('no sub-type information', J2012-DA), else the full text. */
function shortText (d: DiagnosticDtc): string {
  return d.text.endsWith('-00') ? d.code : d.text
}

/** ISO 14229-1 D.2, the bit that matters most to a reader first. */
function statusWord (status: number): string {
  if ((status & 0x08) !== 0) return 'confirmed'
  if ((status & 0x04) !== 0) return 'pending'
  if ((status & 0x01) !== 0) return 'failing'
  if ((status & 0x20) !== 0) return 'failed since last clear'
  return 'not failing'
}

function plural (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function more (n: number): string {
  return n > SUMMARY_DTCS ? `, and ${n - SUMMARY_DTCS} more` : ''
}
