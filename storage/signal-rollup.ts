/**
 * The per-minute signal rollup (migration 020): a pass takes the marks the
 * batch writer left and recomputes each marked vehicle, signal and minute
 * from its samples (one index range each). Recomputing rather than adding
 * makes a pass idempotent, so a mark taken twice only costs the read.
 *
 * A pass takes the marks of minutes that ended more than a minute ago by
 * the database's clock: a minute still filling would be read again at every
 * pass, and the writer leaves no new mark while its own for the current
 * minute stands (storage/rollup-marks.ts). Until then reads take those
 * minutes from the samples. It takes them in chunks of vehicle-minutes,
 * each its own short transaction, so neither ingest nor, on the embedded
 * database, every other connection waits on one long pass.
 *
 * One pass at a time across every node on the database: a chunk that cannot
 * take the advisory lock leaves the marks to the node that holds it.
 */
import type pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { inTransaction } from './transaction.js'

// Arbitrary, fixed: the advisory lock key of the rollup pass.
const ROLLUP_LOCK = 7_250_320

export interface RollupPass {
  /** false: another node's pass held the lock; nothing was done */
  ran: boolean
  /** marks taken (one per stored batch and minute) */
  marks: number
  /** vehicle, signal and minute rows recomputed; on TimescaleDB minutes refreshed (./signal-aggregate.ts) */
  minutes: number
}

/** The per-minute rollup's pass, whichever shape keeps it: this table's, or TimescaleDB's continuous aggregate (./signal-aggregate.ts). */
export interface MinuteRollup {
  /**
   * Until the marks of ended minutes are all taken, another node holds the
   * lock, or `stop` is aborted. A minute is taken once no mark came for it
   * in `quietMs` (see QUIET below); 0: whenever it has ended.
   */
  pass: (stop?: AbortSignal, quietMs?: number) => Promise<RollupPass>
}

// QUIET: a minute that ended by the clock may still be filling when its data
// is old (a T-box sending what it buffered, or a clock behind): each of its
// batches leaves a mark, and a pass taking it at once would recompute it
// again at every chunk while it fills. So a vehicle's minute is taken once
// its newest mark is `quietMs` old (by the database's clock, as marked_at,
// migration 032). Until then reads take it from the samples, exactly.
//
// Marks are deleted as they are read, in the pass's transaction: a mark
// committed after the pass's snapshot is not seen, so it is neither deleted
// nor lost. A minute whose samples are all gone (a retention drop) loses its
// row too. Rows go in key order so that the upsert's locks cannot deadlock
// with another writer of the same rows.
const CHUNK = `
WITH pick AS (
  SELECT vehicle_id, minute FROM signal_minutes_pending WHERE minute < now() - interval '2 minutes'
  GROUP BY vehicle_id, minute HAVING max(marked_at) <= now() - $2 * interval '1 millisecond' LIMIT $1
), taken AS (
  DELETE FROM signal_minutes_pending p USING pick
  WHERE p.vehicle_id = pick.vehicle_id AND p.minute = pick.minute
  RETURNING p.vehicle_id, p.minute, p.signal_ids
), keys AS (
  SELECT DISTINCT t.vehicle_id, s.signal_id, t.minute FROM taken t CROSS JOIN LATERAL unnest(t.signal_ids) AS s(signal_id)
), fresh AS (
  SELECT k.vehicle_id, k.signal_id, k.minute, a.min, a.max, a.sum, a.count FROM keys k
  CROSS JOIN LATERAL (
    SELECT min(s.value) AS min, max(s.value) AS max, sum(s.value) AS sum, count(*)::int AS count FROM signal_samples s
    WHERE s.vehicle_id = k.vehicle_id AND s.signal_id = k.signal_id AND s.time >= k.minute AND s.time < k.minute + interval '1 minute'
  ) a
), gone AS (
  DELETE FROM signal_minutes m USING fresh f
  WHERE f.count = 0 AND m.vehicle_id = f.vehicle_id AND m.signal_id = f.signal_id AND m.minute = f.minute
), written AS (
  INSERT INTO signal_minutes AS m (vehicle_id, signal_id, minute, min, max, sum, count)
  SELECT vehicle_id, signal_id, minute, min, max, sum, count FROM fresh WHERE count > 0
  ORDER BY vehicle_id, signal_id, minute
  ON CONFLICT (vehicle_id, signal_id, minute) DO UPDATE
    SET min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count
  RETURNING 1
)
SELECT (SELECT count(*) FROM pick)::int AS picked, (SELECT count(*) FROM taken)::int AS marks, (SELECT count(*) FROM written)::int AS minutes`

// Vehicle-minutes per chunk, each with every mark it has: ~1,200 samples to
// read for a demo vehicle sending a batch a second, so a chunk reads a few
// hundred thousand at most (tens of milliseconds). A vehicle-minute is read
// once however many marks it has: a T-box sending what it buffered, or one
// whose clock is behind, marks every batch (the writer's memory covers the
// current minute only), and taking marks one by one recomputed the same
// minute in chunk after chunk (the API bench's ingest: database CPU 67 % →
// 93 % at a lower rate).
const CHUNK_MINUTES = 200

export class SignalRollupStore implements MinuteRollup {
  constructor (private readonly pool: pg.Pool, private readonly chunkMinutes = CHUNK_MINUTES) {}

  /** Chunks until the marks of ended minutes are all taken, another node holds the lock, or `stop` is aborted. */
  async pass (stop?: AbortSignal, quietMs = 0): Promise<RollupPass> {
    const total: RollupPass = { ran: false, marks: 0, minutes: 0 }
    for (;;) {
      const started = performance.now()
      const chunk = await inTransaction(this.pool, async (client) => {
        const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [ROLLUP_LOCK])
        if (locked.rows[0]?.locked !== true) return undefined
        return (await client.query<{ picked: number, marks: number, minutes: number }>(CHUNK, [this.chunkMinutes, quietMs])).rows[0] as { picked: number, marks: number, minutes: number }
        // COMMIT returns before the WAL is on disk: a commit a crash takes back only leaves its marks
        // in place, and the next pass recomputes those minutes (nothing in memory counts them as done).
        // A later synchronous commit flushes it with its own.
      }, { local: { synchronous_commit: 'off' } })
      if (chunk === undefined) return total
      total.ran = true
      total.marks += chunk.marks
      total.minutes += chunk.minutes
      if (chunk.picked < this.chunkMinutes) return total
      // as long again before the next chunk: a backlog (after a restart, or
      // a fleet's minute ending at once) is worked off at half of one core
      // of the database at most, beside ingest rather than ahead of it
      await sleep(performance.now() - started, undefined, { signal: stop }).catch(() => {})
      if (stop?.aborted === true) return total
    }
  }
}
