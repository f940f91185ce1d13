/**
 * The outbox between faults and actions (table fault_actions, filled by the
 * fault writer in the statement that opens the fault). Each pending action is
 * claimed with a lease: a gateway that stops while handling one leaves it to
 * be claimed again when the lease runs out, so every action is handled at
 * least once; handlers are idempotent (one command per fault, one alert per
 * fault and dealer).
 */
import type pg from 'pg'

export type FaultActionKind = 'remote_fix' | 'dealer_prestage' | 'rescue'

export interface FaultAction {
  id: number
  faultId: number
  kind: FaultActionKind
  createdAt: Date
  /** claims so far, this one included */
  attempts: number
  lastError: string | null
  doneAt: Date | null
}

interface Row {
  id: string
  fault_id: string
  kind: FaultActionKind
  created_at: Date
  attempts: number
  last_error: string | null
  done_at: Date | null
}

function action (r: Row): FaultAction {
  return { id: Number(r.id), faultId: Number(r.fault_id), kind: r.kind, createdAt: r.created_at, attempts: r.attempts, lastError: r.last_error, doneAt: r.done_at }
}

export class FaultActionStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Up to `limit` due actions, oldest first, each leased for `leaseMs`. */
  async claim (limit: number, leaseMs: number): Promise<FaultAction[]> {
    const res = await this.pool.query<Row>(
      `UPDATE fault_actions SET attempts = attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM fault_actions WHERE done_at IS NULL AND next_attempt_at <= now()
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, fault_id, kind, created_at, attempts, last_error, done_at`, [limit, leaseMs])
    return res.rows.map(action).sort((a, b) => a.id - b.id)
  }

  /** Handled; `outcome` (e.g. why nothing was sent) is kept in last_error's place when given. */
  async complete (id: number, outcome?: string): Promise<void> {
    await this.pool.query('UPDATE fault_actions SET done_at = now(), last_error = $2 WHERE id = $1', [id, outcome ?? null])
  }

  /** Not handled now: again after `delayMs`, with the reason kept. */
  async retry (id: number, delayMs: number, reason: string): Promise<void> {
    await this.pool.query(`UPDATE fault_actions SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3 WHERE id = $1`, [id, delayMs, reason])
  }

  /** Actions of one fault, or those still pending (none given). */
  async list (query: { faultId?: number, pending?: boolean, limit?: number } = {}): Promise<FaultAction[]> {
    const res = await this.pool.query<Row>(
      `SELECT id, fault_id, kind, created_at, attempts, last_error, done_at FROM fault_actions
       WHERE ($1::bigint IS NULL OR fault_id = $1) AND (NOT $2 OR done_at IS NULL) ORDER BY id DESC LIMIT $3`,
      [query.faultId ?? null, query.pending === true, query.limit ?? 100])
    return res.rows.map(action)
  }
}
