/**
 * The storage backends every storage-touching test runs against: the
 * embedded PGlite and a real PostgreSQL (a fresh database per test file on
 * the server at PITWALL_TEST_PG_URL, default the local one). When no
 * PostgreSQL answers, its tests are skipped with a message saying so.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export type Backend = 'pglite' | 'postgres'

const ADMIN_URL = process.env.PITWALL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

let reachable: Promise<boolean> | undefined
export async function postgresReachable (): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.end()
      return true
    } catch {
      return false
    }
  })()
  return await reachable
}

export const SKIP_POSTGRES = `no PostgreSQL at ${ADMIN_URL} (set PITWALL_TEST_PG_URL)`

/** Creates an empty database; returns its URL and a function that drops it. */
export async function createTestDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `pitwall_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    }
  }
}
