/**
 * Technical assistance on an alert, as the API and the CLI use it: a dealer
 * asks about its own alert, an engineer answers once (the dealer's webhook
 * says so) and may link the case that holds the fix, then or later.
 */
import type { AssistanceStore } from '../../storage/assistance.js'
import type { ActionLog } from '../log.js'
import type { AssistanceRequest } from './model.js'
import { answeredBody, checkAnswer, checkCaseId, checkQuestion } from './policy.js'

export class AssistanceService {
  constructor (private readonly store: AssistanceStore, private readonly log: Pick<ActionLog, 'info'>) {}

  async ask (dealerId: string, alertId: number, question: string, by: string): Promise<AssistanceRequest> {
    const asked = await this.store.ask(dealerId, alertId, checkQuestion(question), by)
    this.log.info({ assistance: asked.id, alert: alertId, dealer: dealerId, vin: asked.vin }, 'technical assistance asked')
    return asked
  }

  async answer (id: number, answer: string, by: string, caseId?: string): Promise<AssistanceRequest> {
    const answered = await this.store.answer(id, checkAnswer(answer), by, caseId === undefined ? null : checkCaseId(caseId), answeredBody)
    this.log.info({ assistance: id, alert: answered.alertId, dealer: answered.dealerId, case: answered.caseId }, 'technical assistance answered')
    return answered
  }

  async linkCase (id: number, caseId: string): Promise<AssistanceRequest> {
    return await this.store.linkCase(id, checkCaseId(caseId))
  }
}
