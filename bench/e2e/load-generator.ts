/**
 * The parent's handle on the load workers (load-worker.ts): forks them from
 * the compiled code, splits the vehicles between them, starts runs on all at
 * once and merges their reports.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { VehicleCredential } from '../../sim/credentials.js'
import { roundRobin } from './load-balancer.js'
import type { RoutedCredential, RunReport, RunSpec, WorkerCommand, WorkerReply } from './load-protocol.js'

const WORKER = fileURLToPath(new URL('./load-worker.js', import.meta.url))

type ReplyOf<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>

class Worker {
  readonly child: ChildProcess
  private readonly waiting: Array<{ type: WorkerReply['type'], resolve: (reply: WorkerReply) => void, reject: (err: Error) => void }> = []

  constructor (readonly index: number) {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (reply: WorkerReply) => {
      if (reply.type === 'failed') {
        for (const w of this.waiting.splice(0)) w.reject(new Error(`load worker ${index}: ${reply.message}`))
        return
      }
      const at = this.waiting.findIndex((w) => w.type === reply.type)
      if (at >= 0) this.waiting.splice(at, 1)[0]?.resolve(reply)
    })
    this.child.on('exit', (code, signal) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`load worker ${index} exited (${code ?? signal ?? '?'})`))
    })
  }

  async ask<T extends WorkerReply['type']> (command: WorkerCommand | undefined, type: T, timeoutMs: number): Promise<ReplyOf<T>> {
    const reply = new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker ${this.index}: no '${type}' within ${timeoutMs} ms`)), timeoutMs)
      this.waiting.push({
        type,
        resolve: (r) => { clearTimeout(timer); resolve(r) },
        reject: (e) => { clearTimeout(timer); reject(e) }
      })
    })
    if (command !== undefined) this.child.send(command)
    return await reply as ReplyOf<T>
  }
}

/** The workers' reports merged: counts summed, latencies of every worker (sorted). */
export type MergedReport = Omit<RunReport, 'runId'> & { offeredPerS: number }

export class LoadGenerator {
  private readonly workers: Worker[]
  private runId = 0
  /** CAN frames and bytes of each batch the workers send */
  canFramesPerBatch = 0
  payloadBytes = 0

  private constructor (count: number) {
    this.workers = Array.from({ length: count }, (_, i) => new Worker(i))
  }

  static async start (count: number): Promise<LoadGenerator> {
    const generator = new LoadGenerator(count)
    const ready = await Promise.all(generator.workers.map(async (w) => await w.ask(undefined, 'ready', 30_000)))
    generator.canFramesPerBatch = ready[0]?.canFrames ?? 0
    generator.payloadBytes = ready[0]?.payloadBytes ?? 0
    return generator
  }

  get pids (): number[] {
    return this.workers.map((w) => w.child.pid ?? 0)
  }

  /**
   * Connects every vehicle (worker i takes every n-th credential); throws
   * when any could not connect. Given several URLs (a cluster's nodes),
   * vehicle j connects to the j-th in turn, round robin.
   */
  async connect (url: string | readonly string[], credentials: readonly VehicleCredential[], anonymous = false): Promise<void> {
    const n = this.workers.length
    const routed: RoutedCredential[] = roundRobin(credentials, typeof url === 'string' ? [url] : url).map(({ vehicle, node }) => ({ ...vehicle, url: node }))
    const replies = await Promise.all(this.workers.map(async (w, i) => await w.ask({
      type: 'connect', anonymous, vehicles: routed.filter((_, j) => j % n === i)
    }, 'connected', 120_000)))
    const failed = replies.reduce((a, r) => a + r.failed, 0)
    if (failed > 0) throw new Error(`${failed} of ${credentials.length} vehicles could not connect to ${String(url)}: ${replies.find((r) => r.firstError !== undefined)?.firstError ?? ''}`)
  }

  async disconnect (): Promise<void> {
    await Promise.all(this.workers.map(async (w) => await w.ask({ type: 'disconnect' }, 'disconnected', 30_000)))
  }

  /** One open-loop run at `ratePerS` over all workers, their schedules interleaved. */
  async run (spec: { qos: 0 | 1, ratePerS: number, warmupMs: number, measureMs: number, drainMs: number, vehicleWindow?: number | undefined }): Promise<MergedReport> {
    const runId = ++this.runId
    const n = this.workers.length
    const timeoutMs = spec.warmupMs + spec.measureMs + spec.drainMs + 30_000
    const reports = await Promise.all(this.workers.map(async (w, i) => {
      const run: RunSpec = { runId, qos: spec.qos, ratePerS: spec.ratePerS / n, phase: i / n, warmupMs: spec.warmupMs, measureMs: spec.measureMs, drainMs: spec.drainMs, vehicleWindow: spec.vehicleWindow }
      return (await w.ask({ type: 'run', run }, 'result', timeoutMs)).report
    }))
    return merge(spec.ratePerS, reports)
  }

  /** Closed loop, as fast as the workers go with at most `maxOutstanding` unfinished publishes each. */
  async flood (qos: 0 | 1, durationMs: number, maxOutstanding: number): Promise<MergedReport> {
    const runId = ++this.runId
    const reports = await Promise.all(this.workers.map(async (w) =>
      (await w.ask({ type: 'flood', runId, qos, durationMs, maxOutstanding }, 'result', durationMs + 60_000)).report))
    return merge(0, reports)
  }

  /** QoS 1 seqs acknowledged on the current connections, by VIN. */
  async ackedSeqs (): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>()
    for (const w of this.workers) {
      const reply = await w.ask({ type: 'acked-seqs' }, 'acked-seqs', 30_000)
      reply.vins.forEach((vin, i) => out.set(vin, reply.seqs[i] ?? []))
    }
    return out
  }

  async close (): Promise<void> {
    await Promise.all(this.workers.map(async (w) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return
      const exited = new Promise((resolve) => w.child.once('exit', resolve))
      w.child.send({ type: 'exit' } satisfies WorkerCommand)
      const timer = setTimeout(() => w.child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }))
  }
}

function merge (offeredPerS: number, reports: RunReport[]): MergedReport {
  const sum = (f: (r: RunReport) => number): number => reports.reduce((a, r) => a + f(r), 0)
  const firstError = reports.find((r) => r.firstError !== undefined)?.firstError
  return {
    offeredPerS,
    qos: reports[0]?.qos ?? 1,
    windowMs: reports[0]?.windowMs ?? 0,
    scheduledInWindow: sum((r) => r.scheduledInWindow),
    sent: sum((r) => r.sent),
    completedInWindow: sum((r) => r.completedInWindow),
    completed: sum((r) => r.completed),
    backlog: sum((r) => r.backlog),
    pending: sum((r) => r.pending),
    errors: sum((r) => r.errors),
    ...(firstError === undefined ? {} : { firstError }),
    latenciesMs: reports.flatMap((r) => r.latenciesMs).sort((a, b) => a - b),
    sendLagP99Ms: Math.max(...reports.map((r) => r.sendLagP99Ms)),
    sendLagMaxMs: Math.max(...reports.map((r) => r.sendLagMaxMs))
  }
}
