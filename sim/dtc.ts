/**
 * Diagnostic trouble codes as a T-box reports them over UDS (ISO 14229-1
 * ReadDTCInformation): three bytes, the first two the SAE J2012 code, the
 * third the failure type byte.
 */

/** ISO 14229-1 D.2 DTC status bits. */
const DTC_STATUS = {
  testFailed: 0x01,
  testFailedThisOperationCycle: 0x02,
  pendingDTC: 0x04,
  confirmedDTC: 0x08,
  testFailedSinceLastClear: 0x20,
  warningIndicatorRequested: 0x80
} as const

/** A DTC that failed this cycle and is pending, not yet confirmed. */
export const PENDING_STATUS = DTC_STATUS.testFailed | DTC_STATUS.testFailedThisOperationCycle |
  DTC_STATUS.pendingDTC | DTC_STATUS.testFailedSinceLastClear
/** Confirmed, with the MIL requested. */
export const CONFIRMED_STATUS = PENDING_STATUS | DTC_STATUS.confirmedDTC | DTC_STATUS.warningIndicatorRequested

const SYSTEM_BITS: Record<string, number> = { P: 0b00, C: 0b01, B: 0b10, U: 0b11 }

/**
 * 'P0301' -> 0x030100. SAE J2012: the letter is bits 15..14 (P=00, C=01,
 * B=10, U=11), the first digit (0..3) bits 13..12, then three hex digits.
 */
export function encodeDtc (code: string, failureType = 0x00): number {
  const match = /^([PCBU])([0-3])([0-9A-F]{3})$/.exec(code)
  if (match === null) throw new RangeError(`not an SAE J2012 DTC: '${code}'`)
  const system = SYSTEM_BITS[match[1] as string] as number
  const twoBytes = (system << 14) | (Number(match[2]) << 12) | parseInt(match[3] as string, 16)
  return (twoBytes << 8) | (failureType & 0xff)
}
