/**
 * A database a test owns, outside any gateway, for tests that crash or cut
 * the gateway: an embedded PGlite host, or a fresh PostgreSQL database.
 */
import { openEmbedded } from '../../storage/embedded.js'
import { createTestDatabase, type Backend } from './backends.js'

export interface TestDatabase {
  url: string
  port: number
  close (): Promise<void>
}

export async function startTestDatabase (backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const server = await openEmbedded('memory://')
    return { url: server.url, port: Number(new URL(server.url).port), close: () => server.close() }
  }
  const db = await createTestDatabase()
  return { url: db.url, port: Number(new URL(db.url).port), close: db.drop }
}

/** The same database reached through another port (a proxy's). */
export function viaPort (url: string, port: number): string {
  const u = new URL(url)
  u.port = String(port)
  return u.toString()
}
