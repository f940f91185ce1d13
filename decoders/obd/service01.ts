/**
 * SAE J1979 service 01 positive responses. On CAN (ISO 15765-4) one request
 * may name up to six PIDs and the ECU answers them in one message, each PID
 * byte followed by its data: `41 0C 1A F8 0D 40` is engine speed then vehicle
 * speed. Nothing in the message says where one PID's data ends, so the split
 * relies on the PID table's exact lengths.
 */
import { DiagnosticError, hex2, hexBytes } from './diagnostic-error.js'
import { expectPositiveResponse } from './negative-response.js'
import { mode01Pid } from './pids.js'

/** SAE J1979: positive response SID = request SID + 0x40. */
export const SERVICE01_RESPONSE_SID = 0x41

export interface PidResponse {
  readonly pid: number
  /** the PID's data bytes A, B, … (a view into the message, not a copy) */
  readonly data: Uint8Array
}

/**
 * Splits a service 01 positive response into its PID + data pairs. A PID
 * Pitwall does not know can only be the last one (its data is whatever
 * remains); anywhere else the rest of the message cannot be split and the
 * error says so.
 */
export function splitService01Response (msg: Uint8Array): PidResponse[] {
  expectPositiveResponse(msg, SERVICE01_RESPONSE_SID, 'service 01 response')
  const out: PidResponse[] = []
  let i = 1
  if (msg.length < 3) {
    throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `service 01 response ${hexBytes(msg)} has no PID data (needs 41, PID, at least one data byte)`)
  }
  while (i < msg.length) {
    const pid = msg[i] as number
    const def = mode01Pid(pid)
    const start = i + 1
    const left = msg.length - start
    if (def === undefined) {
      if (left === 0) {
        throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED', `service 01 response ${hexBytes(msg)}: PID ${hex2(pid)} at byte ${i} has no data`)
      }
      if (!isLastPidPlausible(msg, start)) {
        throw new DiagnosticError('PITWALL_ERR_OBD_UNKNOWN_PID',
          `service 01 response ${hexBytes(msg)}: PID ${hex2(pid)} at byte ${i} is not in the PID table, so its length and the PIDs after it are unknown`)
      }
      out.push({ pid, data: msg.subarray(start) })
      break
    }
    if (left < def.bytes) {
      throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED',
        `service 01 response ${hexBytes(msg)}: PID ${hex2(pid)} (${def.name}) needs ${def.bytes} data bytes, ${left} left`)
    }
    out.push({ pid, data: msg.subarray(start, start + def.bytes) })
    i = start + def.bytes
  }
  return out
}

/**
 * An unknown PID's data runs to the end of the message. SAE J1979 PIDs carry
 * at most 9 data bytes, so a longer rest means the PID sits in the middle and
 * the message cannot be split. (A short rest after an unknown PID in the
 * middle is indistinguishable from a last PID: those bytes stay raw.)
 */
const LONGEST_UNKNOWN_PID_DATA = 9
function isLastPidPlausible (msg: Uint8Array, dataStart: number): boolean {
  return msg.length - dataStart <= LONGEST_UNKNOWN_PID_DATA
}

export interface DecodedValue {
  readonly name: string
  readonly unit: string
  /** NaN when the field does not apply (see PidDefinition.decode) */
  readonly value: number
  /** the enum name of value, when the PID has one for it */
  readonly label?: string
  readonly catalog?: string
}

export interface DecodedPid {
  readonly pid: number
  /** SAE J1979 description, or 'unknown PID' */
  readonly name: string
  readonly data: Uint8Array
  /** empty for a PID Pitwall does not decode */
  readonly values: DecodedValue[]
}

/**
 * One PID's data as named values, for a CLI or an alert's evidence (the
 * ingest path uses PidDefinition.decode into a reused array instead).
 */
export function decodePid (pid: number, data: Uint8Array): DecodedPid {
  const def = mode01Pid(pid)
  if (def === undefined) return { pid, name: 'unknown PID', data, values: [] }
  if (data.length < def.bytes) {
    throw new DiagnosticError('PITWALL_ERR_OBD_TRUNCATED',
      `PID ${hex2(pid)} (${def.name}) needs ${def.bytes} data bytes, got ${data.length}: ${hexBytes(data)}`)
  }
  const out = new Float64Array(def.fields.length)
  def.decode(data, out, 0)
  const values = def.fields.map((f, i): DecodedValue => {
    const value = out[i] as number
    const label = f.labels?.get(value)
    return {
      name: f.name,
      unit: f.unit,
      value,
      ...(label !== undefined ? { label } : {}),
      ...(f.catalog !== undefined ? { catalog: f.catalog } : {})
    }
  })
  return { pid, name: def.name, data, values }
}

/** A whole service 01 positive response, every PID in it decoded. */
export function decodeService01Response (msg: Uint8Array): DecodedPid[] {
  return splitService01Response(msg).map((r) => decodePid(r.pid, r.data))
}
