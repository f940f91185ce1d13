/**
 * Why a ULog file could not be read (to the end). The code is stable; the
 * message names the file, the byte offset and what was expected there.
 *
 * A log cut inside a message, unknown message types and damaged data
 * messages are not errors: the read goes on and says so in its stats
 * (damage.ts). An error raised while reading the data section comes after
 * every sample decoded before the damage was yielded; `messagesRead` and
 * `samplesEmitted` say how much that was, so a caller can keep a partial
 * replay and report the rest.
 */
import { PitwallError } from '../../runtime/errors.js'
export type UlogErrorCode =
  /** The 16-byte header is missing or its magic is wrong. */
  | 'PITWALL_ERR_ULOG_NOT_ULOG'
  /** An incompatible flag bit this reader does not know (the spec says: refuse). */
  | 'PITWALL_ERR_ULOG_UNSUPPORTED'
  /** The file ends inside its 16-byte header: there is nothing to read (a log cut later is read up to the cut). */
  | 'PITWALL_ERR_ULOG_TRUNCATED'
  /** Bytes that are not a valid message where one must be. */
  | 'PITWALL_ERR_ULOG_CORRUPT'
  /** The caller asked for a topic, field or catalog signal that does not exist. */
  | 'PITWALL_ERR_ULOG_SELECTION'
  /** The byte source itself failed (file unreadable, read error). */
  | 'PITWALL_ERR_ULOG_IO'

export interface UlogProgress {
  /** ULog messages read whole from the data section before the error. */
  readonly messagesRead: number
  /** Samples yielded to the caller before the error. */
  readonly samplesEmitted: number
}

export class UlogError extends PitwallError {
  declare readonly code: UlogErrorCode
  readonly file: string
  /** Byte offset in the file where the problem starts; -1 when it has none (selection). */
  readonly offset: number
  readonly messagesRead: number
  readonly samplesEmitted: number

  constructor (code: UlogErrorCode, file: string, offset: number, detail: string, progress: UlogProgress = { messagesRead: 0, samplesEmitted: 0 }) {
    const where = offset >= 0 ? `${file} at byte ${offset}` : file
    const read = progress.messagesRead > 0 ? ` (${progress.messagesRead} messages and ${progress.samplesEmitted} samples read before it)` : ''
    super(code, `${where}: ${detail}${read}`)
    this.file = file
    this.offset = offset
    this.messagesRead = progress.messagesRead
    this.samplesEmitted = progress.samplesEmitted
  }
}
