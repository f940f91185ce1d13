/**
 * A vehicle maker's data identifiers, as a model's decoder manifest names
 * them (decoders/manifest, `dids:`): ISO 14229-1 leaves every DID outside
 * the standard ranges to the maker, so without this table a 0x22 answer for
 * one is hex. Each DID's data is a row of fields, read in order: an unsigned
 * or signed big-endian integer scaled as DBC signals are (value = raw ×
 * scale + offset), ASCII text, or bytes kept as hex. The table gives the
 * DID's length too, so the answer for several DIDs, or a freeze frame that
 * holds one, can be split.
 */
import type { DiagnosticValue } from './data-identifiers.js'
import { DiagnosticError } from '../obd/diagnostic-error.js'

export const MAKER_DID_FIELD_TYPES = ['unsigned', 'signed', 'ascii', 'hex'] as const
export type MakerDidFieldType = typeof MAKER_DID_FIELD_TYPES[number]

export interface MakerDidField {
  name: string
  /** 1 to 6 for integers (exact in a double), up to the DID's whole length for ascii and hex */
  bytes: number
  type: MakerDidFieldType
  /** integers: value = raw × scale + offset */
  scale: number
  offset: number
  unit: string
  /** integers: names of raw values, e.g. 0 → 'off' */
  labels?: Readonly<Record<string, string>> | undefined
}

export interface MakerDid {
  did: number
  name: string
  fields: readonly MakerDidField[]
}

/** A model's maker DIDs by number; what response decoding takes (decoders/diagnostics/response.ts DecodeOptions.dids). */
export type MakerDidTable = ReadonlyMap<number, MakerDid>

/** The most bytes an integer field may have: 6 bytes are exact in a double, more are not. */
export const MAX_INTEGER_FIELD_BYTES = 6
/** A DID's data is at most an ISO-TP message (4095 bytes) less the response SID and the DID. */
export const MAX_MAKER_DID_BYTES = 4092

export function makerDidLength (def: MakerDid): number {
  let n = 0
  for (const f of def.fields) n += f.bytes
  return n
}

export function makerDidTable (dids: readonly MakerDid[]): MakerDidTable {
  return new Map(dids.map((d) => [d.did, d]))
}

/**
 * A maker DID's data read field by field: numeric fields become values,
 * ascii fields text (joined with ', ' when there are several), hex fields
 * values with a null value and the hex as label. Undefined when the data's
 * length is not the table's: the ECU's software differs from what the
 * manifest describes, and a misread value is worse than hex.
 */
export function readMakerDid (def: MakerDid, data: Uint8Array): { values: DiagnosticValue[], text?: string } | undefined {
  if (data.length !== makerDidLength(def)) return undefined
  const values: DiagnosticValue[] = []
  const texts: string[] = []
  let at = 0
  for (const f of def.fields) {
    const bytes = data.subarray(at, at + f.bytes)
    at += f.bytes
    if (f.type === 'ascii') {
      texts.push(asciiOf(bytes))
      continue
    }
    if (f.type === 'hex') {
      values.push({ name: f.name, unit: '', value: null, label: Buffer.from(bytes).toString('hex').toUpperCase() })
      continue
    }
    const raw = integerOf(bytes, f.type === 'signed')
    const label = f.labels?.[String(raw)]
    values.push({ name: f.name, unit: f.unit, value: raw * f.scale + f.offset, ...(label !== undefined ? { label } : {}) })
  }
  return texts.length > 0 ? { values, text: texts.join(', ') } : { values }
}

function integerOf (bytes: Uint8Array, signed: boolean): number {
  let n = 0
  for (const b of bytes) n = n * 256 + b
  const span = 2 ** (8 * bytes.length)
  return signed && n >= span / 2 ? n - span : n
}

/** Printable ASCII with trailing NUL and space padding removed; other bytes as '.' so a bad byte does not hide the rest. */
function asciiOf (bytes: Uint8Array): string {
  let end = bytes.length
  while (end > 0 && (bytes[end - 1] === 0x00 || bytes[end - 1] === 0x20)) end--
  let text = ''
  for (let i = 0; i < end; i++) {
    const c = bytes[i] as number
    text += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '.'
  }
  return text
}

/**
 * DIDs as an engineer names them: numbers, hex text ("0x4001", "F190") or a
 * name from the model's manifest (case-insensitive). Anything else is a
 * PITWALL_ERR_DIAGNOSTIC_REQUEST naming the entry and, for an unknown name,
 * the names there are. Non-lists and non-numbers pass through for the
 * request builder to refuse with its own messages.
 */
export function resolveDidRefs (refs: unknown, dids: readonly MakerDid[], field: string): number[] {
  if (!Array.isArray(refs)) return refs as number[]
  return refs.map((ref: unknown, i) => {
    if (typeof ref !== 'string') return ref as number
    const text = ref.trim()
    const named = dids.find((d) => d.name.toLowerCase() === text.toLowerCase())
    if (named !== undefined) return named.did
    if (/^0x[0-9a-f]{1,4}$/i.test(text) || /^[0-9a-f]{4}$/i.test(text)) return Number.parseInt(text.replace(/^0x/i, ''), 16)
    const known = dids.length === 0
      ? 'the vehicle\'s model names no DIDs (its decoder manifest has no dids:), so give the number, e.g. 0x4001'
      : `the model names ${dids.slice(0, 10).map((d) => `"${d.name}"`).join(', ')}${dids.length > 10 ? ` and ${dids.length - 10} more` : ''}`
    throw new DiagnosticError('PITWALL_ERR_DIAGNOSTIC_REQUEST', `${field}[${i}]: ${JSON.stringify(ref)} is neither a DID number nor a DID name the model's manifest gives; ${known}`)
  })
}
