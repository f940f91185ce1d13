/**
 * The names a remote diagnosis shows for what it asked: diagnostic services
 * (SAE J1979 0x01-0x0A, ISO 14229-1 0x10-0x3E and 0x83-0x87), the
 * ReadDTCInformation report types with their request lengths, DTC groups.
 * Shared by request.ts (validation, descriptions) and response.ts (summaries).
 */
import { hex2 } from '../obd/diagnostic-error.js'

/** SAE J1979 services, by request SID. */
const OBD_SERVICES: ReadonlyMap<number, string> = new Map([
  [0x01, 'current data'],
  [0x02, 'freeze frame data'],
  [0x03, 'stored DTCs'],
  [0x04, 'clear DTCs and stored values'],
  [0x05, 'oxygen sensor monitoring'],
  [0x06, 'on-board monitoring results'],
  [0x07, 'pending DTCs'],
  [0x08, 'control of on-board system'],
  [0x09, 'vehicle information'],
  [0x0a, 'permanent DTCs']
])

/** ISO 14229-1 Table 2 service names, by request SID. */
const UDS_SERVICES: ReadonlyMap<number, string> = new Map([
  [0x10, 'DiagnosticSessionControl'],
  [0x11, 'ECUReset'],
  [0x14, 'ClearDiagnosticInformation'],
  [0x19, 'ReadDTCInformation'],
  [0x22, 'ReadDataByIdentifier'],
  [0x23, 'ReadMemoryByAddress'],
  [0x24, 'ReadScalingDataByIdentifier'],
  [0x27, 'SecurityAccess'],
  [0x28, 'CommunicationControl'],
  [0x29, 'Authentication'],
  [0x2a, 'ReadDataByPeriodicIdentifier'],
  [0x2c, 'DynamicallyDefineDataIdentifier'],
  [0x2e, 'WriteDataByIdentifier'],
  [0x2f, 'InputOutputControlByIdentifier'],
  [0x31, 'RoutineControl'],
  [0x34, 'RequestDownload'],
  [0x35, 'RequestUpload'],
  [0x36, 'TransferData'],
  [0x37, 'RequestTransferExit'],
  [0x38, 'RequestFileTransfer'],
  [0x3d, 'WriteMemoryByAddress'],
  [0x3e, 'TesterPresent'],
  [0x83, 'AccessTimingParameter'],
  [0x84, 'SecuredDataTransmission'],
  [0x85, 'ControlDTCSetting'],
  [0x86, 'ResponseOnEvent'],
  [0x87, 'LinkControl']
])

/** 'UDS ReadDTCInformation', 'OBD-II service 03 (stored DTCs)', 'service 0xA5'. */
export function serviceName (sid: number): string {
  const obd = OBD_SERVICES.get(sid)
  if (obd !== undefined) return `OBD-II service ${sid.toString(16).toUpperCase().padStart(2, '0')} (${obd})`
  const uds = UDS_SERVICES.get(sid)
  if (uds !== undefined) return `UDS ${uds}`
  return `service ${hex2(sid)}`
}

interface ReadDtcReport {
  readonly name: string
  /** the whole request's length: SID, report type and its parameters (ISO 14229-1 11.3.2.1) */
  readonly length: number
}

/** ISO 14229-1 11.3.1 ReadDTCInformation report types (sub-functions), with the request length each needs. */
export const READ_DTC_REPORTS: ReadonlyMap<number, ReadDtcReport> = new Map([
  // DTCStatusMask
  [0x01, { name: 'reportNumberOfDTCByStatusMask', length: 3 }],
  [0x02, { name: 'reportDTCByStatusMask', length: 3 }],
  [0x03, { name: 'reportDTCSnapshotIdentification', length: 2 }],
  // DTCMaskRecord (3 bytes) and a record number
  [0x04, { name: 'reportDTCSnapshotRecordByDTCNumber', length: 6 }],
  [0x05, { name: 'reportDTCStoredDataByRecordNumber', length: 3 }],
  [0x06, { name: 'reportDTCExtDataRecordByDTCNumber', length: 6 }],
  // DTCSeverityMask and DTCStatusMask
  [0x07, { name: 'reportNumberOfDTCBySeverityMaskRecord', length: 4 }],
  [0x08, { name: 'reportDTCBySeverityMaskRecord', length: 4 }],
  [0x09, { name: 'reportSeverityInformationOfDTC', length: 5 }],
  [0x0a, { name: 'reportSupportedDTC', length: 2 }],
  [0x0b, { name: 'reportFirstTestFailedDTC', length: 2 }],
  [0x0c, { name: 'reportFirstConfirmedDTC', length: 2 }],
  [0x0d, { name: 'reportMostRecentTestFailedDTC', length: 2 }],
  [0x0e, { name: 'reportMostRecentConfirmedDTC', length: 2 }],
  [0x0f, { name: 'reportMirrorMemoryDTCByStatusMask', length: 3 }],
  [0x10, { name: 'reportMirrorMemoryDTCExtDataRecordByDTCNumber', length: 6 }],
  [0x11, { name: 'reportNumberOfMirrorMemoryDTCByStatusMask', length: 3 }],
  [0x12, { name: 'reportNumberOfEmissionsOBDDTCByStatusMask', length: 3 }],
  [0x13, { name: 'reportEmissionsOBDDTCByStatusMask', length: 3 }],
  [0x14, { name: 'reportDTCFaultDetectionCounter', length: 2 }],
  [0x15, { name: 'reportDTCWithPermanentStatus', length: 2 }],
  [0x16, { name: 'reportDTCExtDataRecordByRecordNumber', length: 3 }],
  // user-defined memory: the MemorySelection byte comes last
  [0x17, { name: 'reportUserDefMemoryDTCByStatusMask', length: 4 }],
  [0x18, { name: 'reportUserDefMemoryDTCSnapshotRecordByDTCNumber', length: 7 }],
  [0x19, { name: 'reportUserDefMemoryDTCExtDataRecordByDTCNumber', length: 7 }],
  [0x1a, { name: 'reportSupportedDTCExtDataRecord', length: 3 }],
  // WWH-OBD (ISO 27145): FunctionalGroupIdentifier first
  [0x42, { name: 'reportWWHOBDDTCByMaskRecord', length: 5 }],
  [0x55, { name: 'reportWWHOBDDTCWithPermanentStatus', length: 3 }],
  [0x56, { name: 'reportDTCInformationByDTCReadinessGroupIdentifier', length: 4 }]
])

/** ISO 14229-1 D.1 groupOfDTC values with a meaning of their own; any other is one DTC or an OEM group. */
export function dtcGroupName (group: number): string {
  switch (group) {
    case 0xffffff: return 'all DTCs'
    case 0xffff33: return 'emissions-related DTCs'
    case 0xffffd0: return 'safety-related DTCs'
    default: return `group 0x${group.toString(16).toUpperCase().padStart(6, '0')}`
  }
}

/** Every byte, '59 02 FF': unlike hexBytes, never shortened (stored and shown in full). */
export function hexAll (bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')
}

/** '0xF190': a data identifier. */
export function hex4 (n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(4, '0')}`
}

/** SAE J1979 service 09 InfoTypes a remote diagnosis asks for. */
const INFO_TYPES: ReadonlyMap<number, string> = new Map([
  [0x02, 'VIN'],
  [0x04, 'calibration ids'],
  [0x06, 'calibration verification numbers'],
  [0x08, 'in-use performance tracking (spark ignition)'],
  [0x0a, 'ECU name'],
  [0x0b, 'in-use performance tracking (compression ignition)']
])

/** 'VIN', 'supported InfoTypes 0x01-0x20', 'InfoType 0x0F'. */
export function infoTypeName (infoType: number): string {
  // 0x00, 0x20 … are bitmaps of the next 32 InfoTypes, as service 01's supported-PID PIDs
  if (infoType % 0x20 === 0) return `supported InfoTypes ${hex2(infoType + 1)}-${hex2(infoType + 0x20)}`
  return INFO_TYPES.get(infoType) ?? `InfoType ${hex2(infoType)}`
}
