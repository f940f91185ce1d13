/**
 * What a dealer's question and an engineer's answer must be (trimmed, not
 * empty, within their caps), and the webhook body that tells the dealer its
 * question was answered. Pure functions; ./service.ts does the I/O.
 */
import { PitwallError } from '../../runtime/errors.js'
import { ANSWER_MAX, ASSISTANCE_ANSWERED_EVENT, ASSISTANCE_SCHEMA, CASE_ID_MAX, QUESTION_MAX, type AssistanceRequest } from './model.js'

function text (value: string, field: string, max: number, hint: string): string {
  const trimmed = value.trim()
  if (trimmed === '') throw new PitwallError('PITWALL_ERR_ASSISTANCE_INVALID', `${field} is empty: ${hint}`)
  if (trimmed.length > max) throw new PitwallError('PITWALL_ERR_ASSISTANCE_INVALID', `${field} has ${trimmed.length} characters; at most ${max}`)
  return trimmed
}

export function checkQuestion (question: string): string {
  return text(question, 'question', QUESTION_MAX, 'say what the workshop found and what it needs to know')
}

export function checkAnswer (answer: string): string {
  return text(answer, 'answer', ANSWER_MAX, 'an answer tells the workshop what to do')
}

/** A case id as the case base names them; whether it exists is the store's to say. */
export function checkCaseId (caseId: string): string {
  return text(caseId, 'caseId', CASE_ID_MAX, 'name the case, e.g. case-cooling-fan')
}

/** The signed webhook's body when an engineer answered (schema pitwall.assistance/1). */
export function answeredBody (request: AssistanceRequest): string {
  return JSON.stringify({
    schema: ASSISTANCE_SCHEMA,
    event: ASSISTANCE_ANSWERED_EVENT,
    alert: { id: request.alertId, dealerId: request.dealerId },
    assistance: request
  })
}
