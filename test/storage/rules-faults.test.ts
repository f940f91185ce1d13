/**
 * Rules and faults in storage, on both backends: versions and their history,
 * enabling, the change token a gateway polls, and the fault lifecycle as the
 * engine's events and engineers drive it.
 */
import t from 'tap'
import { FaultStore } from '../../storage/faults.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import type { FaultEvent } from '../../rules/model.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { overheatRule } from '../helpers/rules.js'

const rule = overheatRule

const T0 = 1_750_000_000_000_000 // µs

let nextVin = 0
const vin = (): string => `WDB1234567890${String(nextVin++).padStart(4, '0')}`

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })

    /** a vehicle and an applied rule of its own, so each test starts clean */
    const setup = async (ruleId: string): Promise<{ vehicleId: number, vin: string, event: (type: FaultEvent['type'], dtS: number, value?: number) => FaultEvent }> => {
      const v = vin()
      const vehicleId = await storage.vehicles.add({ vin: v }, 'scrypt$x')
      await storage.rules.apply([rule(ruleId)])
      return {
        vehicleId,
        vin: v,
        event: (type, dtS, value = 115) => ({
          type, vehicleId, ruleId, ruleVersion: `${ruleId}-v1`, severity: 'major', timeUs: T0 + dtS * 1e6, occurrences: 1,
          evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: (T0 + dtS * 1e6) / 1e6, value }]
        })
      }
    }

    t.test('applying rules reports added, changed and unchanged, and keeps every version', async (t) => {
      t.same(await storage.rules.apply([rule('a1'), rule('a2')]), { added: ['a1', 'a2'], changed: [], unchanged: [] })
      t.same(await storage.rules.apply([rule('a1'), rule('a2', { version: 'a2-v2', forS: 30 })]),
        { added: [], changed: ['a2'], unchanged: ['a1'] })
      const stored = (await storage.rules.list()).filter((r) => r.id.startsWith('a'))
      t.same(stored.map((r) => [r.id, r.version, r.definition.forS]), [['a1', 'a1-v1', 10], ['a2', 'a2-v2', 30]])
      t.same((await storage.rules.history('a2')).map((v) => [v.version, v.definition.forS]), [['a2-v1', 10], ['a2-v2', 30]])
      t.same((await storage.rules.history('a1')).map((v) => v.version), ['a1-v1'], 'an unchanged rule gains no version')
      // back to an earlier version: current again, history not duplicated
      t.same(await storage.rules.apply([rule('a2')]), { added: [], changed: ['a2'], unchanged: [] })
      t.equal((await storage.rules.list()).find((r) => r.id === 'a2')?.version, 'a2-v1')
      t.equal((await storage.rules.history('a2')).length, 2)
    })

    t.test('a rule given twice in one apply is refused and nothing is written', async (t) => {
      await t.rejects(storage.rules.apply([rule('d1'), rule('d1', { version: 'd1-v2' })]), { code: 'PITWALL_ERR_RULE_DUPLICATE', message: /d1/ })
      t.notOk((await storage.rules.list()).some((r) => r.id === 'd1'))
    })

    t.test('disabled rules stay listed but leave the active set', async (t) => {
      await storage.rules.apply([rule('e1'), rule('e2'), rule('e3', { enabled: false, version: 'e3-off' })])
      const activeIds = async (): Promise<string[]> => (await storage.rules.active()).map((r) => r.id).filter((id) => id.startsWith('e'))
      t.same(await activeIds(), ['e1', 'e2'], 'enabled as the definition says')
      t.equal(await storage.rules.setEnabled('e1', false), true)
      t.same(await activeIds(), ['e2'])
      const e1 = (await storage.rules.list()).find((r) => r.id === 'e1')
      t.same([e1?.enabled, e1?.definition.enabled, e1?.version], [false, false, 'e1-v1'], 'disabling is not a new version')
      t.equal(await storage.rules.setEnabled('e1', false), false, 'already disabled')
      t.equal(await storage.rules.setEnabled('e3', true), true)
      t.same(await activeIds(), ['e2', 'e3'])
      t.equal((await storage.rules.active()).find((r) => r.id === 'e3')?.enabled, true, 'the active definition says enabled')
      // the file is the source of truth when applied again
      t.same(await storage.rules.apply([rule('e1')]), { added: [], changed: ['e1'], unchanged: [] })
      t.same(await activeIds(), ['e1', 'e2', 'e3'])
      await t.rejects(storage.rules.setEnabled('no-such-rule', true), { code: 'PITWALL_ERR_RULE_UNKNOWN', message: /no-such-rule/ })
    })

    t.test('the revision moves exactly when the rules change', async (t) => {
      await storage.rules.apply([rule('r1'), rule('r2')])
      const r0 = await storage.rules.revision()
      await storage.rules.apply([rule('r1'), rule('r2')])
      t.equal(await storage.rules.revision(), r0, 'applying the same rules again')
      await storage.rules.setEnabled('r1', true)
      t.equal(await storage.rules.revision(), r0, 'enabling an enabled rule')
      await storage.rules.setEnabled('r1', false)
      const r1 = await storage.rules.revision()
      t.not(r1, r0, 'disabling')
      await storage.rules.apply([rule('r2', { version: 'r2-v2' })])
      const r2 = await storage.rules.revision()
      t.not(r2, r1, 'a new version')
      await storage.rules.apply([rule('r3')])
      t.not(await storage.rules.revision(), r2, 'a new rule')
    })

    t.test('a change committed after a later-stamped one still moves the revision', {
      skip: backend === 'pglite' ? 'needs two concurrent transactions, which the embedded host serializes' : false
    }, async (t) => {
      await storage.rules.apply([rule('c1'), rule('c2')])
      // another gateway node's `rules disable c2`, whose transaction started first
      const slow = await poolOf(storage).connect()
      t.teardown(() => slow.release())
      await slow.query('BEGIN')
      await slow.query('SELECT now()')
      await new Promise((resolve) => setTimeout(resolve, 10))
      await storage.rules.setEnabled('c1', false)
      const seen = await storage.rules.revision()
      await slow.query("UPDATE rules SET enabled = false, updated_at = now() WHERE id = 'c2'")
      await slow.query('COMMIT')
      t.not(await storage.rules.revision(), seen, 'a poller that saw the first change sees the second')
    })

    t.test('a fault opens, reoccurs, auto-clears and reopens, keeping one fault and its timeline', async (t) => {
      const { vin, event } = await setup('f-life')
      await storage.faults.record([event('opened', 0, 112)])
      let [f] = await storage.faults.list({ ruleId: 'f-life' })
      t.match(f, { vin, state: 'open', occurrences: 1, ruleVersion: 'f-life-v1', severity: 'major', clearedAt: null })
      t.same(f?.openedAt, new Date(T0 / 1000), 'opened at the time of the sample, not of arrival')
      t.same(f?.evidence, [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: T0 / 1e6, value: 112 }])

      await storage.faults.record([event('reoccurred', 60, 118)])
      await storage.faults.record([event('cleared', 120)])
      ;[f] = await storage.faults.list({ ruleId: 'f-life' })
      t.match(f, { state: 'auto_cleared', occurrences: 2, clearedAt: new Date(T0 / 1000 + 120_000), lastOccurredAt: new Date(T0 / 1000 + 60_000) })

      await storage.faults.record([event('reoccurred', 200)])
      const all = await storage.faults.list({ ruleId: 'f-life' })
      t.equal(all.length, 1, 'a reoccurrence after an auto-clear reopens the same fault')
      t.match(all[0], { id: f?.id, state: 'open', occurrences: 3, clearedAt: null })

      const timeline = await storage.faults.timeline(f?.id as number)
      t.same(timeline.map((e) => e.type), ['opened', 'reoccurred', 'cleared', 'reoccurred'])
      t.same(timeline[1]?.detail, {
        ruleVersion: 'f-life-v1',
        occurrences: 2,
        evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: T0 / 1e6 + 60, value: 118 }]
      }, 'each reoccurrence keeps its own freeze frame')
    })

    t.test('several events of one fault in one call apply in their order', async (t) => {
      const { event } = await setup('f-batch')
      await storage.faults.record([event('opened', 0), event('cleared', 5), event('reoccurred', 6), event('reoccurred', 7)])
      const faults = await storage.faults.list({ ruleId: 'f-batch' })
      t.match(faults, [{ state: 'open', occurrences: 3, clearedAt: null }])
      t.same((await storage.faults.timeline(faults[0]?.id as number)).map((e) => e.type), ['opened', 'cleared', 'reoccurred', 'reoccurred'])
    })

    t.test('events recorded without waiting are applied in the order they were recorded', async (t) => {
      const fleet = []
      for (let i = 0; i < 8; i++) fleet.push(await setup('f-order'))
      // what ingest does: each batch's transitions are recorded as the batch is handled, not awaited in turn
      await Promise.all(fleet.flatMap(({ event }) => [
        storage.faults.record([event('opened', 0)]),
        storage.faults.record([event('cleared', 1)]),
        storage.faults.record([event('reoccurred', 2)]),
        storage.faults.record([event('cleared', 3)])
      ]))
      const faults = await storage.faults.list({ ruleId: 'f-order' })
      t.same(faults.map((f) => [f.state, f.occurrences]), fleet.map(() => ['auto_cleared', 2]))
      for (const f of faults) {
        t.same((await storage.faults.timeline(f.id)).map((e) => e.type), ['opened', 'cleared', 'reoccurred', 'cleared'], f.vin)
      }
    })

    t.test('an engineer acknowledges and resolves; the engine does not undo it', async (t) => {
      const { event } = await setup('f-eng')
      await storage.faults.record([event('opened', 0)])
      const [opened] = await storage.faults.list({ ruleId: 'f-eng' })
      const id = opened?.id as number
      const acked = await storage.faults.acknowledge(id, 'alice')
      t.match(acked, { id, state: 'acknowledged', acknowledgedBy: 'alice' })
      t.ok(acked.acknowledgedAt instanceof Date)
      await t.rejects(storage.faults.acknowledge(id, 'bob'), { code: 'PITWALL_ERR_FAULT_TRANSITION', message: /acknowledged/ })

      await storage.faults.record([event('reoccurred', 30)])
      t.match(await storage.faults.list({ ruleId: 'f-eng' }), [{ id, state: 'acknowledged', occurrences: 2 }], 'still acknowledged')

      const resolved = await storage.faults.resolve(id, 'bob', 'replaced the thermostat')
      t.match(resolved, { state: 'resolved', resolvedBy: 'bob', resolutionNote: 'replaced the thermostat' })
      await t.rejects(storage.faults.resolve(id, 'bob'), { code: 'PITWALL_ERR_FAULT_TRANSITION', message: /fault \d+: it is resolved/ })
      await t.rejects(storage.faults.acknowledge(id, 'bob'), { code: 'PITWALL_ERR_FAULT_TRANSITION' })

      await storage.faults.record([event('cleared', 60)])
      t.match(await storage.faults.list({ ruleId: 'f-eng' }), [{ id, state: 'resolved', clearedAt: null }], 'a clear after resolution changes nothing')

      await storage.faults.record([event('reoccurred', 90)])
      const faults = await storage.faults.list({ ruleId: 'f-eng' })
      t.equal(faults.length, 2, 'a reoccurrence after resolution is a new fault')
      t.match(faults[0], { state: 'open', occurrences: 1, openedAt: new Date(T0 / 1000 + 90_000) })
      t.not(faults[0]?.id, id)
      t.match(await storage.faults.timeline(id), [
        { type: 'opened' }, { type: 'acknowledged', by: 'alice' }, { type: 'reoccurred' },
        { type: 'resolved', by: 'bob', detail: { note: 'replaced the thermostat' } }
      ])
    })

    t.test('an auto-cleared fault can be resolved but not acknowledged', async (t) => {
      const { event } = await setup('f-cleared')
      await storage.faults.record([event('opened', 0), event('cleared', 10)])
      const id = (await storage.faults.list({ ruleId: 'f-cleared' }))[0]?.id as number
      await t.rejects(storage.faults.acknowledge(id, 'alice'), { code: 'PITWALL_ERR_FAULT_TRANSITION', message: /auto-cleared/ })
      t.match(await storage.faults.resolve(id, 'alice'), { state: 'resolved', resolutionNote: null })
    })

    t.test('one vehicle and rule never has two open faults', async (t) => {
      const { vehicleId, event } = await setup('f-one')
      // a restarted engine, or a changed rule, opens again what is still open
      await storage.faults.record([event('opened', 0)])
      await storage.faults.record([event('opened', 10)])
      // and writers that do not wait for each other (say, two gateway processes) race for it
      const writers = [storage.faults, new FaultStore(poolOf(storage)), new FaultStore(poolOf(storage))]
      await Promise.all(writers.map(async (w, i) => { await w.record([event('opened', 20 + i)]) }))
      const faults = await storage.faults.list({ ruleId: 'f-one' })
      t.match(faults, [{ state: 'open', occurrences: 5 }])
      t.same((await storage.faults.timeline(faults[0]?.id as number)).map((e) => e.type),
        ['opened', 'reoccurred', 'reoccurred', 'reoccurred', 'reoccurred'])
      // the guarantee is the database's, whoever writes
      await t.rejects(poolOf(storage).query(
        `INSERT INTO faults (vehicle_id, rule_id, rule_version, severity, state, opened_at, last_occurred_at, evidence)
         VALUES ($1, 'f-one', 'f-one-v1', 'major', 'acknowledged', now(), now(), '[]')`, [vehicleId]), { code: '23505' })
    })

    t.test('what a vehicle resumes its rules from: per rule its newest fault in force or auto-cleared; a resolved one leaves nothing', async (t) => {
      const { vehicleId, event } = await setup('rs-open')
      await storage.rules.apply([rule('rs-cleared'), rule('rs-resolved'), rule('rs-acked')])
      const as = (ruleId: string, e: FaultEvent): FaultEvent => ({ ...e, ruleId, ruleVersion: `${ruleId}-v1` })
      await storage.faults.record([event('opened', 0), event('reoccurred', 5)])
      // an older fault resolved, then a newer one auto-cleared: the newer one is what a reoccurrence reopens
      await storage.faults.record([as('rs-cleared', event('opened', 0))])
      await storage.faults.resolve((await storage.faults.list({ ruleId: 'rs-cleared' }))[0]?.id as number, 'alice')
      await storage.faults.record([as('rs-cleared', event('opened', 20)), as('rs-cleared', event('reoccurred', 25)), as('rs-cleared', event('cleared', 30.5))])
      await storage.faults.record([as('rs-resolved', event('opened', 0))])
      await storage.faults.resolve((await storage.faults.list({ ruleId: 'rs-resolved' }))[0]?.id as number, 'bob')
      await storage.faults.record([as('rs-acked', event('opened', 0))])
      await storage.faults.acknowledge((await storage.faults.list({ ruleId: 'rs-acked' }))[0]?.id as number, 'carol')
      const other = await setup('rs-other')
      await storage.faults.record([other.event('opened', 0)])

      const states = await storage.faults.ruleStates([vehicleId, other.vehicleId, 999_999])
      t.same(states.get(vehicleId)?.sort((x, y) => x.ruleId.localeCompare(y.ruleId)), [
        { ruleId: 'rs-acked', active: true, occurrences: 1, clearedUs: 0 },
        { ruleId: 'rs-cleared', active: false, occurrences: 2, clearedUs: T0 + 30.5e6 },
        { ruleId: 'rs-open', active: true, occurrences: 2, clearedUs: 0 }
      ], 'to the microsecond of the sample that cleared it')
      t.same(states.get(other.vehicleId), [{ ruleId: 'rs-other', active: true, occurrences: 1, clearedUs: 0 }], 'several vehicles in one call')
      t.equal(states.has(999_999), false, 'a vehicle without faults is absent')
    })

    t.test('faults are listed by vehicle, state and rule, newest first', async (t) => {
      const a = await setup('f-list')
      const b = await setup('f-list')
      await storage.faults.record([a.event('opened', 0), b.event('opened', 0)])
      await storage.faults.record([b.event('cleared', 5)])
      t.same((await storage.faults.list({ vin: a.vin })).map((f) => [f.vin, f.state]), [[a.vin, 'open']])
      t.same((await storage.faults.list({ ruleId: 'f-list' })).map((f) => f.vin), [b.vin, a.vin])
      t.same((await storage.faults.list({ ruleId: 'f-list', state: 'auto_cleared' })).map((f) => f.vin), [b.vin])
      t.same((await storage.faults.list({ ruleId: 'f-list', state: ['open', 'auto_cleared'] })).length, 2)
      t.same((await storage.faults.list({ ruleId: 'f-list', limit: 1 })).map((f) => f.vin), [b.vin])
    })

    t.test('events naming an unknown vehicle or a rule version never applied are refused', async (t) => {
      const { event } = await setup('f-bad')
      await t.rejects(storage.faults.record([{ ...event('opened', 0), ruleVersion: 'never-applied' }]), { code: 'PITWALL_ERR_STORAGE_REJECTED' })
      await t.rejects(storage.faults.record([{ ...event('opened', 0), vehicleId: 999_999 }]), { code: 'PITWALL_ERR_STORAGE_REJECTED' })
      t.same(await storage.faults.list({ ruleId: 'f-bad' }), [])
    })

    t.test('an unknown fault id is refused by name', async (t) => {
      await t.rejects(storage.faults.acknowledge(424_242, 'alice'), { code: 'PITWALL_ERR_FAULT_UNKNOWN', message: /424242/ })
      await t.rejects(storage.faults.resolve(424_242, 'alice'), { code: 'PITWALL_ERR_FAULT_UNKNOWN' })
      await t.rejects(storage.faults.timeline(424_242), { code: 'PITWALL_ERR_FAULT_UNKNOWN' })
    })
  })
}
