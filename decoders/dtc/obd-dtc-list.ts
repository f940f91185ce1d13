/**
 * DTC lists from SAE J1979 services 03 (confirmed / stored), 07 (pending) and
 * 0A (permanent): 2-byte SAE J2012 DTCs after the response SID.
 *
 * On CAN, ISO 15765-4 puts a count byte first: `43 02 01 43 01 96`. The older
 * transports (ISO 9141-2, ISO 14230-4, J1850) have no count and fill each
 * message to three DTCs with 0000, which is never a real code and is skipped.
 */
import { DiagnosticError, hex2, hexBytes } from '../obd/diagnostic-error.js'
import { negativeResponse } from '../obd/negative-response.js'

/** Response SID (request + 0x40) -> request service. */
const DTC_SERVICES: ReadonlyMap<number, 0x03 | 0x07 | 0x0a> = new Map([[0x43, 0x03], [0x47, 0x07], [0x4a, 0x0a]])

export interface ObdDtcList {
  /** 0x03 confirmed, 0x07 pending, 0x0A permanent */
  readonly service: 0x03 | 0x07 | 0x0a
  /** 2-byte SAE J2012 codes (dtcText turns them into 'P0301') */
  readonly dtcs: number[]
}

export interface ObdDtcListOptions {
  /** true (default) for CAN per ISO 15765-4; false for K-line / J1850 messages without the count byte */
  readonly countByte?: boolean
}

export function parseObdDtcResponse (msg: Uint8Array, options: ObdDtcListOptions = {}): ObdDtcList {
  const service = DTC_SERVICES.get(msg[0] ?? -1)
  if (service === undefined) {
    const negative = negativeResponse(msg)
    if (negative !== undefined) {
      throw new DiagnosticError('PITWALL_ERR_NEGATIVE_RESPONSE',
        `DTC response: ECU refused service ${hex2(negative.service)} with NRC ${hex2(negative.nrc)} ${negative.name}`)
    }
    throw new DiagnosticError(msg.length === 0 ? 'PITWALL_ERR_OBD_TRUNCATED' : 'PITWALL_ERR_OBD_SERVICE',
      `DTC response ${hexBytes(msg)}: ${msg.length === 0 ? 'empty' : `${hex2(msg[0] as number)} is not 43, 47 or 4A (services 03, 07, 0A)`}`)
  }
  let start = 1
  if (options.countByte ?? true) {
    if (msg.length < 2) throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `service ${hex2(service)} response ${hexBytes(msg)} lacks its DTC count byte (ISO 15765-4)`)
    const count = msg[1] as number
    start = 2
    if (msg.length - start !== 2 * count) {
      throw new DiagnosticError('PITWALL_ERR_DTC_LIST',
        `service ${hex2(service)} response ${hexBytes(msg)}: the count byte says ${count} DTCs (${2 * count} bytes), the message carries ${msg.length - start}`)
    }
  } else if ((msg.length - start) % 2 !== 0) {
    throw new DiagnosticError('PITWALL_ERR_DTC_LIST', `service ${hex2(service)} response ${hexBytes(msg)}: ${msg.length - start} DTC bytes is not a whole number of 2-byte DTCs`)
  }
  const dtcs: number[] = []
  for (let i = start; i + 1 < msg.length; i += 2) {
    const dtc = ((msg[i] as number) << 8) | (msg[i + 1] as number)
    if (dtc !== 0) dtcs.push(dtc)
  }
  return { service, dtcs }
}
