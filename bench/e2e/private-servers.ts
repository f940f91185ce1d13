/**
 * A PostgreSQL cluster and a Mosquitto of the bench's own, for the pinned
 * mode: the shared ones (5432, 1883) are system services other work uses,
 * so the bench never re-pins or restarts them. Each is started under
 * taskset on the target's core, in a temporary directory, on a free port,
 * and stopped by its PID; the directory is removed after. (A Redis of the
 * bench's own is ./private-redis.ts.)
 *
 * PostgreSQL refuses to run as root: as root the bench runs initdb and the
 * server as `nobody`. The cluster takes the shared server's settings that
 * move CPU per batch (shared_buffers, fsync, WAL, autovacuum...), so the
 * shared and pinned figures differ in where the processes run, not in how
 * the database is configured.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freePort } from '../../runtime/free-port.js'
import { onCpu } from './pinning.js'
import { postgresAnswers } from './postgres-answers.js'
import { clusterCpu, type ProcessGroupCpu } from './proc-stats.js'
import { stopChild } from './targets.js'
import { endsWithUs } from './ends-with-us.js'

const run = promisify(execFile)
const START_TIMEOUT_MS = 60_000

/** Settings copied from the shared server: what a batch costs the database depends on them. */
const COPIED_SETTINGS = ['shared_buffers', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'wal_buffers', 'max_wal_size', 'min_wal_size',
  'checkpoint_timeout', 'autovacuum', 'work_mem', 'maintenance_work_mem', 'max_connections', 'jit']

interface Owner { uid: number, gid: number }

/** As root, `nobody` (PostgreSQL will not run as root); else this user. */
function serverOwner (): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

/** A fresh directory the server's user owns. */
function serverDir (prefix: string, owner: Owner | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid)
  return dir
}

/** The last lines a server wrote to stderr, for an error message. */
function tail (child: ChildProcess): string[] {
  const lines: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() !== ''))
    lines.splice(0, Math.max(0, lines.length - 10))
  })
  return lines
}

async function until (ready: () => Promise<boolean>, child: ChildProcess, stderr: string[], what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr.join(' | ')}`)
    if (await ready()) return
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${START_TIMEOUT_MS} ms: ${stderr.join(' | ')}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export interface PrivatePostgres {
  /** the maintenance database's URL, for BenchDatabase.create */
  adminUrl: string
  pid: number
  /** the settings copied from the shared server, as set */
  settings: Record<string, string>
  /** CPU of the whole cluster (of the server as first started) */
  cpu: ProcessGroupCpu
  /** stops the server (fast shutdown) and keeps its data: what an outage of the database looks like to its clients */
  halt (): Promise<void>
  /** starts it again on the same port and data after halt() */
  resume (): Promise<void>
  stop (): Promise<void>
}

/** The shared server's values of COPIED_SETTINGS, in its base units (as `postgres -c` reads a number without a unit). */
export async function sharedSettings (adminUrl: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const res = await client.query<{ name: string, setting: string }>('SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name', [COPIED_SETTINGS])
    return Object.fromEntries(res.rows.map((r) => [r.name, r.setting]))
  } finally {
    await client.end()
  }
}

/** initdb, then `postgres` (on `cpu` alone when given) on a free loopback port with `settings`. */
export async function startPrivatePostgres (cpu: number | undefined, settings: Record<string, string>): Promise<PrivatePostgres> {
  const owner = serverOwner()
  const dir = serverDir('pitwall-bench-pg-', owner)
  const data = join(dir, 'data')
  let child: ChildProcess | undefined
  try {
    await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], { cwd: dir, ...owner })
    const port = await freePort()
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
    const launch = async (): Promise<ChildProcess> => {
      const { command, args: argv } = cpu === undefined ? { command: 'postgres', args } : onCpu(cpu, 'postgres', args)
      // SIGQUIT: PostgreSQL's immediate shutdown, which also ends its backends
      const started = endsWithUs(spawn(command, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...owner }), 'SIGQUIT')
      child = started
      const stderr = tail(started)
      await until(async () => await postgresAnswers(adminUrl), started, stderr, 'private PostgreSQL')
      return started
    }
    const first = await launch()
    // SIGINT: fast shutdown (backends rolled back, a checkpoint, then exit)
    const halt = async (): Promise<void> => { if (child !== undefined) await stopChild(child, 'SIGINT', 30_000) }
    return {
      adminUrl,
      pid: first.pid as number,
      settings,
      cpu: clusterCpu(first.pid as number),
      halt,
      resume: async () => { await launch() },
      stop: async () => {
        await halt()
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    if (child !== undefined) await stopChild(child, 'SIGINT', 30_000)
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

export interface PrivateMosquitto {
  url: string
  pid: number
  stop (): Promise<void>
}

/** Mosquitto on `cpu` on a free loopback port: anonymous, no persistence, errors and warnings logged. */
export async function startPrivateMosquitto (cpu: number): Promise<PrivateMosquitto> {
  const owner = serverOwner()
  const dir = serverDir('pitwall-bench-mosquitto-', owner)
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n`, { mode: 0o644 })
  // a user without /usr/sbin on its PATH still finds the Debian package's binary
  const binary = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto'
  const { command, args } = onCpu(cpu, binary, ['-c', conf])
  const child = endsWithUs(spawn(command, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...owner }))
  const stderr = tail(child)
  const stopped = async (): Promise<void> => {
    await stopChild(child, 'SIGTERM', 10_000)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await until(async () => await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    }), child, stderr, 'private Mosquitto')
  } catch (err) {
    await stopped()
    throw err
  }
  return { url: `mqtt://127.0.0.1:${port}`, pid: child.pid as number, stop: stopped }
}
