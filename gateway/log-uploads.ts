/**
 * Log uploads as the HTTP API takes them (gateway/api/logs.ts): a T-box's
 * upload for a log-upload command, chunked and resumable under its
 * one-time token, and an engineer's upload of a file for a vehicle. The
 * bytes stream from the socket to the log's file in the data directory
 * (gateway/log-files.ts), checked as they pass (actions/logs/policy.ts):
 * never held whole, never kept past the size cap, never of another kind
 * than declared. A complete upload's digest is read back from disk, the
 * token is spent, and the replayer is told.
 *
 * The dispatcher asks here for each delivery's grant: the upload URL and a
 * fresh token, of which only the hash is stored.
 */
import { hostname } from 'node:os'
import type { Readable } from 'node:stream'
import { Counter, type Registry } from 'prom-client'
import { MAX_TOKENS_PER_UPLOAD, type LogKind, type LogUploadLimits, type VehicleLog } from '../actions/logs/model.js'
import {
  chunkPlan, declaredKind, hasUploadTokenShape, hashUploadToken, LogContentCheck, newUploadToken, parseContentRange, tooLarge, uploadRefusal, type ByteRange, type ChunkPlan, type LogAskFields
} from '../actions/logs/policy.js'
import { requestLogUpload, type LogUploadAsk } from '../actions/logs/request.js'
import type { LogUploadGrant } from '../actions/commands/wire.js'
import type { Command } from '../actions/commands/model.js'
import { PitwallError } from '../runtime/errors.js'
import type { CommandStore } from '../storage/commands.js'
import type { VehicleLogStore } from '../storage/vehicle-logs.js'
import type { LogFiles } from './log-files.js'
import type { Logger } from './logger.js'

export interface LogUploadsOptions {
  store: VehicleLogStore
  commands: Pick<CommandStore, 'enqueue'>
  files: LogFiles
  limits: LogUploadLimits
  /** the URL vehicles reach this gateway's HTTP API at (PITWALL_PUBLIC_URL, else the listener's), known once it listens */
  publicUrl: () => string
  log: Logger
  /** counts uploads and bytes; absent: not counted */
  registry?: Registry | undefined
  /** a log is complete: replay it */
  completed?: (log: VehicleLog) => void
}

/** What a T-box learns of its upload (GET/HEAD, and the answer to each chunk). */
export interface UploadStatus {
  id: number
  kind: LogKind
  state: VehicleLog['state']
  /** bytes the gateway holds: where the next chunk starts */
  received: number
  size: number | null
  sha256: string | null
  maxBytes: number
  uploadExpiresAt: Date
}

/** A request body as it arrives. */
export interface UploadBody {
  contentType: string | undefined
  contentRange: string | undefined
  stream: Readable
}

const BEARER = /^bearer +(\S+) *$/i

export class LogUploads {
  /** uploads a request is writing now: a second request for one is refused (409) rather than interleaved */
  private readonly writing = new Set<number>()
  private readonly bytes?: Counter
  private readonly outcomes?: Counter<'outcome'>

  constructor (private readonly options: LogUploadsOptions) {
    if (options.registry !== undefined) {
      this.bytes = new Counter({ name: 'pitwall_log_upload_bytes_total', help: 'Bytes of vehicle logs written to the data directory (uploads by vehicles and engineers)', registers: [options.registry] })
      this.outcomes = new Counter({
        name: 'pitwall_log_upload_requests_total',
        help: 'Upload requests (chunks) by outcome: partial, complete, truncated (the body ended early; resumable), refused (token, offset, type), too_large',
        labelNames: ['outcome'],
        registers: [options.registry]
      })
    }
  }

  get limits (): LogUploadLimits {
    return this.options.limits
  }

  /** A log-upload command queued for a vehicle, with its upload reserved (actions/logs/request.ts). */
  async request (ask: LogUploadAsk, fields: LogAskFields): Promise<{ command: Command, log: VehicleLog }> {
    return await requestLogUpload({ logs: this.options.store, commands: this.options.commands }, ask, this.options.limits, fields)
  }

  /** The upload URL and a fresh one-time token for a delivery of the command asking for log `logId`. */
  async grant (logId: number): Promise<LogUploadGrant> {
    const token = newUploadToken()
    const log = await this.options.store.addToken(logId, hashUploadToken(token), MAX_TOKENS_PER_UPLOAD)
    if (log === undefined) throw new PitwallError('PITWALL_ERR_LOG_UNAVAILABLE', `log ${logId} no longer takes an upload (complete, failed or expired): no token is issued for it`)
    return { uploadUrl: `${this.options.publicUrl()}/api/v1/uploads/${logId}`, uploadToken: token, maxBytes: this.options.limits.maxBytes, uploadExpiresAtMs: log.uploadExpiresAt.getTime() }
  }

  /** Where upload `id` stands, for the holder of its token. */
  async status (id: number, authorization: string | undefined): Promise<UploadStatus> {
    const log = await this.authorize(id, authorization, true)
    return this.statusOf(log)
  }

  /**
   * One chunk of a T-box's upload: the token checked, then the chunk placed
   * (Content-Range at the bytes received, within the cap) and streamed to
   * disk with its bytes checked. A body that ends early keeps what arrived
   * (the upload resumes there); a chunk of the wrong kind keeps nothing;
   * one past the cap ends the upload and deletes it. The chunk that reaches
   * the total completes the upload and spends the token.
   */
  async receive (id: number, authorization: string | undefined, body: UploadBody): Promise<UploadStatus> {
    const log = await this.authorize(id, authorization, false)
    let kind: LogKind
    let range: ByteRange | undefined
    let plan: ChunkPlan
    try {
      kind = declaredKind(id, log.kind, body.contentType)
      range = body.contentRange === undefined ? undefined : parseContentRange(body.contentRange)
      plan = chunkPlan(id, { received: log.received, size: log.size }, range, this.options.limits.maxBytes)
      if (this.writing.has(id)) throw new PitwallError('PITWALL_ERR_UPLOAD_OFFSET', `another request is writing upload ${id}; ask where it stands (GET) and resume from there`)
    } catch (err) {
      throw this.counted(err)
    }
    this.writing.add(id)
    try {
      const written = await this.write(log, kind, plan, body.stream)
      if ('tooLarge' in written) {
        await this.options.store.fail(id, `the log went past ${this.options.limits.maxBytes} bytes (PITWALL_LOG_UPLOAD_MAX_BYTES); nothing of it is kept`)
        await this.options.files.remove(id, kind)
        throw this.counted(written.tooLarge)
      }
      const total = plan.total ?? (range === undefined ? written.at : undefined)
      if (written.ended && total !== undefined && written.at === total) return this.statusOf(await this.complete(log, total))
      await this.options.store.recordReceived(id, written.at, plan.total ?? null)
      this.outcomes?.inc({ outcome: written.ended ? 'partial' : 'truncated' })
      if (written.ended && plan.end !== undefined && written.at < plan.end) {
        throw new PitwallError('PITWALL_ERR_BAD_REQUEST', `the body held ${written.at - plan.start} bytes, Content-Range ${body.contentRange ?? ''} says ${plan.end - plan.start}; upload ${id} has ${written.at} bytes`)
      }
      return this.statusOf({ ...log, received: written.at, size: plan.total ?? log.size })
    } finally {
      this.writing.delete(id)
    }
  }

  /**
   * An engineer's upload of a whole file for a vehicle, in one request: the
   * same cap and checks, the same cap on unfinished uploads while it
   * streams (the route has checked the kind against the Content-Type). It is not resumable (there is no token to resume with): one
   * that does not arrive whole, or is refused, leaves nothing behind.
   */
  async engineerUpload (vin: string, kind: LogKind, by: string, body: Omit<UploadBody, 'contentRange'>): Promise<VehicleLog> {
    const { store, files, limits } = this.options
    const log = await store.reserve({ vin, kind, uploadedBy: by, requestedBy: by, uploadWindowMs: limits.uploadWindowMs, maxUnfinished: limits.unfinishedPerVehicle })
    let kept = false
    try {
      const written = await this.write(log, kind, { start: 0, end: undefined, total: undefined }, body.stream)
      if ('tooLarge' in written) throw this.counted(written.tooLarge)
      if (!written.ended) throw new PitwallError('PITWALL_ERR_BAD_REQUEST', `the upload ended after ${written.at} bytes, before its body did; nothing is kept: send it again`)
      const complete = await this.complete(log, written.at)
      kept = true
      return complete
    } finally {
      if (!kept) {
        await files.remove(log.id, kind)
        await store.remove(log.id)
      }
    }
  }

  /** The log whose upload the token opens; 401/403 (uploadRefusal) otherwise. A status read may see an upload that ended. */
  private async authorize (id: number, authorization: string | undefined, reading: boolean): Promise<VehicleLog> {
    const token = BEARER.exec(authorization ?? '')?.[1]
    if (token === undefined) throw this.refusal(new PitwallError('PITWALL_ERR_UPLOAD_TOKEN', 'an upload needs its token: send Authorization: Bearer <upload_token from the command>'))
    if (!hasUploadTokenShape(token)) throw this.refusal(new PitwallError('PITWALL_ERR_UPLOAD_TOKEN', `the upload token does not open upload ${id} (wrong, or issued for another upload)`))
    const auth = await this.options.store.authorize(id, hashUploadToken(token))
    const refusal = uploadRefusal(id, auth, auth.now)
    // a T-box that lost the answer to its last chunk asks where it stands: a complete upload says so
    if (refusal !== undefined && !(reading && auth.tokenMatches && refusal.code === 'PITWALL_ERR_UPLOAD_SPENT')) throw this.refusal(refusal)
    return auth.log as VehicleLog
  }

  private refusal (err: PitwallError): PitwallError {
    this.outcomes?.inc({ outcome: 'refused' })
    return err
  }

  /** Counts a refusal by its outcome and hands it back to be thrown. */
  private counted (err: unknown): unknown {
    if (err instanceof PitwallError) this.outcomes?.inc({ outcome: err.code === 'PITWALL_ERR_UPLOAD_TOO_LARGE' ? 'too_large' : 'refused' })
    return err
  }

  /**
   * Streams `stream` into the log's file from `plan.start`, each buffer
   * checked before it is written. Stops at the range's end (a longer body
   * is refused, 400) and at the cap. `ended`: the body ended as sent; false
   * when the connection broke first (what arrived is kept). A chunk of the
   * wrong kind is cut off the file and refused (415).
   */
  private async write (log: VehicleLog, kind: LogKind, plan: ChunkPlan, stream: Readable): Promise<{ at: number, ended: boolean } | { tooLarge: PitwallError }> {
    const { files, limits } = this.options
    const check = new LogContentCheck(kind, plan.start)
    const handle = await files.openAt(log.id, kind, plan.start)
    let at = plan.start
    try {
      try {
        // not destroyed when a refusal stops reading: the answer (413, 415) still has to reach the client
        for await (const piece of stream.iterator({ destroyOnReturn: false })) {
          const bytes = piece as Buffer
          if (plan.end !== undefined && at + bytes.length > plan.end) {
            throw new PitwallError('PITWALL_ERR_BAD_REQUEST', `the body runs past the Content-Range's end (byte ${plan.end - 1}); upload ${log.id} keeps the bytes up to it`)
          }
          if (at + bytes.length > limits.maxBytes) return { tooLarge: tooLarge(log.id, `goes past byte ${limits.maxBytes}`, limits.maxBytes) }
          check.check(bytes, at)
          await handle.write(bytes, 0, bytes.length, at)
          at += bytes.length
          this.bytes?.inc(bytes.length)
        }
      } catch (err) {
        if (err instanceof PitwallError && err.code === 'PITWALL_ERR_UPLOAD_TYPE') {
          await handle.truncate(plan.start)
          throw this.counted(err)
        }
        if (err instanceof PitwallError) throw err
        // the connection broke (ECONNRESET, "aborted"): what arrived is kept, the upload resumes there
        return { at, ended: false }
      }
      // an http.IncomingMessage cut short may end without an error: it says whether it arrived whole
      if ((stream as Readable & { complete?: boolean }).complete === false) return { at, ended: false }
      try {
        check.finish()
      } catch (err) {
        await handle.truncate(plan.start)
        throw this.counted(err)
      }
    } finally {
      await handle.close()
    }
    return { at, ended: true }
  }

  private async complete (log: VehicleLog, total: number): Promise<VehicleLog> {
    const { files, store } = this.options
    // bytes past the total (an attempt cut short, then resumed with less) are not the log's
    await files.truncate(log.id, log.kind, total)
    const sha256 = await files.sha256(log.id, log.kind, total)
    const complete = await store.complete(log.id, total, sha256)
    if (complete === undefined) throw new PitwallError('PITWALL_ERR_UPLOAD_EXPIRED', `upload ${log.id} expired while its last chunk arrived`)
    this.outcomes?.inc({ outcome: 'complete' })
    this.options.log.info({ vin: complete.vin, log: complete.id, kind: complete.kind, bytes: total, by: complete.uploadedBy }, 'vehicle log uploaded')
    this.options.completed?.(complete)
    return complete
  }

  private statusOf (log: VehicleLog): UploadStatus {
    return {
      id: log.id, kind: log.kind, state: log.state, received: log.received, size: log.size, sha256: log.sha256, maxBytes: this.options.limits.maxBytes, uploadExpiresAt: log.uploadExpiresAt
    }
  }
}

/** The HTTP listener's URL as vehicles would use it: a wildcard address becomes the host's name (set PITWALL_PUBLIC_URL where that is wrong). */
export function listenerUrl (host: string, port: number, https: boolean): string {
  const name = host === '0.0.0.0' || host === '::' ? hostname() : host
  return `${https ? 'https' : 'http'}://${name.includes(':') ? `[${name}]` : name}:${port}`
}
