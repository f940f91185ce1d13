/**
 * The storage backends every storage-touching test runs against: the
 * embedded PGlite and a real PostgreSQL (a fresh database per test file on
 * the server at PITWALL_TEST_PG_URL, default the local one). When no
 * PostgreSQL answers, its tests are skipped with a message saying so.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { postgresAnswers } from '../../bench/e2e/postgres-answers.js'
import { migrate } from '../../storage/migrate.js'

export type Backend = 'pglite' | 'postgres'

/** the server's maintenance database, where test databases are created */
export const TEST_DATABASE_ADMIN_URL = process.env.PITWALL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const ADMIN_URL = TEST_DATABASE_ADMIN_URL

let reachable: Promise<boolean> | undefined
export async function postgresReachable (): Promise<boolean> {
  reachable ??= postgresAnswers(ADMIN_URL, 2000)
  return await reachable
}

/**
 * The backend of a test whose behaviour lies above the stores (HTTP routes,
 * authorization, serialization, a gateway's flow end to end): their SQL is
 * the stores', which test/storage runs on both backends, and ingest, crash,
 * restart and outage end-to-end tests run both as well. PostgreSQL when it
 * answers, since a database there costs a fraction of an embedded PGlite's
 * start; PGlite otherwise, so the test runs either way.
 */
export async function oneBackend (): Promise<Backend> {
  return await postgresReachable() ? 'postgres' : 'pglite'
}

export const SKIP_POSTGRES = `no PostgreSQL at ${ADMIN_URL} (set PITWALL_TEST_PG_URL)`

function databaseUrl (name: string): string {
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function asAdmin<T> (work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    return await work(admin)
  } finally {
    await admin.end()
  }
}

/** What the migrated schema depends on: the migrations and the code that applies them. */
function schemaKey (): string {
  const hash = createHash('sha256')
  const dir = new URL('../../storage/migrations/', import.meta.url)
  hash.update(readFileSync(new URL('../../storage/migrate.ts', import.meta.url)))
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) hash.update(`\0${file}\0`).update(readFileSync(new URL(file, dir)))
  return hash.digest('hex').slice(0, 16)
}

let migratedTemplate: Promise<string> | undefined
/**
 * A database holding the migrated schema and nothing else, made once per
 * set of migrations (its name carries their digest, so a changed migration
 * gets a new one) and then copied: CREATE DATABASE from a template is a file
 * copy, far cheaper than running every migration again for each test. Made
 * under another name and renamed when whole, so a test file running beside
 * this one copies a finished template or makes its own.
 */
async function migratedTemplateName (): Promise<string> {
  migratedTemplate ??= asAdmin(async (admin) => {
    const name = `pitwall_schema_${schemaKey()}`
    if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1) return name
    const building = `${name}_${process.pid}_${randomBytes(4).toString('hex')}`
    await admin.query(`CREATE DATABASE ${building}`)
    try {
      const pool = new pg.Pool({ connectionString: databaseUrl(building), max: 1 })
      try {
        await migrate(pool)
      } finally {
        await pool.end()
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`)
          return name
        } catch (err) {
          const code = (err as { code?: string }).code
          // 42P04: another test file finished the same template first; 55006: our own connection is still closing
          if (code === '42P04') break
          if (code !== '55006' || attempt >= 50) throw err
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
    } catch (err) {
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`)
      throw err
    }
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`)
    return name
  })
  return await migratedTemplate
}

/**
 * Creates a database, empty or (`migrated`) with the storage schema already
 * migrated, for tests about what sits on the schema rather than about the
 * migrations; returns its URL and a function that drops it.
 */
export async function createTestDatabase (options: { migrated?: boolean } = {}): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `pitwall_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const template = options.migrated === true ? ` TEMPLATE ${await migratedTemplateName()}` : ''
  await asAdmin(async (admin) => await admin.query(`CREATE DATABASE ${name}${template}`))
  return {
    url: databaseUrl(name),
    drop: async () => { await asAdmin(async (admin) => await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) }
  }
}
