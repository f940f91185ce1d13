/**
 * The parent side of the connection-scaling load: two processes (a fleet of
 * mqtt.js clients needs memory and CPU of its own, and must not share the
 * broker's), each holding half of the vehicles. Commands go over the fork
 * IPC channel (connection-load-protocol.ts); the workers are spawned through
 * `sh -c 'ulimit -n <hard>; exec node ...'` like the brokers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { VehicleCredential } from '../../sim/credentials.js'
import { roundRobin } from '../e2e/load-balancer.js'
import type { LoadCommand, LoadReply, PortedCredential, SessionKind } from './connection-load-protocol.js'

const WORKER = fileURLToPath(new URL('./connection-load-worker.js', import.meta.url))
const PROCESSES = 2

type ReplyOf<T extends LoadReply['type']> = Extract<LoadReply, { type: T }>

class LoadProcess {
  private readonly waiting: Array<{ type: LoadReply['type'], resolve: (reply: LoadReply) => void, reject: (err: Error) => void }> = []

  constructor (readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      if (reply.type === 'failed') {
        for (const w of this.waiting.splice(0)) w.reject(new Error(`bench: load process: ${reply.message}`))
        return
      }
      const i = this.waiting.findIndex((w) => w.type === reply.type)
      if (i >= 0) this.waiting.splice(i, 1)[0]?.resolve(reply)
    })
    child.once('exit', (code, signal) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`bench: load process exited (${code ?? signal})`))
    })
  }

  async ask<T extends LoadReply['type']> (command: LoadCommand, replyType: T): Promise<ReplyOf<T>> {
    const reply = new Promise<LoadReply>((resolve, reject) => this.waiting.push({ type: replyType, resolve, reject }))
    this.child.send(command)
    return await reply as ReplyOf<T>
  }
}

export interface ConnectOutcome {
  /** connections open after this call, all processes together */
  open: number
  failed: number
  /** connections of this call whose CONNACK said session present */
  resumed: number
  firstError?: string | undefined
}

export interface PublishOutcome {
  sent: number
  acked: number
  failed: number
}

export class ConnectionLoad {
  private constructor (private readonly processes: LoadProcess[], readonly payloadBytes: number, readonly canFrames: number) {}

  static async start (): Promise<ConnectionLoad> {
    const processes = Array.from({ length: PROCESSES }, () => new LoadProcess(spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, WORKER], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })))
    const ready = await Promise.all(processes.map(async (p) => await new Promise<ReplyOf<'ready'>>((resolve, reject) => {
      p.child.once('message', (m: LoadReply) => { if (m.type === 'ready') resolve(m); else reject(new Error(`bench: load process said ${m.type} first`)) })
      p.child.once('exit', (code) => reject(new Error(`bench: load process exited (${code}) before it was ready`)))
    })))
    const first = ready[0] as ReplyOf<'ready'>
    return new ConnectionLoad(processes, first.payloadBytes, first.canFrames)
  }

  /**
   * Opens connections for `vehicles` (split across the processes), giving up
   * on the rest at `timeoutMs`. Given several ports (a cluster's nodes),
   * vehicle i connects to port i + offset in turn, round robin.
   */
  async connect (ports: number | readonly number[], vehicles: readonly VehicleCredential[], timeoutMs: number, options: { session?: SessionKind, offset?: number } = {}): Promise<ConnectOutcome> {
    const routed: PortedCredential[] = roundRobin(vehicles, typeof ports === 'number' ? [ports] : ports, options.offset).map(({ vehicle, node }) => ({ ...vehicle, port: node }))
    const replies = await Promise.all(this.processes.map(async (p, w) =>
      await p.ask({ type: 'connect', vehicles: routed.filter((_, i) => i % PROCESSES === w), session: options.session ?? 'clean', deadline: Date.now() + timeoutMs }, 'connected')))
    return {
      open: replies.reduce((a, r) => a + r.open, 0),
      failed: replies.reduce((a, r) => a + r.failed, 0),
      resumed: replies.reduce((a, r) => a + r.resumed, 0),
      firstError: replies.find((r) => r.firstError !== undefined)?.firstError
    }
  }

  /** Every open connection (of `session` only, when given) leaves (a T-box says `offline` first); returns how many closed. */
  async disconnect (session?: SessionKind): Promise<number> {
    return (await Promise.all(this.processes.map(async (p) => await p.ask({ type: 'disconnect', ...(session === undefined ? {} : { session }) }, 'disconnected')))).reduce((a, r) => a + r.closed, 0)
  }

  /** Every open connection publishes one QoS 1 batch per `periodMs`, spread evenly over the period. */
  async publish (periodMs: number): Promise<void> {
    await Promise.all(this.processes.map(async (p, w) => await p.ask({ type: 'publish', periodMs, phase: w / PROCESSES }, 'publishing')))
  }

  /** Batches sent, acknowledged and failed since publishing started, all processes together; publishing goes on. */
  async count (): Promise<PublishOutcome> {
    return sum(await Promise.all(this.processes.map(async (p) => await p.ask({ type: 'count' }, 'count'))))
  }

  /** Stops publishing and waits (up to `drainMs`) for the outstanding PUBACKs. */
  async quiet (drainMs: number): Promise<PublishOutcome> {
    return sum(await Promise.all(this.processes.map(async (p) => await p.ask({ type: 'quiet', drainMs }, 'quiet'))))
  }

  /** Closes every connection and ends the processes (SIGKILL after 10 s). */
  async close (): Promise<void> {
    await Promise.all(this.processes.map(async (p) => {
      const child = p.child
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ type: 'exit' } satisfies LoadCommand)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }))
  }
}

function sum (replies: PublishOutcome[]): PublishOutcome {
  return {
    sent: replies.reduce((a, r) => a + r.sent, 0),
    acked: replies.reduce((a, r) => a + r.acked, 0),
    failed: replies.reduce((a, r) => a + r.failed, 0)
  }
}
