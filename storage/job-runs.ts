/**
 * Periodic jobs that run once per interval across the cluster: every node
 * keeps its timer, and a pass first claims the job's run; a node whose claim
 * finds a run started within the interval by any node (itself included)
 * skips its pass. One guarded upsert: two nodes claiming at once serialize
 * on the job's row, and the second sees the first's start.
 */
import type pg from 'pg'

/**
 * How much of the interval must have passed since the last start: timers on
 * several nodes (and one node's own next tick) drift by milliseconds, and a
 * node's own pass that came 1 ms early would otherwise skip a whole interval.
 */
const DUE_SHARE = 0.9

export class JobRuns {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * Claims a run of `job` for `node` when no node started one within the
   * last `everyMs` (less DUE_SHARE's slack); true: this node runs it now.
   */
  async claim (job: string, everyMs: number, node: string): Promise<boolean> {
    const res = await this.pool.query(
      `INSERT INTO job_runs (job, started_at, node) VALUES ($1, now(), $3)
       ON CONFLICT (job) DO UPDATE SET started_at = now(), node = excluded.node
         WHERE job_runs.started_at <= now() - $2 * interval '1 millisecond'
       RETURNING job`, [job, everyMs * DUE_SHARE, node])
    return res.rowCount === 1
  }
}
