/**
 * Protobuf wire format (https://protobuf.dev/programming-guides/encoding/),
 * read by hand for the TelemetryBatch readers (batch-envelope.ts,
 * batch-entries.ts, can-block-reader.ts): no Reader object, no message
 * objects, values straight into the caller's columns.
 *
 * Where the spec leaves a reader a choice, these follow protobufjs (which
 * the tests decode the same bytes with):
 * - a tag is at most 5 bytes and 32 bits, a length prefix at most 2^31 - 1;
 * - a uint32 is the low 32 bits of a varint of up to 10 bytes (a skipped
 *   varint may be longer);
 * - field number 0, an END_GROUP with no START_GROUP, and wire types 6 and 7
 *   are damage.
 *
 * The read position is one shared cursor, not a Reader per call: the batch
 * is read synchronously, one field after another, and hot loops copy it to a
 * local and back.
 */
import { BatchRejected } from './errors.js'

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_START_GROUP = 3
export const WIRE_END_GROUP = 4
export const WIRE_FIXED32 = 5
/**
 * Groups nest; deeper than this is damage, not a message (and would exhaust
 * the stack). 100 is protobuf's default recursion limit (protoc, protobufjs):
 * what they skip, this skips.
 */
const MAX_GROUP_DEPTH = 100

export const cursor = { pos: 0 }

/** Names what is being read in a malformed-protobuf refusal; set by each reader before it starts. */
let subject: () => string = () => 'payload'

export function readingFor (describe: () => string): void {
  subject = describe
}

/** A protobuf varint's low 32 bits, unsigned (how protobufjs reads uint32). */
export function readVarint32 (buf: Uint8Array, end: number): number {
  if (cursor.pos >= end) malformed('truncated varint')
  const b = buf[cursor.pos++] as number
  return b < 0x80 ? b : readVarint32Tail(buf, end, b)
}

/** The rest of a varint whose first byte `first` (just read) had its continuation bit set. */
export function readVarint32Tail (buf: Uint8Array, end: number, first: number): number {
  let pos = cursor.pos
  let b = first
  let value = b & 0x7f
  for (let shift = 7; shift < 35; shift += 7) {
    if (pos >= end) return truncatedAt(pos)
    b = buf[pos++] as number
    // bits beyond 32 are dropped by the shift, as a uint32 read does
    value |= (b & 0x7f) << shift
    if (b < 0x80) {
      cursor.pos = pos
      return value >>> 0
    }
  }
  // bytes 6..10 of a 64-bit varint carry only bits above 32
  for (let i = 5; i < 10; i++) {
    if (pos >= end) return truncatedAt(pos)
    if ((buf[pos++] as number) < 0x80) {
      cursor.pos = pos
      return value >>> 0
    }
  }
  cursor.pos = pos
  return malformed('varint longer than 10 bytes')
}

/** A field tag: at most 5 bytes, 32 bits (protobufjs refuses longer ones). */
export function readTag (buf: Uint8Array, end: number): number {
  const b = buf[cursor.pos] as number
  if (b < 0x80 && cursor.pos < end) {
    cursor.pos++
    return b
  }
  let value = 0
  for (let shift = 0; shift < 35; shift += 7) {
    if (cursor.pos >= end) malformed('truncated tag')
    const byte = buf[cursor.pos++] as number
    if (shift === 28 && byte > 0x0f) malformed('tag longer than 32 bits')
    value |= (byte & 0x7f) << shift
    if (byte < 0x80) return value >>> 0
  }
  return malformed('tag longer than 32 bits')
}

/** A length prefix (at most 2^31 - 1, in at most 5 bytes, as protobufjs reads one), then where the field it prefixes ends, checked against `end`. */
export function readEnd (buf: Uint8Array, end: number): number {
  let pos = cursor.pos
  if (pos >= end) malformed('truncated length')
  let b = buf[pos++] as number
  let length = b & 0x7f
  for (let shift = 7; b >= 0x80; shift += 7) {
    if (pos >= end) lengthMalformed(pos, 'truncated length')
    b = buf[pos++] as number
    if (shift === 28) {
      if (b > 7) lengthMalformed(pos, 'length prefix above 2^31 - 1')
      length |= b << 28
      break
    }
    length |= (b & 0x7f) << shift
  }
  cursor.pos = pos
  if (pos + length > end) malformed(`a field of ${length} bytes runs past the end of its message`)
  return pos + length
}

function lengthMalformed (pos: number, message: string): never {
  cursor.pos = pos
  return malformed(message)
}

/** A uint64 varint as a number (lo + hi * 2^32, as protobufjs' toNumber rounds it above 2^53). */
export function readUint64 (buf: Uint8Array, end: number): number {
  let lo = 0
  let hi = 0
  for (let i = 0; i < 10; i++) {
    if (cursor.pos >= end) malformed('truncated varint')
    const b = buf[cursor.pos++] as number
    if (i < 4) {
      lo |= (b & 0x7f) << (7 * i)
    } else if (i === 4) {
      lo |= (b & 0x0f) << 28
      hi = (b & 0x7f) >> 4
    } else {
      hi |= (b & 0x7f) << (7 * i - 32)
    }
    if (b < 0x80) return (lo >>> 0) + (hi >>> 0) * 4294967296
  }
  return malformed('varint longer than 10 bytes')
}

const doubleBytes = new Uint8Array(8)
const doubleValue = new Float64Array(doubleBytes.buffer)

/** The little-endian IEEE 754 double at `pos` (the caller checked 8 bytes are there). */
export function doubleAt (buf: Uint8Array, pos: number): number {
  // a byte copy, not a DataView over the payload: no object per batch, and any alignment
  for (let i = 0; i < 8; i++) doubleBytes[i] = buf[pos + i] as number
  return doubleValue[0] as number
}

/** Skips a field the reader does not know, or knows with another wire type (protobufjs skips those too). */
export function skipField (buf: Uint8Array, end: number, wireType: number, field: number, depth = 0): void {
  if (field === 0) malformed('field number 0')
  switch (wireType) {
    case WIRE_VARINT:
      // to its last byte, however long: protobufjs skips an unknown varint so, and only a value read is capped at 10 bytes
      while (true) {
        if (cursor.pos >= end) malformed('truncated varint')
        if ((buf[cursor.pos++] as number) < 0x80) return
      }
    case WIRE_FIXED64:
      cursor.pos += 8
      break
    case WIRE_LENGTH_DELIMITED:
      cursor.pos = readEnd(buf, end)
      return
    case WIRE_START_GROUP:
      // proto2 groups: an unknown one is skipped to its END_GROUP, as protobufjs does
      skipGroup(buf, end, field, depth + 1)
      return
    case WIRE_FIXED32:
      cursor.pos += 4
      break
    default:
      malformed(`unexpected wire type ${wireType} for field ${field}`)
  }
  if (cursor.pos > end) malformed(`field ${field} runs past the end of its message`)
}

function skipGroup (buf: Uint8Array, end: number, field: number, depth: number): void {
  if (depth > MAX_GROUP_DEPTH) malformed(`groups nested deeper than ${MAX_GROUP_DEPTH}`)
  for (;;) {
    if (cursor.pos >= end) malformed(`group ${field} has no end`)
    const tag = readTag(buf, end)
    if ((tag & 7) === WIRE_END_GROUP) {
      if ((tag >>> 3) !== field) malformed(`group ${field} ends as group ${tag >>> 3}`)
      return
    }
    skipField(buf, end, tag & 7, tag >>> 3, depth)
  }
}

function truncatedAt (pos: number): never {
  cursor.pos = pos
  return malformed('truncated varint')
}

export function malformed (message: string): never {
  throw new BatchRejected('PITWALL_ERR_MALFORMED_PROTOBUF', `${subject()}: ${message} (byte ${cursor.pos})`)
}
