/**
 * The embedded default: PGlite in a child process (see pglite-host.ts),
 * reached through `pg` like any PostgreSQL server, over a Unix socket. The
 * host asks for no password, so what keeps other local users out is the
 * file system: the socket sits in a directory only the gateway's user may
 * enter, never on a TCP port, and the data directory and every file in it
 * are that user's alone (0700 directories, 0600 files). A data directory
 * that group or others may use, or that another user owns, is refused at
 * start, naming the path and the chmod that fixes it, as ssh refuses loose
 * key files; it is not tightened silently, because whatever it held may have
 * been read already and the operator has to know.
 *
 * The socket is `<dataDir>/.s.PGSQL.5432`, or, when that path is too long
 * for a socket address, the same name in a private directory made under the
 * OS temp dir. A data directory can be opened by one PGlite at a time, so
 * the host writes `pitwall-host.json` (pid, socket path; mode 0600) into it;
 * a second Pitwall process on the same directory (say `pitwall device add`
 * while the gateway runs) connects to the running host instead of starting
 * another.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findExposed, isExposed, octalMode } from '../runtime/private-files.js'
import { templateCacheDir } from './embedded-template.js'
import { StorageError } from './errors.js'

export interface EmbeddedServer {
  /** postgres:// URL of the served database (its host is the socket's directory) */
  readonly url: string
  /** true when this process started the host and stops it on close */
  readonly owned: boolean
  close (): Promise<void>
}

const MEMORY = 'memory://'
const ENGINE_SETTING = 'PITWALL_EMBEDDED_ENGINE'

/**
 * PITWALL_EMBEDDED_ENGINE=timescaledb runs the TimescaleDB build of PGlite
 * (a dev dependency: how the tests exercise the TimescaleDB path); unset,
 * the PGlite Pitwall ships with.
 */
function embeddedEngine (): 'timescaledb' | undefined {
  const value = process.env[ENGINE_SETTING]
  if (value === undefined || value === '') return undefined
  if (value === 'timescaledb') return value
  throw new StorageError('PITWALL_ERR_STORAGE_EMBEDDED', `${ENGINE_SETTING}=${value}: the only other embedded engine is 'timescaledb'`)
}
const HOST_FILE = 'pitwall-host.json'
const PGDATA = 'pgdata'
// pg connects to `${host}/.s.PGSQL.${port}`: the port only names the socket file.
const SOCKET_PORT = 5432
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`
// sockaddr_un.sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, NUL included.
const MAX_SOCKET_PATH = 103

export async function openEmbedded (dataDir: string, maxConnections = 16): Promise<EmbeddedServer> {
  const template = templateCacheDir()
  if (dataDir === MEMORY) {
    const socketDir = await mkdtemp(join(tmpdir(), 'pitwall-db-'))
    const child = await startHost({ dataDir: MEMORY, template, maxConnections }, socketDir).catch(async (err: unknown) => { await removeDir(socketDir); throw err })
    return { url: urlFor(socketDir), owned: true, close: async () => { await stopHost(child); await removeDir(socketDir) } }
  }
  const dir = resolve(dataDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await refuseExposed(dir)
  const running = await findRunningHost(dir)
  if (running !== undefined) return { url: urlFor(dirname(running)), owned: false, close: async () => {} }

  const inDataDir = Buffer.byteLength(join(dir, SOCKET_FILE)) <= MAX_SOCKET_PATH
  const socketDir = inDataDir ? dir : await mkdtemp(join(tmpdir(), 'pitwall-db-'))
  // a socket file left by a host that was killed: no host answered on it
  if (inDataDir) await rm(join(dir, SOCKET_FILE), { force: true })
  const child = await startHost({ dataDir: join(dir, PGDATA), template, maxConnections }, socketDir).catch(async (err: unknown) => {
    if (!inDataDir) await removeDir(socketDir)
    throw err
  })
  const hostFile = join(dir, HOST_FILE)
  await writeFile(hostFile, JSON.stringify({ pid: child.pid, socket: join(socketDir, SOCKET_FILE) }), { mode: 0o600 })
  return {
    url: urlFor(socketDir),
    owned: true,
    close: async () => {
      await stopHost(child)
      await rm(hostFile, { force: true })
      if (!inDataDir) await removeDir(socketDir)
    }
  }
}

function urlFor (socketDir: string): string {
  return `postgres://postgres@${encodeURIComponent(socketDir)}:${SOCKET_PORT}/postgres`
}

async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/**
 * The data directory must be this user's and closed to everyone else, and
 * so must the files of the embedded database in it (the command keys
 * directory beside them is checked by actions/commands/keys.ts).
 */
async function refuseExposed (dir: string): Promise<void> {
  const info = await stat(dir)
  const uid = process.getuid?.()
  if (uid !== undefined && info.uid !== uid) {
    throw new StorageError('PITWALL_ERR_STORAGE_EXPOSED',
      `${dir}: the embedded database's directory belongs to uid ${info.uid}, not to this process's user (uid ${uid}), who could then read and change it; run Pitwall as its owner or chown it`)
  }
  const exposed = (isExposed(info.mode) ? { path: dir, mode: info.mode } : undefined) ??
    await findExposed(join(dir, HOST_FILE)) ?? await findExposed(join(dir, PGDATA))
  if (exposed !== undefined) {
    throw new StorageError('PITWALL_ERR_STORAGE_EXPOSED',
      `${exposed.path}: open to group or others (mode ${octalMode(exposed.mode)}), and the embedded database has no password, so other local users could read and change it; ` +
      `run chmod -R go= ${dir} (and rotate the secrets stored in it if others could reach it)`)
  }
}

/** The socket path of a host already serving `dir`, if one answers. */
async function findRunningHost (dir: string): Promise<string | undefined> {
  let socket: unknown
  try {
    socket = (JSON.parse(await readFile(join(dir, HOST_FILE), 'utf8')) as { socket?: unknown }).socket
  } catch {
    return undefined
  }
  if (typeof socket !== 'string') return undefined
  // outside the data directory (a temp one), the socket is trusted only in a directory of ours that no one else may use
  const socketDir = dirname(socket)
  if (socketDir !== dir) {
    const info = await lstat(socketDir).catch(() => undefined)
    if (info === undefined) return undefined
    if (!info.isDirectory() || info.uid !== process.getuid?.() || isExposed(info.mode)) {
      throw new StorageError('PITWALL_ERR_STORAGE_EXPOSED',
        `${socketDir}: the embedded database's socket directory (named in ${join(dir, HOST_FILE)}) is not a private directory of this user (mode ${octalMode(info.mode)}, uid ${info.uid}); stop the host using it and remove ${join(dir, HOST_FILE)}`)
    }
  }
  return await canConnect(socket) ? socket : undefined
}

/** V8's WebAssembly compiler flags: --liftoff-only, --no-wasm-tier-up, --wasm-lazy-compilation, … */
function isWasmFlag (arg: string): boolean {
  return /^--(no-)?(liftoff|wasm)[-_a-z]*(=.*)?$/.test(arg)
}

async function startHost (hostOptions: { dataDir: string, template: string | undefined, maxConnections: number }, socketDir: string): Promise<ChildProcess> {
  const options = { ...hostOptions, engine: embeddedEngine() }
  const { dataDir } = options
  const socket = join(socketDir, SOCKET_FILE)
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new StorageError('PITWALL_ERR_STORAGE_EMBEDDED',
      `embedded PGlite at ${dataDir}: its socket path ${socket} is longer than a socket address holds (${MAX_SOCKET_PATH} bytes); set TMPDIR to a shorter directory`)
  }
  const here = fileURLToPath(import.meta.url)
  const ext = extname(here)
  const entry = join(here, '..', `pglite-host${ext}`)
  // Under tests and `tsx` the sources are .ts and the child needs the same loader. The engine
  // runs in the child, so V8's WebAssembly flags given to this process (say --liftoff-only,
  // which the test suite uses: its databases live seconds, too short for optimised code to
  // repay compiling it) go there too.
  const execArgv = [...(ext === '.ts' ? ['--import', 'tsx'] : []), ...process.execArgv.filter(isWasmFlag)]
  const child = fork(entry, [JSON.stringify({ ...options, socket })], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise<void>((resolve, reject) => {
    child.once('message', (msg: { type: string, message?: string }) => {
      if (msg.type === 'ready') resolve()
      else reject(new StorageError('PITWALL_ERR_STORAGE_EMBEDDED', `embedded PGlite at ${dataDir} failed to start: ${msg.message ?? 'unknown error'}`))
    })
    child.once('exit', (code) => reject(new StorageError('PITWALL_ERR_STORAGE_EMBEDDED', `embedded PGlite at ${dataDir} exited with code ${code ?? 'null'} before it was ready`)))
  })
  // The host must not keep the parent alive on its own; close() ends it.
  child.unref()
  child.channel?.unref()
  return child
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

async function canConnect (socket: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const connection = connect(socket)
    connection.once('connect', () => { connection.destroy(); resolve(true) })
    connection.once('error', () => resolve(false))
  })
}
