/**
 * The outbox between faults and actions (table fault_actions, filled by the
 * fault writer in the statement that opens the fault). Each pending action is
 * claimed with a lease: a gateway that stops while handling one leaves it to
 * be claimed again when the lease runs out, so every action is handled at
 * least once; handlers are idempotent (one command per fault, one alert per
 * fault and dealer).
 */
import type pg from 'pg'

export type FaultActionKind = 'remote_fix' | 'dealer_prestage' | 'rescue' | 'service_reminder'

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

/** A fault action as the domain's record. */
const COLUMNS = `id, fault_id AS "faultId", kind, created_at AS "createdAt", attempts, last_error AS "lastError", done_at AS "doneAt"`

export class FaultActionStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Up to `limit` due actions, oldest first, each leased for `leaseMs`. */
  async claim (limit: number, leaseMs: number): Promise<FaultAction[]> {
    const res = await this.pool.query<FaultAction>(
      `UPDATE fault_actions SET attempts = attempts + 1, next_attempt_at = now() + $2 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM fault_actions WHERE done_at IS NULL AND next_attempt_at <= now()
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`, [limit, leaseMs])
    return res.rows.sort((a, b) => a.id - b.id)
  }

  /** Handled; `outcome` (e.g. why nothing was sent) is kept in last_error's place when given. */
  async complete (id: number, outcome?: string): Promise<void> {
    await this.pool.query('UPDATE fault_actions SET done_at = now(), last_error = $2 WHERE id = $1', [id, outcome ?? null])
  }

  /** Not handled now: again after `delayMs`, with the reason kept. */
  /** `counted: false` gives back the attempt its claim took (a wait, not a failure). */
  async retry (id: number, delayMs: number, reason: string, options: { counted?: false } = {}): Promise<void> {
    await this.pool.query(`UPDATE fault_actions SET next_attempt_at = now() + $2 * interval '1 millisecond', last_error = $3,
       attempts = attempts - CASE WHEN $4 THEN 1 ELSE 0 END WHERE id = $1`, [id, delayMs, reason, options.counted === false])
  }

  /** Actions of one fault, or those still pending (none given). */
  async list (query: { faultId?: number, pending?: boolean, limit?: number } = {}): Promise<FaultAction[]> {
    const res = await this.pool.query<FaultAction>(
      `SELECT ${COLUMNS} FROM fault_actions
       WHERE ($1::bigint IS NULL OR fault_id = $1) AND (NOT $2 OR done_at IS NULL) ORDER BY id DESC LIMIT $3`,
      [query.faultId ?? null, query.pending === true, query.limit ?? 100])
    return res.rows
  }
}
