/**
 * The upload's decisions, pure: who may write to an upload (its token, not
 * expired, not spent), where a chunk may start and how far it may go
 * (Content-Range against the bytes received and the size cap), which kind
 * a Content-Type declares, and whether the bytes are what the upload says
 * (a ULog starts with its magic; a candump log is text lines, the first a
 * frame). gateway/log-uploads.ts applies them as the bytes stream in.
 */
import { createHash, randomBytes } from 'node:crypto'
import { CandumpParseError, parseCandumpLine } from '../../decoders/can/candump.js'
import { PitwallError } from '../../runtime/errors.js'
import { MAX_LOG_WINDOW_MS, UPLOAD_TOKEN_BYTES, UPLOAD_TOKEN_PREFIX, type LogKind, type UploadAuthorization } from './model.js'

/** A fresh upload token; only its hash (hashUploadToken) is stored. */
export function newUploadToken (): string {
  return UPLOAD_TOKEN_PREFIX + randomBytes(UPLOAD_TOKEN_BYTES).toString('base64url')
}

const TOKEN_SHAPE = new RegExp(`^${UPLOAD_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`)

/** Whether `text` can be an upload token at all: anything else is refused without a lookup. */
export function hasUploadTokenShape (text: string): boolean {
  return TOKEN_SHAPE.test(text)
}

/** SHA-256, as for API tokens (storage/api-tokens.ts says why a fast hash is right for 256 random bits). */
export function hashUploadToken (token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

/**
 * Why a vehicle may not write to upload `id` now, or undefined when it may.
 * A token that does not open this upload (wrong, another upload's or
 * vehicle's, or no upload by that id: which is not said) is 401; the right
 * token of an upload that completed (the token is spent), failed or
 * expired is 403 with its own code.
 */
export function uploadRefusal (id: number, auth: UploadAuthorization, now: Date): PitwallError | undefined {
  if (auth.state === undefined || !auth.tokenMatches) {
    return new PitwallError('PITWALL_ERR_UPLOAD_TOKEN', `the upload token does not open upload ${id} (wrong, or issued for another upload)`)
  }
  if (auth.state === 'complete' || auth.state === 'decoded') {
    return new PitwallError('PITWALL_ERR_UPLOAD_SPENT', `upload ${id} is complete: its token was spent on it`)
  }
  if (auth.state === 'failed') {
    return new PitwallError('PITWALL_ERR_UPLOAD_SPENT', `upload ${id} has ended without a log: ${auth.detail ?? 'failed'}`)
  }
  if (auth.uploadExpiresAt !== undefined && now.getTime() > auth.uploadExpiresAt.getTime()) {
    return new PitwallError('PITWALL_ERR_UPLOAD_EXPIRED', `the upload token of upload ${id} expired at ${auth.uploadExpiresAt.toISOString()}`)
  }
  return undefined
}

/** A chunk's place in the file: `Content-Range: bytes START-END/TOTAL` (RFC 9110 14.4; TOTAL may be `*`). */
export interface ByteRange {
  start: number
  /** inclusive, as the header says it */
  end: number
  total: number | undefined
}

const CONTENT_RANGE = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/

export function parseContentRange (text: string): ByteRange {
  const m = CONTENT_RANGE.exec(text.trim())
  if (m === null) throw badRequest(`Content-Range ${JSON.stringify(text.slice(0, 80))} is not "bytes START-END/TOTAL" (TOTAL may be *)`)
  const start = Number(m[1])
  const end = Number(m[2])
  const total = m[3] === '*' ? undefined : Number(m[3])
  if (end < start) throw badRequest(`Content-Range ${text}: END ${end} is before START ${start}`)
  if (total !== undefined && end >= total) throw badRequest(`Content-Range ${text}: END ${end} is not inside TOTAL ${total} bytes`)
  return { start, end, total }
}

/** What the upload holds when a chunk arrives. */
export interface UploadProgress {
  received: number
  /** the total a chunk declared before, if any */
  size: number | null
}

/** How to take a chunk: where it starts, where it must stop, and the file's total if known. */
export interface ChunkPlan {
  start: number
  /** exclusive: the chunk's last byte + 1; undefined: until the request ends */
  end: number | undefined
  total: number | undefined
}

/**
 * Where a chunk goes: at the bytes received (a chunk elsewhere is 409 with
 * the offset to resume from), within the cap (413 when the range or the
 * declared total is past it), with a total that agrees with one declared
 * before. Without a Content-Range the body is the whole file.
 */
export function chunkPlan (id: number, progress: UploadProgress, range: ByteRange | undefined, maxBytes: number): ChunkPlan {
  const start = range?.start ?? 0
  if (start !== progress.received) {
    throw new PitwallError('PITWALL_ERR_UPLOAD_OFFSET', `upload ${id} has ${progress.received} bytes; a chunk must start there, not at ${start}` +
      (range === undefined ? ' (send the rest with Content-Range: bytes START-END/TOTAL)' : ''))
  }
  const total = range === undefined ? undefined : range.total
  if (total !== undefined && progress.size !== null && total !== progress.size) {
    throw badRequest(`Content-Range total ${total} differs from the ${progress.size} bytes upload ${id} declared before`)
  }
  const known = total ?? progress.size ?? undefined
  if (known !== undefined && known > maxBytes) throw tooLarge(id, `declares ${known} bytes`, maxBytes)
  const end = range === undefined ? undefined : range.end + 1
  if (end !== undefined && end > maxBytes) throw tooLarge(id, `reaches byte ${end}`, maxBytes)
  return { start, end, total: known }
}

export function tooLarge (id: number, what: string, maxBytes: number): PitwallError {
  return new PitwallError('PITWALL_ERR_UPLOAD_TOO_LARGE', `upload ${id} ${what}; a log may be at most ${maxBytes} bytes (PITWALL_LOG_UPLOAD_MAX_BYTES)`)
}

/**
 * The kind a Content-Type declares: application/x-ulog (or .ulg's
 * application/octet-stream, which declares nothing), text/x-candump or
 * text/plain. Anything else is 415.
 */
export function kindOfContentType (contentType: string | undefined): LogKind | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === '' || type === 'application/octet-stream') return undefined
  if (type === 'application/x-ulog' || type === 'application/vnd.px4.ulog') return 'ulog'
  if (type === 'text/x-candump' || type === 'text/plain') return 'candump'
  throw new PitwallError('PITWALL_ERR_UPLOAD_TYPE', `Content-Type ${JSON.stringify(type)} is not a log: send application/x-ulog, text/x-candump (or text/plain) or application/octet-stream`)
}

/** The kind an upload takes: its own, and a declared kind must be the same. */
export function declaredKind (id: number, kind: LogKind, contentType: string | undefined): LogKind {
  const declared = kindOfContentType(contentType)
  if (declared !== undefined && declared !== kind) {
    throw new PitwallError('PITWALL_ERR_UPLOAD_TYPE', `Content-Type declares a ${declared} log; upload ${id} is for a ${kind} log`)
  }
  return kind
}

/** ULog file header: "ULog", 0x01 0x12 0x35, then the version byte (ULog spec, "File Header"). */
export const ULOG_MAGIC = Uint8Array.of(0x55, 0x4c, 0x6f, 0x67, 0x01, 0x12, 0x35)
/** A candump log's first frame line must end within this many bytes. */
const CANDUMP_HEAD_BYTES = 64 * 1024

/**
 * Checks bytes as they stream in, before they are written: a ULog's magic
 * at offset 0; a candump log as text (printable ASCII, tab, CR, LF) whose
 * first line that is not blank or a comment is a frame. `at` is the file
 * offset of the first byte given; throws PITWALL_ERR_UPLOAD_TYPE naming
 * the byte or line that is wrong.
 */
export class LogContentCheck {
  private head = ''
  private headDone: boolean

  constructor (private readonly kind: LogKind, start: number) {
    // a resumed chunk: the head was checked by the chunk that carried it
    this.headDone = start > 0
  }

  check (bytes: Uint8Array, at: number): void {
    if (this.kind === 'ulog') {
      for (let i = 0; i < bytes.length && at + i < ULOG_MAGIC.length; i++) {
        if (bytes[i] !== ULOG_MAGIC[at + i]) {
          throw wrongType(`the bytes are not a ULog: byte ${at + i} is 0x${(bytes[i] as number).toString(16).padStart(2, '0')}, a ULog starts with "ULog" 0x01 0x12 0x35`)
        }
      }
      return
    }
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number
      if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b > 0x7e) {
        throw wrongType(`the bytes are not a candump log: byte ${at + i} is 0x${b.toString(16).padStart(2, '0')}, not text`)
      }
    }
    if (this.headDone) return
    this.head += Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, CANDUMP_HEAD_BYTES)).toString('latin1')
    this.checkHead(false)
  }

  /** The request ended: a short log whose only line has no newline is checked now. */
  finish (): void {
    if (this.kind === 'candump' && !this.headDone) this.checkHead(true)
  }

  private checkHead (ended: boolean): void {
    const lines = this.head.split('\n')
    // the last piece is a line still arriving, unless the body ended
    const whole = ended ? lines : lines.slice(0, -1)
    for (const line of whole) {
      let frame
      try {
        frame = parseCandumpLine(line)
      } catch (err) {
        if (!(err instanceof CandumpParseError)) throw err
        throw wrongType(`the bytes are not a candump log: ${err.message}`)
      }
      if (frame !== undefined) {
        this.headDone = true
        this.head = ''
        return
      }
    }
    if (ended) throw wrongType('the bytes are not a candump log: it holds no frame line')
    if (this.head.length > CANDUMP_HEAD_BYTES) throw wrongType(`the bytes are not a candump log: no frame line in its first ${CANDUMP_HEAD_BYTES} bytes`)
  }
}

/** How the caller names a log request's fields in errors: `body.diagnostic.logUpload.from` or `--from`. */
export interface LogAskFields {
  from: string
  to: string
  kind: string
}

/** A log-upload command's window: from before to, at most MAX_LOG_WINDOW_MS long. */
export function checkLogWindow (fromMs: number, toMs: number, fields: LogAskFields): void {
  if (!(toMs > fromMs)) throw badRequest(`${fields.to} ${new Date(toMs).toISOString()} is not after ${fields.from} ${new Date(fromMs).toISOString()}`)
  if (toMs - fromMs > MAX_LOG_WINDOW_MS) throw badRequest(`${fields.from}..${fields.to} spans ${Math.round((toMs - fromMs) / 60_000)} minutes; a log may span at most ${MAX_LOG_WINDOW_MS / 3_600_000} h`)
}

/** Logs created before this are deleted with their files. */
export function retentionCutoff (now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000)
}

function badRequest (message: string): PitwallError {
  return new PitwallError('PITWALL_ERR_BAD_REQUEST', message)
}

function wrongType (message: string): PitwallError {
  return new PitwallError('PITWALL_ERR_UPLOAD_TYPE', message)
}
