/**
 * What a read passed over instead of failing. The PX4 ULog spec
 * ("Requirements for Parsers") asks a parser to ignore unknown message types,
 * to read a log that ends inside a message up to that message (power lost
 * while writing), and to handle damage as pyulog does: skip the message, flag
 * the file as corrupt (pyulog's `file_corruption`) and go on. Counts are
 * complete; the first MAX_WARNINGS spots are named.
 */

/** A spot in the file: the byte offset where it starts and what is there. */
export interface UlogNotice {
  readonly offset: number
  readonly detail: string
}

export interface UlogDamage {
  /** Messages of a type the section does not define (a newer logger's), skipped by their size: not damage. */
  unknownMessages: number
  /** 'D' messages skipped: for a msg_id no 'A' message subscribed, or of a size their format cannot have. */
  skippedDataMessages: number
  /** Bytes passed over to the next sync message after a header that cannot be one (isDamagedHeader). */
  skippedBytes: number
  /** Something was skipped as damage; `warnings` says where. */
  corrupt: boolean
  /** The first MAX_WARNINGS spots skipped as damage, in file order. */
  readonly warnings: UlogNotice[]
  /** The file is cut: it ends inside a message (the unfinished message is discarded) or before data it announces. */
  truncated?: UlogNotice
}

const MAX_WARNINGS = 10

export function noDamage (): UlogDamage {
  return { unknownMessages: 0, skippedDataMessages: 0, skippedBytes: 0, corrupt: false, warnings: [] }
}

/** ULog spec: a log that ends abruptly keeps what came before; "the unfinished message should just be discarded". */
export function cutMidMessage (offset: number, needed: number, available: number, where = ''): UlogNotice {
  return { offset, detail: `the log ends inside a message${where} (${needed} bytes needed, ${available} left): cut mid-message, the unfinished message is discarded` }
}

/** Flags the log as corrupt and names the spot (the first MAX_WARNINGS of them). */
export function warnDamage (damage: UlogDamage, offset: number, detail: string): void {
  damage.corrupt = true
  if (damage.warnings.length < MAX_WARNINGS) damage.warnings.push({ offset, detail })
}

/** `file at byte N: detail`, as a UlogError names a spot. */
export function describeNotice (file: string, notice: UlogNotice): string {
  return `${file} at byte ${notice.offset}: ${notice.detail}`
}
