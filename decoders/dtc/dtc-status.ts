/**
 * The UDS DTC status byte, ISO 14229-1 D.2 (DTCStatusMask), one flag per bit.
 * The same byte rides beside every DTC in a 0x59 response and in the
 * TelemetryBatch DTC records.
 */

/** ISO 14229-1 D.2, in bit order: bit 0 is testFailed, bit 7 warningIndicatorRequested. */
export const DTC_STATUS_FLAGS = [
  'testFailed',
  'testFailedThisOperationCycle',
  'pendingDTC',
  'confirmedDTC',
  'testNotCompletedSinceLastClear',
  'testFailedSinceLastClear',
  'testNotCompletedThisOperationCycle',
  'warningIndicatorRequested'
] as const

export type DtcStatusFlag = typeof DTC_STATUS_FLAGS[number]
export type DtcStatusFlags = Record<DtcStatusFlag, boolean>

/** The status byte as eight named booleans. */
export function dtcStatusFlags (status: number): DtcStatusFlags {
  const flags = {} as DtcStatusFlags
  DTC_STATUS_FLAGS.forEach((name, bit) => { flags[name] = ((status >> bit) & 1) === 1 })
  return flags
}

/** Named flags back to the byte; a flag left out is 0. */
export function dtcStatusByte (flags: Partial<DtcStatusFlags>): number {
  let status = 0
  DTC_STATUS_FLAGS.forEach((name, bit) => { if (flags[name] === true) status |= 1 << bit })
  return status
}

/** The names of the bits that are set, in bit order: what a CLI prints. */
export function dtcStatusNames (status: number): DtcStatusFlag[] {
  return DTC_STATUS_FLAGS.filter((_, bit) => ((status >> bit) & 1) === 1)
}
