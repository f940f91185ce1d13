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

/** Types allowed in the definitions section; the first other type starts the data section. */
export const DEFINITION_TYPES: ReadonlySet<number> = new Set([
  MSG_FLAG_BITS, MSG_FORMAT, MSG_INFO, MSG_INFO_MULTI, MSG_PARAMETER, MSG_PARAMETER_DEFAULT
])

/** Types allowed in the data section (info and parameter changes may appear there too). */
export const DATA_TYPES: ReadonlySet<number> = new Set([
  MSG_ADD_LOGGED, MSG_REMOVE_LOGGED, MSG_DATA, MSG_LOG, MSG_LOG_TAGGED, MSG_SYNC, MSG_DROPOUT,
  MSG_INFO, MSG_INFO_MULTI, MSG_PARAMETER, MSG_PARAMETER_DEFAULT
])

export function typeName (type: number): string {
  return type >= 0x20 && type < 0x7f ? `'${String.fromCharCode(type)}' (0x${type.toString(16)})` : `0x${type.toString(16).padStart(2, '0')}`
}
