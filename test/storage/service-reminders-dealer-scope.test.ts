/**
 * Service reminders and services scoped by the vehicle's own dealer, on both
 * backends: a dealer lists, dismisses and records only for its own vehicles
 * (anything else reads as unknown and is left unchanged), and a vehicle's
 * reminders follow it to a new dealer.
 */
import t from 'tap'
import { DISMISS } from '../../rules/service-reminders/model.js'
import type { ReminderCandidate } from '../../storage/service-reminders.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { openTestStorage, PLACES } from '../actions/dealer-fixtures.js'

let serial = 0
const nextVin = (): string => `WMS9${String(process.pid % 100_000).padStart(5, '0')}${String(serial++).padStart(8, '0')}`

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { serviceReminders, dealers } = storage
    await dealers.add({ id: 'nord', name: 'Nord', ...PLACES.berlin })
    await dealers.add({ id: 'sued', name: 'Süd', ...PLACES.munich })
    const vehicle = async (dealerId: string | null): Promise<{ vin: string, id: number }> => {
      const vin = nextVin()
      const id = await storage.vehicles.add({ vin }, 'scrypt$x')
      await storage.vehicles.assignDealer(vin, dealerId)
      return { vin, id }
    }
    const candidate = (vehicleId: number, ruleId: string): ReminderCandidate => ({
      vehicleId, ruleId, kind: 'due', dueAt: null, dueKm: 30_000, dueHours: null, detail: {}, suppressDismissedSince: null
    })

    t.test("reminders list by the vehicle's own dealer and follow the vehicle", async (t) => {
      const [a, b, none] = [await vehicle('nord'), await vehicle('sued'), await vehicle(null)]
      await serviceReminders.upsertReminders([candidate(a.id, 'oil'), candidate(b.id, 'oil'), candidate(none.id, 'oil')])
      const vinsOf = async (dealerId?: string): Promise<string[]> => (await serviceReminders.reminders({ dealerId })).map((r) => r.vin)
      t.same(await vinsOf('nord'), [a.vin])
      t.same(await vinsOf('sued'), [b.vin])
      t.same((await vinsOf()).sort(), [a.vin, b.vin, none.vin].sort(), 'unscoped: every vehicle, the one without a dealer too')
      await storage.vehicles.assignDealer(b.vin, 'nord')
      t.same((await vinsOf('nord')).sort(), [a.vin, b.vin].sort(), 'reassigned: its reminder moved with it')
      t.same(await vinsOf('sued'), [])
    })

    t.test("a dealer dismisses only its own vehicles' reminders", async (t) => {
      const [a, b] = [await vehicle('nord'), await vehicle('sued')]
      const changes = await serviceReminders.upsertReminders([candidate(a.id, 'fluid'), candidate(b.id, 'fluid')])
      const idOf = (vin: string): number => changes.find((c) => c.reminder.vin === vin)?.reminder.id as number
      const [mine, theirs] = [idOf(a.vin), idOf(b.vin)]
      await t.rejects(serviceReminders.closeReminder(theirs, DISMISS, 'nord desk', 'nord'),
        { code: 'PITWALL_ERR_REMINDER_UNKNOWN', message: `dealer nord has no service reminder ${theirs}` })
      t.equal((await serviceReminders.reminders({ vin: b.vin }))[0]?.state, 'open', 'left open')
      t.match(await serviceReminders.closeReminder(mine, DISMISS, 'nord desk', 'nord'), { id: mine, state: 'dismissed', closedBy: 'nord desk' })
      await t.rejects(serviceReminders.closeReminder(mine, DISMISS, 'nord desk', 'nord'), { code: 'PITWALL_ERR_REMINDER_TRANSITION' })
      t.match(await serviceReminders.closeReminder(theirs, DISMISS, 'operator'), { state: 'dismissed' }, 'unscoped: any reminder')
    })

    t.test('a dealer records services only for its own vehicles', async (t) => {
      const [a, b] = [await vehicle('nord'), await vehicle(null)]
      await serviceReminders.upsertReminders([candidate(a.id, 'oil'), candidate(b.id, 'oil')])
      const service = { time: new Date('2026-11-02T10:00:00Z'), covers: ['oil'], description: 'oil', by: 'nord desk', dealerId: 'nord' }
      await t.rejects(serviceReminders.recordService({ ...service, vin: b.vin }), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: `dealer nord has no vehicle ${b.vin}` })
      t.same(await serviceReminders.services(b.vin), [], 'nothing recorded')
      t.equal((await serviceReminders.reminders({ vin: b.vin }))[0]?.state, 'open', 'nothing closed')
      const { record, closedReminders } = await serviceReminders.recordService({ ...service, vin: a.vin })
      t.match(record, { vin: a.vin, covers: ['oil'], by: 'nord desk' })
      t.equal(closedReminders, 1)
      t.equal((await serviceReminders.recordService({ ...service, vin: b.vin, dealerId: undefined })).closedReminders, 1, 'unscoped: any vehicle')
    })
  })
}
