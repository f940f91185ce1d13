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
 * - a uint32 is the low 32 bits of its varint, which may be up to 10 bytes.
 *
 * The cap on frames per batch (batch-limits.ts) is checked per column run
 * before the typed columns grow: a run's byte length bounds its count, and
 * only a run whose bound crosses the cap has its varints counted, so honest
 * batches pay one comparison per run.
 */
import { CanFrameColumns } from './can-frames.js'
import type { Where } from './batch.js'
import { overLimit } from './batch-limits.js'
import { BatchRejected } from './errors.js'

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_START_GROUP = 3
const WIRE_END_GROUP = 4
const WIRE_FIXED32 = 5
/** Groups nest; deeper than this is damage, not a message (and would exhaust the stack). */
const MAX_GROUP_DEPTH = 32

const BATCH_FIELD_CAN = 4
const BLOCK_BUS = 1
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
const VALID_LENGTH = new Uint8Array(65)
for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]) VALID_LENGTH[n] = 1

/** The read position. Module state, not a field, so the varint reader stays a plain function V8 inlines. */
let pos = 0
let where: Where = () => ''
let maxFrames = 0

/**
 * Reads every CAN frame of `payload` (a whole TelemetryBatch) into `frames`,
 * timestamped `baseTimeUs + dt_us`. Returns the number of frames. Throws
 * BatchRejected naming the block and frame when a block is malformed, or
 * PITWALL_ERR_BATCH_LIMIT when the batch holds more than `limit` frames.
 */
export function readCanFrames (payload: Uint8Array, baseTimeUs: number, frames: CanFrameColumns, context: Where, limit: number): number {
  frames.clear(payload, baseTimeUs)
  where = context
  maxFrames = limit
  pos = 0
  const end = payload.length
  let block = 0
  while (pos < end) {
    const tag = readVarint32(payload, end)
    const wireType = tag & 7
    if ((tag >>> 3) === BATCH_FIELD_CAN && wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint32(payload, end)
      const blockEnd = pos + length
      if (blockEnd > end) malformed(`can[${block}] runs past the end of the payload`)
      readBlock(payload, blockEnd, frames, block)
      pos = blockEnd
      block++
    } else {
      skipField(payload, end, wireType, tag >>> 3, 0)
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
  let lenSum = 0
  while (pos < end) {
    const tag = readVarint32(buf, end)
    const field = tag >>> 3
    const wireType = tag & 7
    if (field === BLOCK_DATA && wireType === WIRE_LENGTH_DELIMITED) {
      dataLength = readVarint32(buf, end)
      dataStart = pos
      pos += dataLength
      if (pos > end) malformed(`can[${block}].data runs past the end of its block`)
      continue
    }
    if (field === BLOCK_BUS && wireType === WIRE_VARINT) {
      bus = readVarint32(buf, end)
      if (bus > MAX_BUS) reject(`can[${block}]: bus ${bus} is above ${MAX_BUS}`)
      continue
    }
    if (field < BLOCK_DT_US || field > BLOCK_FLAGS || field === BLOCK_DATA) {
      skipField(buf, end, wireType, field, 0)
      continue
    }
    // A repeated uint32 column, packed (one length-delimited run) or not (one varint).
    let runEnd: number
    if (wireType === WIRE_LENGTH_DELIMITED) {
      const length = readVarint32(buf, end)
      runEnd = pos + length
      if (runEnd > end) malformed(`can[${block}] field ${field} runs past the end of its block`)
    } else if (wireType === WIRE_VARINT) {
      if (pos >= end) malformed(`can[${block}] field ${field}: truncated varint`)
      runEnd = -1
    } else {
      malformed(`can[${block}] field ${field} has wire type ${wireType}, expected a packed or plain varint`)
    }
    // Every element takes at least one byte, so this bounds the run's count.
    const bound = runEnd < 0 ? 1 : runEnd - pos
    if (first + Math.max(nDt, nId, nLen, nFlags) + bound > maxFrames) checkFrameCap(buf, first + columnLength(field, nDt, nId, nLen, nFlags), runEnd)
    frames.reserve(first + Math.max(nDt, nId, nLen, nFlags) + bound)
    const stop = runEnd < 0 ? pos + 1 : runEnd // a plain varint: one element (its first byte is before `stop`)
    // One loop per column: the field test stays out of the per-element path.
    switch (field) {
      case BLOCK_DT_US: {
        const column = frames.dtUs
        let i = first + nDt
        while (pos < stop) column[i++] = readVarintInRun(buf, end)
        nDt = i - first
        break
      }
      case BLOCK_ID: {
        const column = frames.id
        let i = first + nId
        while (pos < stop) {
          const id = readVarintInRun(buf, end)
          if ((id & RESERVED_ID_BITS) !== 0 || (id < EXTENDED_FLAG && id > MAX_STANDARD_ID)) {
            reject(`can[${block}]: frame ${i - first} has invalid id 0x${id.toString(16)}`)
          }
          column[i++] = id
        }
        nId = i - first
        break
      }
      case BLOCK_LEN: {
        // offsets are counted from the block's data here; the data field's position is added at the end
        const lens = frames.len
        const offsets = frames.offset
        let i = first + nLen
        while (pos < stop) {
          const value = readVarintInRun(buf, end)
          // checked before the Uint8Array store would wrap it
          if (value > 64 || VALID_LENGTH[value] === 0) reject(`can[${block}]: frame ${i - first} has length ${value}, not a CAN or CAN FD payload length`)
          lens[i] = value
          offsets[i] = lenSum
          lenSum += value
          i++
        }
        nLen = i - first
        break
      }
      default: { // BLOCK_FLAGS
        const column = frames.flags
        let i = first + nFlags
        while (pos < stop) {
          const value = readVarintInRun(buf, end)
          if (value > MAX_FLAGS) reject(`can[${block}]: frame ${i - first} has flags 0x${value.toString(16)}, above 0xff`)
          column[i++] = value
        }
        nFlags = i - first
      }
    }
    if (runEnd >= 0 && pos !== runEnd) malformed(`can[${block}] field ${field}: a varint runs past the end of its packed run`)
  }
  const n = nId
  if (nDt !== n || nLen !== n) reject(`can[${block}]: columns differ in length (dt_us ${nDt}, id ${n}, len ${nLen})`)
  if (nFlags !== 0 && nFlags !== n) reject(`can[${block}]: flags has ${nFlags} entries for ${n} frames`)
  frames.bus.fill(bus, first, first + n)
  if (nFlags === 0) frames.flags.fill(0, first, first + n)
  if (lenSum !== dataLength) reject(`can[${block}]: data holds ${dataLength} bytes but len[] sums to ${lenSum}`)
  const offsets = frames.offset
  for (let i = first; i < first + n; i++) offsets[i] = (offsets[i] as number) + dataStart
  frames.count = first + n
}

function columnLength (field: number, nDt: number, nId: number, nLen: number, nFlags: number): number {
  return field === BLOCK_DT_US ? nDt : field === BLOCK_ID ? nId : field === BLOCK_LEN ? nLen : nFlags
}

/** Refuses the batch when `before` frames plus the run at `pos` (to `runEnd`, or one plain varint when -1) exceed the cap. */
function checkFrameCap (buf: Uint8Array, before: number, runEnd: number): void {
  let n = 1
  if (runEnd >= 0) {
    n = 0
    // each varint ends at a byte below 0x80
    for (let i = pos; i < runEnd; i++) if ((buf[i] as number) < 0x80) n++
  }
  if (before + n > maxFrames) throw overLimit('canFrames', before + n, maxFrames, where(''))
}

/** readVarint32 where the caller knows the first byte is inside the buffer (inside a packed run). */
function readVarintInRun (buf: Uint8Array, end: number): number {
  const b = buf[pos++] as number
  return b < 0x80 ? b : readVarint32Tail(buf, end, b)
}

/** A protobuf varint's low 32 bits, unsigned (how protobufjs reads uint32). */
function readVarint32 (buf: Uint8Array, end: number): number {
  if (pos >= end) malformed('truncated varint')
  const b = buf[pos++] as number
  return b < 0x80 ? b : readVarint32Tail(buf, end, b)
}

/** The rest of a varint whose first byte `first` had its continuation bit set. */
function readVarint32Tail (buf: Uint8Array, end: number, first: number): number {
  let b = first
  let value = b & 0x7f
  for (let shift = 7; shift < 35; shift += 7) {
    if (pos >= end) malformed('truncated varint')
    b = buf[pos++] as number
    // bits beyond 32 are dropped by the shift, as a uint32 read does
    value |= (b & 0x7f) << shift
    if (b < 0x80) return value >>> 0
  }
  // bytes 6..10 of a 64-bit varint carry only bits above 32
  for (let i = 5; i < 10; i++) {
    if (pos >= end) malformed('truncated varint')
    if ((buf[pos++] as number) < 0x80) return value >>> 0
  }
  return malformed('varint longer than 10 bytes')
}

function skipField (buf: Uint8Array, end: number, wireType: number, field: number, depth: number): void {
  switch (wireType) {
    case WIRE_START_GROUP:
      // proto2 groups: an unknown one is skipped to its END_GROUP, as protobufjs does
      skipGroup(buf, end, field, depth + 1)
      return
    case WIRE_VARINT:
      readVarint32(buf, end)
      return
    case WIRE_FIXED64:
      pos += 8
      break
    case WIRE_LENGTH_DELIMITED: {
      // not `pos += read…()`: that would add to the position from before the length was read
      const length = readVarint32(buf, end)
      pos += length
      break
    }
    case WIRE_FIXED32:
      pos += 4
      break
    default:
      malformed(`unsupported wire type ${wireType}`)
  }
  if (pos > end) malformed('a field runs past the end of its message')
}

function skipGroup (buf: Uint8Array, end: number, field: number, depth: number): void {
  if (depth > MAX_GROUP_DEPTH) malformed(`groups nested deeper than ${MAX_GROUP_DEPTH}`)
  for (;;) {
    if (pos >= end) malformed(`group ${field} has no end`)
    const tag = readVarint32(buf, end)
    if ((tag & 7) === WIRE_END_GROUP) {
      if ((tag >>> 3) !== field) malformed(`group ${field} ends as group ${tag >>> 3}`)
      return
    }
    skipField(buf, end, tag & 7, tag >>> 3, depth)
  }
}

function malformed (message: string): never {
  throw new BatchRejected('PITWALL_ERR_MALFORMED_PROTOBUF', `${where('')}: ${message} (byte ${pos})`)
}

function reject (message: string): never {
  throw new BatchRejected('PITWALL_ERR_CAN_BLOCK', `${where('')}: ${message}`)
}
