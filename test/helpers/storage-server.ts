/**
 * A database a test owns, outside any gateway, for tests that crash or cut
 * the gateway: an embedded PGlite host, or a fresh PostgreSQL database.
 */
import { openEmbedded } from '../../storage/embedded.js'
import { createTestDatabase, type Backend } from './backends.js'

export interface TestDatabase {
  url: string
  /** where a proxy reaches it: a TCP port on 127.0.0.1, or the embedded host's Unix socket */
  address: number | string
  close (): Promise<void>
}

export async function startTestDatabase (backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const server = await openEmbedded('memory://')
    const u = new URL(server.url)
    return { url: server.url, address: `${decodeURIComponent(u.hostname)}/.s.PGSQL.${u.port}`, close: () => server.close() }
  }
  const db = await createTestDatabase()
  return { url: db.url, address: Number(new URL(db.url).port), close: db.drop }
}

/** The same database reached through another port on 127.0.0.1 (a proxy's). */
export function viaPort (url: string, port: number): string {
  const u = new URL(url)
  u.hostname = '127.0.0.1'
  u.port = String(port)
  return u.toString()
}
