/**
 * Server-Sent Events (WHATWG HTML, "Server-sent events"): `retry:` first
 * (how long EventSource waits before reconnecting), then `event:`/`id:`/
 * `data:` blocks, and a comment line every HEARTBEAT_MS so proxies and load
 * balancers do not close a quiet stream as idle.
 *
 * Every stream holds a connection and a buffer, so both are bounded: a
 * token holds at most PITWALL_MAX_SSE_STREAMS_PER_TOKEN streams and the
 * gateway PITWALL_MAX_SSE_STREAMS (StreamSlots); a client that reads slower than
 * events come is dropped once MAX_BUFFERED_BYTES wait for it (EventSource
 * reconnects, and the events stream then starts with `resync`), never
 * buffered without end.
 */
import type { ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import type { ApiPrincipal } from '../../actions/api-tokens/model.js'
import { PitwallError } from '../../runtime/errors.js'

const HEARTBEAT_MS = 15_000
const RETRY_MS = 3_000
/** ~1,000 fleet events or ~100 live snapshots of 50 signals */
const MAX_BUFFERED_BYTES = 256 * 1024
/**
 * A console tab opens one (fleet events) and one more on a vehicle's page:
 * room for a few tabs signed in with one token. (Over HTTP/1.1 a browser
 * opens at most six connections to an origin, shared by its tabs, so many
 * open streams stall the console's own requests there first; behind an
 * HTTP/2 proxy they share one connection.)
 */
export const DEFAULT_SSE_STREAMS_PER_TOKEN = 8

export interface SseOptions {
  heartbeatMs?: number
  maxBufferedBytes?: number
}

export class SseStream {
  /** what the reply sends (fastify pipes it into the response) */
  readonly body = new PassThrough()
  private readonly heartbeat: NodeJS.Timeout
  private readonly maxBufferedBytes: number
  private readonly closers: Array<() => void> = []
  private closed = false
  private behind = false

  constructor (private readonly raw: ServerResponse, options: SseOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES
    this.write(`retry: ${RETRY_MS}\n\n`)
    this.heartbeat = setInterval(() => { this.write(': keep-alive\n\n') }, options.heartbeatMs ?? HEARTBEAT_MS)
    this.heartbeat.unref()
    raw.once('close', () => { this.close() })
  }

  /** One event; `data` as one line of JSON (JSON.stringify escapes line breaks). */
  send (event: string, data: unknown, id?: number): void {
    this.write(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`)
  }

  /** true once the client was dropped for being too far behind */
  get dropped (): boolean {
    return this.behind
  }

  /** Calls `closer` once when the stream ends (client gone, dropped, or closed by the gateway). */
  onClose (closer: () => void): void {
    if (this.closed) closer()
    else this.closers.push(closer)
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    if (this.behind) {
      this.body.destroy()
      this.raw.destroy()
    } else {
      this.body.end()
    }
    for (const closer of this.closers.splice(0)) closer()
  }

  private write (text: string): void {
    if (this.closed) return
    if (this.body.writableLength + this.raw.writableLength > this.maxBufferedBytes) {
      this.behind = true
      this.close()
      return
    }
    this.body.write(text)
  }
}

/** Streams open per token and in all, within their caps. */
export class StreamSlots {
  private readonly byToken = new Map<number, number>()
  private readonly streams = new Set<SseStream>()

  constructor (private readonly total: number, private readonly perToken: number = DEFAULT_SSE_STREAMS_PER_TOKEN) {}

  /** A stream on `raw` for `caller`, counted until it closes; past a cap PITWALL_ERR_TOO_MANY_STREAMS. */
  open (caller: Pick<ApiPrincipal, 'id' | 'name'>, raw: ServerResponse, options?: SseOptions): SseStream {
    const held = this.byToken.get(caller.id) ?? 0
    if (held >= this.perToken || this.streams.size >= this.total) {
      throw new PitwallError('PITWALL_ERR_TOO_MANY_STREAMS', held >= this.perToken
        ? `token ${JSON.stringify(caller.name)} has ${held} event streams open, the most one token may hold (PITWALL_MAX_SSE_STREAMS_PER_TOKEN); close one (a console tab holds up to two)`
        : `the gateway serves ${this.streams.size} event streams, its limit (PITWALL_MAX_SSE_STREAMS); try again later`)
    }
    const stream = new SseStream(raw, options)
    this.byToken.set(caller.id, held + 1)
    this.streams.add(stream)
    stream.onClose(() => {
      this.streams.delete(stream)
      const left = (this.byToken.get(caller.id) ?? 1) - 1
      if (left === 0) this.byToken.delete(caller.id)
      else this.byToken.set(caller.id, left)
    })
    return stream
  }

  /** Ends every stream (the gateway stopping: an open stream would hold the HTTP server's close). */
  closeAll (): void {
    for (const stream of [...this.streams]) stream.close()
  }
}
