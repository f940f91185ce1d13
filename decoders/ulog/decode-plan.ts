import type { LeafField } from './layout.js'

const INT8 = 0
const UINT8 = 1
const BOOL = 2
const INT16 = 3
const UINT16 = 4
const INT32 = 5
const UINT32 = 6
const FLOAT = 7
const DOUBLE = 8
const INT64 = 9
const UINT64 = 10

const KIND: Readonly<Record<LeafField['type'], number>> = {
  int8_t: INT8, uint8_t: UINT8, bool: BOOL, int16_t: INT16, uint16_t: UINT16, int32_t: INT32,
  uint32_t: UINT32, float: FLOAT, double: DOUBLE, int64_t: INT64, uint64_t: UINT64
}

const TWO_32 = 4294967296

/**
 * The fields of one subscription to decode, as parallel arrays, built once
 * when its 'A' message arrives; per message the decoder only reads numbers.
 */
export interface DecodePlan {
  readonly count: number
  readonly offsets: Int32Array
  readonly kinds: Uint8Array
  readonly channels: Uint32Array
  readonly scales: Float64Array
  readonly shifts: Float64Array
}

export function makePlan (fields: ReadonlyArray<{ leaf: LeafField, channel: number, scale: number, offset: number }>): DecodePlan {
  const count = fields.length
  const plan = {
    count,
    offsets: new Int32Array(count),
    kinds: new Uint8Array(count),
    channels: new Uint32Array(count),
    scales: new Float64Array(count),
    shifts: new Float64Array(count)
  }
  fields.forEach((f, i) => {
    plan.offsets[i] = f.leaf.offset
    plan.kinds[i] = KIND[f.leaf.type]
    plan.channels[i] = f.channel
    plan.scales[i] = f.scale
    plan.shifts[i] = f.offset
  })
  return plan
}

/**
 * Field i of a message whose fields start at `at`. 64-bit integers become the
 * nearest double: exact up to 2^53 - 1 (9.007e15), beyond that off by up to
 * one part in 2^53.
 */
export function fieldValue (plan: DecodePlan, i: number, view: DataView, at: number): number {
  const p = at + (plan.offsets[i] as number)
  let raw: number
  switch (plan.kinds[i]) {
    case INT8: raw = view.getInt8(p); break
    case UINT8: raw = view.getUint8(p); break
    case BOOL: raw = view.getUint8(p) === 0 ? 0 : 1; break
    case INT16: raw = view.getInt16(p, true); break
    case UINT16: raw = view.getUint16(p, true); break
    case INT32: raw = view.getInt32(p, true); break
    case UINT32: raw = view.getUint32(p, true); break
    case FLOAT: raw = view.getFloat32(p, true); break
    case DOUBLE: raw = view.getFloat64(p, true); break
    case INT64: raw = view.getInt32(p + 4, true) * TWO_32 + view.getUint32(p, true); break
    default: raw = view.getUint32(p + 4, true) * TWO_32 + view.getUint32(p, true); break
  }
  return raw * (plan.scales[i] as number) + (plan.shifts[i] as number)
}
