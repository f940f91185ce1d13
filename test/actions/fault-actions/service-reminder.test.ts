/**
 * A rule's `service_reminder` action on both backends: its fault opening
 * puts the action in the outbox, and the handler gives the vehicle a
 * reminder of kind `fault` naming the task, once, which a service covering
 * the rule closes. A fault whose rule asks for something else gets none.
 */
import t from 'tap'
import { serviceReminderHandler } from '../../../actions/fault-actions/service-reminder.js'
import { openTestStorage, seedFault } from '../dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../../helpers/backends.js'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const handle = serviceReminderHandler({ faults: storage.faults, reminders: storage.serviceReminders })

    const fault = await seedFault(storage, { action: { type: 'service_reminder', task: 'replace the thermostat' } })
    const [action] = await storage.faultActions.claim(10, 60_000)
    t.match(action, { faultId: fault.faultId, kind: 'service_reminder' }, 'the fault\'s opening put the action in the outbox')
    t.match(await handle(action as NonNullable<typeof action>), { done: true, note: /opened/ })
    const reminders = await storage.serviceReminders.reminders({ vin: fault.vin })
    t.equal(reminders.length, 1)
    t.match(reminders[0], { kind: 'fault', state: 'open', detail: { task: 'replace the thermostat', faultId: fault.faultId } })
    t.match(await handle(action as NonNullable<typeof action>), { done: true, note: 'reminder already open' }, 'taken twice: still one reminder')
    t.equal((await storage.serviceReminders.reminders({ vin: fault.vin })).length, 1)

    const rule = reminders[0]?.ruleId as string
    const { closedReminders } = await storage.serviceReminders.recordService({ vin: fault.vin, time: new Date(), covers: [rule], description: 'thermostat replaced', by: 'dealer' })
    t.equal(closedReminders, 1, 'a service covering the rule closes it')

    const other = await seedFault(storage, { action: { type: 'rescue' } })
    t.same(await handle({ ...(action as NonNullable<typeof action>), faultId: other.faultId }), { done: true, note: 'the fault\'s rule asks for no service reminder' })
  })
}
