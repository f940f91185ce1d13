/**
 * How a SAE J1979 service 01 PID is described: its exact data length and the
 * named values its bytes A, B, C, D … carry. One PID can carry several values
 * (0x01 monitor status, the O2 sensor PIDs), so a PID is a list of fields and
 * its decode writes one number per field into a caller's array: nothing is
 * allocated per response.
 */
import { catalogSignalByName } from '../catalog.js'

export interface PidField {
  /** camelCase, unique within the PID: how a CLI or a rule names the value */
  readonly name: string
  /** '' for enums, flags and counts */
  readonly unit: string
  /** VSS-style catalog name, when Pitwall stores the value as a signal */
  readonly catalog?: string
  /** names of enum values; an ECU may send others, which decode as the bare number */
  readonly labels?: ReadonlyMap<number, string>
}

export interface PidDefinition {
  readonly pid: number
  /** the SAE J1979 description */
  readonly name: string
  /**
   * Data bytes after the PID byte, exactly as SAE J1979 sizes them: the
   * formula never reads more, and a multi-PID response is split by it.
   */
  readonly bytes: number
  readonly fields: readonly PidField[]
  /** catalog signal id of each field, or -1 where the field is not a catalog signal */
  readonly signalIds: readonly number[]
  /**
   * Writes fields.length values into out[offset …]. `data` must hold at least
   * `bytes` bytes. NaN means "not applicable" (e.g. a compression-ignition
   * monitor on a spark-ignition engine, an O2 sensor not used for trim).
   */
  readonly decode: (data: Uint8Array, out: Float64Array, offset: number) => void
}

export type PidFormula = (data: Uint8Array, out: Float64Array, offset: number) => void

/** Builds a definition and resolves catalog names now, so a typo fails at load, not in ingest. */
export function definePid (pid: number, name: string, bytes: number, fields: readonly PidField[], decode: PidFormula): PidDefinition {
  const signalIds = fields.map((f) => {
    if (f.catalog === undefined) return -1
    const signal = catalogSignalByName(f.catalog)
    if (signal === undefined) throw new Error(`OBD PID 0x${pid.toString(16)} field ${f.name}: ${f.catalog} is not in the signal catalog`)
    return signal.id
  })
  return { pid, name, bytes, fields, signalIds, decode }
}

/** A PID with a single value: the common case. */
export function scalarPid (pid: number, name: string, bytes: number, field: PidField, formula: (d: Uint8Array) => number): PidDefinition {
  return definePid(pid, name, bytes, [field], (d, out, o) => { out[o] = formula(d) })
}

// Byte readers named after SAE J1979's A, B, C, D. Callers have checked the length.
export const byteAt = (d: Uint8Array, i: number): number => d[i] as number
export const u16 = (d: Uint8Array, i: number): number => ((d[i] as number) << 8) | (d[i + 1] as number)
export const s16 = (d: Uint8Array, i: number): number => (u16(d, i) << 16) >> 16
/** unsigned 32-bit without going through a signed int32 */
export const u32 = (d: Uint8Array, i: number): number => (d[i] as number) * 0x1000000 + (((d[i + 1] as number) << 16) | ((d[i + 2] as number) << 8) | (d[i + 3] as number))

/** 100A/255 %: throttle, load, levels */
export const percent = (a: number): number => (100 * a) / 255
/** (100/128)A - 100 %: fuel trims, EGR error; 0x80 is 0 % */
export const centeredPercent = (a: number): number => (100 * a) / 128 - 100
/** A - 40 degC: every one-byte temperature */
export const celsius = (a: number): number => a - 40
