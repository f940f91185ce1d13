/**
 * Retention and the shape of the telemetry tables, whichever migration 028
 * chose: daily partitions kept by ./partitions.ts, or TimescaleDB
 * hypertables and continuous aggregates (migration 029) whose policies
 * ./timescale.ts keeps. One pass (`maintain`) for the gateway's periodic
 * job, and `status` and `aggregates` for `pitwall storage status`.
 */
import type pg from 'pg'
import { DAY_MS, PARTITIONED_TABLES, PartitionManager, quote, type MaintenanceReport, type PartitionedTable, type Retention, type RetentionKind } from './partitions.js'
import { StorageError } from './errors.js'
import { CONTINUOUS_AGGREGATES, Timescale, type AggregateStatus, type PolicyChange } from './timescale.js'

export type StorageShape = 'timescaledb' | 'partitions'

export interface RetentionSettings {
  retention: Retention
  /** plain partitions: how many days ahead each table's partitions exist */
  aheadDays: number
  /** TimescaleDB: chunks older than this are compressed */
  compressAfterDays: number
}

export interface RetentionPass extends MaintenanceReport {
  shape: StorageShape
  /** TimescaleDB: policies set or changed this pass */
  policies: PolicyChange[]
  /** TimescaleDB whose scheduler does not run (embedded): policy jobs run this pass */
  jobsRun: number
}

export interface TableStatus {
  table: string
  description: string
  kind: RetentionKind
  retentionDays: number
  /** on disk, indexes and TOAST included */
  bytes: number
  rows: number
  /** true when `rows` is the planner's estimate (large partitions are not counted) */
  rowsEstimated: boolean
  /** partitions or chunks */
  parts: number
  /** time of the oldest and newest row (epoch ms); at day resolution for a part too large to scan */
  oldestMs: number | undefined
  newestMs: number | undefined
  /** before / after compression, over the compressed chunks */
  compressionRatio: number | undefined
  /** when the oldest part expires and is dropped, and which */
  nextDrop: { atMs: number, part: string } | undefined
  /** plain partitions: rows waiting in the DEFAULT partition for their day's */
  strayRows: number
}

/** A part with more rows than this is not counted or scanned for its oldest and newest row. */
const EXACT_LIMIT = 200_000


export class RetentionStore {
  private readonly partitions: PartitionManager
  private readonly timescale: Timescale
  private shapeSeen: StorageShape | undefined
  private aggregatesSeen: string[] | undefined
  private policiesSynced: string | undefined

  constructor (private readonly pool: pg.Pool, private readonly tables: readonly PartitionedTable[] = PARTITIONED_TABLES) {
    this.partitions = new PartitionManager(pool, tables)
    this.timescale = new Timescale(pool, tables)
  }

  async shape (): Promise<StorageShape> {
    if (this.shapeSeen !== undefined) return this.shapeSeen
    if (await this.timescale.active()) this.shapeSeen = 'timescaledb'
    else if (await this.partitions.active()) this.shapeSeen = 'partitions'
    else throw new StorageError('PITWALL_ERR_STORAGE_MIGRATION', 'the telemetry tables are neither partitioned nor hypertables: migration 028 has not run')
    return this.shapeSeen
  }

  async maintain (settings: RetentionSettings, nowMs = Date.now()): Promise<RetentionPass> {
    const pass = await this.maintainTables(settings, nowMs)
    // The quality report's hourly DTC rollup (migration 018) expires with the DTC reports; first-seen times stay.
    // On TimescaleDB it is a continuous aggregate (migration 029) with its own retention policy.
    const dtcsExpireMs = nowMs - settings.retention.dtcs * DAY_MS
    if (!(await this.timescaleAggregates()).includes('dtc_report_hours')) {
      await this.pool.query('DELETE FROM dtc_report_hours WHERE hour < to_timestamp($1 / 1000.0)', [dtcsExpireMs])
    }
    // A vehicle's DTC whose latest report is past retention is no longer part of its state (migration 033).
    // A scan of that table once a pass: an index on last_at would make every repeated report's update non-HOT.
    await this.pool.query('DELETE FROM dtc_latest_reports WHERE last_at < to_timestamp($1 / 1000.0)', [dtcsExpireMs])
    return pass
  }

  /**
   * Today's partitions and those ahead, nothing else: run before ingest
   * starts, so that current rows land in their own partition rather than a
   * DEFAULT one. A move out of a DEFAULT partition is correct but not
   * invisible: a query planned before it and run after it misses the moved
   * rows (PostgreSQL plans with the partitions it saw). TimescaleDB makes
   * its chunks as rows arrive: nothing to do.
   */
  async prepare (settings: RetentionSettings, nowMs = Date.now()): Promise<RetentionPass> {
    const shape = await this.shape()
    const pass: RetentionPass = { shape, policies: [], jobsRun: 0, created: [], dropped: [], expiredStrays: 0, failures: [] }
    if (shape !== 'partitions') return pass
    return { ...pass, ...await this.partitions.maintain({ retention: settings.retention, aheadDays: settings.aheadDays, nowMs, aheadOnly: true }) }
  }

  /** TimescaleDB's continuous aggregates (migration 029): what each holds and how fresh it is; empty on plain partitions. */
  async aggregates (retention: Retention): Promise<AggregateStatus[]> {
    const present = await this.timescaleAggregates()
    if (present.length === 0) return []
    const refreshes = await this.timescale.lastRefreshes()
    const out: AggregateStatus[] = []
    for (const a of CONTINUOUS_AGGREGATES.filter((c) => present.includes(c.view))) {
      const stored = await this.timescale.storedIn(a.view)
      const newest = await this.pool.query<{ ms: number | null }>(`SELECT (extract(epoch FROM max(${quote(a.bucket)})) * 1000)::float8 AS ms FROM ${quote(stored)}`)
      const marks = a.refresh === 'marks'
        ? await this.pool.query<{ marks: number, filling: boolean }>(
          'SELECT (SELECT count(*) FROM signal_minutes_pending)::float8 AS marks, EXISTS (SELECT 1 FROM continuous_aggregate_fills WHERE view = $1) AS filling', [a.view])
        : undefined
      out.push({
        view: a.view,
        source: a.source,
        description: a.description,
        retentionDays: retention[a.kind],
        refresh: a.refresh === 'marks' ? 'marks' : { scheduleMinutes: a.refresh.scheduleMinutes },
        ...await this.hypertableRows(stored),
        bytes: await this.timescale.bytes(a.view),
        newestMs: newest.rows[0]?.ms ?? undefined,
        lastRefresh: refreshes.get(a.view),
        pendingMarks: marks?.rows[0]?.marks,
        filling: marks?.rows[0]?.filling ?? false
      })
    }
    return out
  }

  private async timescaleAggregates (): Promise<string[]> {
    if (await this.shape() !== 'timescaledb') return []
    this.aggregatesSeen ??= await this.timescale.aggregates()
    return this.aggregatesSeen
  }

  private async maintainTables (settings: RetentionSettings, nowMs: number): Promise<RetentionPass> {
    const shape = await this.shape()
    if (shape === 'partitions') {
      return { shape, policies: [], jobsRun: 0, ...await this.partitions.maintain({ retention: settings.retention, aheadDays: settings.aheadDays, nowMs }) }
    }
    const pass: RetentionPass = { shape, policies: [], jobsRun: 0, created: [], dropped: [], expiredStrays: 0, failures: [] }
    const wanted = JSON.stringify([settings.retention, settings.compressAfterDays])
    if (this.policiesSynced !== wanted) {
      pass.policies = await this.timescale.syncPolicies(settings.retention, settings.compressAfterDays)
      this.policiesSynced = wanted
    }
    if (!await this.timescale.schedulerRuns()) {
      const before = new Map(await Promise.all(this.tables.map(async (t) => [t.table, (await this.timescale.chunks(t.table)).map((c) => c.name)] as const)))
      pass.jobsRun = await this.timescale.runPolicies()
      for (const t of this.tables) {
        const after = new Set((await this.timescale.chunks(t.table)).map((c) => c.name))
        for (const name of before.get(t.table) ?? []) if (!after.has(name)) pass.dropped.push({ table: t.table, partition: name })
      }
    }
    return pass
  }

  async status (retention: Retention, nowMs = Date.now()): Promise<TableStatus[]> {
    const shape = await this.shape()
    const out: TableStatus[] = []
    for (const t of this.tables) {
      const retentionDays = retention[t.kind]
      const base = { table: t.table, description: t.description, kind: t.kind, retentionDays }
      if (shape === 'partitions') {
        const parts = await this.partitions.partitions(t.table)
        const leaves = await this.leafRows(parts.map((p) => p.name))
        const withRows = parts.filter((p) => (leaves.get(p.name)?.rows ?? 0) > 0)
        const ranged = parts.filter((p) => !p.isDefault && p.toMs !== undefined)
        const oldest = ranged[0]
        const span = await this.span(t, withRows.map((p) => ({ name: p.name, fromMs: p.fromMs, toMs: p.toMs, rows: leaves.get(p.name)?.rows ?? 0 })))
        out.push({
          ...base,
          bytes: [...leaves.values()].reduce((n, l) => n + l.bytes, 0),
          rows: [...leaves.values()].reduce((n, l) => n + l.rows, 0),
          rowsEstimated: [...leaves.values()].some((l) => l.estimated),
          parts: parts.length,
          ...span,
          compressionRatio: undefined,
          nextDrop: oldest?.toMs === undefined ? undefined : { atMs: Math.max(nowMs, oldest.toMs + retentionDays * DAY_MS), part: oldest.name },
          strayRows: leaves.get(`${t.table}_default`)?.rows ?? 0
        })
        continue
      }
      const chunks = await this.timescale.chunks(t.table)
      const leaves = await this.leafRows(chunks.map((c) => `_timescaledb_internal.${c.name}`))
      const span = await this.span(t, chunks.map((c) => ({ name: `_timescaledb_internal.${c.name}`, fromMs: c.fromMs, toMs: c.toMs, rows: c.compressed ? Infinity : leaves.get(`_timescaledb_internal.${c.name}`)?.rows ?? 0 })))
      const compression = await this.timescale.compression(t.table)
      const oldest = chunks[0]
      out.push({
        ...base,
        bytes: await this.timescale.bytes(t.table),
        // a continuous aggregate's rows as materialized (its view would compute the rest from the source)
        ...await this.hypertableRows(await this.timescale.storedIn(t.table)),
        parts: chunks.length,
        ...span,
        compressionRatio: compression === undefined ? undefined : compression.beforeBytes / compression.afterBytes,
        nextDrop: oldest === undefined ? undefined : { atMs: Math.max(nowMs, oldest.toMs + retentionDays * DAY_MS), part: oldest.name },
        strayRows: 0
      })
    }
    return out
  }

  /** Per leaf table: bytes, and rows counted when few, else the planner's estimate. */
  private async leafRows (names: string[]): Promise<Map<string, { bytes: number, rows: number, estimated: boolean }>> {
    const res = await this.pool.query<{ name: string, bytes: number, estimate: number }>(
      `SELECT n AS name, pg_total_relation_size(n::regclass)::float8 AS bytes, c.reltuples::float8 AS estimate
         FROM unnest($1::text[]) AS n JOIN pg_class c ON c.oid = n::regclass`, [names])
    const out = new Map<string, { bytes: number, rows: number, estimated: boolean }>()
    for (const r of res.rows) {
      // reltuples is -1 until the table was first vacuumed or analyzed
      if (r.estimate >= 0 && r.estimate > EXACT_LIMIT) {
        out.set(r.name, { bytes: r.bytes, rows: Math.round(r.estimate), estimated: true })
        continue
      }
      const counted = await this.pool.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${quote(r.name)}`)
      out.set(r.name, { bytes: r.bytes, rows: counted.rows[0]?.n ?? 0, estimated: false })
    }
    return out
  }

  private async hypertableRows (table: string): Promise<{ rows: number, rowsEstimated: boolean }> {
    const approx = await this.pool.query<{ n: number }>('SELECT approximate_row_count($1::regclass)::float8 AS n', [table])
    const n = approx.rows[0]?.n ?? 0
    if (n > EXACT_LIMIT) return { rows: n, rowsEstimated: true }
    const counted = await this.pool.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${quote(table)}`)
    return { rows: counted.rows[0]?.n ?? 0, rowsEstimated: false }
  }

  /**
   * The oldest and newest row: scanned in the oldest and newest parts
   * holding rows when they are small enough, else their range bounds.
   */
  private async span (t: PartitionedTable, parts: Array<{ name: string, fromMs: number | undefined, toMs: number | undefined, rows: number }>): Promise<{ oldestMs: number | undefined, newestMs: number | undefined }> {
    const filled = parts.filter((p) => p.rows > 0)
    if (filled.length === 0) return { oldestMs: undefined, newestMs: undefined }
    const exact = async (name: string): Promise<{ min: number, max: number }> => {
      const res = await this.pool.query<{ min: number, max: number }>(
        `SELECT (extract(epoch FROM min(${quote(t.column)})) * 1000)::float8 AS min, (extract(epoch FROM max(${quote(t.column)})) * 1000)::float8 AS max FROM ${quote(name)}`)
      return res.rows[0] as { min: number, max: number }
    }
    let oldestMs: number | undefined = Infinity
    let newestMs: number | undefined = -Infinity
    // the DEFAULT partition (no bounds) may hold the oldest or newest rows of all
    for (const p of [...new Set([filled[0], filled[filled.length - 1], ...filled.filter((f) => f.fromMs === undefined || f.toMs === undefined)])]) {
      if (p === undefined) continue
      if (p.rows <= EXACT_LIMIT) {
        const { min, max } = await exact(p.name)
        oldestMs = Math.min(oldestMs, min)
        newestMs = Math.max(newestMs, max)
      } else {
        if (p.fromMs !== undefined) oldestMs = Math.min(oldestMs, p.fromMs)
        if (p.toMs !== undefined) newestMs = Math.max(newestMs, p.toMs)
      }
    }
    return { oldestMs: Number.isFinite(oldestMs) ? oldestMs : undefined, newestMs: Number.isFinite(newestMs) ? newestMs : undefined }
  }
}
