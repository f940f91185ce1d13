/**
 * One line of a can-utils `candump -l` log (the format `canplayer` reads):
 *
 *   (1700000000.123456) can0 123#DEADBEEF          classic frame, 11-bit id (3 hex digits)
 *   (1700000000.123456) can0 1F334455#0011         29-bit id (8 hex digits)
 *   (1700000000.123456) can0 123#R                 remote request (no data)
 *   (1700000000.123456) can0 123##1DEADBEEF        CAN FD: "##", one hex digit of FD flags, data
 *
 * (can-utils lib.c, parse_canframe). Error frames carry CAN_ERR_FLAG
 * (0x20000000) in an 8-digit id and are reported as such, not as data.
 */
import { PitwallError } from '../../runtime/errors.js'
export interface CandumpFrame {
  timeS: number
  iface: string
  /** arbitration id, without flags */
  id: number
  extended: boolean
  fd: boolean
  remote: boolean
  error: boolean
  /** FD flags nibble (bit 0 bit-rate switch, bit 1 error state indicator) */
  fdFlags: number
  data: Uint8Array
}

export class CandumpParseError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_CANDUMP', message)
  }
}

const LINE = /^\((\d+(?:\.\d+)?)\)\s+(\S+)\s+([0-9A-Fa-f]+)(##?)(.*)$/
const CAN_ERR_FLAG = 0x2000_0000
const FD_LENGTHS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64])

/** The frame on `line`, undefined for a blank or comment line; throws CandumpParseError saying what is wrong. */
export function parseCandumpLine (line: string): CandumpFrame | undefined {
  const text = line.trim()
  if (text === '' || text.startsWith('#')) return undefined
  const match = LINE.exec(text)
  if (match === null) throw new CandumpParseError(`not a candump -l line: expected "(seconds) iface id#data", got ${quote(text)}`)
  const [, time, iface, idHex, separator, rest] = match as unknown as [string, string, string, string, string, string]
  if (idHex.length !== 3 && idHex.length !== 8) {
    throw new CandumpParseError(`CAN id ${quote(idHex)} must have 3 hex digits (11-bit) or 8 (29-bit)`)
  }
  const rawId = parseInt(idHex, 16)
  const extended = idHex.length === 8
  const error = extended && (rawId & CAN_ERR_FLAG) !== 0
  const id = extended ? rawId & 0x1fff_ffff : rawId
  if (!extended && id > 0x7ff) throw new CandumpParseError(`11-bit CAN id ${idHex} is above 7FF`)
  const fd = separator === '##'
  let payload = rest
  let fdFlags = 0
  let remote = false
  if (fd) {
    if (!/^[0-9A-Fa-f]/.test(payload)) throw new CandumpParseError(`CAN FD frame ${idHex}##: expected a hex digit of FD flags after "##"`)
    fdFlags = parseInt(payload[0] as string, 16)
    payload = payload.slice(1)
  } else if (/^[Rr]\d*$/.test(payload)) {
    remote = true
    payload = ''
  }
  // can-utils allows a '.' between data bytes
  const hex = payload.replaceAll('.', '')
  if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) {
    throw new CandumpParseError(`frame ${idHex}: data ${quote(payload)} is not whole hex bytes`)
  }
  const length = hex.length / 2
  if (fd ? !FD_LENGTHS.has(length) : length > 8) {
    throw new CandumpParseError(`frame ${idHex}: ${length} data bytes is not a ${fd ? 'CAN FD' : 'classic CAN'} length`)
  }
  const data = new Uint8Array(length)
  for (let i = 0; i < length; i++) data[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return { timeS: Number(time), iface, id, extended, fd, remote, error, fdFlags, data }
}

function quote (text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)
}

/**
 * A frame as a `candump -l` line, the inverse of parseCandumpLine: time in
 * seconds with 6 decimals, an 11-bit id as 3 hex digits and a 29-bit one as
 * 8, data as upper-case hex, a CAN FD frame with "##" and its flags nibble.
 */
export function formatCandumpLine (frame: Pick<CandumpFrame, 'iface' | 'id' | 'extended' | 'data'> & { timeUs: number, fd?: boolean, fdFlags?: number }): string {
  const us = Math.round(frame.timeUs)
  const seconds = Math.floor(us / 1e6)
  const micros = String(us - seconds * 1e6).padStart(6, '0')
  const id = frame.id.toString(16).toUpperCase().padStart(frame.extended ? 8 : 3, '0')
  const data = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength).toString('hex').toUpperCase()
  return `(${seconds}.${micros}) ${frame.iface} ${id}${frame.fd === true ? `##${(frame.fdFlags ?? 0).toString(16).toUpperCase()}` : '#'}${data}`
}
