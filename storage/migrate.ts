/**
 * Applies storage/migrations/*.sql in name order, each once, inside one
 * transaction holding an advisory lock, so several gateway nodes starting
 * together against one PostgreSQL do not race.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { StorageError } from './errors.js'
import { inTransaction } from './transaction.js'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))
// Arbitrary, fixed: the advisory lock key that serializes migrations.
const MIGRATION_LOCK = 7_250_319

/** `through`: the last migration to apply (tests of a migration start from the schema before it). */
export async function migrate (pool: pg.Pool, options: { through?: string } = {}): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && (options.through === undefined || f <= options.through)).sort()
  const applied: string[] = []
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    // only when missing: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table
    // exists, and a gateway role kept to reading and writing rows must start on a migrated schema
    const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t")
    if (exists.rows[0]?.t === null) {
      await client.query(`CREATE TABLE schema_migrations (
        version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    }
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
    for (const file of files) {
      if (done.has(file)) continue
      try {
        await client.query(readFileSync(MIGRATIONS_DIR + file, 'utf8'))
      } catch (err) {
        throw new StorageError('PITWALL_ERR_STORAGE_MIGRATION', `migration ${file} failed: ${(err as Error).message}`, { cause: err })
      }
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file])
      applied.push(file)
    }
  })
  return applied
}
