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
 */
import { PGlite } from '@electric-sql/pglite'
import fs from 'node:fs'
import { createServer, type Socket } from 'node:net'

interface HostOptions {
  /** PGlite's data directory, or memory:// */
  dataDir: string
  /** the path to listen on */
  socket: string
  maxConnections: number
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
// PGlite's engine never returns from COPY ... FROM STDIN sent over the raw
// protocol (seen: the host spinning a core with the session held), so such a
// statement is refused before it reaches the engine.
const COPY_FROM_STDIN = /\bCOPY\b[\s\S]*\bFROM\s+STDIN\b/i

/** The backend session, lent to one connection at a time. */
class SharedSession {
  private holder: number | undefined
  private readonly waiting: Array<{ connection: number, grant: () => void }> = []

  constructor (private readonly db: PGlite) {}

  /** Runs one client message once `connection` holds the session. */
  async run (connection: number, message: Uint8Array, reply: (data: Uint8Array) => void): Promise<void> {
    await this.acquire(connection)
    // The last 6 bytes sent: a reply ending in ReadyForQuery ends the unit.
    const tail = new Uint8Array(6)
    let seen = 0
    await this.execute(message, (data) => {
      reply(data)
      for (const byte of data.length > 6 ? data.subarray(data.length - 6) : data) {
        tail.copyWithin(0, 1)
        tail[5] = byte
        seen++
      }
    })
    const ready = seen >= 6 && tail[0] === READY_FOR_QUERY && tail[1] === 0 && tail[2] === 0 && tail[3] === 0 && tail[4] === 5
    if (ready && tail[5] === IDLE) this.release()
  }

  /**
   * A connection went away: drops what it waited for and, if it held the
   * session mid-query or mid-transaction, rolls that back as a server would.
   */
  async leave (connection: number): Promise<void> {
    const queued = this.waiting.findIndex((w) => w.connection === connection)
    if (queued !== -1) this.waiting.splice(queued, 1)
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
  const db = await PGlite.create(options.dataDir)
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

const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions
main(options).catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
