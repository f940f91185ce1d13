/**
 * How a T-box uploads a log to the URL its log-upload command gave
 * (proto/command.proto LogUpload): ask where the upload stands, then PUT the
 * rest in chunks with Content-Range, each starting where the gateway says it
 * holds bytes up to. A broken connection is followed by asking again and
 * resuming there; a refusal (token, size, type) ends the upload with the
 * gateway's reason. Over http or https (with the CA the T-box trusts).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ERRORS, PitwallError, type ErrorCode } from '../runtime/errors.js'

export interface LogUploadTarget {
  url: string
  token: string
  contentType: string
  /** CA certificates (PEM) to trust for https beyond the system's */
  ca?: Buffer | undefined
  /** bytes per PUT; default 4 MiB */
  chunkBytes?: number
  /** connection failures tolerated before giving up; default 5 */
  retries?: number
}

export interface UploadOutcome {
  state: string
  received: number
  sha256: string | null
  /** PUTs sent, the resumed ones included */
  requests: number
}

/** The gateway refused the upload: its HTTP status and { code, message } (the code as the gateway named it). */
export class UploadRefused extends PitwallError {
  constructor (readonly httpStatus: number, code: string, message: string) {
    super(code in ERRORS ? code as ErrorCode : 'PITWALL_ERR_INTERNAL', `${httpStatus} ${code}: ${message}`)
  }
}

interface Answer { status: number, headers: IncomingHttpHeaders, body: Record<string, unknown> }

export async function uploadLog (target: LogUploadTarget, bytes: Uint8Array): Promise<UploadOutcome> {
  if (bytes.length === 0) throw new RangeError('an empty log is not uploaded')
  const chunk = target.chunkBytes ?? 4 << 20
  let retries = target.retries ?? 5
  let requests = 0
  let offset = await where(target)
  for (;;) {
    const end = Math.min(bytes.length, offset + chunk)
    let answer: Answer
    try {
      requests++
      answer = await send(target, 'PUT', {
        'content-type': target.contentType,
        'content-range': `bytes ${offset}-${end - 1}/${bytes.length}`
      }, bytes.subarray(offset, end))
    } catch (err) {
      if (retries-- <= 0) throw err
      offset = await where(target)
      continue
    }
    if (answer.status === 409) {
      // another attempt got further (or is still writing): resume where the gateway is
      if (retries-- <= 0) throw refused(answer)
      offset = await where(target)
      continue
    }
    if (answer.status !== 200) throw refused(answer)
    offset = Number(answer.body.received)
    if (answer.body.state !== 'receiving') return { state: String(answer.body.state), received: offset, sha256: (answer.body.sha256 as string | null) ?? null, requests }
  }
}

/** Where the upload stands: the bytes the gateway holds. */
async function where (target: LogUploadTarget): Promise<number> {
  const answer = await send(target, 'GET', {})
  if (answer.status !== 200) throw refused(answer)
  return Number(answer.headers['upload-offset'] ?? answer.body.received)
}

function refused (answer: Answer): UploadRefused {
  return new UploadRefused(answer.status, String(answer.body.code ?? 'unknown'), String(answer.body.message ?? JSON.stringify(answer.body)))
}

async function send (target: LogUploadTarget, method: string, headers: Record<string, string>, body?: Uint8Array): Promise<Answer> {
  const url = new URL(target.url)
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise<Answer>((resolve, reject) => {
    const req = request(url, {
      method,
      headers: { ...headers, authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
      ...(target.ca === undefined ? {} : { ca: target.ca })
    }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        let json: Record<string, unknown> = {}
        try {
          json = text === '' ? {} : JSON.parse(text) as Record<string, unknown>
        } catch {
          json = { message: text.slice(0, 200) }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: json })
      })
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  })
}
