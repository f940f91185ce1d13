/**
 * The memory of a child Node process, from outside: VmRSS from
 * /proc/<pid>/status, and a forced full GC plus process.memoryUsage()
 * through the child's inspector (started with --inspect=127.0.0.1:0), so
 * the gateway needs no debug hook of its own. The inspector session is
 * opened before the first sample, so its own memory is in every one.
 */
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'

export interface MemorySample {
  /** minimum VmRSS over a few reads after a forced GC */
  rssBytes: number
  heapUsedBytes: number
  /** C++ objects bound to JS (sockets, buffers' backing stores) */
  externalBytes: number
  arrayBuffersBytes: number
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

export function readRss (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  if (kb === undefined) throw new Error(`bench: no VmRSS in /proc/${pid}/status`)
  return Number(kb) * 1024
}

/** The soft limit on open files of a process, from /proc/<pid>/limits. */
export function openFilesLimit (pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
  return Number(line?.split(/\s{2,}/)[1] ?? NaN)
}

export class MemoryProbe {
  private nextId = 0
  private readonly pending = new Map<number, { resolve: (result: unknown) => void, reject: (err: Error) => void }>()

  private constructor (private readonly pid: number, private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const reply = JSON.parse(String(data)) as { id?: number, result?: unknown, error?: { message: string } }
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id)
      if (waiter === undefined) return
      this.pending.delete(reply.id as number)
      if (reply.error !== undefined) waiter.reject(new Error(`inspector: ${reply.error.message}`))
      else waiter.resolve(reply.result)
    })
  }

  /** `inspectorUrl`: the ws:// URL the child printed ("Debugger listening on ...") */
  static async attach (pid: number, inspectorUrl: string): Promise<MemoryProbe> {
    const socket = new WebSocket(inspectorUrl)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    return new MemoryProbe(pid, socket)
  }

  private async call (method: string, params: object = {}): Promise<unknown> {
    const id = ++this.nextId
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.socket.send(JSON.stringify({ id, method, params }))
    return await reply
  }

  /**
   * Two full GCs (the second collects what the first's finalizers freed),
   * then the minimum RSS over `reads` reads: freed pages go back to the OS
   * a little after the collection, not during it.
   */
  async sample (reads = 5, gapMs = 150): Promise<MemorySample> {
    await this.call('HeapProfiler.collectGarbage')
    await this.call('HeapProfiler.collectGarbage')
    let rss = Infinity
    for (let i = 0; i < reads; i++) {
      await sleep(gapMs)
      rss = Math.min(rss, readRss(this.pid))
    }
    const evaluated = await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } }
    const usage = JSON.parse(evaluated.result.value) as NodeJS.MemoryUsage
    return { rssBytes: rss, heapUsedBytes: usage.heapUsed, externalBytes: usage.external, arrayBuffersBytes: usage.arrayBuffers }
  }

  close (): void {
    this.socket.terminate()
  }
}
