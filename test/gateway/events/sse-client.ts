/**
 * A Server-Sent Events client for tests, over a real HTTP connection (an
 * injected request would wait for the end of a stream that never ends):
 * reads blocks as they come, and `next` waits for one that matches.
 */
import http from 'node:http'

export interface SseEvent {
  event: string
  id: string | undefined
  data: string
  /** when the block arrived (performance.now()) */
  at: number
}

export class SseClient {
  readonly events: SseEvent[] = []
  /** the `retry:` value, once read */
  retry: number | undefined
  /** comment lines (heartbeats) read so far */
  comments = 0
  private buffer = ''
  private readonly waiting = new Set<() => void>()
  private ended = false

  private constructor (readonly response: http.IncomingMessage, private readonly request: http.ClientRequest) {
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => { this.read(chunk) })
    response.on('close', () => { this.ended = true; this.wake() })
  }

  get status (): number {
    return this.response.statusCode ?? 0
  }

  /** true once the server ended the stream (or dropped it) */
  get closed (): boolean {
    return this.ended
  }

  /** GET `path` with a bearer token; resolves with the response's headers read. */
  static async open (port: number, path: string, token?: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return await new Promise((resolve, reject) => {
      const request = http.get({
        host: '127.0.0.1',
        port,
        path,
        headers: { accept: 'text/event-stream', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers }
      }, (response) => { resolve(new SseClient(response, request)) })
      request.on('error', reject)
    })
  }

  /** The whole body of a refused request, as JSON. */
  async json (): Promise<{ code: string, message: string }> {
    await this.until(() => this.ended, 10_000)
    return JSON.parse(this.buffer) as { code: string, message: string }
  }

  /** The first event (from the start) matching `match`; rejects after `timeoutMs`. */
  async next (match: (e: SseEvent) => boolean, timeoutMs = 15_000): Promise<SseEvent> {
    let found: SseEvent | undefined
    await this.until(() => (found = this.events.find(match)) !== undefined, timeoutMs)
    return found as SseEvent
  }

  /** Resolves when the server ends the stream. */
  async end (timeoutMs = 15_000): Promise<void> {
    await this.until(() => this.ended, timeoutMs)
  }

  close (): void {
    this.request.destroy()
  }

  private async until (done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!done()) return
        clearTimeout(timer)
        this.waiting.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.waiting.delete(check)
        reject(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.event))}`))
      }, timeoutMs)
      this.waiting.add(check)
    })
  }

  private wake (): void {
    for (const check of [...this.waiting]) check()
  }

  private read (chunk: string): void {
    this.buffer += chunk
    if (this.status !== 200) return
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end === -1) break
      const block = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + 2)
      let event = 'message'
      let id: string | undefined
      const data: string[] = []
      let fields = 0
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) { this.comments++; continue }
        const colon = line.indexOf(':')
        const name = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (name === 'retry') this.retry = Number(value)
        else if (name === 'event') { event = value; fields++ } else if (name === 'id') { id = value; fields++ } else if (name === 'data') { data.push(value); fields++ }
      }
      if (fields > 0) this.events.push({ event, id, data: data.join('\n'), at: performance.now() })
    }
    this.wake()
  }
}

/** The event's data as JSON. */
export function dataOf<T = Record<string, unknown>> (e: SseEvent): T {
  return JSON.parse(e.data) as T
}
