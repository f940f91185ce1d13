/**
 * Remote diagnosis on demand, the request side: the service bytes an
 * engineer sends to one vehicle's ECUs (UDS, ISO 14229-1, or OBD-II, SAE
 * J1979), built from a small spec or given raw, and checked before they are
 * signed: a malformed request would only come back as an NRC (or nothing)
 * after a round trip to the vehicle.
 */
import { DiagnosticError, hex2, hexBytes } from '../obd/diagnostic-error.js'
import { parseUdsDtcText, udsDtcText } from '../dtc/j2012.js'
import { dtcGroupName, hex4, infoTypeName, READ_DTC_REPORTS, serviceName } from './services.js'

export type DiagnosticRequestSpec =
  /** 19 02 <mask>: DTCs whose status matches the mask (default 0xFF, every stored DTC) */
  | { readonly kind: 'uds_read_dtcs', readonly statusMask?: number }
  /** 19 04 <DTC> <record>: a DTC's snapshot (freeze frame); dtc 'P0217' (failure type 00) or 'P0217-1A'; record default 0xFF, all */
  | { readonly kind: 'uds_dtc_snapshot', readonly dtc: string, readonly record?: number }
  /** 19 06 <DTC> <record>: a DTC's extended data (counters); record default 0xFF, all */
  | { readonly kind: 'uds_dtc_extended', readonly dtc: string, readonly record?: number }
  /** 22 <DID>…: 1 to 8 data identifiers */
  | { readonly kind: 'uds_read_did', readonly dids: readonly number[] }
  /** 14 <group>: default 0xFFFFFF, all DTCs */
  | { readonly kind: 'uds_clear_dtcs', readonly group?: number }
  /** 01 <PID>…: 1 to 6 PIDs */
  | { readonly kind: 'obd_read_pids', readonly pids: readonly number[] }
  | { readonly kind: 'obd_vehicle_info', readonly infoType: number }
  /** 03 stored, 07 pending, 0A permanent */
  | { readonly kind: 'obd_dtcs', readonly service: 0x03 | 0x07 | 0x0a }
  | { readonly kind: 'obd_clear_dtcs' }
  /** any request, e.g. '22 F1 90' or '22F190'; validated like the others */
  | { readonly kind: 'raw', readonly hex: string }

export interface DiagnosticRequestInfo {
  /** the request service id */
  readonly service: number
  /** UDS 0x14 or OBD-II 04: the ECUs forget DTCs and freeze frames, so the command flow asks an engineer to approve */
  readonly clearsDtcs: boolean
  /** e.g. 'UDS ReadDTCInformation reportDTCByStatusMask (mask 0xFF)' */
  readonly description: string
}

/** ISO 15765-2: the most a classic-CAN first frame can announce, so the most a T-box can send in one request. */
const MAX_REQUEST_BYTES = 4095
/** ISO 14229-1 does not bound a 0x22 request; ECUs do (NRC 0x13 beyond their limit), and 8 keeps the answer in a few frames. */
const MAX_DIDS = 8
/** SAE J1979 on CAN (ISO 15765-4): at most 6 PIDs per service 01 request. */
const MAX_PIDS = 6

const KINDS = ['uds_read_dtcs', 'uds_dtc_snapshot', 'uds_dtc_extended', 'uds_read_did', 'uds_clear_dtcs',
  'obd_read_pids', 'obd_vehicle_info', 'obd_dtcs', 'obd_clear_dtcs', 'raw'] as const

function fail (message: string): never {
  throw new DiagnosticError('PITWALL_ERR_DIAGNOSTIC_REQUEST', message)
}

/**
 * The request bytes for `spec`, validated as validateDiagnosticRequest does.
 * `spec` is checked at run time too: it arrives from the API as JSON.
 */
export function buildDiagnosticRequest (spec: DiagnosticRequestSpec): Uint8Array {
  const bytes = specBytes(spec)
  validateDiagnosticRequest(bytes)
  return bytes
}

function specBytes (spec: DiagnosticRequestSpec): Uint8Array {
  if (typeof spec !== 'object' || spec === null) fail(`a diagnostic request spec is an object with a kind, got ${String(spec)}`)
  switch (spec.kind) {
    case 'uds_read_dtcs':
      return Uint8Array.of(0x19, 0x02, integer('statusMask', spec.statusMask ?? 0xff, 0xff))
    case 'uds_dtc_snapshot':
    case 'uds_dtc_extended': {
      const dtc = dtcNumber(spec.dtc)
      const record = integer('record', spec.record ?? 0xff, 0xff)
      return Uint8Array.of(0x19, spec.kind === 'uds_dtc_snapshot' ? 0x04 : 0x06, dtc >> 16, (dtc >> 8) & 0xff, dtc & 0xff, record)
    }
    case 'uds_read_did':
      return Uint8Array.from([0x22, ...list('dids', spec.dids, 'DIDs', MAX_DIDS, 0xffff).flatMap((did) => [did >> 8, did & 0xff])])
    case 'uds_clear_dtcs': {
      const group = integer('group', spec.group ?? 0xffffff, 0xffffff)
      return Uint8Array.of(0x14, group >> 16, (group >> 8) & 0xff, group & 0xff)
    }
    case 'obd_read_pids':
      return Uint8Array.from([0x01, ...list('pids', spec.pids, 'PIDs', MAX_PIDS, 0xff)])
    case 'obd_vehicle_info':
      return Uint8Array.of(0x09, integer('infoType', spec.infoType, 0xff))
    case 'obd_dtcs':
      if (spec.service !== 0x03 && spec.service !== 0x07 && spec.service !== 0x0a) {
        fail(`service: ${String(spec.service)} is not a DTC service (3 stored, 7 pending, 10 permanent)`)
      }
      return Uint8Array.of(spec.service)
    case 'obd_clear_dtcs':
      return Uint8Array.of(0x04)
    case 'raw':
      return parseHex(spec.hex)
    default:
      return fail(`kind: '${String((spec as { kind?: unknown }).kind)}' is not a diagnostic request kind (${KINDS.join(', ')})`)
  }
}

function integer (field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    fail(`${field}: ${JSON.stringify(value) ?? String(value)} is not an integer from 0 to 0x${max.toString(16).toUpperCase()}`)
  }
  return value
}

function list (field: string, values: unknown, what: string, max: number, maxValue: number): number[] {
  if (!Array.isArray(values)) fail(`${field}: expected a list of ${what}, got ${JSON.stringify(values) ?? String(values)}`)
  if (values.length === 0) fail(`${field}: no ${what}, at least 1`)
  if (values.length > max) fail(`${field}: ${values.length} ${what}, at most ${max}`)
  const seen = new Set<number>()
  return values.map((value, i) => {
    const n = integer(`${field}[${i}]`, value, maxValue)
    // one ECU answers each at most once, in order: a repeat would make the answer ambiguous to split
    if (seen.has(n)) fail(`${field}: 0x${n.toString(16).toUpperCase()} is asked twice`)
    seen.add(n)
    return n
  })
}

function dtcNumber (text: unknown): number {
  if (typeof text !== 'string') fail(`dtc: expected SAE J2012 text such as 'P0217' or 'P0217-1A', got ${JSON.stringify(text) ?? String(text)}`)
  try {
    return parseUdsDtcText(text)
  } catch (err) {
    if (err instanceof DiagnosticError) fail(`dtc: ${err.message}`)
    throw err
  }
}

/** '22 F1 90', '22F190', '22 f190': whitespace between digits is ignored, the digits must pair up into bytes. */
function parseHex (text: unknown): Uint8Array {
  if (typeof text !== 'string') fail(`hex: expected the request bytes as hex text, got ${JSON.stringify(text) ?? String(text)}`)
  const digits = text.replace(/\s+/g, '')
  const bad = /[^0-9a-f]/i.exec(digits)
  if (bad !== null) fail(`hex: '${bad[0]}' in '${text}' is not a hex digit`)
  if (digits.length % 2 !== 0) fail(`hex: '${text}' has ${digits.length} hex digits, not whole bytes`)
  const bytes = new Uint8Array(digits.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

/**
 * What `bytes` asks, or a DiagnosticError naming what is malformed. Checks
 * the framing every service shares (not empty, fits ISO-TP, a request SID,
 * not a response) and the lengths ISO 14229-1 and SAE J1979 fix per service.
 */
export function validateDiagnosticRequest (bytes: Uint8Array): DiagnosticRequestInfo {
  if (bytes.length === 0) fail('request: empty; it needs at least a service id')
  const what = `request ${hexBytes(bytes)}`
  if (bytes.length > MAX_REQUEST_BYTES) fail(`${what}: ${bytes.length} bytes, ISO-TP carries at most ${MAX_REQUEST_BYTES}`)
  const sid = bytes[0] as number
  // ISO 14229-1 Table 2: 0x40-0x7F answer 0x00-0x3F (0x7F negatively), 0xC0-0xFF answer 0x80-0xBF
  if ((sid >= 0x40 && sid <= 0x7f) || sid >= 0xc0) {
    fail(`${what}: ${hex2(sid)} is a ${sid === 0x7f ? 'negative' : 'positive'} response service id, not a request`)
  }
  return { service: sid, clearsDtcs: sid === 0x14 || sid === 0x04, description: describe(bytes, what) }
}

function describe (bytes: Uint8Array, what: string): string {
  const sid = bytes[0] as number
  const n = bytes.length
  const name = serviceName(sid)
  const exactly = (length: number, shape: string): void => {
    if (n !== length) fail(`${what}: ${name} is ${length} byte${length === 1 ? '' : 's'} (${shape}), got ${n}`)
  }
  switch (sid) {
    case 0x01: {
      if (n < 2 || n > 1 + MAX_PIDS) fail(`${what}: ${name} names 1 to ${MAX_PIDS} PIDs, got ${n - 1}`)
      return `OBD-II service 01 PIDs ${Array.from(bytes.subarray(1), hex2).join(', ')}`
    }
    case 0x02: {
      // SAE J1979: (PID, frame number) pairs, at most 3 on CAN
      if (n < 3 || n > 7 || (n - 1) % 2 !== 0) fail(`${what}: ${name} names 1 to 3 (PID, frame) pairs, got ${n - 1} bytes`)
      const pairs: string[] = []
      for (let i = 1; i < n; i += 2) pairs.push(`PID ${hex2(bytes[i] as number)} frame ${bytes[i + 1] as number}`)
      return `${name} ${pairs.join(', ')}`
    }
    case 0x03: case 0x04: case 0x07: case 0x0a:
      exactly(1, 'the service id alone')
      return name
    case 0x06:
      if (n < 2 || n > 7) fail(`${what}: ${name} names 1 to 6 monitor ids, got ${n - 1}`)
      return `${name} MIDs ${Array.from(bytes.subarray(1), hex2).join(', ')}`
    case 0x09: {
      // ISO 15765-4: one InfoType per request (each answer is a multi-frame message of its own)
      exactly(2, 'service id and one InfoType')
      const infoType = bytes[1] as number
      return `OBD-II service 09 InfoType ${hex2(infoType)} (${infoTypeName(infoType)})`
    }
    case 0x14: {
      exactly(4, 'service id and a 3-byte groupOfDTC')
      return `${name} (${dtcGroupName(u24(bytes, 1))})`
    }
    case 0x19:
      return describeReadDtc(bytes, what)
    case 0x22: {
      if (n < 3 || (n - 1) % 2 !== 0) fail(`${what}: ${name} needs one or more 2-byte DIDs, got ${n - 1} bytes`)
      const dids: string[] = []
      for (let i = 1; i < n; i += 2) dids.push(hex4(((bytes[i] as number) << 8) | (bytes[i + 1] as number)))
      return `${name} ${dids.join(', ')}`
    }
    default:
      return describeOther(bytes, what)
  }
}

function describeReadDtc (bytes: Uint8Array, what: string): string {
  if (bytes.length < 2) fail(`${what}: UDS ReadDTCInformation needs a report type (sub-function)`)
  const reportType = bytes[1] as number
  const report = READ_DTC_REPORTS.get(reportType)
  if (report === undefined) fail(`${what}: ${hex2(reportType)} is not an ISO 14229-1 ReadDTCInformation report type`)
  if (bytes.length !== report.length) {
    fail(`${what}: ReadDTCInformation ${report.name} is ${report.length} bytes, got ${bytes.length}`)
  }
  const prefix = `UDS ReadDTCInformation ${report.name}`
  switch (reportType) {
    case 0x01: case 0x02: case 0x0f: case 0x11: case 0x12: case 0x13:
      return `${prefix} (mask ${hex2(bytes[2] as number)})`
    case 0x04: case 0x06: case 0x10:
      return `${prefix} (${udsDtcText(u24(bytes, 2))}, record ${hex2(bytes[5] as number)})`
    default:
      return bytes.length > 2 ? `${prefix} (${hexBytes(bytes.subarray(2))})` : prefix
  }
}

/** ISO 14229-1: shortest request of each service (SID, sub-function, mandatory parameters); `max` where the length is fixed. */
const UDS_LENGTHS: ReadonlyMap<number, { readonly min: number, readonly max?: number }> = new Map([
  [0x10, { min: 2, max: 2 }],
  [0x11, { min: 2, max: 2 }],
  // addressAndLengthFormatIdentifier, at least one address and one size byte
  [0x23, { min: 4 }],
  [0x24, { min: 3, max: 3 }],
  [0x27, { min: 2 }],
  [0x28, { min: 3 }],
  [0x29, { min: 2 }],
  [0x2a, { min: 2 }],
  [0x2c, { min: 2 }],
  // a DID and at least one data byte
  [0x2e, { min: 4 }],
  [0x2f, { min: 4 }],
  // routineControlType and a 2-byte routine id
  [0x31, { min: 4 }],
  [0x34, { min: 5 }],
  [0x35, { min: 5 }],
  [0x36, { min: 2 }],
  [0x38, { min: 5 }],
  [0x3d, { min: 5 }],
  [0x3e, { min: 2, max: 2 }],
  [0x83, { min: 2 }],
  [0x84, { min: 2 }],
  [0x85, { min: 2 }],
  [0x86, { min: 2 }],
  [0x87, { min: 2 }]
])

/** ISO 14229-1 services whose second byte is a sub-function, with bit 7 the suppressPosRspMsgIndicationBit. */
const SUB_FUNCTION_SERVICES = new Set([0x10, 0x11, 0x27, 0x28, 0x29, 0x31, 0x3e, 0x83, 0x85, 0x86, 0x87])

function describeOther (bytes: Uint8Array, what: string): string {
  const sid = bytes[0] as number
  const name = serviceName(sid)
  const lengths = UDS_LENGTHS.get(sid)
  if (lengths !== undefined) {
    if (bytes.length < lengths.min) fail(`${what}: ${name} needs at least ${lengths.min} bytes, got ${bytes.length}`)
    if (lengths.max !== undefined && bytes.length > lengths.max) fail(`${what}: ${name} is ${lengths.max} bytes, got ${bytes.length}`)
  }
  if (SUB_FUNCTION_SERVICES.has(sid) && ((bytes[1] as number) & 0x80) !== 0) {
    // a remote diagnosis waits for an answer: with the bit set the ECU sends none, and the command would time out
    fail(`${what}: sub-function ${hex2(bytes[1] as number)} sets suppressPosRspMsgIndicationBit; the ECU would send no positive answer`)
  }
  return bytes.length > 1 ? `${name} ${hexBytes(bytes.subarray(1))}` : name
}

function u24 (bytes: Uint8Array, i: number): number {
  return ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
}
