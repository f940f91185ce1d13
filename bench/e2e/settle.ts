/**
 * Waits until Pitwall has done what the last step left it: the decoded rows
 * of the batches it acknowledged (the projector's queue, off the PUBACK
 * path) and, when asked, the rollup's minutes that step filled. A step that
 * overloads the gateway leaves thousands of batches to project, and the
 * runs after it measured that catching up (seen: 12,130 batches queued when
 * a half-load run began after the search's last, overloaded step; its p99
 * 101 ms against 13-24 ms for the same load from rest). Raw aedes and
 * Mosquitto keep nothing after the PUBACK, so they need no wait.
 */
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import type { PitwallProcess } from './targets.js'
import { PROJECTION_PENDING } from './throughput-steps.js'

const POLL_MS = 250
/** a step's projection: the overloaded search steps leave up to ~12,000 batches, written in seconds at rest */
const SETTLE_MS = 30_000
/** and the rollup's minutes: up to two pass intervals (20 s each by default) after the last batch */
const SETTLE_ROLLUP_MS = 60_000

export interface Settled {
  /** how long it took */
  ms: number
  /** false: still busy when `maxMs` ran out (the run goes on, said in the log) */
  done: boolean
}

/**
 * Until the projector's queue is empty and, with `rollup`, no mark of an
 * ended minute waits (the rollup takes a minute once its marks are one
 * pass interval old: up to two intervals), or `maxMs` has passed.
 */
async function pitwallSettled (pitwall: Pick<PitwallProcess, 'metrics'>, databaseUrl: string, options: { rollup: boolean, maxMs: number }): Promise<Settled> {
  const started = performance.now()
  const db = options.rollup ? new pg.Client({ connectionString: databaseUrl }) : undefined
  await db?.connect()
  try {
    for (;;) {
      const queued = (await pitwall.metrics())[PROJECTION_PENDING] ?? 0
      const marks = queued > 0 || db === undefined
        ? 0
        : Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM signal_minutes_pending WHERE minute < now() - interval '2 minutes'")).rows[0]?.n ?? 0)
      const ms = Math.round(performance.now() - started)
      if (queued === 0 && marks === 0) return { ms, done: true }
      if (ms >= options.maxMs) return { ms, done: false }
      await sleep(POLL_MS)
    }
  } finally {
    await db?.end()
  }
}

/** The wait for a gateway on `databaseUrl`, bounded by SETTLE_MS, or SETTLE_ROLLUP_MS with the rollup (a Target's `settle`). */
export function settlerFor (pitwall: Pick<PitwallProcess, 'metrics'>, databaseUrl: string): (rollup: boolean) => Promise<Settled> {
  return async (rollup) => await pitwallSettled(pitwall, databaseUrl, { rollup, maxMs: rollup ? SETTLE_ROLLUP_MS : SETTLE_MS })
}
