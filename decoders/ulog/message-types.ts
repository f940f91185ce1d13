/** ULog message types (the msg_type byte), as the PX4 ULog file format names them. */
export const MSG_FLAG_BITS = 0x42 // 'B'
export const MSG_FORMAT = 0x46 // 'F'
export const MSG_INFO = 0x49 // 'I'
export const MSG_INFO_MULTI = 0x4d // 'M'
export const MSG_PARAMETER = 0x50 // 'P'
export const MSG_PARAMETER_DEFAULT = 0x51 // 'Q'
export const MSG_ADD_LOGGED = 0x41 // 'A'
export const MSG_REMOVE_LOGGED = 0x52 // 'R'
export const MSG_DATA = 0x44 // 'D'
export const MSG_LOG = 0x4c // 'L'
export const MSG_LOG_TAGGED = 0x43 // 'C'
export const MSG_SYNC = 0x53 // 'S'
export const MSG_DROPOUT = 0x4f // 'O'

/** Types allowed in the definitions section; the first data-section-only type (A, R, D, L, C, S, O) starts the data section. */
export const DEFINITION_TYPES: ReadonlySet<number> = new Set([
  MSG_FLAG_BITS, MSG_FORMAT, MSG_INFO, MSG_INFO_MULTI, MSG_PARAMETER, MSG_PARAMETER_DEFAULT
])

/** Types allowed in the data section (info and parameter changes may appear there too). */
export const DATA_TYPES: ReadonlySet<number> = new Set([
  MSG_ADD_LOGGED, MSG_REMOVE_LOGGED, MSG_DATA, MSG_LOG, MSG_LOG_TAGGED, MSG_SYNC, MSG_DROPOUT,
  MSG_INFO, MSG_INFO_MULTI, MSG_PARAMETER, MSG_PARAMETER_DEFAULT
])

/** The body of a sync 'S' message: a reader that lost its place resumes after it. */
export const SYNC_MAGIC: readonly number[] = [0x2f, 0x73, 0x13, 0x20, 0x25, 0x0c, 0xbb, 0x12]

/** pyulog's bound on an unknown message's size (_check_packet_corruption). */
const MAX_UNKNOWN_MESSAGE_SIZE = 10000

/**
 * A header of a type the section does not define that is more likely damage
 * than a newer logger's message, so its size cannot be trusted: type 0, size
 * 0 or a size over 10000 bytes, as pyulog's _check_packet_corruption judges
 * it. Known types are not judged by size: PX4's hardfault dumps in 'M'
 * messages run past 17 KB (sample_appended_multiple.ulg).
 */
export function isDamagedHeader (type: number, size: number): boolean {
  return type === 0 || size === 0 || size > MAX_UNKNOWN_MESSAGE_SIZE
}

export function typeName (type: number): string {
  return type >= 0x20 && type < 0x7f ? `'${String.fromCharCode(type)}' (0x${type.toString(16)})` : `0x${type.toString(16).padStart(2, '0')}`
}
