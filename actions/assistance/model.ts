/**
 * Technical assistance as data: a dealer's question to the manufacturer's
 * engineers about one of its own alerts, and their answer, kept with the
 * alert and linkable to the case that holds the fix. ./policy.ts checks the
 * texts; storage/assistance.ts stores them.
 */

/** open: waiting for an engineer; answered: the answer is kept (an answer is given once) */
export const ASSISTANCE_STATES = ['open', 'answered'] as const
export type AssistanceState = typeof ASSISTANCE_STATES[number]

export interface AssistanceRequest {
  id: number
  alertId: number
  dealerId: string
  vin: string
  alertKind: string
  /** the alert's fault; null for a call centre's rescue request */
  faultId: number | null
  /** what the alert is about, for a queue: the rule's name, or the rescue's description */
  subject: string
  question: string
  askedBy: string
  askedAt: Date
  state: AssistanceState
  answer: string | null
  answeredBy: string | null
  answeredAt: Date | null
  /** the case the engineers point to; null: none linked */
  caseId: string | null
  updatedAt: Date
}

/** The webhook the dealer gets when its question is answered, through the alerts' signed outbox. */
export const ASSISTANCE_ANSWERED_EVENT = 'assistance_request.answered'
export const ASSISTANCE_SCHEMA = 'pitwall.assistance/1'

// ---- limits ----------------------------------------------------------------------

export const QUESTION_MAX = 4000
export const ANSWER_MAX = 8000
/** Questions one alert may hold: a conversation, not a channel a script can fill the database through. */
export const PER_ALERT_MAX = 20
export const CASE_ID_MAX = 200
export const PAGE_DEFAULT = 100
export const PAGE_MAX = 500
