/**
 * A rule's `service_reminder` action: when its fault opens, the vehicle gets
 * a service reminder (kind `fault`) naming the rule's task, due at once,
 * which its dealer sees in the inbox beside interval and trend reminders. A
 * fault that opens again while the reminder is open refreshes it; a service
 * covering the rule closes it (storage/service-reminders.ts).
 */
import type { FaultStore } from '../../storage/faults.js'
import type { ServiceReminderStore } from '../../storage/service-reminders.js'
import type { FaultActionHandler } from './processor.js'

export interface ServiceReminderHandlerDeps {
  faults: Pick<FaultStore, 'get'>
  reminders: Pick<ServiceReminderStore, 'upsertReminders'>
}

export function serviceReminderHandler (deps: ServiceReminderHandlerDeps): FaultActionHandler {
  return async (action) => {
    const fault = await deps.faults.get(action.faultId)
    // the rule may have changed since the fault opened: its action as stored with the fault decides
    if (fault.action?.type !== 'service_reminder') return { done: true, note: 'the fault\'s rule asks for no service reminder' }
    const changes = await deps.reminders.upsertReminders([{
      vehicleId: fault.vehicleId,
      ruleId: fault.ruleId,
      kind: 'fault',
      dueAt: fault.openedAt,
      dueKm: null,
      dueHours: null,
      detail: { task: fault.action.task, faultId: fault.id, severity: fault.severity },
      suppressDismissedSince: null
    }])
    return { done: true, note: changes.length === 0 ? 'reminder already open' : `reminder ${changes.map((c) => `${c.reminder.id} ${c.change}`).join(', ')}` }
  }
}
