/**
 * A rule's dealer alert, from the fault-action outbox: a pre-staging alert
 * (`dealer_prestage`) or a rescue request (`rescue`) raised for the fault,
 * and its webhooks sent at once. A fault that gets no alert now is closed or
 * retried as the refusal says (./policy.ts refusalOutcome): a vehicle still
 * moving is checked again each minute until the outbox gives up.
 */
import type { FaultActionHandler } from '../fault-actions/processor.js'
import type { DealerAlertKind } from './model.js'
import { DealerAlertError, refusalOutcome } from './policy.js'
import type { DealerAlertService } from './service.js'

export interface DealerAlertHandlerDeps {
  alerts: Pick<DealerAlertService, 'raiseForFault'>
  /** alerts were stored with their webhook deliveries: send them */
  raised: () => void
}

export function dealerAlertHandler (deps: DealerAlertHandlerDeps, kind: DealerAlertKind): FaultActionHandler {
  return async (action) => {
    try {
      const alerts = await deps.alerts.raiseForFault(action.faultId, kind)
      deps.raised()
      return { done: true, note: alerts.map((a) => `alert ${a.id} to ${a.dealerId}`).join(', ') }
    } catch (err) {
      // anything else thrown is retried on the outbox's backoff
      const outcome = err instanceof DealerAlertError ? refusalOutcome(err) : undefined
      if (outcome === undefined) throw err
      return outcome
    }
  }
}
