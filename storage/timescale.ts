/**
 * The TimescaleDB shape (migration 028 made the telemetry tables
 * hypertables of daily chunks, compressed segmented by vehicle and signal,
 * ordered by time): its retention and compression policies follow the
 * gateway's settings. TimescaleDB's own scheduler runs them on a server; a
 * database where it does not run (the embedded engine, background workers
 * off) has the gateway's maintenance pass run them (`runPolicies`).
 */
import type pg from 'pg'
import { PARTITIONED_TABLES, type PartitionedTable, type Retention } from './partitions.js'

/** Tables migration 028 set up for compression (not the dead letters nor the rollup, which is rewritten in place). */
export const COMPRESSED_TABLES: ReadonlySet<string> = new Set(['batches', 'signal_samples', 'gnss_fixes', 'dtc_events'])

export interface TimescaleChunk {
  name: string
  fromMs: number
  toMs: number
  compressed: boolean
}

export interface PolicyChange {
  table: string
  policy: 'retention' | 'compression'
  days: number
}

export class Timescale {
  constructor (private readonly pool: pg.Pool, private readonly tables: readonly PartitionedTable[] = PARTITIONED_TABLES) {}

  async active (): Promise<boolean> {
    const extension = await this.pool.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
    if (extension.rowCount === 0) return false
    const res = await this.pool.query("SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'batches'")
    return res.rowCount !== 0
  }

  /**
   * Sets each table's retention policy (and compression policy, after
   * `compressAfterDays`) to the settings, replacing a policy with another
   * interval; returns what changed.
   */
  async syncPolicies (retention: Retention, compressAfterDays: number): Promise<PolicyChange[]> {
    const jobs = await this.jobs()
    const changes: PolicyChange[] = []
    for (const t of this.tables) {
      const days = retention[t.kind]
      if (await this.sync(jobs, t.table, 'policy_retention', 'drop_after', days,
        async () => { await this.pool.query('SELECT add_retention_policy($1::regclass, drop_after => $2::int * interval \'1 day\')', [t.table, days]) },
        async () => { await this.pool.query('SELECT remove_retention_policy($1::regclass, if_exists => true)', [t.table]) })) {
        changes.push({ table: t.table, policy: 'retention', days })
      }
      if (!COMPRESSED_TABLES.has(t.table)) continue
      if (await this.sync(jobs, t.table, 'policy_compression', 'compress_after', compressAfterDays,
        async () => { await this.pool.query('SELECT add_compression_policy($1::regclass, compress_after => $2::int * interval \'1 day\')', [t.table, compressAfterDays]) },
        async () => { await this.pool.query('SELECT remove_compression_policy($1::regclass, if_exists => true)', [t.table]) })) {
        changes.push({ table: t.table, policy: 'compression', days: compressAfterDays })
      }
    }
    return changes
  }

  /**
   * Whether TimescaleDB's scheduler runs jobs on this server: not on the
   * embedded engine, nor on a server with timescaledb.max_background_workers
   * at 0; then the gateway runs them (runPolicies).
   */
  async schedulerRuns (): Promise<boolean> {
    const res = await this.pool.query("SELECT 1 FROM pg_stat_activity WHERE backend_type LIKE 'TimescaleDB Background Worker%'")
    return res.rowCount !== 0
  }

  /** Runs the policies' jobs now, retention first: for a database whose scheduler does not run them. */
  async runPolicies (): Promise<number> {
    const jobs = (await this.jobs()).sort((a, b) => (a.proc === b.proc ? 0 : a.proc === 'policy_retention' ? -1 : 1))
    for (const job of jobs) await this.pool.query('CALL run_job($1)', [job.id])
    return jobs.length
  }

  async chunks (table: string): Promise<TimescaleChunk[]> {
    const res = await this.pool.query<{ name: string, from_ms: number, to_ms: number, compressed: boolean }>(
      `SELECT chunk_name AS name, (extract(epoch FROM range_start) * 1000)::float8 AS from_ms, (extract(epoch FROM range_end) * 1000)::float8 AS to_ms, is_compressed AS compressed
         FROM timescaledb_information.chunks WHERE hypertable_name = $1 ORDER BY range_start`, [table])
    return res.rows.map((r) => ({ name: r.name, fromMs: r.from_ms, toMs: r.to_ms, compressed: r.compressed }))
  }

  /** Bytes of the compressed chunks before and after compression; undefined when none is compressed. */
  async compression (table: string): Promise<{ beforeBytes: number, afterBytes: number } | undefined> {
    if (!COMPRESSED_TABLES.has(table)) return undefined
    const res = await this.pool.query<{ before: number | null, after: number | null }>(
      'SELECT sum(before_compression_total_bytes)::float8 AS before, sum(after_compression_total_bytes)::float8 AS after FROM hypertable_compression_stats($1::regclass)', [table])
    const row = res.rows[0]
    if (row?.before == null || row.after == null || row.after === 0) return undefined
    return { beforeBytes: row.before, afterBytes: row.after }
  }

  async bytes (table: string): Promise<number> {
    const res = await this.pool.query<{ n: number }>('SELECT hypertable_size($1::regclass)::float8 AS n', [table])
    return res.rows[0]?.n ?? 0
  }

  private async jobs (): Promise<Array<{ id: number, proc: string, table: string, config: Record<string, string> }>> {
    const res = await this.pool.query<{ id: number, proc: string, table: string, config: Record<string, string> }>(
      `SELECT job_id AS id, proc_name AS proc, hypertable_name AS table, config FROM timescaledb_information.jobs
        WHERE proc_name IN ('policy_retention', 'policy_compression') AND hypertable_name = ANY($1)`, [this.tables.map((t) => t.table)])
    return res.rows
  }

  private async sync (jobs: Array<{ proc: string, table: string, config: Record<string, string> }>, table: string, proc: string, key: string, days: number,
    add: () => Promise<void>, remove: () => Promise<void>): Promise<boolean> {
    const job = jobs.find((j) => j.table === table && j.proc === proc)
    if (job !== undefined && intervalDays(job.config[key]) === days) return false
    if (job !== undefined) await remove()
    await add()
    return true
  }
}

/** Days in an interval as TimescaleDB writes it into a job's config ("90 days", "2 days 00:00:00"); NaN otherwise. */
function intervalDays (value: string | undefined): number {
  const match = /^(\d+) days?(?: 00:00:00)?$/.exec(value ?? '')
  return match === null ? NaN : Number(match[1])
}

