import { parseMessageDefinition, type MessageDefinition } from '@foxglove/ulog'
import type { ByteSource } from './byte-source.js'
import { cutMidMessage, warnDamage, type UlogDamage } from './damage.js'
import { UlogError } from './errors.js'
import { END, FRAME, type FrameCursor } from './frame-cursor.js'
import { isNumericType, NUMERIC_SIZES } from './layout.js'
import { DATA_TYPES, DEFINITION_TYPES, isDamagedHeader, MSG_FLAG_BITS, MSG_FORMAT, MSG_INFO, MSG_PARAMETER, typeName } from './message-types.js'

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
   * None when the file ends before its data section.
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

/**
 * Reads the 16-byte header and the definitions section; leaves the cursor at
 * the first data message. What it skips, and a file that ends before its data
 * section (an empty log, as pyulog reads it), go in `damage`.
 */
export async function readHeader (source: ByteSource, cursor: FrameCursor, damage: UlogDamage): Promise<UlogHeader> {
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
    const upcoming = await cursor.peekType(size)
    if (DATA_TYPES.has(upcoming) && !DEFINITION_TYPES.has(upcoming)) break
    const step = await cursor.next(size)
    if (step === END) {
      damage.truncated = { offset: size, detail: 'the log ends after its definitions, before any data' }
      break
    }
    if (step !== FRAME) {
      // with its 3-byte header there, the unfinished message is a definitions message (a data message ends this loop)
      const where = cursor.available >= 3 ? ', in its definitions section' : ''
      damage.truncated = cutMidMessage(cursor.offset, cursor.needed, cursor.available, where)
      break
    }
    const { view, bodyOffset: at, size: length, offset, type } = cursor
    if (!DEFINITION_TYPES.has(type)) {
      // ULog spec: a parser ignores message types it does not know; pyulog's rule says which headers are damage instead.
      if (isDamagedHeader(type, length)) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, offset, `a damaged message header in the definitions section: type ${typeName(type)} with size ${length}`)
      damage.unknownMessages++
      continue
    }
    switch (type) {
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
        const entry = keyValue(damage, offset, view, at, length)
        if (entry === undefined) break
        if (type === MSG_INFO) info.set(entry.key, entry.value)
        else if (typeof entry.value === 'number') parameters.set(entry.key, entry.value)
        break
      }
      default:
        // 'M' (multi-part info) and 'Q' (parameter defaults) carry nothing the signal stream uses.
        break
    }
  }

  const segments: Array<[number, number]> = []
  let missingAppendedAt: number | undefined
  if (damage.truncated === undefined) {
    let from = cursor.position()
    for (const offset of appended) {
      if (offset < from) throw new UlogError('PITWALL_ERR_ULOG_CORRUPT', file, 16 + 3 + 16, `appended data offset ${offset} lies before ${from}`)
      if (offset > size) { missingAppendedAt = offset; break }
      segments.push([from, offset])
      from = offset
    }
    segments.push([from, size])
  }
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

/** An info or parameter key: `type name` or `type[N] name` (N may be 0). */
const KEY = /^([A-Za-z0-9_]+)(?:\[(\d{1,5})\])? (\S+)$/

/**
 * 'I' and 'P': uint8 key_len, key, value. Text and scalar numbers are kept;
 * arrays are skipped. A key or value that does not parse is skipped with a
 * warning, as pyulog flags it and reads on. The key is parsed here, not with
 * @foxglove/ulog's parseFieldDefinition, which refuses `char[0]`: PX4's
 * Logger::write_info writes an empty text value as `char[0] name` and no bytes.
 */
function keyValue (damage: UlogDamage, offset: number, view: DataView, at: number, length: number): { key: string, value: string | number } | undefined {
  const keyLength = length > 0 ? view.getUint8(at) : 0
  if (length < 1 || keyLength > length - 1) {
    warnDamage(damage, offset, `a key/value message of ${length} bytes with a ${keyLength}-byte key: skipped`)
    return undefined
  }
  const keyText = text.decode(bytes(view, at + 1, keyLength))
  const key = KEY.exec(keyText)
  if (key === null) {
    warnDamage(damage, offset, `a key that is not 'type name' (${JSON.stringify(keyText.slice(0, 64))}): skipped`)
    return undefined
  }
  const [, type = '', arrayLength, name = ''] = key
  const valueAt = at + 1 + keyLength
  const valueLength = length - 1 - keyLength
  if (type === 'char') return { key: name, value: text.decode(bytes(view, valueAt, valueLength)) }
  if (!isNumericType(type) || arrayLength !== undefined) return undefined
  if (valueLength < NUMERIC_SIZES[type]) {
    warnDamage(damage, offset, `'${name}' is ${type} but its value has ${valueLength} bytes: skipped`)
    return undefined
  }
  return { key: name, value: readNumber(type, view, valueAt) }
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
