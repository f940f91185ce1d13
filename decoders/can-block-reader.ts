/**
 * TelemetryBatch bytes -> the CAN frames of every CanBlock, read straight into
 * typed columns (CanFrameColumns) and validated on the way.
 *
 * Hand-written because it is the hot path: protobufjs builds an object per
 * block and a JS array per column (measured ~6-8M frames/s); reading the
 * packed varints into reused typed arrays is several times faster. It follows
 * the protobuf encoding spec (https://protobuf.dev/programming-guides/encoding/)
 * as protobufjs does, so the tests cross-check the two field by field:
 * - fields may come in any order, and a repeated field may be split over
 *   several runs, packed or not ("Packed Repeated Fields": parsers must accept
 *   both encodings);
 * - unknown fields are skipped;
 * - for a non-repeated field (bus, data) the last occurrence wins;
 * - a uint32 is the low 32 bits of its varint, which may be up to 10 bytes;
 * - but a column (dt_us, id, len, flags) of another wire type is refused, not
 *   skipped: a block without its columns is damage, not an older schema.
 *
 * The cap on frames per batch (batch-limits.ts) is checked per column run
 * before the typed columns grow: a run's byte length bounds its count, and
 * only a run whose bound crosses the cap has its varints counted, so honest
 * batches pay one comparison per run.
 */
import type { CanFrameColumns } from './can-frames.js'
import type { Where } from './batch.js'
import { overLimit } from './batch-limits.js'
import { BatchRejected } from './errors.js'
import { cursor, malformed, readEnd, readingFor, readTag, readVarint32, skipField, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './wire.js'

const BATCH_CAN_TAG = (4 << 3) | WIRE_LENGTH_DELIMITED
const BUS_TAG = (1 << 3) | WIRE_VARINT
const DATA_TAG = (5 << 3) | WIRE_LENGTH_DELIMITED
const BLOCK_DT_US = 2
const BLOCK_ID = 3
const BLOCK_LEN = 4
const BLOCK_DATA = 5
const BLOCK_FLAGS = 6

const EXTENDED_FLAG = 0x8000_0000
const RESERVED_ID_BITS = 0x6000_0000
const MAX_STANDARD_ID = 0x7ff
const MAX_BUS = 0xffff
const MAX_FLAGS = 0xff
/**
 * Valid payload lengths, indexed by length: 0..8 (classic CAN) and the CAN FD
 * lengths of DLC 9..15 (ISO 11898-1:2015 table 5).
 */
const VALID_LENGTH = new Uint8Array(128)
for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]) VALID_LENGTH[n] = 1

let where: Where = () => ''
let maxFrames = 0
const describe = (): string => where('')

/**
 * Reads every CAN frame of `payload` (a whole TelemetryBatch, its envelope
 * already read: batch-envelope.ts) into `frames`, timestamped
 * `baseTimeUs + dt_us`. `from` .. `to` is where its CAN blocks lie (the
 * envelope's canFrom / canTo). Returns the number of frames. Throws
 * BatchRejected naming the block and frame when a block is malformed, or
 * PITWALL_ERR_BATCH_LIMIT when the batch holds more than `limit` frames.
 */
export function readCanFrames (payload: Uint8Array, from: number, to: number, baseTimeUs: number, frames: CanFrameColumns, context: Where, limit: number): number {
  frames.clear(payload, baseTimeUs)
  if (from < 0) return 0
  where = context
  maxFrames = limit
  readingFor(describe)
  cursor.pos = from
  let block = 0
  // the envelope checked this stretch's framing: only the blocks' insides are new
  while (cursor.pos < to) {
    const tag = readTag(payload, to)
    if (tag === BATCH_CAN_TAG) {
      const blockEnd = readEnd(payload, to)
      readBlock(payload, blockEnd, frames, block)
      cursor.pos = blockEnd
      block++
    } else {
      skipField(payload, to, tag & 7, tag >>> 3)
    }
  }
  return frames.count
}

function readBlock (buf: Uint8Array, end: number, frames: CanFrameColumns, block: number): void {
  const first = frames.count
  let bus = 0
  let dataStart = 0
  let dataLength = 0
  let nDt = 0
  let nId = 0
  let nLen = 0
  let nFlags = 0
  // where the len runs placed the frames' data (-1: no run yet) and what their lengths sum to
  let offsetBase = -1
  let lenSum = 0
  while (cursor.pos < end) {
    const tag = readTag(buf, end)
    const field = tag >>> 3
    const wireType = tag & 7
    if (tag === DATA_TAG) {
      const dataEnd = readEnd(buf, end)
      dataStart = cursor.pos
      dataLength = dataEnd - dataStart
      cursor.pos = dataEnd
      continue
    }
    if (tag === BUS_TAG) {
      // checked after the loop: a block sent in two parts is merged, and its last bus wins (protobuf encoding spec)
      bus = readVarint32(buf, end)
      continue
    }
    if (field < BLOCK_DT_US || field > BLOCK_FLAGS || field === BLOCK_DATA) {
      skipField(buf, end, wireType, field)
      continue
    }
    // A repeated uint32 column, packed (one length-delimited run) or not (one varint).
    let stop: number
    if (wireType === WIRE_LENGTH_DELIMITED) {
      stop = readEnd(buf, end)
    } else if (wireType === WIRE_VARINT) {
      if (cursor.pos >= end) malformed(`can[${block}] field ${field}: truncated varint`)
      stop = cursor.pos + 1 // one element: its first byte is before `stop`
    } else {
      malformed(`can[${block}] field ${field} has wire type ${wireType}, expected a packed or plain varint`)
    }
    // Every element takes at least one byte, so this bounds the run's count.
    const before = first + Math.max(nDt, nId, nLen, nFlags)
    if (before + (stop - cursor.pos) > maxFrames) checkFrameCap(buf, first + columnLength(field, nDt, nId, nLen, nFlags), stop, wireType)
    frames.reserve(before + (stop - cursor.pos))
    // a plain varint may run to the block's end; a packed one must end inside its run
    const limit = wireType === WIRE_VARINT ? end : stop
    // One function per column: the field test stays out of the per-element path.
    switch (field) {
      case BLOCK_DT_US: nDt = readDtRun(buf, stop, limit, frames.dtUs, first + nDt) - first; break
      case BLOCK_ID: nId = readIdRun(buf, stop, limit, frames.id, first + nId, first, block) - first; break
      case BLOCK_LEN:
        if (offsetBase < 0) offsetBase = dataStartAfter(buf, stop, end)
        nLen = readLenRun(buf, stop, limit, frames, first + nLen, first, block, offsetBase + lenSum) - first
        // the lengths so far end where the last frame's data does
        if (nLen > 0) lenSum = (frames.offset[first + nLen - 1] as number) + (frames.len[first + nLen - 1] as number) - offsetBase
        break
      default: nFlags = readFlagsRun(buf, stop, limit, frames.flags, first + nFlags, first, block) - first
    }
    if (wireType === WIRE_LENGTH_DELIMITED ? cursor.pos !== stop : cursor.pos > end) {
      malformed(`can[${block}] field ${field}: a varint runs past the end of its ${wireType === WIRE_VARINT ? 'block' : 'packed run'}`)
    }
  }
  if (bus > MAX_BUS) reject(`can[${block}]: bus ${bus} is above ${MAX_BUS}`)
  const n = nId
  if (nDt !== n || nLen !== n) reject(`can[${block}]: columns differ in length (dt_us ${nDt}, id ${n}, len ${nLen})`)
  if (nFlags !== 0 && nFlags !== n) reject(`can[${block}]: flags has ${nFlags} entries for ${n} frames`)
  const last = first + n
  if (lenSum !== dataLength) reject(`can[${block}]: data holds ${dataLength} bytes but len[] sums to ${lenSum}`)
  // the len runs guessed the data field's place wrong (it came before them, or twice): offsets again from where it is
  if (offsetBase !== dataStart) {
    const lens = frames.len
    const offsets = frames.offset
    let offset = dataStart
    for (let i = first; i < last; i++) {
      offsets[i] = offset
      offset += lens[i] as number
    }
  }
  frames.bus.fill(bus, first, last)
  if (nFlags === 0) frames.flags.fill(0, first, last)
  frames.count = last
}

/*
 * The column runs. Each reads the varints from the cursor while they start
 * before `stop`, decoding up to 3 bytes inline (every dt_us below 2 s, every
 * 11-bit id) and longer ones with readVarint32 bounded by `limit`. The
 * inline bytes are not bounds-checked: a varint that runs past its run ends
 * past `stop`, which the caller refuses (past the buffer a read is
 * undefined, which ends the varint). Each returns the index after its last
 * value; values that need no check at one byte are checked only when longer.
 */

function readDtRun (buf: Uint8Array, stop: number, limit: number, column: Uint32Array, i: number): number {
  let pos = cursor.pos
  while (pos < stop) {
    let b = buf[pos++] as number
    let value = b
    if (b >= 0x80) {
      b = buf[pos++] as number
      value = (value & 0x7f) | ((b & 0x7f) << 7)
      if (b >= 0x80) {
        b = buf[pos++] as number
        value |= (b & 0x7f) << 14
        if (b >= 0x80) {
          cursor.pos = pos - 3
          value = readVarint32(buf, limit)
          pos = cursor.pos
        }
      }
    }
    column[i++] = value
  }
  cursor.pos = pos
  return i
}

function readIdRun (buf: Uint8Array, stop: number, limit: number, column: Uint32Array, i: number, first: number, block: number): number {
  let pos = cursor.pos
  while (pos < stop) {
    let id = buf[pos++] as number
    if (id >= 0x80) {
      const b = buf[pos++] as number
      id = (id & 0x7f) | ((b & 0x7f) << 7)
      // a second byte below 0x10 makes an id up to 0x7ff: valid without the check (most 11-bit ids)
      if (b >= 0x10) {
        if (b >= 0x80) {
          cursor.pos = pos - 2
          id = readVarint32(buf, limit)
          pos = cursor.pos
        }
        if ((id & RESERVED_ID_BITS) !== 0 || (id < EXTENDED_FLAG && id > MAX_STANDARD_ID)) {
          cursor.pos = pos
          reject(`can[${block}]: frame ${i - first} has invalid id 0x${id.toString(16)}`)
        }
      }
    }
    column[i++] = id
  }
  cursor.pos = pos
  return i
}

/**
 * Reads lengths as the other runs read their values, and with them each
 * frame's data offset, counting from `offset`: computed here, in the same
 * pass, rather than in a loop of their own once the block is read.
 */
function readLenRun (buf: Uint8Array, stop: number, limit: number, frames: CanFrameColumns, i: number, first: number, block: number, offset: number): number {
  const column = frames.len
  const offsets = frames.offset
  let pos = cursor.pos
  while (pos < stop) {
    let value = buf[pos++] as number
    if (value >= 0x80) {
      cursor.pos = pos - 1
      value = readVarint32(buf, limit)
      pos = cursor.pos
      // checked before the Uint8Array store would wrap it (a one-byte value is below the table's 128 entries)
      if (value > 0x7f) lengthRejected(pos, value, i - first, block)
    }
    if (VALID_LENGTH[value] === 0) lengthRejected(pos, value, i - first, block)
    column[i] = value
    offsets[i++] = offset
    offset += value
  }
  cursor.pos = pos
  return i
}

function lengthRejected (pos: number, value: number, frame: number, block: number): never {
  cursor.pos = pos
  return reject(`can[${block}]: frame ${frame} has length ${value}, not a CAN or CAN FD payload length`)
}

/**
 * Where the data field's bytes start when it directly follows the run that
 * ends at `stop` (as a sender writing fields in number order puts it); else
 * 0. Only a guess to compute offsets with while the lengths are read:
 * readBlock checks it against where the data field turns out to be.
 */
function dataStartAfter (buf: Uint8Array, stop: number, end: number): number {
  if (stop + 1 >= end || buf[stop] !== DATA_TAG) return 0
  let b = buf[stop + 1] as number
  if (b < 0x80) return stop + 2
  if (stop + 2 >= end) return 0
  b = buf[stop + 2] as number
  if (b < 0x80) return stop + 3
  if (stop + 3 >= end) return 0
  return (buf[stop + 3] as number) < 0x80 ? stop + 4 : 0
}

function readFlagsRun (buf: Uint8Array, stop: number, limit: number, column: Uint8Array, i: number, first: number, block: number): number {
  let pos = cursor.pos
  while (pos < stop) {
    let value = buf[pos++] as number
    if (value >= 0x80) {
      cursor.pos = pos - 1
      value = readVarint32(buf, limit)
      pos = cursor.pos
      if (value > MAX_FLAGS) reject(`can[${block}]: frame ${i - first} has flags 0x${value.toString(16)}, above 0xff`)
    }
    column[i++] = value
  }
  cursor.pos = pos
  return i
}

function columnLength (field: number, nDt: number, nId: number, nLen: number, nFlags: number): number {
  return field === BLOCK_DT_US ? nDt : field === BLOCK_ID ? nId : field === BLOCK_LEN ? nLen : nFlags
}

/** Refuses the batch when `before` frames plus the run at the cursor (to `stop`; one element when a plain varint) exceed the cap. */
function checkFrameCap (buf: Uint8Array, before: number, stop: number, wireType: number): void {
  let n = 1
  if (wireType === WIRE_LENGTH_DELIMITED) {
    n = 0
    // each varint ends at a byte below 0x80
    for (let i = cursor.pos; i < stop; i++) if ((buf[i] as number) < 0x80) n++
  }
  if (before + n > maxFrames) throw overLimit('canFrames', before + n, maxFrames, where(''))
}

function reject (message: string): never {
  throw new BatchRejected('PITWALL_ERR_CAN_BLOCK', `${where('')}: ${message}`)
}
