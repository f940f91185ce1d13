/**
 * The service reminder check on several gateway nodes sharing one database:
 * every node keeps its hourly timer, and the check runs once per interval
 * across them (job_runs), not once per node.
 */
import t from 'tap'
import { createLogger } from '../../gateway/logger.js'
import { REMINDER_CHECK_JOB, ServiceReminderCheck } from '../../gateway/service-reminders.js'
import type { ReminderDefinition } from '../../rules/service-reminders/model.js'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import type { ServiceReminderStore } from '../../storage/service-reminders.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../helpers/backends.js'

const HOUR_MS = 3_600_000
const BRAKE_FLUID: ReminderDefinition = {
  id: 'brake-fluid', name: 'fluid', kind: 'interval', task: 'Replace brake fluid', enabled: true, parts: [],
  scope: { models: [], firmware: [] }, every: { months: 24 }, dueSoon: { km: 0, hours: 0, days: 30 }
}

/** The node's reminder store, counting the check's runs (each starts by reading the fleet). */
function counted (storage: Storage): { store: ServiceReminderStore, runs: () => number } {
  let runs = 0
  const real = storage.serviceReminders
  const store = new Proxy(real, {
    get: (target, key, receiver) => {
      if (key === 'fleetState') return async () => { runs++; return await target.fleetState() }
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
  return { store, runs: () => runs }
}

t.test('two nodes on one database run the hourly check once per hour between them', { skip: !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const a = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  const b = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
  t.teardown(async () => { await a.close(); await b.close(); await db.drop() })
  const pool = poolOf(a)
  // registered three years ago: its brake fluid (every 24 months) is due
  const vehicleId = await a.vehicles.add({ vin: 'WPWJ0BS0000000001', model: 'demo-ev' }, 'scrypt$x')
  await pool.query("UPDATE vehicles SET created_at = now() - interval '3 years' WHERE id = $1", [vehicleId])

  const log = createLogger('silent')
  const onA = counted(a)
  const onB = counted(b)
  const check = (node: { store: ServiceReminderStore }, name: string): ServiceReminderCheck =>
    new ServiceReminderCheck(node.store, [BRAKE_FLUID], HOUR_MS, log, { jobs: name === 'node-a' ? a.jobRuns : b.jobRuns, node: name })

  // both nodes start at once: each kicks a pass at start
  const first = [check(onA, 'node-a'), check(onB, 'node-b')]
  for (const c of first) c.start()
  for (const c of first) await c.stop()
  t.equal(onA.runs() + onB.runs(), 1, 'one of the two nodes ran the check')
  const reminders = await a.serviceReminders.reminders({ ruleId: 'brake-fluid' })
  t.match(reminders, [{ vehicleId, state: 'open', kind: 'due' }], 'its reminder, once')
  const { rows: [run] } = await pool.query<{ node: string }>('SELECT node FROM job_runs WHERE job = $1', [REMINDER_CHECK_JOB])
  t.equal(run?.node, onA.runs() === 1 ? 'node-a' : 'node-b', 'the run names the node that made it')

  // a node restarting within the hour does not run it again
  const restarted = check(onB, 'node-b')
  restarted.start()
  await restarted.stop()
  t.equal(onA.runs() + onB.runs(), 1, 'not again within the interval, whichever node asks')

  // an hour later (timers drift: 90 % of it is enough), the next node to ask runs it
  await pool.query("UPDATE job_runs SET started_at = now() - interval '55 minutes' WHERE job = $1", [REMINDER_CHECK_JOB])
  const later = [check(onA, 'node-a'), check(onB, 'node-b')]
  for (const c of later) c.start()
  for (const c of later) await c.stop()
  t.equal(onA.runs() + onB.runs(), 2, 'the next interval\'s run, once')
  t.equal((await a.serviceReminders.reminders({ ruleId: 'brake-fluid' })).length, 1, 'which changed nothing')
})
