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
    if (tag === ((4 << 3) | 2)) {
      const end = varint(buf) + pos
      const first = out.count
      let n = 0
      while (pos < end) {
        const field = varint(buf) >>> 3
        const length = varint(buf)
        const runEnd = pos + length
        if (field === 5) { out.dataStart = pos; pos = runEnd; continue }
        if (field === 1) continue // bus: a varint, already read as "length"
        let i = first
        if (field === 2) while (pos < runEnd) out.dt[i++] = varint(buf)
        else if (field === 3) while (pos < runEnd) out.id[i++] = varint(buf)
        else if (field === 4) while (pos < runEnd) out.len[i++] = varint(buf)
        else pos = runEnd
        n = i - first
      }
      out.count = first + n
    } else if (wire === 0) {
      varint(buf)
    } else if (wire === 2) {
      const length = varint(buf)
      pos += length
    } else {
      pos += wire === 1 ? 8 : 4
    }
  }
  return out.count
}
