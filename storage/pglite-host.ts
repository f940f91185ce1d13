/**
 * Child-process entry that serves an embedded PGlite database over the
 * PostgreSQL wire protocol on a loopback port, so the gateway reaches it with
 * the same `pg` driver as a real server, and PGlite's single-threaded WASM
 * engine never runs on the gateway's event loop.
 *
 * Protocol with the parent (IPC): it sends {type:'ready', port} once
 * listening, or {type:'error', message}; on {type:'stop'} or when the parent
 * goes away it closes the database cleanly (flushing it to disk) and exits.
 */
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

interface HostOptions {
  dataDir: string
  maxConnections: number
}

async function main (options: HostOptions): Promise<void> {
  const db = await PGlite.create(options.dataDir)
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections })
  await server.start()
  const port = server.getServerConn().split(':').pop()
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await server.stop().catch(() => {})
    await db.close().catch(() => {})
    process.exit(0)
  }
  process.on('message', (msg: { type?: string }) => { if (msg?.type === 'stop') void stop() })
  process.on('disconnect', () => { void stop() })
  process.on('SIGTERM', () => { void stop() })
  process.on('SIGINT', () => { void stop() })
  process.send?.({ type: 'ready', port: Number(port) })
}

const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions
main(options).catch((err: unknown) => {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
