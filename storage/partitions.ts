/**
 * Daily partitions of the telemetry tables on plain PostgreSQL and the
 * embedded PGlite (migration 028 made them partitioned; with TimescaleDB
 * ./timescale.ts does this job instead):
 * - ahead: each day's partition exists before its first row arrives;
 * - strays: rows that landed in a table's DEFAULT partition (a day without a
 *   partition: a vehicle's backlog from before the gateway ran, or a day
 *   whose partition could not be created) move into their day's partition,
 *   created for them, once their day is within retention;
 * - retention: a partition whose whole range is older than its kind's
 *   retention is dropped (one catalog operation, no DELETE); rows of the
 *   DEFAULT partition older than it are deleted.
 *
 * Every change is its own short transaction under an advisory lock on the
 * table, so several gateway nodes doing this at once do not collide, and a
 * failure (no privilege, no disk) stops only that change: rows keep going
 * to the DEFAULT partition meanwhile, so no write ever fails for want of a
 * partition.
 */
import type pg from 'pg'
import { StorageError } from './errors.js'

export const DAY_MS = 86_400_000

/** The kinds of data with their own retention setting. */
export type RetentionKind = 'raw' | 'samples' | 'positions' | 'dtcs' | 'deadLetters'

export interface PartitionedTable {
  table: string
  /** the partition key: the time the data is about */
  column: string
  kind: RetentionKind
  /** what each kind of data is, for status and errors */
  description: string
  /** storage parameters of each new partition (a partitioned parent cannot hold them) */
  with?: string
}

export const PARTITIONED_TABLES: readonly PartitionedTable[] = [
  // the payload goes to TOAST (lz4) even when small: key lookups and scans step over ~100-byte rows (the storage bench wrote no faster with the default)
  { table: 'batches', column: 'base_time', kind: 'raw', description: 'raw batch archive', with: 'toast_tuple_target = 128' },
  // as migration 016 set for the unpartitioned table: vacuum after a million new rows, for index-only scans
  { table: 'signal_samples', column: 'time', kind: 'samples', description: 'decoded signal samples', with: 'autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000000' },
  { table: 'signal_minutes', column: 'minute', kind: 'samples', description: 'per-minute signal rollup', with: 'fillfactor = 90' },
  { table: 'gnss_fixes', column: 'time', kind: 'positions', description: 'GNSS positions' },
  { table: 'dtc_events', column: 'time', kind: 'dtcs', description: 'DTC reports' },
  { table: 'dead_letters', column: 'received_at', kind: 'deadLetters', description: 'dead letters' }
]

/** Retention in days per kind of data. */
export type Retention = Record<RetentionKind, number>

export interface PartitionInfo {
  name: string
  /** range in epoch ms; from is undefined for the legacy partition (MINVALUE) */
  fromMs: number | undefined
  toMs: number | undefined
  isDefault: boolean
}

export interface MaintenanceReport {
  created: Array<{ table: string, partition: string, movedRows: number }>
  dropped: Array<{ table: string, partition: string }>
  /** rows deleted from DEFAULT partitions for being older than retention */
  expiredStrays: number
  /** what could not be done this pass; the rest was */
  failures: Array<{ table: string, action: string, error: StorageError }>
}

// Arbitrary, fixed: advisory lock keys (with the table's hash) serializing partition changes.
const PARTITION_LOCK = 7_250_328
/** Most stray days one pass gives partitions per table: a vehicle with a wild clock must not make a pass create thousands. */
const MAX_STRAY_DAYS_PER_PASS = 31

export const partitionName = (table: string, dayMs: number): string =>
  `${table}_p${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS

/** An identifier quoted for SQL; a schema-qualified name (schema.table) quoted part by part. */
export const quote = (ident: string): string => ident.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.')

export class PartitionManager {
  constructor (private readonly pool: pg.Pool, private readonly tables: readonly PartitionedTable[] = PARTITIONED_TABLES) {}

  /** True when migration 028 took the plain path (no TimescaleDB). */
  async active (): Promise<boolean> {
    const res = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace",
      [this.tables.map((t) => t.table)])
    return (res.rows[0]?.n ?? 0) > 0
  }

  /** A table's partitions with their ranges. */
  async partitions (table: string): Promise<PartitionInfo[]> {
    const res = await this.pool.query<{ name: string, is_default: boolean, from_ms: number | null, to_ms: number | null }>(
      `SELECT c.relname AS name, b.bound = 'DEFAULT' AS is_default,
              (extract(epoch FROM (regexp_match(b.bound, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz) * 1000)::float8 AS from_ms,
              (extract(epoch FROM (regexp_match(b.bound, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz) * 1000)::float8 AS to_ms
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
              LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
        WHERE i.inhparent = $1::regclass
        ORDER BY to_ms NULLS LAST`, [table])
    return res.rows.map((r) => ({ name: r.name, isDefault: r.is_default, fromMs: r.from_ms ?? undefined, toMs: r.to_ms ?? undefined }))
  }

  /**
   * One pass: partitions for the days from yesterday to `aheadDays` ahead,
   * strays moved, expired partitions dropped; with `aheadOnly`, the
   * partitions alone (what a starting gateway waits for). Never throws for
   * one table's failure: it is reported and the rest goes on.
   */
  async maintain (options: { retention: Retention, aheadDays: number, nowMs?: number, aheadOnly?: boolean }): Promise<MaintenanceReport> {
    const now = options.nowMs ?? Date.now()
    const report: MaintenanceReport = { created: [], dropped: [], expiredStrays: 0, failures: [] }
    for (const t of this.tables) {
      const horizon = now - options.retention[t.kind] * DAY_MS
      const attempt = async (action: string, work: () => Promise<void>): Promise<void> => {
        try {
          await work()
        } catch (err) {
          report.failures.push({ table: t.table, action, error: partitionError(t, action, err) })
        }
      }
      let parts: PartitionInfo[] = []
      await attempt('list partitions', async () => { parts = await this.partitions(t.table) })
      for (let day = dayOf(now) - DAY_MS; day <= dayOf(now) + options.aheadDays * DAY_MS; day += DAY_MS) {
        if (day + DAY_MS <= horizon || covered(parts, day)) continue
        await attempt(`create ${partitionName(t.table, day)}`, async () => {
          const made = await this.createDay(t, day)
          if (made !== undefined) report.created.push({ table: t.table, ...made })
        })
      }
      if (options.aheadOnly === true) continue
      await attempt('move strays', async () => {
        for (const day of await this.strayDays(t, horizon)) {
          if (covered(parts, day)) continue
          await attempt(`create ${partitionName(t.table, day)} for its strays`, async () => {
            const made = await this.createDay(t, day)
            if (made !== undefined) report.created.push({ table: t.table, ...made })
          })
        }
      })
      for (const p of parts) {
        if (p.isDefault || p.toMs === undefined || p.toMs > horizon) continue
        await attempt(`drop ${p.name}`, async () => {
          if (await this.drop(t, p.name)) report.dropped.push({ table: t.table, partition: p.name })
        })
      }
      let expired = 0
      await attempt('expire strays', async () => { expired = await this.expireStrays(t, horizon) })
      report.expiredStrays += expired
      const filled = report.created.filter((c) => c.table === t.table && c.movedRows > 0).map((c) => c.partition)
      if (filled.length > 0 || expired > 0) await attempt('vacuum after moving strays', async () => { await this.tidyAfterMove(t, filled) })
    }
    return report
  }

  /**
   * Creates the day's partition: made beside the table, given the rows of
   * that day the DEFAULT partition holds, then attached, in one transaction
   * (attaching takes a lighter lock on the table than CREATE ... PARTITION
   * OF, so ingest's writes to other days go on). Undefined when another node
   * made it first.
   */
  private async createDay (t: PartitionedTable, day: number): Promise<{ partition: string, movedRows: number } | undefined> {
    const name = partitionName(t.table, day)
    return await this.locked(t, async (client) => {
      const exists = await client.query<{ partition: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid AND inhparent = $2::regclass) AS partition FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace', [name, t.table])
      if (exists.rows[0]?.partition === true) return undefined
      if (exists.rows[0] !== undefined) throw new Error(`a table named ${name} exists and is not a partition of ${t.table}: rename or drop it`)
      // before the DEFAULT partition's rows of the day move: a row arriving between the move and ATTACH would fail it
      await client.query(`LOCK TABLE ${quote(t.table + '_default')} IN ACCESS EXCLUSIVE MODE`)
      const from = new Date(day).toISOString()
      const to = new Date(day + DAY_MS).toISOString()
      await client.query(`CREATE TABLE ${quote(name)} (LIKE ${quote(t.table)} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)${t.with !== undefined ? ` WITH (${t.with})` : ''}`)
      const moved = await client.query(
        `WITH moved AS (DELETE FROM ${quote(t.table + '_default')} WHERE ${quote(t.column)} >= $1 AND ${quote(t.column)} < $2 RETURNING *)
         INSERT INTO ${quote(name)} SELECT * FROM moved`, [from, to])
      // lets ATTACH skip scanning the new partition for rows outside its range
      await client.query(`ALTER TABLE ${quote(name)} ADD CONSTRAINT ${quote(name + '_range')} CHECK (${quote(t.column)} >= '${from}' AND ${quote(t.column)} < '${to}')`)
      await client.query(`ALTER TABLE ${quote(t.table)} ATTACH PARTITION ${quote(name)} FOR VALUES FROM ('${from}') TO ('${to}')`)
      await client.query(`ALTER TABLE ${quote(name)} DROP CONSTRAINT ${quote(name + '_range')}`)
      return { partition: name, movedRows: moved.rowCount ?? 0 }
    })
  }

  /**
   * After rows left the DEFAULT partition: its index still holds every moved
   * row until a vacuum, and each lookup that reaches it (a vehicle's latest
   * sample probes every partition) steps over them. Measured on the API
   * bench's seeded database after the first pass moved 1.7 M samples out:
   * a vehicle's last state took 0.45-5 s, and 1.3 ms after this. The
   * partitions given rows are analyzed too, or the planner takes them for
   * empty until autovacuum comes round.
   */
  private async tidyAfterMove (t: PartitionedTable, filled: readonly string[]): Promise<void> {
    await this.pool.query(`VACUUM (ANALYZE) ${quote(t.table + '_default')}`)
    for (const name of filled) await this.pool.query(`ANALYZE ${quote(name)}`)
  }

  /** Days (UTC) holding rows in the DEFAULT partition, within retention, oldest first, at most MAX_STRAY_DAYS_PER_PASS. */
  private async strayDays (t: PartitionedTable, horizonMs: number): Promise<number[]> {
    const res = await this.pool.query<{ day_ms: number }>(
      `SELECT DISTINCT (extract(epoch FROM date_trunc('day', ${quote(t.column)}, 'UTC')) * 1000)::float8 AS day_ms
         FROM ${quote(t.table + '_default')} WHERE ${quote(t.column)} >= to_timestamp($1 / 1000.0) ORDER BY 1 LIMIT ${MAX_STRAY_DAYS_PER_PASS}`, [horizonMs])
    return res.rows.map((r) => r.day_ms)
  }

  private async expireStrays (t: PartitionedTable, horizonMs: number): Promise<number> {
    const res = await this.pool.query(`DELETE FROM ${quote(t.table + '_default')} WHERE ${quote(t.column)} < to_timestamp($1 / 1000.0)`, [horizonMs])
    return res.rowCount ?? 0
  }

  /** Drops an expired partition; false when another node did first. */
  private async drop (t: PartitionedTable, name: string): Promise<boolean> {
    return await this.locked(t, async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace', [name])
      if (exists.rowCount === 0) return false
      await client.query(`DROP TABLE ${quote(name)}`)
      return true
    })
  }

  /**
   * A transaction holding the table's advisory lock. lock_timeout: DDL on a
   * partitioned table waits for the writes in flight and makes new ones
   * queue behind it, so it gives up (and is tried next pass) rather than
   * stall ingest behind a long query.
   */
  private async locked<T> (t: PartitionedTable, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      await client.query("SET LOCAL lock_timeout = '5s'")
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PARTITION_LOCK, t.table])
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }
}

function covered (parts: readonly PartitionInfo[], day: number): boolean {
  return parts.some((p) => !p.isDefault && (p.fromMs === undefined || p.fromMs <= day) && p.toMs !== undefined && p.toMs >= day + DAY_MS)
}

function partitionError (t: PartitionedTable, action: string, err: unknown): StorageError {
  const cause = err as Error & { code?: string }
  const hint = cause.code === '42501'
    ? ': the gateway\'s database role must have CREATE on the schema and own the table (or be a member of the role that owns it)'
    : cause.code === '53100' ? ': the database is out of disk space' : ''
  return new StorageError('PITWALL_ERR_PARTITION', `${t.table} (${t.description}): could not ${action}: ${cause.message}${hint}; its rows go to ${t.table}_default meanwhile`, { cause })
}
