/**
 * The per-minute signal rollup on TimescaleDB, where migration 029 made
 * signal_minutes a continuous aggregate: TimescaleDB computes its rows, and
 * this pass decides which minutes it refreshes. The batch writer's marks
 * (migration 020, storage/rollup-marks.ts) are kept as on the other shape,
 * and history reads a marked minute from the samples (storage/telemetry.ts),
 * so history is exact whenever it is read here too.
 *
 * A chunk takes the earliest minutes that ended more than a minute ago by
 * the database's clock (as ./signal-rollup.ts does, for the same reason),
 * with every vehicle's marks in them, refreshes the aggregate over each run
 * of consecutive minutes, then deletes those marks. A refresh recomputes its
 * minutes for the whole fleet, so one chunk serves every vehicle's mark in
 * them; the windows are the marked minutes only, so a vehicle's backlog
 * from yesterday costs its minutes, not the day in between.
 *
 * A refresh cannot run in a transaction, so the marks are read before it
 * and deleted after it, by row identity (ctid and the inserting
 * transaction): a mark committed after the read is a new row and stays for
 * the next chunk, as its samples may have missed the refresh. One pass at a
 * time across every node: a session advisory lock, held across the chunk.
 *
 * First, after the migration, the aggregate is filled from the samples
 * already stored, a day at a time from the oldest (one refresh over a
 * fleet's history would hold the embedded database's one session, and
 * ingest with it, until done). Until then real-time aggregation reads what
 * is not materialized from the samples: slower, never wrong. A refresh over
 * minutes after what was filled would hide the history not filled yet, so
 * marks wait for the fill.
 */
import type pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import type { MinuteRollup, RollupPass } from './signal-rollup.js'

// the same lock as ./signal-rollup.ts: a database has one shape, and one pass
const ROLLUP_LOCK = 7_250_320
const VIEW = 'signal_minutes'
const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

// The earliest ended minutes with marks, and every mark in them. A mark is
// named by its ctid and xmin: marks are only inserted and deleted (by this
// pass, under the lock), so the pair names the row read until it is
// deleted; a row moved since (VACUUM FULL) no longer matches and stays.
const PICK = `
WITH minutes AS (
  SELECT minute FROM signal_minutes_pending WHERE minute < now() - interval '2 minutes'
  GROUP BY minute HAVING max(marked_at) <= now() - $2 * interval '1 millisecond' ORDER BY minute LIMIT $1
)
SELECT (extract(epoch FROM p.minute) * 1000)::float8 AS minute, p.ctid::text AS ctid, p.xmin::text AS xmin
FROM signal_minutes_pending p JOIN minutes USING (minute)`

const TAKE = `
DELETE FROM signal_minutes_pending
WHERE ctid = ANY ($1::text[]::tid[]) AND ctid::text || ' ' || xmin::text = ANY ($2::text[])`

// Minutes per chunk: each is refreshed for the whole fleet, so a chunk of a
// live fleet's last minutes reads what ./signal-rollup.ts reads for it.
const CHUNK_MINUTES = 30

export class SignalAggregateStore implements MinuteRollup {
  constructor (private readonly pool: pg.Pool, private readonly chunkMinutes = CHUNK_MINUTES) {}

  /** `minutes`: minutes refreshed, each for every vehicle; a minute once no vehicle's mark came for it in `quietMs` (./signal-rollup.ts). */
  async pass (stop?: AbortSignal, quietMs = 0): Promise<RollupPass> {
    const total: RollupPass = { ran: false, marks: 0, minutes: 0 }
    const client = await this.pool.connect()
    let failed: Error | undefined
    try {
      const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [ROLLUP_LOCK])
      if (locked.rows[0]?.locked !== true) return total
      try {
        total.ran = true
        if (!await this.fill(client, stop)) return total
        for (;;) {
          const started = performance.now()
          const chunk = await this.chunk(client, quietMs)
          total.marks += chunk.marks
          total.minutes += chunk.minutes
          if (chunk.minutes < this.chunkMinutes) return total
          // as long again before the next chunk, as ./signal-rollup.ts paces a backlog
          await sleep(performance.now() - started, undefined, { signal: stop }).catch(() => {})
          if (stop?.aborted === true) return total
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [ROLLUP_LOCK])
      }
    } catch (err) {
      failed = err as Error
      throw err
    } finally {
      // a connection whose unlock failed may still hold the lock: closed, not reused
      client.release(failed)
    }
  }

  /**
   * The first fill after migration 029, oldest day first; true when done.
   * Stopped between two days, the next pass goes on (a day already
   * refreshed has nothing left to do).
   */
  private async fill (client: pg.PoolClient, stop?: AbortSignal): Promise<boolean> {
    const asked = await client.query('SELECT 1 FROM continuous_aggregate_fills WHERE view = $1', [VIEW])
    if (asked.rowCount === 0) return true
    const range = await client.query<{ from_ms: number | null, to_ms: number }>(
      `SELECT (extract(epoch FROM min(range_start)) * 1000)::float8 AS from_ms,
         (extract(epoch FROM date_trunc('minute', now() - interval '2 minutes')) * 1000)::float8 AS to_ms
       FROM timescaledb_information.chunks WHERE hypertable_name = 'signal_samples'`)
    const { from_ms: fromMs, to_ms: toMs } = range.rows[0] as { from_ms: number | null, to_ms: number }
    for (let day = fromMs ?? toMs; day < toMs; day += DAY_MS) {
      if (stop?.aborted === true) return false
      await this.refresh(client, day, Math.min(day + DAY_MS, toMs))
    }
    await client.query('DELETE FROM continuous_aggregate_fills WHERE view = $1', [VIEW])
    return true
  }

  private async chunk (client: pg.PoolClient, quietMs: number): Promise<{ marks: number, minutes: number }> {
    const marks = (await client.query<{ minute: number, ctid: string, xmin: string }>(PICK, [this.chunkMinutes, quietMs])).rows
    if (marks.length === 0) return { marks: 0, minutes: 0 }
    const minutes = [...new Set(marks.map((m) => m.minute))].sort((a, b) => a - b)
    // runs of consecutive minutes, one refresh each
    let start = minutes[0] as number
    for (let i = 1; i <= minutes.length; i++) {
      const minute = minutes[i]
      if (minute === (minutes[i - 1] as number) + MINUTE_MS) continue
      await this.refresh(client, start, (minutes[i - 1] as number) + MINUTE_MS)
      if (minute !== undefined) start = minute
    }
    const taken = await client.query(TAKE, [marks.map((m) => m.ctid), marks.map((m) => `${m.ctid} ${m.xmin}`)])
    return { marks: taken.rowCount ?? 0, minutes: minutes.length }
  }

  private async refresh (client: pg.PoolClient, fromMs: number, toMs: number): Promise<void> {
    await client.query(`CALL refresh_continuous_aggregate('${VIEW}', $1::timestamptz, $2::timestamptz)`, [new Date(fromMs), new Date(toMs)])
  }
}
