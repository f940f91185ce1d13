/**
 * Service reminders in storage, on both backends: daily aggregates of
 * stored samples (with a condition on another signal, and differences of two
 * signals), recorded services, and the reminder check end to end over
 * several days of samples written straight into signal_samples: the
 * reminders it raises, escalation, dismissal, a service closing a reminder,
 * and a second run that changes nothing.
 */
import t from 'tap'
import { SIGNAL_CATALOG } from '../../decoders/catalog.js'
import { checkServiceReminders } from '../../gateway/service-reminders.js'
import { DISMISS, type ReminderDefinition } from '../../rules/service-reminders/model.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import type { ReminderChange } from '../../storage/service-reminders.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const DEMO = 'Pitwall Demo PHEV'
const ODOMETER = 'Vehicle.TraveledDistance'
const HOURS = 'Vehicle.Powertrain.CombustionEngine.EngineHours'
const LV = 'Vehicle.LowVoltageBattery.CurrentVoltage'
const RPM = 'Vehicle.Powertrain.CombustionEngine.Speed'
const CELL_MAX = 'Vehicle.Powertrain.TractionBattery.CellVoltage.Max'
const CELL_MIN = 'Vehicle.Powertrain.TractionBattery.CellVoltage.Min'

const signalIds = new Map(SIGNAL_CATALOG.map((s) => [s.name, s.id]))
const common = { enabled: true, parts: [], scope: { models: [], firmware: [] } }
const DEFINITIONS: ReminderDefinition[] = [
  { ...common, id: 'oil-service', name: 'oil', kind: 'interval', task: 'Change oil', scope: { models: [DEMO], firmware: [] }, every: { km: 15_000, months: 12 }, dueSoon: { km: 1000, hours: 0, days: 30 } },
  { ...common, id: 'brake-fluid', name: 'fluid', kind: 'interval', task: 'Replace brake fluid', every: { months: 24 }, dueSoon: { km: 0, hours: 0, days: 30 } },
  {
    ...common,
    id: 'lv-battery',
    name: 'battery',
    kind: 'trend',
    task: 'Test the 12 V battery',
    trend: { signal: LV, where: { signal: RPM, op: '==', value: 0 }, aggregate: 'avg', windowDays: 7, minDays: 4, slope: { op: '<', value: -0.02 }, last: { op: '<', value: 12.2 } }
  },
  {
    ...common,
    id: 'cell-spread',
    name: 'spread',
    kind: 'trend',
    task: 'Check the weak cell',
    trend: { signal: CELL_MAX, minus: CELL_MIN, aggregate: 'avg', windowDays: 7, minDays: 4, slope: { op: '>', value: 0.002 } }
  },
  { ...common, id: 'disabled', name: 'off', kind: 'interval', task: 'never', enabled: false, every: { km: 1 }, dueSoon: { km: 0, hours: 0, days: 0 } }
]

// the check runs at 10:00 on 15 June: its trend window is the days 8..14 June
const NOW = new Date('2026-06-15T10:00:00Z')
const june = (d: number, time: string): string => `2026-06-${String(d).padStart(2, '0')}T${time}Z`

let nextVin = 0
const vin = (): string => `WMT1234567890${String(nextVin++).padStart(4, '0')}`

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })

    const vehicle = async (model: string, registered: string): Promise<{ id: number, vin: string }> => {
      const v = vin()
      const id = await storage.vehicles.add({ vin: v, model }, 'scrypt$x')
      await poolOf(storage).query('UPDATE vehicles SET created_at = $2 WHERE id = $1', [id, registered])
      return { id, vin: v }
    }
    const samples = async (vehicleId: number, rows: Array<[string, string, number]>): Promise<void> => {
      await poolOf(storage).query(
        `INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
         SELECT t, $1, s, v FROM unnest($2::timestamptz[], $3::int[], $4::float8[]) AS x (t, s, v)`,
        [vehicleId, rows.map((r) => r[1]), rows.map((r) => signalIds.get(r[0])), rows.map((r) => r[2])])
    }

    /** a 12 V battery whose resting voltage (engine off all minute) is `rest(day)`, with readings that must not count */
    const battery = async (vehicleId: number, rest: (d: number) => number): Promise<void> => {
      const rows: Array<[string, string, number]> = []
      for (let d = 8; d <= 14; d++) {
        const v = rest(d - 8)
        rows.push(
          // resting minutes: the engine reads 0 throughout
          [RPM, june(d, '03:00:05'), 0], [LV, june(d, '03:00:10'), v], [RPM, june(d, '03:00:35'), 0], [LV, june(d, '03:00:40'), v],
          [RPM, june(d, '04:00:00'), 0], [LV, june(d, '04:00:10'), v + 0.01], [LV, june(d, '04:00:20'), v - 0.01],
          // charging while driving, a cranking minute (0 then 250 rpm), a minute without engine speed: none is rest
          [RPM, june(d, '08:00:01'), 1500], [LV, june(d, '08:00:02'), 14.1],
          [RPM, june(d, '09:00:00'), 0], [LV, june(d, '09:00:20'), 10.5], [RPM, june(d, '09:00:30'), 250],
          [LV, june(d, '10:00:00'), 11])
      }
      // before the window, and today (not a complete day yet)
      rows.push([RPM, june(7, '03:00:00'), 0], [LV, june(7, '03:00:30'), 15], [RPM, june(15, '03:00:00'), 0], [LV, june(15, '03:00:30'), 5])
      await samples(vehicleId, rows)
    }
    /** HV cell max and min a few seconds apart in one minute each day, spread `spread(day)`; a max alone in another minute */
    const cells = async (vehicleId: number, spread: (d: number) => number): Promise<void> => {
      const rows: Array<[string, string, number]> = []
      for (let d = 8; d <= 14; d++) {
        const s = spread(d - 8)
        rows.push([CELL_MAX, june(d, '12:00:10'), 3.7 + s / 2], [CELL_MIN, june(d, '12:00:50'), 3.7 - s / 2], [CELL_MAX, june(d, '13:00:00'), 4.2])
      }
      await samples(vehicleId, rows)
    }

    t.test('daily aggregates: per UTC day, filtered by a condition in the same minute, or paired by minute', async (t) => {
      const v = await vehicle('Other', '2026-01-01T00:00:00Z')
      await battery(v.id, (d) => 12.6 - 0.05 * d)
      await cells(v.id, (d) => 0.015 + 0.004 * d)
      const range = { from: new Date(june(8, '00:00:00')), to: new Date(june(15, '00:00:00')), vehicleIds: [v.id] }
      const plain = await storage.serviceReminders.dailyAggregates({ signal: LV, ...range })
      t.equal(plain.length, 7, 'days 8..14 only')
      t.match(plain[0], { vehicleId: v.id, day: '2026-06-08', min: 10.5, max: 14.1, samples: 7 })
      const rest = await storage.serviceReminders.dailyAggregates({ signal: LV, where: { signal: RPM, op: '==', value: 0 }, ...range })
      t.same(rest.map((r) => [r.day, r.samples]), [8, 9, 10, 11, 12, 13, 14].map((d) => [`2026-06-${String(d).padStart(2, '0')}`, 4]), 'four resting samples a day')
      const first = rest[0] as (typeof rest)[number]
      t.ok(Math.abs(first.avg - 12.6) < 1e-9 && Math.abs(first.min - 12.59) < 1e-9 && Math.abs(first.max - 12.61) < 1e-9, 'driving, cranking and unconditioned minutes left out')
      const spread = await storage.serviceReminders.dailyAggregates({ signal: CELL_MAX, minus: CELL_MIN, ...range })
      t.same(spread.map((r) => r.samples), [1, 1, 1, 1, 1, 1, 1], 'the unpaired minute is left out')
      t.ok(spread.every((r, i) => Math.abs(r.avg - (0.015 + 0.004 * i)) < 1e-9), 'max - min in the same minute')
      t.same(await storage.serviceReminders.dailyAggregates({ signal: LV, ...range, vehicleIds: [v.id + 1000] }), [], 'other vehicles only')
    })

    t.test('a service takes missing readings from the samples before it, and needs a known vehicle and items', async (t) => {
      const v = await vehicle(DEMO, '2026-01-01T00:00:00Z')
      await samples(v.id, [[ODOMETER, '2026-03-01T10:00:00Z', 20_000], [ODOMETER, '2026-03-02T10:00:00Z', 20_100], [HOURS, '2026-03-01T10:00:00Z', 400], [ODOMETER, '2026-04-01T10:00:00Z', 21_000]])
      const { record, closedReminders } = await storage.serviceReminders.recordService({
        vin: v.vin, time: new Date('2026-03-05T09:00:00Z'), covers: ['oil-service'], description: 'oil and filter', by: 'dealer-7'
      })
      t.match(record, { vin: v.vin, odometerKm: 20_100, engineHours: 400, covers: ['oil-service'], by: 'dealer-7' })
      t.equal(closedReminders, 0)
      await storage.serviceReminders.recordService({ vin: v.vin, time: new Date('2026-04-05T09:00:00Z'), odometerKm: 21_050, covers: ['brake-fluid'], description: 'fluid', by: 'dealer-7' })
      t.same((await storage.serviceReminders.services(v.vin)).map((s) => [s.covers, s.odometerKm]), [[['brake-fluid'], 21_050], [['oil-service'], 20_100]], 'newest first; a given reading wins')
      const mine = (await storage.serviceReminders.lastServices()).filter((s) => s.vehicleId === v.id)
      t.same(mine.map((s) => [s.ruleId, s.time.toISOString()]), [['brake-fluid', '2026-04-05T09:00:00.000Z'], ['oil-service', '2026-03-05T09:00:00.000Z']])
      t.match((await storage.serviceReminders.fleetState()).find((s) => s.vehicleId === v.id), { odometerKm: 21_000, engineHours: 400, model: DEMO }, 'the latest readings')
      await t.rejects(storage.serviceReminders.recordService({ vin: 'WMT12345678909999', time: new Date(), covers: ['x'], description: '', by: 'd' }), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: /WMT12345678909999/ })
      await t.rejects(storage.serviceReminders.recordService({ vin: v.vin, time: new Date(), covers: [], description: '', by: 'd' }), { code: 'PITWALL_ERR_SERVICE_COVERS' })
    })

    t.test('the reminder check raises reminders, escalates them, respects dismissal and services, and a second run changes nothing', async (t) => {
      // v1: serviced last July at 40,000 km; resting voltage falling 50 mV a day
      const v1 = await vehicle(DEMO, '2020-01-01T00:00:00Z')
      await storage.serviceReminders.recordService({ vin: v1.vin, time: new Date('2025-07-01T00:00:00Z'), odometerKm: 40_000, covers: ['oil-service', 'brake-fluid'], description: 'annual', by: 'dealer-1' })
      await samples(v1.id, [[ODOMETER, june(14, '18:00:00'), 54_400], [ODOMETER, june(15, '09:00:00'), 54_500]])
      await battery(v1.id, (d) => 12.6 - 0.05 * d)
      // v2: never serviced, registered in 2020, a cell drifting 4 mV a day
      const v2 = await vehicle(DEMO, '2020-01-01T00:00:00Z')
      await cells(v2.id, (d) => 0.015 + 0.004 * d)
      // v3: healthy and new; v4: another model far past the demo's oil interval
      const v3 = await vehicle(DEMO, '2026-01-01T00:00:00Z')
      await samples(v3.id, [[ODOMETER, june(14, '12:00:00'), 3000]])
      await battery(v3.id, () => 12.6)
      await cells(v3.id, () => 0.015)
      const v4 = await vehicle('Other', '2026-01-01T00:00:00Z')
      await samples(v4.id, [[ODOMETER, june(14, '12:00:00'), 60_000]])
      const name = new Map([[v1.id, 'v1'], [v2.id, 'v2'], [v3.id, 'v3'], [v4.id, 'v4']])
      const mine = (changes: ReminderChange[]): Array<[string, string, string, string]> => changes
        .filter((c) => name.has(c.reminder.vehicleId))
        .map((c): [string, string, string, string] => [name.get(c.reminder.vehicleId) as string, c.reminder.ruleId, c.reminder.kind, c.change])
        .sort((a, b) => a.join().localeCompare(b.join()))

      const first = await checkServiceReminders(storage.serviceReminders, DEFINITIONS, NOW)
      t.same(mine(first), [
        ['v1', 'lv-battery', 'trend', 'opened'],
        ['v1', 'oil-service', 'due_soon', 'opened'],
        ['v2', 'brake-fluid', 'due', 'opened'],
        ['v2', 'cell-spread', 'trend', 'opened'],
        ['v2', 'oil-service', 'due', 'opened']
      ])
      const reminder = (vehicleId: number, ruleId: string): ReminderChange['reminder'] | undefined =>
        first.find((c) => c.reminder.vehicleId === vehicleId && c.reminder.ruleId === ruleId)?.reminder
      t.match(reminder(v1.id, 'oil-service'), {
        vin: v1.vin, state: 'open', dueKm: 55_000, dueHours: null, dueAt: new Date('2026-07-01T00:00:00Z'),
        detail: { task: 'Change oil', due: [], dueSoon: ['km', 'time'], since: { service: '2025-07-01T00:00:00.000Z', odometerKm: 40_000 } }
      }, '500 km and 16 days before the limits')
      t.match(reminder(v1.id, 'lv-battery'), { dueAt: null, detail: { days: 7, from: '2026-06-08', to: '2026-06-14', slopePerDay: -0.05, last: { value: 12.3 }, exceeded: ['slope'] } })
      t.match(reminder(v2.id, 'cell-spread'), { detail: { slopePerDay: 0.004, last: { value: 0.039 }, exceeded: ['slope'] } })
      t.match(reminder(v2.id, 'oil-service'), { dueKm: 15_000, dueAt: new Date('2021-01-01T00:00:00Z'), detail: { due: ['time'], since: { registration: '2020-01-01T00:00:00.000Z' } } },
        'no odometer: by time alone, from the registration')

      const count = async (): Promise<number> => Number((await poolOf(storage).query<{ n: string }>('SELECT count(*) AS n FROM service_reminders')).rows[0]?.n)
      const before = await count()
      t.same(await checkServiceReminders(storage.serviceReminders, DEFINITIONS, NOW), [], 'the same check again changes nothing')
      t.equal(await count(), before)

      await samples(v1.id, [[ODOMETER, june(15, '09:30:00'), 55_100]])
      t.same(mine(await checkServiceReminders(storage.serviceReminders, DEFINITIONS, NOW)), [['v1', 'oil-service', 'due', 'changed']], 'due soon becomes due at 55,000 km')
      t.same(await checkServiceReminders(storage.serviceReminders, DEFINITIONS, NOW), [])

      const trend = reminder(v1.id, 'lv-battery')?.id as number
      t.match(await storage.serviceReminders.closeReminder(trend, DISMISS, 'dealer-1'), { state: 'dismissed', closedBy: 'dealer-1' })
      t.same(await checkServiceReminders(storage.serviceReminders, DEFINITIONS, NOW), [], 'a dismissed reminder is not raised again for the same finding')
      await t.rejects(storage.serviceReminders.closeReminder(trend, DISMISS, 'dealer-1'), { code: 'PITWALL_ERR_REMINDER_TRANSITION' })
      await t.rejects(storage.serviceReminders.closeReminder(987_654, DISMISS, 'dealer-1'), { code: 'PITWALL_ERR_REMINDER_UNKNOWN' })

      const service = await storage.serviceReminders.recordService({ vin: v1.vin, time: new Date(june(15, '09:45:00')), covers: ['oil-service'], description: 'oil', by: 'dealer-1' })
      t.equal(service.closedReminders, 1)
      t.equal(service.record.odometerKm, 55_100, 'the odometer from the last sample before the service')
      t.same((await storage.serviceReminders.reminders({ vin: v1.vin })).map((r) => [r.ruleId, r.state]), [['lv-battery', 'dismissed'], ['oil-service', 'done']])
      t.same(await checkServiceReminders(storage.serviceReminders, DEFINITIONS, NOW), [], 'the new service moved the limits to 70,100 km and June 2027')
      t.same(await checkServiceReminders(storage.serviceReminders, DEFINITIONS.filter((d) => !d.enabled), NOW), [], 'disabled definitions do nothing')
    })

    t.test('upserting the same reminder for a vehicle and item twice in one call is refused', async (t) => {
      const c = { vehicleId: 1, ruleId: 'x', kind: 'due' as const, dueAt: null, dueKm: 1, dueHours: null, detail: {}, suppressDismissedSince: null }
      await t.rejects(storage.serviceReminders.upsertReminders([c, c]), { code: 'PITWALL_ERR_REMINDER_DUPLICATE' })
    })
  })
}
