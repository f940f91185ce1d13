/**
 * A redis-server of the caller's own on a free loopback port, which it may
 * kill or stop and start again on the same port: the reliability scenarios'
 * Redis outage and the Redis outage tests. Never the shared server.
 *
 * Without `appendOnly` it keeps nothing across a restart (a cache that lost
 * its memory); with it, an append-only file in a temporary directory, synced
 * every second, as a production Redis holding broker sessions would run, so a
 * stop and start keeps the sessions, subscriptions and queued messages.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from '../../runtime/free-port.js'
import { endsWithUs } from './ends-with-us.js'

export interface PrivateRedis {
  url: string
  port: number
  readonly pid: number | undefined
  /** SIGKILL by PID, as a crash or an OOM kill would; resolves once it has exited */
  kill (): Promise<void>
  /** SIGTERM: Redis writes what it holds and exits, as an operator's stop does; resolves once it has exited */
  stop (): Promise<void>
  /** starts it again on the same port (and append-only file, when it has one) */
  start (): Promise<void>
  /** stops it and removes its directory */
  close (): Promise<void>
}

/** True when a Redis at `url` answers PING within 2 s. */
export async function redisAnswers (url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 })
  probe.on('error', () => {})
  try {
    await probe.connect()
    return await probe.ping() === 'PONG'
  } catch {
    return false
  } finally {
    probe.disconnect()
  }
}

export function redisServerInstalled (): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

export async function startPrivateRedis (options: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-redis-'))
  const persistence = options.appendOnly === true ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = endsWithUs(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence], { stdio: 'ignore' }))
    const exited = new Promise<never>((_resolve, reject) => child?.once('exit', (code) => reject(new Error(`redis-server exited with ${code ?? 'a signal'}`))))
    // it exits when the caller ends it, long after the start
    exited.catch(() => {})
    const deadline = Date.now() + 10_000
    while (!await Promise.race([redisAnswers(url), exited])) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill(signal)
    await exited
  }
  await start()
  return {
    url,
    port,
    get pid () { return child?.pid },
    kill: async () => { await end('SIGKILL') },
    stop: async () => { await end('SIGTERM') },
    start,
    close: async () => {
      await end('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
