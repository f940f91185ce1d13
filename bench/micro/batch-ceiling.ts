/**
 * The ceiling for batch decode: the least a reader can do to get a batch's
 * CAN columns into typed arrays. No envelope, no validation, no unknown-field
 * or unpacked-encoding handling: what our reader is measured against.
 */
export interface CeilingColumns {
  dt: Uint32Array
  id: Uint32Array
  len: Uint8Array
  count: number
  dataStart: number
}

let pos = 0

/** field 4 (can), length-delimited */
const CAN_TAG = (4 << 3) | 2

function varint (buf: Uint8Array): number {
  let b = buf[pos++] as number
  if (b < 0x80) return b
  let value = b & 0x7f
  let shift = 7
  do {
    b = buf[pos++] as number
    value |= (b & 0x7f) << shift
    shift += 7
  } while (b >= 0x80)
  return value >>> 0
}

export function ceilingReadCan (buf: Uint8Array, out: CeilingColumns): number {
  pos = 0
  out.count = 0
  while (pos < buf.length) {
    const tag = varint(buf)
    const wire = tag & 7
    if (tag === CAN_TAG) readCanBlock(buf, out)
    else skip(buf, wire)
  }
  return out.count
}

/** Past a field of wire type `wire` whose tag was just read. */
function skip (buf: Uint8Array, wire: number): void {
  if (wire === 0) {
    varint(buf)
  } else if (wire === 2) {
    // not `pos += varint(buf)`: that reads pos before the length's own bytes are consumed
    const length = varint(buf)
    pos += length
  } else {
    pos += wire === 1 ? 8 : 4
  }
}

/** The other entries' columns for {@link ceilingReadAll}, preallocated: the ceiling never grows them. */
export interface CeilingEntries {
  obd: { count: number, dt: Uint32Array, mode: Uint32Array, pid: Uint32Array, ecu: Uint32Array, dataOffset: Uint32Array, dataLength: Uint32Array }
  dtc: { count: number, dt: Uint32Array, dtc: Uint32Array, status: Uint32Array, ecu: Uint32Array }
  gnss: { count: number, dt: Uint32Array, lat: Int32Array, lon: Int32Array, speed: Uint32Array, heading: Uint32Array, alt: Int32Array, hdop: Uint32Array, satellites: Uint32Array }
  signals: { count: number, dt: Uint32Array, id: Uint32Array, value: Float64Array }
}

export function ceilingEntries (capacity: number): CeilingEntries {
  const u = (): Uint32Array => new Uint32Array(capacity)
  const i = (): Int32Array => new Int32Array(capacity)
  return {
    obd: { count: 0, dt: u(), mode: u(), pid: u(), ecu: u(), dataOffset: u(), dataLength: u() },
    dtc: { count: 0, dt: u(), dtc: u(), status: u(), ecu: u() },
    gnss: { count: 0, dt: u(), lat: i(), lon: i(), speed: u(), heading: u(), alt: i(), hdop: u(), satellites: u() },
    signals: { count: 0, dt: u(), id: u(), value: new Float64Array(capacity) }
  }
}

const zigzag = (n: number): number => (n >>> 1) ^ -(n & 1)

// a double's 8 little-endian bytes copied into a scratch that aliases one Float64
const scratch = new Uint8Array(8)
const scratchDouble = new Float64Array(scratch.buffer)

/**
 * The ceiling for a whole batch: what {@link ceilingReadCan} does for the
 * CAN blocks, and every OBD-II response, DTC record, GNSS fix and edge
 * sample read into columns the same least way (fields in the order the
 * simulator writes them need not hold: each field is dispatched by number,
 * but nothing is validated, and packed encoding is assumed). The same
 * output as decodeBatch's, without its checks: what our reader is measured
 * against on batches that carry more than CAN frames.
 */
export function ceilingReadAll (buf: Uint8Array, can: CeilingColumns, out: CeilingEntries): number {
  pos = 0
  can.count = 0
  out.obd.count = 0
  out.dtc.count = 0
  out.gnss.count = 0
  out.signals.count = 0
  while (pos < buf.length) {
    const tag = varint(buf)
    const field = tag >>> 3
    const wire = tag & 7
    if (wire === 2 && field >= 5 && field <= 8) {
      const end = varint(buf) + pos
      if (field === 5) readObd(buf, end, out.obd)
      else if (field === 6) readDtc(buf, end, out.dtc)
      else if (field === 7) readGnss(buf, end, out.gnss)
      else readSignals(buf, end, out.signals)
    } else if (tag === CAN_TAG) {
      readCanBlock(buf, can)
    } else {
      skip(buf, wire)
    }
  }
  return can.count
}

function readCanBlock (buf: Uint8Array, out: CeilingColumns): void {
  const end = varint(buf) + pos
  const first = out.count
  let n = 0
  while (pos < end) {
    const field = varint(buf) >>> 3
    const length = varint(buf)
    const runEnd = pos + length
    if (field === 5) { out.dataStart = pos; pos = runEnd; continue }
    if (field === 1) continue
    let i = first
    if (field === 2) while (pos < runEnd) out.dt[i++] = varint(buf)
    else if (field === 3) while (pos < runEnd) out.id[i++] = varint(buf)
    else if (field === 4) while (pos < runEnd) out.len[i++] = varint(buf)
    else pos = runEnd
    n = i - first
  }
  out.count = first + n
}

function readObd (buf: Uint8Array, end: number, o: CeilingEntries['obd']): void {
  const i = o.count++
  o.dt[i] = 0; o.mode[i] = 0; o.pid[i] = 0; o.ecu[i] = 0; o.dataLength[i] = 0
  while (pos < end) {
    const field = varint(buf) >>> 3
    if (field === 4) {
      const length = varint(buf)
      o.dataOffset[i] = pos
      o.dataLength[i] = length
      pos += length
    } else {
      const v = varint(buf)
      if (field === 1) o.dt[i] = v
      else if (field === 2) o.mode[i] = v
      else if (field === 3) o.pid[i] = v
      else if (field === 5) o.ecu[i] = v
    }
  }
}

function readDtc (buf: Uint8Array, end: number, o: CeilingEntries['dtc']): void {
  const i = o.count++
  o.dt[i] = 0; o.dtc[i] = 0; o.status[i] = 0; o.ecu[i] = 0
  while (pos < end) {
    const field = varint(buf) >>> 3
    const v = varint(buf)
    if (field === 1) o.dt[i] = v
    else if (field === 2) o.dtc[i] = v
    else if (field === 3) o.status[i] = v
    else if (field === 4) o.ecu[i] = v
  }
}

function readGnss (buf: Uint8Array, end: number, o: CeilingEntries['gnss']): void {
  const i = o.count++
  o.dt[i] = 0; o.lat[i] = 0; o.lon[i] = 0; o.speed[i] = 0; o.heading[i] = 0; o.alt[i] = 0; o.hdop[i] = 0; o.satellites[i] = 0
  while (pos < end) {
    const field = varint(buf) >>> 3
    const v = varint(buf)
    if (field === 1) o.dt[i] = v
    else if (field === 2) o.lat[i] = zigzag(v)
    else if (field === 3) o.lon[i] = zigzag(v)
    else if (field === 4) o.speed[i] = v
    else if (field === 5) o.heading[i] = v
    else if (field === 6) o.alt[i] = zigzag(v)
    else if (field === 7) o.hdop[i] = v
    else if (field === 8) o.satellites[i] = v
  }
}

function readSignals (buf: Uint8Array, end: number, o: CeilingEntries['signals']): void {
  const first = o.count
  let n = 0
  while (pos < end) {
    const field = varint(buf) >>> 3
    const runEnd = varint(buf) + pos
    let i = first
    if (field === 1) while (pos < runEnd) o.dt[i++] = varint(buf)
    else if (field === 2) while (pos < runEnd) o.id[i++] = varint(buf)
    else if (field === 3) {
      while (pos < runEnd) {
        for (let b = 0; b < 8; b++) scratch[b] = buf[pos + b] as number
        o.value[i++] = scratchDouble[0] as number
        pos += 8
      }
    } else pos = runEnd
    n = i - first
  }
  o.count = first + n
}
