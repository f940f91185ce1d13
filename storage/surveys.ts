/**
 * Customer survey answers, one per dealer alert (migration 026), for the
 * CSI and NPS KPIs (storage/kpis.ts). Answers arrive checked
 * (actions/kpis/policy.ts surveyAnswer); what recording one means against
 * the alert's status and an answer already stored is decided there too
 * (surveyOutcome), from what the one statement here found.
 *
 * Scoped like the inbox: with a dealer id, another dealer's alert reads as
 * not found.
 */
import type pg from 'pg'
import { SURVEYED_STATUSES, type SurveyAnswer, type SurveyAttempt, type ValidSurvey } from '../actions/kpis/model.js'
import { PitwallError } from '../runtime/errors.js'

/** A SurveyAnswer from the table (or row set) `s`. */
const SURVEY_COLUMNS = (s: string): string => `${s}.alert_id AS "alertId", ${s}.csi, ${s}.recommend, ${s}.comment, ${s}.answered_at AS "answeredAt",
  ${s}.recorded_by AS "recordedBy", ${s}.recorded_at AS "recordedAt"`

// jsonb turns times into text; the answer read back as a SurveyAnswer
const answerOf = (row: Record<string, unknown> | null): SurveyAnswer | null => row === null
  ? null
  : {
      alertId: Number(row.alertId),
      csi: row.csi as number | null,
      recommend: row.recommend as number | null,
      comment: row.comment as string | null,
      answeredAt: new Date(row.answeredAt as string),
      recordedBy: row.recordedBy as string,
      recordedAt: new Date(row.recordedAt as string)
    }

export class SurveyStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * Inserts the answer when the alert (the dealer's, when one is given) is
   * repaired or closed and has none yet, in one statement; says what it
   * found either way. The answer before this statement, and the one it
   * inserted, come back as they are stored.
   */
  async record (alertId: number, answer: ValidSurvey, dealerId: string | null): Promise<SurveyAttempt> {
    const res = await this.pool.query<{ status: string | null, inserted: Record<string, unknown> | null, prior: Record<string, unknown> | null }>(
      `WITH a AS (
         SELECT id, status FROM dealer_alerts WHERE id = $1 AND ($2::text IS NULL OR dealer_id = $2)
       ), ins AS (
         INSERT INTO alert_surveys (alert_id, csi, recommend, comment, answered_at, recorded_by)
         SELECT a.id, $3, $4, $5, $6, $7 FROM a WHERE a.status = ANY ($8::text[])
         ON CONFLICT (alert_id) DO NOTHING
         RETURNING ${SURVEY_COLUMNS('alert_surveys')}
       )
       SELECT (SELECT status FROM a) AS status,
         (SELECT to_jsonb(ins) FROM ins) AS inserted,
         (SELECT to_jsonb(p) FROM (SELECT ${SURVEY_COLUMNS('s')} FROM alert_surveys s JOIN a ON a.id = s.alert_id) p) AS prior`,
      [alertId, dealerId, answer.csi, answer.recommend, answer.comment, answer.answeredAt, answer.recordedBy, SURVEYED_STATUSES])
    const row = res.rows[0]
    return { alertId, status: row?.status ?? null, inserted: answerOf(row?.inserted ?? null), prior: answerOf(row?.prior ?? null) }
  }

  /** The alert's answer; 404 PITWALL_ERR_DEALER_ALERT_UNKNOWN for no such alert (of the dealer), PITWALL_ERR_SURVEY_UNKNOWN for none yet. */
  async get (alertId: number, dealerId: string | null): Promise<SurveyAnswer> {
    const res = await this.pool.query<{ known: boolean } & Partial<SurveyAnswer>>(
      `SELECT true AS known, ${SURVEY_COLUMNS('s')} FROM dealer_alerts a LEFT JOIN alert_surveys s ON s.alert_id = a.id
       WHERE a.id = $1 AND ($2::text IS NULL OR a.dealer_id = $2)`, [alertId, dealerId])
    const row = res.rows[0]
    if (row === undefined) throw unknownAlert(alertId, dealerId)
    if (row.alertId === null) throw new PitwallError('PITWALL_ERR_SURVEY_UNKNOWN', `alert ${alertId} has no survey answer yet`)
    const { known: _known, ...answer } = row
    return { ...answer, alertId: Number(answer.alertId) } as SurveyAnswer
  }
}

/** As the inbox says it (storage/dealer-alerts.ts): another dealer's alert does not exist for this one. */
export function unknownAlert (alertId: number, dealerId: string | null): PitwallError {
  return new PitwallError('PITWALL_ERR_DEALER_ALERT_UNKNOWN', dealerId === null ? `no alert ${alertId}` : `dealer ${dealerId} has no alert ${alertId}`)
}
