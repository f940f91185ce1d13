/**
 * Negative response codes in plain words, for the engineer who asked: the
 * ISO 14229-1 A.1 name says what the ECU meant, this says what to do about it.
 */
import { hex2 } from '../obd/diagnostic-error.js'
import { nrcName } from '../obd/negative-response.js'

const NRC_TEXTS: ReadonlyMap<number, string> = new Map([
  [0x10, 'general reject: the ECU refused without giving a more specific reason'],
  [0x11, 'service not supported: this ECU does not offer this service'],
  [0x12, 'sub-function not supported: this ECU does not offer this report or mode of the service'],
  [0x13, 'incorrect message length or format: the ECU read the request as malformed'],
  [0x14, 'response too long: the answer would not fit in one message; ask for less at once'],
  [0x21, 'busy: the ECU is busy with something else; repeat the request later'],
  [0x22, 'conditions not correct: the ECU cannot do this now (e.g. engine running, vehicle moving)'],
  [0x24, 'request sequence error: this request needs another one first (e.g. a seed before a key)'],
  [0x31, 'request out of range: the ECU does not know this identifier, DTC, record or parameter'],
  [0x33, 'security access denied: the ECU must be unlocked (SecurityAccess, service 0x27) first'],
  [0x35, 'invalid key: the SecurityAccess key was wrong'],
  [0x36, 'exceeded number of attempts: too many wrong SecurityAccess keys; the ECU stays locked for a while'],
  [0x37, 'required time delay not expired: wait before trying SecurityAccess again'],
  [0x70, 'upload/download not accepted: the ECU refused to start the transfer'],
  [0x71, 'transfer data suspended: the ECU stopped the transfer'],
  [0x72, 'general programming failure: writing the ECU\'s memory failed'],
  [0x73, 'wrong block sequence counter: a transfer block arrived out of order'],
  [0x78, 'response pending: the ECU received the request and is still working on it; its answer comes later'],
  [0x7e, 'sub-function not supported in the active session: it needs another diagnostic session (service 0x10)'],
  [0x7f, 'service not supported in the active session: it needs another diagnostic session (service 0x10)']
])

/** Plain words for `nrc`; codes without their own text are spelled from their ISO 14229-1 name ('vehicleSpeedTooHigh' → 'vehicle speed too high'). */
export function nrcText (nrc: number): string {
  const text = NRC_TEXTS.get(nrc)
  if (text !== undefined) return text
  const name = nrcName(nrc)
  if (name === 'vehicleManufacturerSpecific') return `manufacturer-specific refusal ${hex2(nrc)}: the vehicle maker's documentation says what it means`
  if (name === 'reservedByDocument') return `refusal ${hex2(nrc)}, a code ISO 14229-1 reserves and gives no meaning`
  return name.replace(/([A-Z])/g, ' $1').toLowerCase()
}
