import type { MessageDefinition } from '@foxglove/ulog'
import { PitwallError } from '../../runtime/errors.js'

/** The ULog types that carry a number; `char` (text) is not one. */
export type NumericType =
  | 'int8_t' | 'uint8_t' | 'int16_t' | 'uint16_t' | 'int32_t' | 'uint32_t'
  | 'int64_t' | 'uint64_t' | 'float' | 'double' | 'bool'

export const NUMERIC_SIZES: Readonly<Record<NumericType, number>> = {
  int8_t: 1, uint8_t: 1, bool: 1, int16_t: 2, uint16_t: 2, int32_t: 4, uint32_t: 4,
  float: 4, int64_t: 8, uint64_t: 8, double: 8
}

export function isNumericType (type: string): type is NumericType {
  return Object.hasOwn(NUMERIC_SIZES, type)
}

/** One number in a message: `voltage_cell_v[3]`, `esc[2].esc_rpm`. */
export interface LeafField {
  readonly path: string
  readonly type: NumericType
  /** Byte offset from the start of the message's fields (after msg_id). */
  readonly offset: number
}

export interface MessageLayout {
  readonly name: string
  /** Bytes of the fields, padding included: what a 'D' message carries after its msg_id. */
  readonly size: number
  /**
   * The PX4 logger leaves trailing padding off the wire, so a 'D' body holds
   * between `minSize` (up to the last named field) and `size` bytes.
   */
  readonly minSize: number
  readonly timestampOffset: number
  /** Numeric leaves, in byte order, without the timestamp and padding. */
  readonly leaves: readonly LeafField[]
  /** Text fields, kept only to say "that is text" when someone selects one. */
  readonly textFields: readonly string[]
}

/** A format that cannot describe a data message; the caller adds file and topic (selection.ts). */
export class LayoutError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_ULOG_CORRUPT', message)
  }
}

/** A data message body is at most 65535 bytes, 2 of them the msg_id. */
const MAX_MESSAGE_FIELDS_SIZE = 65533
/** PX4 nests formats two or three deep; a deeper chain is damage (and would exhaust the stack). */
const MAX_NESTING = 32

/**
 * Flattens a format into the numbers it holds, so decoding a message is a
 * list of (offset, type) reads. Nested formats are expanded in place; a cycle,
 * a missing nested format or a size no data message can have is refused here,
 * once, instead of on every message.
 */
export function compileLayout (name: string, formats: ReadonlyMap<string, MessageDefinition>): MessageLayout {
  const sizes = new Map<string, number>()
  const size = formatSize(name, formats, sizes, new Set())
  if (size > MAX_MESSAGE_FIELDS_SIZE) throw new LayoutError(`format '${name}' is ${size} bytes, more than a data message can carry`)

  const top = formats.get(name)
  if (top === undefined) throw new LayoutError(`no format named '${name}'`)
  let timestampOffset = -1
  let minSize = 0
  let offset = 0
  for (const field of top.fields) {
    if (field.name === 'timestamp' && timestampOffset < 0) {
      if (field.type !== 'uint64_t' || field.arrayLength !== undefined) throw new LayoutError(`format '${name}' has a timestamp of type ${field.type}, not uint64_t`)
      timestampOffset = offset
    }
    offset += elementSize(field.type, sizes) * (field.arrayLength ?? 1)
    if (!field.name.startsWith('_padding')) minSize = offset
  }
  if (timestampOffset < 0) throw new LayoutError(`format '${name}' has no timestamp field`)

  const leaves: LeafField[] = []
  const textFields: string[] = []
  expand(top, '', 0, formats, sizes, leaves, textFields)
  return { name, size, minSize, timestampOffset, leaves: leaves.filter((l) => l.path !== 'timestamp'), textFields }
}

/** Sizes of nested formats come from `sizes`, filled by formatSize() first. */
function elementSize (type: string, sizes: ReadonlyMap<string, number>): number {
  if (isNumericType(type)) return NUMERIC_SIZES[type]
  if (type === 'char') return 1
  const size = sizes.get(type)
  if (size === undefined) throw new LayoutError(`no format named '${type}'`)
  return size
}

function formatSize (name: string, formats: ReadonlyMap<string, MessageDefinition>, sizes: Map<string, number>, visiting: Set<string>): number {
  const known = sizes.get(name)
  if (known !== undefined) return known
  const format = formats.get(name)
  if (format === undefined) throw new LayoutError(`no format named '${name}'`)
  if (visiting.has(name)) throw new LayoutError(`format '${name}' contains itself`)
  if (visiting.size >= MAX_NESTING) throw new LayoutError(`formats nested more than ${MAX_NESTING} deep at '${name}'`)
  visiting.add(name)
  let size = 0
  for (const field of format.fields) {
    if ((field.arrayLength ?? 1) > MAX_MESSAGE_FIELDS_SIZE) throw new LayoutError(`field '${field.name}' of format '${name}' has ${field.arrayLength} elements, more than a data message can carry`)
    const element = isNumericType(field.type) || field.type === 'char'
      ? elementSize(field.type, sizes)
      : formatSize(field.type, formats, sizes, visiting)
    size += element * (field.arrayLength ?? 1)
    // Stop before sizes grow past what any message can hold (and past exact doubles).
    if (size > MAX_MESSAGE_FIELDS_SIZE) throw new LayoutError(`format '${name}' is more than ${MAX_MESSAGE_FIELDS_SIZE} bytes, more than a data message can carry`)
  }
  visiting.delete(name)
  sizes.set(name, size)
  return size
}

function expand (
  format: MessageDefinition, prefix: string, base: number,
  formats: ReadonlyMap<string, MessageDefinition>, sizes: Map<string, number>,
  leaves: LeafField[], textFields: string[]
): void {
  let offset = base
  for (const field of format.fields) {
    const element = elementSize(field.type, sizes)
    const count = field.arrayLength ?? 1
    // ULog spec: `_padding*` fields are padding to be ignored; other names starting with '_' are data (pyulog keeps them).
    if (!field.name.startsWith('_padding')) {
      const path = prefix + field.name
      if (field.type === 'char') {
        textFields.push(path)
      } else if (isNumericType(field.type)) {
        for (let i = 0; i < count; i++) {
          leaves.push({ path: field.arrayLength === undefined ? path : `${path}[${i}]`, type: field.type, offset: offset + i * element })
        }
      } else if (element > 0) {
        const nested = formats.get(field.type)
        if (nested === undefined) throw new LayoutError(`no format named '${field.type}'`)
        for (let i = 0; i < count; i++) {
          const at = field.arrayLength === undefined ? path : `${path}[${i}]`
          expand(nested, `${at}.`, offset + i * element, formats, sizes, leaves, textFields)
        }
      }
    }
    offset += element * count
  }
}
