/**
 * DTC text per SAE J2012: a letter for the system and four hex digits.
 *
 *   2-byte DTC (SAE J1979 services 03/07/0A, J2012 5.3):
 *     bits 15..14 system  P=00 powertrain, C=01 chassis, B=10 body, U=11 network
 *     bits 13..12 first digit 0..3 (0 = SAE-defined, 1 = manufacturer, …)
 *     bits 11..0  three hex digits
 *   0x0301 -> 'P0301', 0xC123 -> 'U0123'.
 *
 *   3-byte UDS DTC (ISO 14229-1 with DTCFormatIdentifier SAE_J2012-DA_DTCFormat_00/04):
 *     the 2-byte J2012 code followed by the failure type byte (FTB, J2012-DA).
 *   Pitwall writes it 'P0301-1A': the J2012 code, a hyphen, the FTB as two hex
 *   digits, the form J2012-DA uses for a DTC with its failure type.
 */
import { DiagnosticError } from '../obd/diagnostic-error.js'

const SYSTEMS = ['P', 'C', 'B', 'U'] as const
const HEX = /^[0-9A-F]$/i

/** 2-byte DTC -> 'P0301'. */
export function dtcText (dtc: number): string {
  if (!Number.isInteger(dtc) || dtc < 0 || dtc > 0xffff) {
    throw new DiagnosticError('PITWALL_ERR_DTC_VALUE', `${String(dtc)} is not a 2-byte SAE J2012 DTC (0..0xFFFF)`)
  }
  return SYSTEMS[dtc >> 14] as string + (dtc & 0x3fff).toString(16).toUpperCase().padStart(4, '0')
}

/** 'P0301' -> 0x0301. Case-insensitive: a scan tool's 'p0301' means the same code. */
export function parseDtcText (text: string): number {
  const what = `DTC text '${text}'`
  if (text.length !== 5) {
    throw new DiagnosticError('PITWALL_ERR_DTC_TEXT', `${what} has ${text.length} characters; SAE J2012 is a letter P, C, B or U and 4 hex digits, e.g. P0301`)
  }
  const system = SYSTEMS.indexOf(text[0]?.toUpperCase() as typeof SYSTEMS[number])
  if (system < 0) throw new DiagnosticError('PITWALL_ERR_DTC_TEXT', `${what}: '${text[0] as string}' is not a system letter (P, C, B or U)`)
  const first = text[1] as string
  if (!/^[0-3]$/.test(first)) {
    throw new DiagnosticError('PITWALL_ERR_DTC_TEXT', `${what}: the first digit '${first}' must be 0-3 (SAE J2012 gives it two bits)`)
  }
  for (let i = 2; i < 5; i++) {
    if (!HEX.test(text[i] as string)) throw new DiagnosticError('PITWALL_ERR_DTC_TEXT', `${what}: '${text[i] as string}' at position ${i + 1} is not a hex digit`)
  }
  return (system << 14) | parseInt(text.slice(1), 16)
}

/** 3-byte UDS DTC -> 'P0301-1A'. */
export function udsDtcText (dtc: number): string {
  if (!Number.isInteger(dtc) || dtc < 0 || dtc > 0xffffff) {
    throw new DiagnosticError('PITWALL_ERR_DTC_VALUE', `${String(dtc)} is not a 3-byte UDS DTC (0..0xFFFFFF)`)
  }
  return `${dtcText(dtc >> 8)}-${(dtc & 0xff).toString(16).toUpperCase().padStart(2, '0')}`
}

/**
 * 'P0301-1A' -> 0x03011A. 'P0301' alone is accepted as failure type 0x00
 * (J2012-DA: "no sub-type information"), the form services 03/07/0A report.
 */
export function parseUdsDtcText (text: string): number {
  const dash = text.indexOf('-')
  if (dash < 0) return parseDtcText(text) * 0x100
  const ftb = text.slice(dash + 1)
  if (ftb.length !== 2 || !HEX.test(ftb[0] as string) || !HEX.test(ftb[1] as string)) {
    throw new DiagnosticError('PITWALL_ERR_DTC_TEXT', `DTC text '${text}': the failure type after '-' must be 2 hex digits, got '${ftb}'`)
  }
  return parseDtcText(text.slice(0, dash)) * 0x100 + parseInt(ftb, 16)
}
