/**
 * The embedded default: PGlite in a child process (see pglite-host.ts),
 * reached through `pg` like any PostgreSQL server.
 *
 * A data directory can be opened by one PGlite at a time, so the host writes
 * `pitwall-host.json` (pid, port) into it; a second Pitwall process on the
 * same directory (say `pitwall device add` while the gateway runs) connects
 * to the running host instead of starting another.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StorageError } from './errors.js'

export interface EmbeddedServer {
  /** postgres:// URL of the served database */
  readonly url: string
  /** true when this process started the host and stops it on close */
  readonly owned: boolean
  close (): Promise<void>
}

const MEMORY = 'memory://'
const HOST_FILE = 'pitwall-host.json'

export async function openEmbedded (dataDir: string, maxConnections = 16): Promise<EmbeddedServer> {
  const persistent = dataDir !== MEMORY
  if (persistent) {
    mkdirSync(dataDir, { recursive: true })
    const running = await findRunningHost(dataDir)
    if (running !== undefined) return { url: urlFor(running), owned: false, close: async () => {} }
  }
  const { child, port } = await startHost(persistent ? join(dataDir, 'pgdata') : MEMORY, maxConnections)
  const hostFile = join(dataDir, HOST_FILE)
  if (persistent) writeFileSync(hostFile, JSON.stringify({ pid: child.pid, port }))
  return {
    url: urlFor(port),
    owned: true,
    close: async () => {
      await stopHost(child)
      if (persistent) rmSync(hostFile, { force: true })
    }
  }
}

function urlFor (port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`
}

async function startHost (dataDir: string, maxConnections: number): Promise<{ child: ChildProcess, port: number }> {
  const here = fileURLToPath(import.meta.url)
  const ext = extname(here)
  const entry = join(here, '..', `pglite-host${ext}`)
  // Under tests and `tsx` the sources are .ts and the child needs the same loader.
  const execArgv = ext === '.ts' ? ['--import', 'tsx'] : []
  const child = fork(entry, [JSON.stringify({ dataDir, maxConnections })], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (msg: { type: string, port?: number, message?: string }) => {
      if (msg.type === 'ready' && typeof msg.port === 'number') resolve(msg.port)
      else reject(new StorageError('PITWALL_ERR_STORAGE_EMBEDDED', `embedded PGlite at ${dataDir} failed to start: ${msg.message ?? 'unknown error'}`))
    })
    child.once('exit', (code) => reject(new StorageError('PITWALL_ERR_STORAGE_EMBEDDED', `embedded PGlite at ${dataDir} exited with code ${code ?? 'null'} before it was ready`)))
  })
  // The host must not keep the parent alive on its own; close() ends it.
  child.unref()
  child.channel?.unref()
  return { child, port }
}

async function stopHost (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.send({ type: 'stop' })
  // PGlite flushes its data directory on close; give it time, then insist.
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

async function findRunningHost (dataDir: string): Promise<number | undefined> {
  let info: { pid: number, port: number }
  try {
    info = JSON.parse(readFileSync(join(dataDir, HOST_FILE), 'utf8')) as { pid: number, port: number }
  } catch {
    return undefined
  }
  if (!isAlive(info.pid) || !(await canConnect(info.port))) return undefined
  return info.port
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function canConnect (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}
