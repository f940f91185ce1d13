/**
 * The TimescaleDB shape (migration 028 made the telemetry tables
 * hypertables of daily chunks, compressed segmented by vehicle and signal,
 * ordered by time; migration 029 made the two rollups continuous
 * aggregates): its retention, compression and refresh policies follow the
 * gateway's settings. TimescaleDB's own scheduler runs them on a server; a
 * database where it does not run (the embedded engine, background workers
 * off) has the gateway's maintenance pass run them (`runPolicies`).
 */
import type pg from 'pg'
import { PARTITIONED_TABLES, type PartitionedTable, type Retention, type RetentionKind } from './partitions.js'

/** Tables migration 028 set up for compression (not the dead letters nor the rollup, which is rewritten in place). */
export const COMPRESSED_TABLES: ReadonlySet<string> = new Set(['batches', 'signal_samples', 'gnss_fixes', 'dtc_events'])

/**
 * The continuous aggregates of migration 029, each named as the table it
 * replaced so that its readers are the same SQL on both shapes.
 * - signal_minutes: refreshed over the minutes the batch writer marked, by
 *   the rollup pass (./signal-aggregate.ts), not by a policy: TimescaleDB
 *   logs a change as one time range per transaction across all vehicles,
 *   and a projector statement holding one vehicle's old batch beside the
 *   fleet's current ones would have a policy recompute all of that range.
 * - dtc_report_hours: a refresh policy every `scheduleMinutes` over the
 *   retention, up to `endOffsetHours` ago; what is newer is read from
 *   dtc_events by real-time aggregation, and a report stored late for an
 *   hour already refreshed counts from the next refresh on.
 */
export interface ContinuousAggregate {
  view: string
  source: string
  /** its time bucket's column */
  bucket: string
  /** its retention follows this kind's setting */
  kind: RetentionKind
  description: string
  refresh: 'marks' | { scheduleMinutes: number, endOffsetHours: number }
}

export const CONTINUOUS_AGGREGATES: readonly ContinuousAggregate[] = [
  { view: 'signal_minutes', source: 'signal_samples', bucket: 'minute', kind: 'samples', description: 'per-minute signal statistics (history)', refresh: 'marks' },
  // DTC reports are few beside samples: refreshing every few minutes, however wide the change, costs little
  { view: 'dtc_report_hours', source: 'dtc_events', bucket: 'hour', kind: 'dtcs', description: 'hourly failed DTC reports (quality report)', refresh: { scheduleMinutes: 5, endOffsetHours: 1 } }
]

export interface AggregateStatus {
  view: string
  source: string
  description: string
  retentionDays: number
  /** 'marks': refreshed by the rollup pass; else the refresh policy's interval */
  refresh: 'marks' | { scheduleMinutes: number }
  /** rows materialized, counted or (when many) estimated */
  rows: number
  rowsEstimated: boolean
  bytes: number
  /** the newest bucket materialized (epoch ms); later ones are read from the source */
  newestMs: number | undefined
  /** the refresh policy's last run: when it ended and whether it succeeded */
  lastRefresh: { atMs: number, status: string } | undefined
  /** signal_minutes: minutes marked since their last refresh, and whether the first fill is still to come */
  pendingMarks: number | undefined
  filling: boolean
}

export interface TimescaleChunk {
  name: string
  fromMs: number
  toMs: number
  compressed: boolean
}

export interface PolicyChange {
  table: string
  policy: 'retention' | 'compression' | 'refresh'
  /** retention and compression: after days; refresh: over the last days */
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
    for (const t of this.retained()) {
      const days = retention[t.kind]
      // a continuous aggregate takes a retention policy as a hypertable does
      if (await this.sync(jobs, t.table, 'policy_retention', 'drop_after', days,
        async () => { await this.pool.query('SELECT add_retention_policy($1::regclass, drop_after => $2::int * interval \'1 day\')', [t.table, days]) },
        async () => { await this.pool.query('SELECT remove_retention_policy($1::regclass, if_exists => true)', [t.table]) })) {
        changes.push({ table: t.table, policy: 'retention', days })
      }
      const aggregate = CONTINUOUS_AGGREGATES.find((a) => a.view === t.table)
      if (aggregate !== undefined && aggregate.refresh !== 'marks') {
        const { scheduleMinutes, endOffsetHours } = aggregate.refresh
        // over the whole retention, so that a report stored late for any hour still kept is counted
        if (await this.sync(jobs, t.table, 'policy_refresh_continuous_aggregate', 'start_offset', days,
          async () => {
            await this.pool.query(`SELECT add_continuous_aggregate_policy($1::regclass, start_offset => $2::int * interval '1 day',
              end_offset => $3::int * interval '1 hour', schedule_interval => $4::int * interval '1 minute')`, [t.table, days, endOffsetHours, scheduleMinutes])
          },
          async () => { await this.pool.query('SELECT remove_continuous_aggregate_policy($1::regclass, if_exists => true)', [t.table]) })) {
          changes.push({ table: t.table, policy: 'refresh', days })
        }
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

  /**
   * Runs the policies' jobs now, retention first and refreshes last (a
   * refresh then skips what retention dropped): for a database whose
   * scheduler does not run them.
   */
  async runPolicies (): Promise<number> {
    const order = ['policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate']
    const jobs = (await this.jobs()).sort((a, b) => order.indexOf(a.proc) - order.indexOf(b.proc))
    for (const job of jobs) await this.pool.query('CALL run_job($1)', [job.id])
    return jobs.length
  }

  /** The continuous aggregates present (migration 029 makes them where migration 028 made hypertables). */
  async aggregates (): Promise<string[]> {
    const extension = await this.pool.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
    if (extension.rowCount === 0) return []
    const res = await this.pool.query<{ view: string }>('SELECT view_name AS view FROM timescaledb_information.continuous_aggregates WHERE view_name = ANY ($1) ORDER BY 1',
      [CONTINUOUS_AGGREGATES.map((a) => a.view)])
    return res.rows.map((r) => r.view)
  }

  /** A table's chunks; a continuous aggregate's are those of the hypertable it is materialized in. */
  async chunks (table: string): Promise<TimescaleChunk[]> {
    const res = await this.pool.query<{ name: string, from_ms: number, to_ms: number, compressed: boolean }>(
      `SELECT chunk_name AS name, (extract(epoch FROM range_start) * 1000)::float8 AS from_ms, (extract(epoch FROM range_end) * 1000)::float8 AS to_ms, is_compressed AS compressed
         FROM timescaledb_information.chunks
        WHERE hypertable_name = coalesce((SELECT materialization_hypertable_name FROM timescaledb_information.continuous_aggregates WHERE view_name = $1), $1)
        ORDER BY range_start`, [table])
    return res.rows.map((r) => ({ name: r.name, fromMs: r.from_ms, toMs: r.to_ms, compressed: r.compressed }))
  }

  /** The hypertable holding a table's rows: itself, or a continuous aggregate's materialization. */
  async storedIn (table: string): Promise<string> {
    const res = await this.pool.query<{ name: string }>(
      `SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS name
         FROM timescaledb_information.continuous_aggregates WHERE view_name = $1`, [table])
    return res.rows[0]?.name ?? table
  }

  /** The refresh policy's last run per continuous aggregate. */
  async lastRefreshes (): Promise<Map<string, { atMs: number, status: string }>> {
    const res = await this.pool.query<{ view: string, at_ms: number | null, status: string | null }>(
      `SELECT j.hypertable_name AS view, (extract(epoch FROM s.last_run_started_at + s.last_run_duration) * 1000)::float8 AS at_ms, s.last_run_status AS status
         FROM timescaledb_information.jobs j JOIN timescaledb_information.job_stats s USING (job_id)
        WHERE j.proc_name = 'policy_refresh_continuous_aggregate'`)
    const out = new Map<string, { atMs: number, status: string }>()
    for (const r of res.rows) if (r.at_ms !== null && r.status !== null) out.set(r.view, { atMs: r.at_ms, status: r.status })
    return out
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

  /** The tables and continuous aggregates with a retention policy, and their kind of data. */
  private retained (): Array<{ table: string, kind: RetentionKind }> {
    const tables = this.tables.map((t) => ({ table: t.table, kind: t.kind }))
    return [...tables, ...CONTINUOUS_AGGREGATES.filter((a) => !tables.some((t) => t.table === a.view)).map((a) => ({ table: a.view, kind: a.kind }))]
  }

  // a continuous aggregate's jobs name the view as their hypertable
  private async jobs (): Promise<Array<{ id: number, proc: string, table: string, config: Record<string, string> }>> {
    const res = await this.pool.query<{ id: number, proc: string, table: string, config: Record<string, string> }>(
      `SELECT job_id AS id, proc_name AS proc, hypertable_name AS table, config FROM timescaledb_information.jobs
        WHERE proc_name IN ('policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate') AND hypertable_name = ANY($1)`,
      [this.retained().map((t) => t.table)])
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

