/**
 * Assistance requests in storage: a dealer's questions on its own alerts
 * (the alert's dealer is an argument of every dealer-scoped query, so
 * another dealer's alert or question reads as not found), the engineers'
 * queue, and the answer, given once with a guarded update and announced to
 * the dealer through the webhook outbox in the same transaction.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { ASSISTANCE_ANSWERED_EVENT, PAGE_DEFAULT, PER_ALERT_MAX, type AssistanceRequest, type AssistanceState } from '../actions/assistance/model.js'
import { PitwallError } from '../runtime/errors.js'
import { inTransaction } from './transaction.js'

/** AssistanceRequest, from assistance_requests s JOIN dealer_alerts a JOIN vehicles v */
const COLUMNS = `s.id, s.alert_id AS "alertId", s.dealer_id AS "dealerId", v.vin, a.kind AS "alertKind", a.fault_id AS "faultId",
  coalesce(a.payload->'fault'->>'ruleName', a.payload->'fault'->>'ruleId', a.payload->'rescue'->>'description', 'alert ' || a.id) AS subject,
  s.question, s.asked_by AS "askedBy", s.asked_at AS "askedAt", s.state, s.answer, s.answered_by AS "answeredBy", s.answered_at AS "answeredAt",
  s.case_id AS "caseId", s.updated_at AS "updatedAt"`
const FROM = 'assistance_requests s JOIN dealer_alerts a ON a.id = s.alert_id JOIN vehicles v ON v.id = a.vehicle_id'

export interface AssistanceQuery {
  state?: AssistanceState | undefined
  /** only this dealer's */
  dealerId?: string | undefined
  /** older than this id (paging); newest first */
  beforeId?: number | undefined
  /** default PAGE_DEFAULT */
  limit?: number | undefined
}

export class AssistanceStore {
  constructor (private readonly pool: pg.Pool) {}

  /** A question on dealer `dealerId`'s alert: another dealer's alert is not found; past PER_ALERT_MAX on one alert, refused. */
  async ask (dealerId: string, alertId: number, question: string, by: string): Promise<AssistanceRequest> {
    return await inTransaction(this.pool, async (client) => {
      // the alert's row lock serializes askers of one alert, so the cap holds
      const alert = await client.query('SELECT id FROM dealer_alerts WHERE id = $1 AND dealer_id = $2 FOR NO KEY UPDATE', [alertId, dealerId])
      if (alert.rowCount !== 1) throw unknownAlert(dealerId, alertId)
      const asked = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM assistance_requests WHERE alert_id = $1', [alertId])
      if ((asked.rows[0]?.n ?? 0) >= PER_ALERT_MAX) {
        throw new PitwallError('PITWALL_ERR_ASSISTANCE_LIMIT', `alert ${alertId} holds ${PER_ALERT_MAX} assistance requests, as many as one alert may; continue in one of them or call the engineers`)
      }
      const res = await client.query<AssistanceRequest>(
        `WITH s AS (INSERT INTO assistance_requests (alert_id, dealer_id, question, asked_by) VALUES ($1, $2, $3, $4) RETURNING *)
         SELECT ${COLUMNS} FROM s JOIN dealer_alerts a ON a.id = s.alert_id JOIN vehicles v ON v.id = a.vehicle_id`,
        [alertId, dealerId, question, by])
      return res.rows[0] as AssistanceRequest
    })
  }

  /** Newest first. */
  async list (query: AssistanceQuery = {}): Promise<AssistanceRequest[]> {
    const res = await this.pool.query<AssistanceRequest>(
      `SELECT ${COLUMNS} FROM ${FROM}
       WHERE ($1::text IS NULL OR s.state = $1) AND ($2::text IS NULL OR s.dealer_id = $2) AND ($3::bigint IS NULL OR s.id < $3)
       ORDER BY s.id DESC LIMIT $4`,
      [query.state ?? null, query.dealerId ?? null, query.beforeId ?? null, query.limit ?? PAGE_DEFAULT])
    return res.rows
  }

  /** The questions on one alert, oldest first; with `dealerId`, only on that dealer's alert (another's is not found). */
  async forAlert (alertId: number, dealerId?: string): Promise<AssistanceRequest[]> {
    const alert = await this.pool.query('SELECT 1 FROM dealer_alerts WHERE id = $1 AND ($2::text IS NULL OR dealer_id = $2)', [alertId, dealerId ?? null])
    if (alert.rowCount !== 1) throw unknownAlert(dealerId, alertId)
    const res = await this.pool.query<AssistanceRequest>(`SELECT ${COLUMNS} FROM ${FROM} WHERE s.alert_id = $1 ORDER BY s.id`, [alertId])
    return res.rows
  }

  async get (id: number, dealerId?: string): Promise<AssistanceRequest> {
    const res = await this.pool.query<AssistanceRequest>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE s.id = $1 AND ($2::text IS NULL OR s.dealer_id = $2)`, [id, dealerId ?? null])
    const found = res.rows[0]
    if (found === undefined) throw unknownRequest(id, dealerId)
    return found
  }

  /**
   * The engineers' answer, once (an answered request refuses another), with
   * the case it points to (which must exist), and the dealer's webhook
   * (`body` of the answered request) where it has a URL, in one transaction.
   */
  async answer (id: number, answer: string, by: string, caseId: string | null, body: (answered: AssistanceRequest) => string): Promise<AssistanceRequest> {
    return await inTransaction(this.pool, async (client) => {
      if (caseId !== null) await caseMustExist(client, caseId)
      const res = await client.query<AssistanceRequest>(
        `WITH s AS (
           UPDATE assistance_requests SET state = 'answered', answer = $2, answered_by = $3, answered_at = now(), case_id = coalesce($4, case_id), updated_at = now()
           WHERE id = $1 AND state = 'open' RETURNING *
         )
         SELECT ${COLUMNS} FROM s JOIN dealer_alerts a ON a.id = s.alert_id JOIN vehicles v ON v.id = a.vehicle_id`,
        [id, answer, by, caseId])
      const answered = res.rows[0]
      if (answered === undefined) {
        const prior = await client.query<{ answeredBy: string, answeredAt: Date }>('SELECT answered_by AS "answeredBy", answered_at AS "answeredAt" FROM assistance_requests WHERE id = $1', [id])
        const was = prior.rows[0]
        if (was === undefined) throw unknownRequest(id, undefined)
        throw new PitwallError('PITWALL_ERR_ASSISTANCE_TRANSITION', `assistance request ${id} was answered already by ${was.answeredBy} at ${was.answeredAt.toISOString()}; an answer is given once (link a case to add to it)`)
      }
      const hook = await client.query('SELECT 1 FROM dealers WHERE id = $1 AND webhook_url IS NOT NULL', [answered.dealerId])
      if (hook.rowCount === 1) {
        await client.query('INSERT INTO webhook_deliveries (alert_id, dealer_id, idempotency_key, event, body) VALUES ($1, $2, $3, $4, $5)',
          [answered.alertId, answered.dealerId, randomUUID(), ASSISTANCE_ANSWERED_EVENT, body(answered)])
      }
      return answered
    })
  }

  /** Points an open or answered request to a case (which must exist), replacing the one linked before. */
  async linkCase (id: number, caseId: string): Promise<AssistanceRequest> {
    return await inTransaction(this.pool, async (client) => {
      await caseMustExist(client, caseId)
      const res = await client.query<AssistanceRequest>(
        `WITH s AS (UPDATE assistance_requests SET case_id = $2, updated_at = now() WHERE id = $1 RETURNING *)
         SELECT ${COLUMNS} FROM s JOIN dealer_alerts a ON a.id = s.alert_id JOIN vehicles v ON v.id = a.vehicle_id`, [id, caseId])
      const linked = res.rows[0]
      if (linked === undefined) throw unknownRequest(id, undefined)
      return linked
    })
  }
}

async function caseMustExist (client: pg.PoolClient, caseId: string): Promise<void> {
  // KEY SHARE: the case cannot be deleted between this check and the link
  const found = await client.query('SELECT 1 FROM cases WHERE id = $1 FOR KEY SHARE', [caseId])
  if (found.rowCount !== 1) throw new PitwallError('PITWALL_ERR_CASE_UNKNOWN', `no case ${caseId} to link (pitwall cases list shows them)`)
}

function unknownAlert (dealerId: string | undefined, alertId: number): PitwallError {
  return new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', dealerId === undefined ? `no alert ${alertId}` : `dealer ${dealerId} has no alert ${alertId}`)
}

function unknownRequest (id: number, dealerId: string | undefined): PitwallError {
  return new PitwallError('PITWALL_ERR_ASSISTANCE_UNKNOWN', dealerId === undefined ? `no assistance request ${id}` : `dealer ${dealerId} has no assistance request ${id}`)
}
