import { parseFieldDefinition, parseMessageDefinition, type MessageDefinition } from '@foxglove/ulog'
import type { ByteSource } from './byte-source.js'
import { UlogError } from './errors.js'
import { END, FRAME, type FrameCursor } from './frame-cursor.js'
import { isNumericType, NUMERIC_SIZES } from './layout.js'
import { DATA_TYPES, DEFINITION_TYPES, MSG_FLAG_BITS, MSG_FORMAT, MSG_INFO, MSG_PARAMETER, typeName } from './message-types.js'

/** What the header and definitions section say, before any data is read. */
export interface UlogHeader {
  readonly file: string
  readonly version: number
  /** The header's timestamp: microseconds since boot when logging started. */
  readonly startUs: number
  /** 'I' messages with a number or text value (e.g. `sys_name`, `ver_sw`, `time_ref_utc`). */
  readonly info: ReadonlyMap<string, string | number>
  /** Parameter values at the start of the log. */
  readonly parameters: ReadonlyMap<string, number>
  /** Every 'F' format by name: the topics that can be subscribed, and the nested types. */
  readonly formats: ReadonlyMap<string, MessageDefinition>
  /**
   * Byte ranges [start, end) holding data-section messages: the data section,
   * then each block of appended data (PX4 appends hardfault dumps after the
   * log; the message before an appended offset may be cut, which is allowed).
   */
  readonly segments: ReadonlyArray<readonly [number, number]>
  /** An appended offset past the end of the file: the file was cut before it. */
  readonly missingAppendedAt?: number
}

const MAGIC = [0x55, 0x4c, 0x6f, 0x67, 0x01, 0x12, 0x35]
const HEADER_SIZE = 16
const FLAG_BITS_SIZE = 40
const INCOMPAT_DATA_APPENDED = 1

const text = new TextDecoder()

/** Reads the 16-byte header and the definitions section; leaves the cursor at the first data message. */
export async function readHeader (source: ByteSource, cursor: FrameCursor): Promise<UlogHeader> {
  const file = source.name
  const size = source.size()
  const head = await cursor.reader.readBytes(Math.min(HEADER_SIZE, size))
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= head.byteLength) throw new UlogError('PITWALL_ERR_ULOG_TRUNCATED', file, size, `the file ends inside the ULog magic (${size} of 16 header bytes)`)
    if (head[i] !== MAGIC[i]) throw new UlogError('PITWALL_ERR_ULOG_NOT_ULOG', file, i, 'not a ULog file: expected the magic 55 4c 6f 67 01 12 35')
  }
  if (head.byteLength < HEADER_SIZE) throw new UlogError('PITWALL_ERR_ULOG_TRUNCATED', file, size, `the file ends inside the 16-byte header (${size} bytes)`)
  const headView = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const version = headView.getUint8(7)
  const startUs = uint64(headView, 8)

  const info = new Map<string, string | number>()
  const parameters = new Map<string, number>()
  const formats = new Map<string, MessageDefinition>()
  let appended: number[] = []

  for (let first = true; ; first = false) {
    const type = await cursor.peekType(size)
    if (DATA_TYPES.has(type) && !DEFINITION_TYPES.has(type)) break
    const step = await cursor.next(size)
    if (step === END) throw new UlogError('PITWALL_ERR_ULOG_TRUNCATED', file, size, 'the file ends in the definitions section, before any data')
    if (step !== FRAME) {
      throw new UlogError('PITWALL_ERR_ULOG_TRUNCATED', file, cursor.offset,
        `the file ends inside a definitions message (${cursor.needed} bytes needed, ${cursor.available} left)`)
    }
    const { view, bodyOffset: at, size: length, offset } = cursor
    if (!DEFINITION_TYPES.has(cursor.type)) {
      throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, `expected a definitions message (B, F, I, M, P, Q) or the data section, found type ${typeName(cursor.type)}`)
    }
    switch (cursor.type) {
      case MSG_FLAG_BITS:
        if (!first) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, "a flag bits 'B' message must come first after the header")
        appended = flagBits(file, offset, view, at, length)
        break
      case MSG_FORMAT: {
        const format = parseMessageDefinition(text.decode(bytes(view, at, length)))
        if (format === undefined) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, "a format 'F' message that is not 'name:type field;...'")
        formats.set(format.name, format)
        break
      }
      case MSG_INFO:
      case MSG_PARAMETER: {
        const entry = keyValue(file, offset, view, at, length)
        if (entry === undefined) break
        if (cursor.type === MSG_INFO) info.set(entry.key, entry.value)
        else if (typeof entry.value === 'number') parameters.set(entry.key, entry.value)
        break
      }
      default:
        // 'M' (multi-part info) and 'Q' (parameter defaults) carry nothing the signal stream uses.
        break
    }
  }

  const dataStart = cursor.position()
  const segments: Array<[number, number]> = []
  let from = dataStart
  let missingAppendedAt: number | undefined
  for (const offset of appended) {
    if (offset < from) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, 16 + 3 + 16, `appended data offset ${offset} lies before ${from}`)
    if (offset > size) { missingAppendedAt = offset; break }
    segments.push([from, offset])
    from = offset
  }
  segments.push([from, size])
  return { file, version, startUs, info, parameters, formats, segments, ...(missingAppendedAt === undefined ? {} : { missingAppendedAt }) }
}

/** 'B': compat_flags[8], incompat_flags[8], appended_offsets[3] (uint64). Returns the appended offsets in use. */
function flagBits (file: string, offset: number, view: DataView, at: number, length: number): number[] {
  if (length < FLAG_BITS_SIZE) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, `a flag bits 'B' message of ${length} bytes, expected 40`)
  const incompat0 = view.getUint8(at + 8)
  for (let i = 0; i < 8; i++) {
    const bits = view.getUint8(at + 8 + i)
    const unknown = i === 0 ? bits & ~INCOMPAT_DATA_APPENDED : bits
    if (unknown !== 0) throw new UlogError('PITWALL_ERR_ULOG_UNSUPPORTED', file, offset + 3 + 8 + i, `incompatible flag byte ${i} is 0x${bits.toString(16)}: written by a newer ULog version this reader does not know`)
  }
  if ((incompat0 & INCOMPAT_DATA_APPENDED) === 0) return []
  const offsets: number[] = []
  for (let i = 0; i < 3; i++) {
    const value = uint64(view, at + 16 + 8 * i)
    if (value !== 0) offsets.push(value)
  }
  return offsets
}

/** 'I' and 'P': uint8 key_len, key ("type name"), value. Text and scalar numbers are kept; arrays are skipped. */
function keyValue (file: string, offset: number, view: DataView, at: number, length: number): { key: string, value: string | number } | undefined {
  const keyLength = length > 0 ? view.getUint8(at) : 0
  if (length < 1 || keyLength > length - 1) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, `a key/value message of ${length} bytes with a ${keyLength}-byte key`)
  const field = parseFieldDefinition(text.decode(bytes(view, at + 1, keyLength)))
  if (field === undefined) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, "a key that is not 'type name'")
  const valueAt = at + 1 + keyLength
  const valueLength = length - 1 - keyLength
  if (field.type === 'char') return { key: field.name, value: text.decode(bytes(view, valueAt, valueLength)) }
  if (!isNumericType(field.type) || field.arrayLength !== undefined) return undefined
  if (valueLength < NUMERIC_SIZES[field.type]) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, `'${field.name}' is ${field.type} but its value has ${valueLength} bytes`)
  return { key: field.name, value: readNumber(field.type, view, valueAt) }
}

function bytes (view: DataView, at: number, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + at, length)
}

/**
 * uint64 as a number: exact below 2^53 (µs since boot: 285 years; a
 * UTC time in µs: until year 2255), the nearest double above.
 */
export function uint64 (view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 4294967296 + view.getUint32(at, true)
}

function readNumber (type: string, view: DataView, at: number): number {
  switch (type) {
    case 'int8_t': return view.getInt8(at)
    case 'uint8_t': case 'bool': return view.getUint8(at)
    case 'int16_t': return view.getInt16(at, true)
    case 'uint16_t': return view.getUint16(at, true)
    case 'int32_t': return view.getInt32(at, true)
    case 'uint32_t': return view.getUint32(at, true)
    case 'float': return view.getFloat32(at, true)
    case 'double': return view.getFloat64(at, true)
    case 'int64_t': return view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true)
    default: return uint64(view, at)
  }
}
