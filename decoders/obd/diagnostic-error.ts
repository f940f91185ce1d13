/**
 * Why a diagnostic message (OBD-II, ISO-TP, UDS, DTC text) did not decode.
 * The code is stable: ingest counts and dead-letters by it, a CLI prints it;
 * the message names the input bytes or text and what was wrong with them.
 */
import { PitwallError } from '../../runtime/errors.js'
export type DiagnosticErrorCode =
  /** fewer bytes than the message or PID layout needs */
  | 'PITWALL_ERR_OBD_TRUNCATED'
  /** a multi-PID response carries a PID whose length is unknown, so the rest cannot be split */
  | 'PITWALL_ERR_OBD_UNKNOWN_PID'
  /** the first byte is not the positive response to the service the parser reads */
  | 'PITWALL_ERR_OBD_SERVICE'
  /** a well-formed 0x7F negative response: the ECU refused the request */
  | 'PITWALL_ERR_NEGATIVE_RESPONSE'
  | 'PITWALL_ERR_SERVICE09'
  | 'PITWALL_ERR_ISOTP_FRAME'
  | 'PITWALL_ERR_ISOTP_SEQUENCE'
  | 'PITWALL_ERR_ISOTP_LENGTH'
  /** a reception was cut short by a new first/single frame or by the N_Cr timeout */
  | 'PITWALL_ERR_ISOTP_INCOMPLETE'
  | 'PITWALL_ERR_DTC_TEXT'
  /** a DTC number outside its 2- or 3-byte range */
  | 'PITWALL_ERR_DTC_VALUE'
  | 'PITWALL_ERR_DTC_LIST'
  | 'PITWALL_ERR_UDS_READ_DTC'
  /** a diagnostic request to send to a vehicle is malformed (request.ts): refused before it is signed */
  | 'PITWALL_ERR_DIAGNOSTIC_REQUEST'

export class DiagnosticError extends PitwallError {
  declare readonly code: DiagnosticErrorCode
  constructor (code: DiagnosticErrorCode, message: string) {
    super(code, message)
  }
}

/** '41 0C 1A F8': how messages name the bytes they refuse (at most 16, then '…'). */
export function hexBytes (bytes: Uint8Array, max = 16): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')
  return bytes.length > max ? `${shown} … (${bytes.length} bytes)` : shown
}

/** '0x0C' */
export function hex2 (n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(2, '0')}`
}
