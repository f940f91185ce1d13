/**
 * The entries of a TelemetryBatch besides its CAN frames, as columns: OBD-II
 * responses, DTC records, GNSS fixes and edge-decoded signal samples, read
 * from the wire straight into typed arrays (no protobufjs message per entry).
 * One BatchEntries is reused batch after batch, so its columns only grow, and
 * only up to the caps of batch-limits.ts; the contents are valid until the
 * next batch is read into it.
 *
 * Each reader follows protobufjs over the same bytes (the tests compare the
 * two): fields in any order, the last occurrence of a scalar wins, unknown
 * fields and known fields of another wire type are skipped, repeated scalars
 * are accepted packed or not, and repeated SignalBlocks are merged.
 */
import { cursor, doubleAt, malformed, readEnd, readTag, readVarint32, skipField, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './wire.js'

const INITIAL_ENTRIES = 64


/** A uint32 column grown to `capacity`, its first `count` values kept. */
function grownU32 (column: Uint32Array, capacity: number): Uint32Array<ArrayBuffer> {
  const fresh = new Uint32Array(capacity)
  fresh.set(column)
  return fresh
}

function grownI32 (column: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const fresh = new Int32Array(capacity)
  fresh.set(column)
  return fresh
}

function capacityFor (current: number, n: number): number {
  let capacity = Math.max(current * 2, INITIAL_ENTRIES)
  while (capacity < n) capacity *= 2
  return capacity
}

/** SAE J1979 responses: response i is `mode` / `pid` from `ecu`, its data bytes `data[dataOffset[i] .. + dataLength[i])` (the payload itself). */
export class ObdResponses {
  count = 0
  /** whether a response read since clear() has an ecu, mode or pid out of its range (decodeBatch then finds which, to name it) */
  outOfRange = false
  dtUs = new Uint32Array(INITIAL_ENTRIES)
  mode = new Uint32Array(INITIAL_ENTRIES)
  pid = new Uint32Array(INITIAL_ENTRIES)
  ecu = new Uint32Array(INITIAL_ENTRIES)
  dataOffset = new Uint32Array(INITIAL_ENTRIES)
  dataLength = new Uint32Array(INITIAL_ENTRIES)
  data: Uint8Array = new Uint8Array(0)

  reserve (n: number): void {
    if (n <= this.dtUs.length) return
    const capacity = capacityFor(this.dtUs.length, n)
    this.dtUs = grownU32(this.dtUs, capacity)
    this.mode = grownU32(this.mode, capacity)
    this.pid = grownU32(this.pid, capacity)
    this.ecu = grownU32(this.ecu, capacity)
    this.dataOffset = grownU32(this.dataOffset, capacity)
    this.dataLength = grownU32(this.dataLength, capacity)
  }
}

/** ISO 14229-1 DTC records: the 3-byte DTC and its status byte, from `ecu`. */
export class DtcRecords {
  count = 0
  dtUs = new Uint32Array(INITIAL_ENTRIES)
  dtc = new Uint32Array(INITIAL_ENTRIES)
  status = new Uint32Array(INITIAL_ENTRIES)
  ecu = new Uint32Array(INITIAL_ENTRIES)

  reserve (n: number): void {
    if (n <= this.dtUs.length) return
    const capacity = capacityFor(this.dtUs.length, n)
    this.dtUs = grownU32(this.dtUs, capacity)
    this.dtc = grownU32(this.dtc, capacity)
    this.status = grownU32(this.status, capacity)
    this.ecu = grownU32(this.ecu, capacity)
  }
}

/** GNSS fixes in the wire's units (proto/telemetry.proto: degrees * 1e7, cm/s, centidegrees, cm, hdop * 100). */
export class GnssFixes {
  count = 0
  dtUs = new Uint32Array(INITIAL_ENTRIES)
  latE7 = new Int32Array(INITIAL_ENTRIES)
  lonE7 = new Int32Array(INITIAL_ENTRIES)
  speedCms = new Uint32Array(INITIAL_ENTRIES)
  headingCdeg = new Uint32Array(INITIAL_ENTRIES)
  altCm = new Int32Array(INITIAL_ENTRIES)
  hdopC = new Uint32Array(INITIAL_ENTRIES)
  satellites = new Uint32Array(INITIAL_ENTRIES)

  reserve (n: number): void {
    if (n <= this.dtUs.length) return
    const capacity = capacityFor(this.dtUs.length, n)
    this.dtUs = grownU32(this.dtUs, capacity)
    this.latE7 = grownI32(this.latE7, capacity)
    this.lonE7 = grownI32(this.lonE7, capacity)
    this.speedCms = grownU32(this.speedCms, capacity)
    this.headingCdeg = grownU32(this.headingCdeg, capacity)
    this.altCm = grownI32(this.altCm, capacity)
    this.hdopC = grownU32(this.hdopC, capacity)
    this.satellites = grownU32(this.satellites, capacity)
  }
}

/**
 * Edge-decoded samples: sample i is (dtUs[i], signalId[i], value[i]). The
 * wire's three columns may differ in length (decodeBatch refuses that): each
 * keeps its own count, the values past the cap are counted, not kept.
 */
export class SignalSamples {
  dtUsCount = 0
  signalIdCount = 0
  valueCount = 0
  dtUs = new Uint32Array(INITIAL_ENTRIES)
  signalId = new Uint32Array(INITIAL_ENTRIES)
  value = new Float64Array(INITIAL_ENTRIES)

  /** samples, once decodeBatch has checked the columns agree */
  get count (): number {
    return this.signalIdCount
  }

  reserve (n: number): void {
    if (n <= this.dtUs.length) return
    const capacity = capacityFor(this.dtUs.length, n)
    this.dtUs = grownU32(this.dtUs, capacity)
    this.signalId = grownU32(this.signalId, capacity)
    const value = new Float64Array(capacity)
    value.set(this.value)
    this.value = value
  }
}

export class BatchEntries {
  readonly obd = new ObdResponses()
  readonly dtc = new DtcRecords()
  readonly gnss = new GnssFixes()
  readonly signals = new SignalSamples()

  clear (payload: Uint8Array): void {
    this.obd.count = 0
    this.obd.outOfRange = false
    this.obd.data = payload
    this.dtc.count = 0
    this.gnss.count = 0
    this.signals.dtUsCount = 0
    this.signals.signalIdCount = 0
    this.signals.valueCount = 0
  }
}

/** The varint fields of the message just read by readFields, by field number (0 when absent: proto3's default). */
const scalars = new Uint32Array(16)

/**
 * Reads the fields of a message of varints (DtcRecord, GnssFix) up to `end`
 * into `scalars`, the last occurrence winning: those whose bits are set in
 * `varintFields` (bit n: field n, n < 16). Any other field (or these with
 * another wire type) is skipped. Varints of up to 3 bytes are decoded
 * inline, without a bounds check per byte: one that ends past `end` is
 * refused after.
 */
function readFields (buf: Uint8Array, end: number, varintFields: number): void {
  // fields 1..8 are all the messages have; a loop, not fill(), whose call costs more
  for (let f = 1; f <= 8; f++) scalars[f] = 0
  let pos = cursor.pos
  while (pos < end) {
    let tag = buf[pos++] as number
    if (tag >= 0x80) {
      cursor.pos = pos - 1
      tag = readTag(buf, end)
      pos = cursor.pos
    }
    // a one-byte tag (field below 16: the shift below takes its count mod 32) of wire type 0, for a field the message has
    if ((tag & ~0x78) === WIRE_VARINT && ((varintFields >>> (tag >>> 3)) & 1) !== 0) {
      if (pos >= end) truncated(pos)
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
            value = readVarint32(buf, end)
            pos = cursor.pos
          }
        }
        if (pos > end) truncated(end)
      }
      scalars[tag >>> 3] = value
    } else {
      cursor.pos = pos
      skipField(buf, end, tag & 7, tag >>> 3)
      pos = cursor.pos
    }
  }
  cursor.pos = pos
}

function truncatedBytes (pos: number, length: number): never {
  cursor.pos = pos
  return malformed(`a field of ${length} bytes runs past the end of its message`)
}

function truncated (pos: number): never {
  cursor.pos = pos
  return malformed('truncated varint')
}

// proto/telemetry.proto field numbers
const OBD_DT_US = 1
const OBD_MODE = 2
const OBD_PID = 3
const OBD_DATA_TAG = (4 << 3) | WIRE_LENGTH_DELIMITED
const OBD_ECU = 5
const OBD_VARINTS = (1 << OBD_DT_US) | (1 << OBD_MODE) | (1 << OBD_PID) | (1 << OBD_ECU)
/** ECU addresses are CAN identifiers: 11 or 29 bits. */
export const MAX_ECU = 0x1fff_ffff

/**
 * One ObdResponse (its fields up to `end`) as response `out.count`: readFields
 * spelled out with locals, as OBD responses are most of a batch's entries
 * (14 of the demo vehicle's 16 a second) and this is ~15% faster than going
 * through `scalars`.
 */
export function readObdResponse (buf: Uint8Array, end: number, out: ObdResponses): void {
  let dtUs = 0
  let mode = 0
  let pid = 0
  let ecu = 0
  let dataOffset = 0
  let dataLength = 0
  let pos = cursor.pos
  while (pos < end) {
    let tag = buf[pos++] as number
    if (tag >= 0x80) {
      cursor.pos = pos - 1
      tag = readTag(buf, end)
      pos = cursor.pos
    }
    if ((tag & ~0x78) === WIRE_VARINT && ((OBD_VARINTS >>> (tag >>> 3)) & 1) !== 0) {
      if (pos >= end) truncated(pos)
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
            value = readVarint32(buf, end)
            pos = cursor.pos
          }
        }
        if (pos > end) truncated(end)
      }
      switch (tag >>> 3) {
        case OBD_DT_US: dtUs = value; break
        case OBD_MODE: mode = value; break
        case OBD_PID: pid = value; break
        default: ecu = value
      }
    } else if (tag === OBD_DATA_TAG) {
      let length = buf[pos] as number
      if (length < 0x80 && pos < end) {
        pos++
      } else {
        cursor.pos = pos
        length = readEnd(buf, end) - cursor.pos
        pos = cursor.pos
      }
      if (pos + length > end) truncatedBytes(pos, length)
      dataOffset = pos
      dataLength = length
      pos += length
    } else {
      cursor.pos = pos
      skipField(buf, end, tag & 7, tag >>> 3)
      pos = cursor.pos
    }
  }
  cursor.pos = pos
  // the ranges decodeBatch's checkObd refuses: tested here on locals, so an honest batch skips that loop
  if (ecu > MAX_ECU || mode > 0xff || pid > 0xffff) out.outOfRange = true
  const i = out.count
  out.reserve(i + 1)
  out.dtUs[i] = dtUs
  out.mode[i] = mode
  out.pid[i] = pid
  out.ecu[i] = ecu
  out.dataOffset[i] = dataOffset
  out.dataLength[i] = dataLength
  out.count = i + 1
}

const DTC_DT_US = 1
const DTC_DTC = 2
const DTC_STATUS = 3
const DTC_ECU = 4
const DTC_VARINTS = (1 << DTC_DT_US) | (1 << DTC_DTC) | (1 << DTC_STATUS) | (1 << DTC_ECU)

export function readDtcRecord (buf: Uint8Array, end: number, out: DtcRecords): void {
  readFields(buf, end, DTC_VARINTS)
  const i = out.count
  out.reserve(i + 1)
  out.dtUs[i] = scalars[DTC_DT_US] as number
  out.dtc[i] = scalars[DTC_DTC] as number
  out.status[i] = scalars[DTC_STATUS] as number
  out.ecu[i] = scalars[DTC_ECU] as number
  out.count = i + 1
}

const GNSS_DT_US = 1
const GNSS_LAT = 2
const GNSS_LON = 3
const GNSS_SPEED = 4
const GNSS_HEADING = 5
const GNSS_ALT = 6
const GNSS_HDOP = 7
const GNSS_SATELLITES = 8
/** fields 1..8 */
const GNSS_VARINTS = 0x1fe

/** A sint32 from its varint's low 32 bits: zigzag-decoded (0, -1, 1, -2 … on the wire as 0, 1, 2, 3 …). */
function zigzag (n: number): number {
  return (n >>> 1) ^ -(n & 1)
}

export function readGnssFix (buf: Uint8Array, end: number, out: GnssFixes): void {
  readFields(buf, end, GNSS_VARINTS)
  const i = out.count
  out.reserve(i + 1)
  out.dtUs[i] = scalars[GNSS_DT_US] as number
  out.latE7[i] = zigzag(scalars[GNSS_LAT] as number)
  out.lonE7[i] = zigzag(scalars[GNSS_LON] as number)
  out.speedCms[i] = scalars[GNSS_SPEED] as number
  out.headingCdeg[i] = scalars[GNSS_HEADING] as number
  out.altCm[i] = zigzag(scalars[GNSS_ALT] as number)
  out.hdopC[i] = scalars[GNSS_HDOP] as number
  out.satellites[i] = scalars[GNSS_SATELLITES] as number
  out.count = i + 1
}

/** An entry past its cap: its wire format checked (the batch is refused either way, and damage is named first), nothing kept. */
export function skipMessage (buf: Uint8Array, end: number): void {
  while (cursor.pos < end) {
    const tag = readTag(buf, end)
    skipField(buf, end, tag & 7, tag >>> 3)
  }
}

const SIGNAL_DT_US = 1
const SIGNAL_ID = 2
const SIGNAL_VALUE = 3

/**
 * One SignalBlock's columns (to `end`), appended to `out`'s (protobufjs
 * merges repeated blocks into one). Values past `cap` in a column are
 * counted and their wire format checked, not kept.
 */
export function readSignalBlock (buf: Uint8Array, end: number, out: SignalSamples, cap: number): void {
  while (cursor.pos < end) {
    const tag = readTag(buf, end)
    const field = tag >>> 3
    const wireType = tag & 7
    if (field === SIGNAL_DT_US || field === SIGNAL_ID) {
      if (wireType !== WIRE_VARINT && wireType !== WIRE_LENGTH_DELIMITED) {
        skipField(buf, end, wireType, field)
        continue
      }
      const runEnd = wireType === WIRE_VARINT ? -1 : readEnd(buf, end)
      const first = field === SIGNAL_DT_US ? out.dtUsCount : out.signalIdCount
      // every varint takes at least a byte: this bounds the run's count
      out.reserve(Math.min(first + (runEnd < 0 ? 1 : runEnd - cursor.pos), cap))
      const column = field === SIGNAL_DT_US ? out.dtUs : out.signalId
      let i = first
      if (runEnd < 0) {
        const value = readVarint32(buf, end)
        if (i < cap) column[i] = value
        i++
      } else {
        i = readPackedRun(buf, runEnd, column, i, cap)
      }
      if (field === SIGNAL_DT_US) out.dtUsCount = i
      else out.signalIdCount = i
    } else if (field === SIGNAL_VALUE && (wireType === WIRE_LENGTH_DELIMITED || wireType === WIRE_FIXED64)) {
      let runEnd: number
      if (wireType === WIRE_FIXED64) {
        runEnd = cursor.pos + 8
        if (runEnd > end) malformed('a double runs past the end of its message')
      } else {
        runEnd = readEnd(buf, end)
        if ((runEnd - cursor.pos) % 8 !== 0) malformed(`packed doubles of ${runEnd - cursor.pos} bytes, not a multiple of 8`)
      }
      let i = out.valueCount
      let pos = cursor.pos
      out.reserve(Math.min(i + (runEnd - pos) / 8, cap))
      const column = out.value
      for (; pos < runEnd; pos += 8) {
        if (i < cap) column[i] = doubleAt(buf, pos)
        i++
      }
      cursor.pos = runEnd
      out.valueCount = i
    } else {
      skipField(buf, end, wireType, field)
    }
  }
}

/**
 * A packed run of uint32 varints, from the cursor to `runEnd`, into
 * `column` from index `i`; values from index `cap` on are counted, not
 * kept. Returns the index after the last. Up to 3 bytes are decoded inline
 * as the CAN runs do (can-block-reader.ts): a varint that runs past the run
 * is refused after it is read.
 */
function readPackedRun (buf: Uint8Array, runEnd: number, column: Uint32Array, i: number, cap: number): number {
  let pos = cursor.pos
  while (pos < runEnd) {
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
          value = readVarint32(buf, runEnd)
          pos = cursor.pos
        }
      }
      if (pos > runEnd) truncated(runEnd)
    }
    if (i < cap) column[i] = value
    i++
  }
  cursor.pos = pos
  return i
}
