/**
 * UDS data identifiers (DIDs) a gateway can read without the vehicle maker's
 * documentation: the ISO 14229-1 C.1 identification DIDs (0xF180-0xF19F,
 * mostly ASCII) and the OBD DIDs 0xF400-0xF4FF, which carry SAE J1979
 * service 01 PID 0xXX's data bytes (ISO 14229-1 C.1, J1979-DA), so their
 * length and scaling come from the PID table. Any other DID's length is the
 * vehicle maker's, given by the caller or unknown.
 */
import { decodePid } from '../obd/service01.js'
import { mode01Pid } from '../obd/pids.js'
import { hexAll } from './services.js'
import { makerDidLength, readMakerDid, type MakerDidTable } from './maker-dids.js'

export interface DiagnosticValue {
  name: string
  unit: string
  /** null where the field does not apply (NaN in the PID decoders, which JSON cannot carry) */
  value: number | null
  /** the enum name of value, when it has one */
  label?: string
}

export interface DiagnosticDid {
  did: number
  /** ISO 14229-1 or SAE J1979 description, when the DID is a standard one */
  name?: string
  /** the data bytes after the DID */
  hex: string
  /** identification DIDs (0xF180-0xF19F) whose bytes are printable ASCII: the text, trailing NUL and space padding removed */
  text?: string
  /** OBD DIDs (0xF4xx): the PID's values */
  values?: DiagnosticValue[]
}

const OBD_DID_BASE = 0xf400

/** ISO 14229-1 C.1 identification DIDs. */
const DID_NAMES: ReadonlyMap<number, string> = new Map([
  [0xf180, 'boot software identification'],
  [0xf181, 'application software identification'],
  [0xf182, 'application data identification'],
  [0xf186, 'active diagnostic session'],
  [0xf187, 'vehicle manufacturer spare part number'],
  [0xf188, 'vehicle manufacturer ECU software number'],
  [0xf189, 'vehicle manufacturer ECU software version number'],
  [0xf18a, 'system supplier identifier'],
  [0xf18b, 'ECU manufacturing date'],
  [0xf18c, 'ECU serial number'],
  [0xf190, 'VIN'],
  [0xf191, 'vehicle manufacturer ECU hardware number'],
  [0xf192, 'system supplier ECU hardware number'],
  [0xf193, 'system supplier ECU hardware version number'],
  [0xf194, 'system supplier ECU software number'],
  [0xf195, 'system supplier ECU software version number'],
  [0xf197, 'system name or engine type']
])

/** The identification DIDs whose length ISO 14229-1 fixes; the rest of 0xF18x/0xF19x are the vehicle maker's length. */
const FIXED_LENGTHS: ReadonlyMap<number, number> = new Map([[0xf186, 1], [0xf190, 17]])

/** `lengths` (the caller's, from the vehicle maker), then the model's maker DIDs, then the standard ones. */
export function didLength (did: number, lengths: ReadonlyMap<number, number> | undefined, makers?: MakerDidTable): number | undefined {
  const maker = makers?.get(did)
  const given = byteCount(lengths?.get(did)) ?? (maker === undefined ? undefined : makerDidLength(maker)) ?? FIXED_LENGTHS.get(did)
  if (given !== undefined) return given
  return isObdDid(did) ? mode01Pid(did - OBD_DID_BASE)?.bytes : undefined
}

/** `{ name }` of a standard DID or one the model's manifest names, `{}` for another maker's. */
export function didName (did: number, makers?: MakerDidTable): { name?: string } {
  const name = makers?.get(did)?.name ?? (isObdDid(did) ? mode01Pid(did - OBD_DID_BASE)?.name : DID_NAMES.get(did))
  return name === undefined ? {} : { name }
}

/** One DID's data, named and decoded where a standard or the model's manifest says how. */
export function describeDid (did: number, data: Uint8Array, makers?: MakerDidTable): DiagnosticDid {
  const out: DiagnosticDid = { did, hex: hexAll(data) }
  const maker = makers?.get(did)
  if (maker !== undefined) {
    out.name = maker.name
    const read = readMakerDid(maker, data)
    if (read !== undefined) {
      if (read.values.length > 0) out.values = read.values
      if (read.text !== undefined) out.text = read.text
    }
    return out
  }
  if (isObdDid(did)) {
    const pid = mode01Pid(did - OBD_DID_BASE)
    if (pid !== undefined) {
      out.name = pid.name
      // a length that differs from the PID's means the maker reused the DID: shown raw, not misread
      if (data.length === pid.bytes) out.values = decodePid(pid.pid, data).values.map(valueOf)
    }
    return out
  }
  const name = DID_NAMES.get(did)
  if (name !== undefined) out.name = name
  if (did >= 0xf180 && did <= 0xf19f) {
    const text = printable(data)
    if (text !== undefined) out.text = text
  }
  return out
}

/** 'Engine speed 2110 rpm', 'VIN WPW0000000000001'. */
export function didText (d: DiagnosticDid): string {
  const label = d.name ?? `DID 0x${d.did.toString(16).toUpperCase().padStart(4, '0')}`
  if (d.values !== undefined) return `${label} ${d.text !== undefined ? `${d.text}, ` : ''}${valuesText(d.values)}`
  return `${label} ${d.text ?? (d.hex === '' ? '(no data)' : d.hex)}`
}

export function valueOf (v: { name: string, unit: string, value: number, label?: string }): DiagnosticValue {
  return {
    name: v.name,
    unit: v.unit,
    value: Number.isFinite(v.value) ? v.value : null,
    ...(v.label !== undefined ? { label: v.label } : {})
  }
}

/** '92 degC', '2110.25 rpm', 'open loop'; several values joined by ', ' with their names. */
export function valuesText (values: readonly DiagnosticValue[]): string {
  const one = (v: DiagnosticValue): string => {
    if (v.label !== undefined) return v.label
    if (v.value === null) return 'n/a'
    const n = Math.round(v.value * 100) / 100
    return v.unit === '' ? String(n) : `${n} ${v.unit}`
  }
  if (values.length === 1) return one(values[0] as DiagnosticValue)
  return values.map((v) => `${v.name} ${one(v)}`).join(', ')
}

/** A caller's length, if it is one: a negative or fractional one would walk the split backwards. */
export function byteCount (n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined
}

function isObdDid (did: number): boolean {
  return did >= OBD_DID_BASE && did <= OBD_DID_BASE + 0xff
}

function printable (data: Uint8Array): string | undefined {
  let end = data.length
  while (end > 0 && (data[end - 1] === 0x00 || data[end - 1] === 0x20)) end--
  if (end === 0) return undefined
  let text = ''
  for (let i = 0; i < end; i++) {
    const c = data[i] as number
    if (c < 0x20 || c > 0x7e) return undefined
    text += String.fromCharCode(c)
  }
  return text
}
