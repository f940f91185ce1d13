/**
 * Redis for tests of nodes sharing their brokers: the shared server at
 * PITWALL_TEST_REDIS_URL (default the local one), each test under a key and
 * channel prefix of its own, deleted afterwards (never FLUSHALL: others use
 * that server), and private servers a test may kill (redis-server on a free
 * port, stopped by its PID). When no Redis answers, tests that need one are
 * skipped with a message saying so.
 */
import { dropRedisPrefix as dropKeys } from '../../bench/reliability/redis-keys.js'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { freePort } from '../../runtime/free-port.js'

export const TEST_REDIS_URL = process.env.PITWALL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export const SKIP_REDIS = `no Redis at ${TEST_REDIS_URL} (set PITWALL_TEST_REDIS_URL)`

async function answers (url: string): Promise<boolean> {
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

let reachable: Promise<boolean> | undefined
export async function redisReachable (): Promise<boolean> {
  reachable ??= answers(TEST_REDIS_URL)
  return await reachable
}

/** A prefix (PITWALL_REDIS_PREFIX) no other test uses. */
export function testRedisPrefix (): string {
  return `pitwall_test_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** Deletes the keys under `prefix` (SCAN, then DEL in batches). */
export async function dropRedisPrefix (prefix: string, url = TEST_REDIS_URL): Promise<number> {
  return await dropKeys(prefix, url)
}

export function redisServerInstalled (): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

export const SKIP_REDIS_SERVER = 'no redis-server binary to start a private Redis with'

/** A redis-server of the test's own, without persistence, which the test may stop and start again on the same port. */
export interface PrivateRedis {
  url: string
  port: number
  readonly pid: number | undefined
  /** SIGKILL by PID, as a crash or an OOM kill would; resolves once it has exited */
  kill (): Promise<void>
  /** starts it again on the same port (empty: it kept nothing) */
  start (): Promise<void>
}

export async function startPrivateRedis (): Promise<PrivateRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    const exited = new Promise<never>((_resolve, reject) => child?.once('exit', (code) => reject(new Error(`redis-server exited with ${code ?? 'a signal'}`))))
    // it exits when the test kills it, long after the start
    exited.catch(() => {})
    const deadline = Date.now() + 10_000
    while (!await Promise.race([answers(url), exited])) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  await start()
  return {
    url,
    port,
    get pid () { return child?.pid },
    kill: async () => {
      const running = child
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
    start
  }
}
