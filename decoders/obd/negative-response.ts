/**
 * Negative responses: `7F <request service id> <NRC>`, the same three bytes
 * for SAE J1979 services on CAN (ISO 15765-4) and for UDS (ISO 14229-1 A.1).
 */
import { DiagnosticError, hex2, hexBytes } from './diagnostic-error.js'

/** ISO 14229-1 A.1: the response service id of a negative response. */
export const NEGATIVE_RESPONSE_SID = 0x7f

/** ISO 14229-1 A.1 Table A.1, negative response code names. */
const NRC_NAMES: ReadonlyMap<number, string> = new Map([
  [0x10, 'generalReject'],
  [0x11, 'serviceNotSupported'],
  [0x12, 'subFunctionNotSupported'],
  [0x13, 'incorrectMessageLengthOrInvalidFormat'],
  [0x14, 'responseTooLong'],
  [0x21, 'busyRepeatRequest'],
  [0x22, 'conditionsNotCorrect'],
  [0x24, 'requestSequenceError'],
  [0x25, 'noResponseFromSubnetComponent'],
  [0x26, 'failurePreventsExecutionOfRequestedAction'],
  [0x31, 'requestOutOfRange'],
  [0x33, 'securityAccessDenied'],
  [0x34, 'authenticationRequired'],
  [0x35, 'invalidKey'],
  [0x36, 'exceededNumberOfAttempts'],
  [0x37, 'requiredTimeDelayNotExpired'],
  [0x70, 'uploadDownloadNotAccepted'],
  [0x71, 'transferDataSuspended'],
  [0x72, 'generalProgrammingFailure'],
  [0x73, 'wrongBlockSequenceCounter'],
  [0x78, 'requestCorrectlyReceivedResponsePending'],
  [0x7e, 'subFunctionNotSupportedInActiveSession'],
  [0x7f, 'serviceNotSupportedInActiveSession'],
  [0x81, 'rpmTooHigh'],
  [0x82, 'rpmTooLow'],
  [0x83, 'engineIsRunning'],
  [0x84, 'engineIsNotRunning'],
  [0x85, 'engineRunTimeTooLow'],
  [0x86, 'temperatureTooHigh'],
  [0x87, 'temperatureTooLow'],
  [0x88, 'vehicleSpeedTooHigh'],
  [0x89, 'vehicleSpeedTooLow'],
  [0x8a, 'throttlePedalTooHigh'],
  [0x8b, 'throttlePedalTooLow'],
  [0x8c, 'transmissionRangeNotInNeutral'],
  [0x8d, 'transmissionRangeNotInGear'],
  [0x8f, 'brakeSwitchesNotClosed'],
  [0x90, 'shifterLeverNotInPark'],
  [0x91, 'torqueConverterClutchLocked'],
  [0x92, 'voltageTooHigh'],
  [0x93, 'voltageTooLow'],
  [0x94, 'resourceTemporarilyNotAvailable']
])

/** ISO 14229-1 A.1: 0x78 is not an answer, only "wait longer (P2*)"; the real response follows. */
export const NRC_RESPONSE_PENDING = 0x78

export interface NegativeResponse {
  /** the service the ECU refused (the request SID, e.g. 0x19, not 0x59) */
  readonly service: number
  readonly nrc: number
  /** ISO 14229-1 name, or 'reservedByDocument'/'vehicleManufacturerSpecific' for codes the table lacks */
  readonly name: string
}

export function nrcName (nrc: number): string {
  const name = NRC_NAMES.get(nrc)
  if (name !== undefined) return name
  // ISO 14229-1 A.1: 0xF0-0xFE are left to the vehicle manufacturer, the rest reserved.
  return nrc >= 0xf0 && nrc <= 0xfe ? 'vehicleManufacturerSpecific' : 'reservedByDocument'
}

/** The negative response in `msg`, or undefined when `msg` does not start with 0x7F. */
export function negativeResponse (msg: Uint8Array): NegativeResponse | undefined {
  if (msg[0] !== NEGATIVE_RESPONSE_SID) return undefined
  if (msg.length < 3) {
    throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `negative response ${hexBytes(msg)} needs 3 bytes (7F, service, NRC), got ${msg.length}`)
  }
  const nrc = msg[2] as number
  return { service: msg[1] as number, nrc, name: nrcName(nrc) }
}

/**
 * Every positive-response parser starts here: refuse a negative response with
 * its NRC named, and any other first byte than `expectedSid`.
 */
export function expectPositiveResponse (msg: Uint8Array, expectedSid: number, what: string): void {
  const negative = negativeResponse(msg)
  if (negative !== undefined) {
    throw new DiagnosticError('PITWALL_ERR_NEGATIVE_RESPONSE',
      `${what}: ECU refused service ${hex2(negative.service)} with NRC ${hex2(negative.nrc)} ${negative.name}`)
  }
  if (msg.length === 0) throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `${what}: empty message`)
  if (msg[0] !== expectedSid) {
    throw new DiagnosticError('PITWALL_ERR_OBD_SERVICE',
      `${what}: ${hexBytes(msg)} starts with ${hex2(msg[0] as number)}, expected ${hex2(expectedSid)}`)
  }
}
