/**
 * SAE J1979 service 09 (vehicle information) positive responses, after ISO-TP
 * reassembly: `49 <InfoType> <NODI> <items…>`. ISO 15765-4 adds the NODI
 * byte (number of data items) on CAN; each item has a fixed size per InfoType.
 */
import { DiagnosticError, hex2, hexBytes } from './diagnostic-error.js'
import { expectPositiveResponse } from './negative-response.js'

export const SERVICE09_RESPONSE_SID = 0x49

export const INFO_VIN = 0x02
export const INFO_CALIBRATION_ID = 0x04
export const INFO_CVN = 0x06
export const INFO_ECU_NAME = 0x0a

/** SAE J1979 service 09 item sizes: VIN 17 ASCII, CALID 16 ASCII, CVN 4 bytes, ECU name 20 ASCII. */
const ITEM_SIZE: ReadonlyMap<number, number> = new Map([[INFO_VIN, 17], [INFO_CALIBRATION_ID, 16], [INFO_CVN, 4], [INFO_ECU_NAME, 20]])

export interface Service09Response {
  readonly infoType: number
  /** one entry per data item; an InfoType of unknown item size gives the whole rest as one item */
  readonly items: Uint8Array[]
}

export function parseService09Response (msg: Uint8Array): Service09Response {
  expectPositiveResponse(msg, SERVICE09_RESPONSE_SID, 'service 09 response')
  if (msg.length < 3) {
    throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `service 09 response ${hexBytes(msg)} has no InfoType data`)
  }
  const infoType = msg[1] as number
  // InfoTypes 0x00, 0x20 … are supported-InfoType bitmaps: 4 bytes, no NODI.
  if (infoType % 0x20 === 0) return { infoType, items: [msg.subarray(2)] }
  const size = ITEM_SIZE.get(infoType)
  if (size === undefined) return { infoType, items: [msg.subarray(3)] }
  let start = 3
  let count = msg[2] as number
  // Some ECUs leave the NODI byte out of a VIN response: 49 02 then the 17 characters.
  if (infoType === INFO_VIN && msg.length === 2 + size) {
    start = 2
    count = 1
  }
  if (msg.length - start !== count * size) {
    throw new DiagnosticError('PITWALL_ERR_SERVICE09',
      `service 09 InfoType ${hex2(infoType)} response ${hexBytes(msg)}: NODI ${count} × ${size} bytes needs ${count * size} bytes of items, got ${msg.length - start}`)
  }
  const items: Uint8Array[] = []
  for (let i = 0; i < count; i++) items.push(msg.subarray(start + i * size, start + (i + 1) * size))
  return { infoType, items }
}

/** The VIN from a service 09 InfoType 0x02 response. */
export function vinFromService09 (msg: Uint8Array): string {
  const item = itemsOf(msg, INFO_VIN, 'VIN')[0]
  if (item === undefined) throw new DiagnosticError('PITWALL_ERR_SERVICE09', `service 09 VIN response ${hexBytes(msg)} carries no VIN`)
  // The ISO 3779 alphabet is checked where a VIN becomes an identity (gateway); here only that it is text.
  return ascii(item, 'VIN', false)
}

/** The calibration ids from a service 09 InfoType 0x04 response; J1979 pads short ids with 0x00. */
export function calibrationIdsFromService09 (msg: Uint8Array): string[] {
  return itemsOf(msg, INFO_CALIBRATION_ID, 'calibration id').map((item) => ascii(item, 'calibration id', true))
}

/** The calibration verification numbers (InfoType 0x06) as 8 hex digits each, as scan tools print them. */
export function cvnsFromService09 (msg: Uint8Array): string[] {
  return itemsOf(msg, INFO_CVN, 'CVN').map((item) => Array.from(item, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(''))
}

function itemsOf (msg: Uint8Array, infoType: number, what: string): Uint8Array[] {
  const response = parseService09Response(msg)
  if (response.infoType !== infoType) {
    throw new DiagnosticError('PITWALL_ERR_SERVICE09', `service 09 response ${hexBytes(msg)} is InfoType ${hex2(response.infoType)}, not ${hex2(infoType)} (${what})`)
  }
  return response.items
}

function ascii (item: Uint8Array, what: string, zeroPadded: boolean): string {
  let end = item.length
  if (zeroPadded) while (end > 0 && item[end - 1] === 0) end--
  let text = ''
  for (let i = 0; i < end; i++) {
    const c = item[i] as number
    if (c < 0x20 || c > 0x7e) {
      throw new DiagnosticError('PITWALL_ERR_SERVICE09', `${what} ${hexBytes(item, 20)}: byte ${i} (${hex2(c)}) is not printable ASCII`)
    }
    text += String.fromCharCode(c)
  }
  return text
}
