/**
 * The case base on both backends: validation, add and upsert, full-text
 * search (words, DTCs, ranking, highlighted snippets), a resolved fault
 * turned into a case, and the demo case pack applied with the cases the demo
 * rules link to.
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { CaseBase } from '../../../actions/cases/case-base.js'
import type { CaseInput } from '../../../actions/cases/model.js'
import { DEMO_CASE_PACK, loadCasePack } from '../../../actions/cases/pack.js'
import { parseUdsDtcText } from '../../../decoders/dtc/j2012.js'
import type { RuleDefinition } from '../../../rules/model.js'
import { loadRuleFile } from '../../../rules/load.js'
import { openStorage, type Storage, poolOf } from '../../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../../helpers/backends.js'

const DEMO_RULES = fileURLToPath(new URL('../../../rules/packs/demo-vehicle.yaml', import.meta.url))
const ECT = 'Vehicle.Powertrain.CombustionEngine.ECT'
const T0 = 1_750_000_000_000_000 // µs

const caseInput = (id: string, overrides: Partial<CaseInput> = {}): CaseInput => ({
  id, title: `${id} title`, symptoms: '', dtcs: [], steps: ['look at it'], parts: [], ...overrides
})

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase({ migrated: true }) : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const cases = new CaseBase(storage.cases)

    t.test('the demo pack applies once, and every case the demo rules link to exists', async (t) => {
      const pack = loadCasePack(DEMO_CASE_PACK)
      const first = await cases.apply(pack, 'demo')
      t.same(first.added, pack.map((c) => c.id).sort())
      t.same(await cases.apply(pack, 'demo'), { added: [], changed: [], unchanged: pack.map((c) => c.id).sort() }, 'applying it again writes nothing')

      const rules: RuleDefinition[] = loadRuleFile(DEMO_RULES)
      const linked = [...new Set(rules.flatMap((r) => r.caseId === undefined ? [] : [r.caseId]))]
      t.ok(linked.includes('case-cooling-fan'), 'the demo rules link to the cooling-fan case')
      for (const id of linked) t.equal((await cases.get(id)).id, id, `${id} is in the case base`)
    })

    t.test('invalid cases are refused with PITWALL_ERR_CASE_INVALID naming the field', async (t) => {
      const refused = async (input: CaseInput, message: RegExp, by = 'alice'): Promise<void> => {
        await t.rejects(cases.add(input, by), { code: 'PITWALL_ERR_CASE_INVALID', message })
      }
      await refused(caseInput('Cooling Fan'), /case "Cooling Fan": id must be a slug/)
      await refused(caseInput('case--double'), /id must be a slug/)
      await refused(caseInput('x'.repeat(101)), /id must be a slug of at most 100/)
      await refused(caseInput('case-v1', { title: '   ' }), /case "case-v1": title is required/)
      await refused(caseInput('case-v1', { dtcs: ['P0301', 'X0301'] }), /dtcs\[1\]: .*'X' is not a system letter/)
      await refused(caseInput('case-v1', { steps: ['drain', ''] }), /steps\[1\] is empty/)
      await refused(caseInput('case-v1', { repairHours: -1 }), /repairHours must be a number of hours from 0/)
      await refused(caseInput('case-v1', { repairHours: Number.NaN }), /repairHours/)
      await refused(caseInput('case-v1'), /say who writes the case/, ' ')
      await t.rejects(cases.get('case-v1'), { code: 'PITWALL_ERR_CASE_UNKNOWN', message: 'no case case-v1' }, 'nothing was stored')
    })

    t.test('add refuses a taken id; upsert creates, replaces and leaves an equal case alone', async (t) => {
      const added = await cases.add(caseInput('case-u1', { title: ' Wiper stalls ', dtcs: ['b1234', 'B1234-1A'], repairHours: 0.755 }), 'alice')
      t.match(added, { id: 'case-u1', title: 'Wiper stalls', dtcs: ['B1234'], repairHours: 0.76, createdBy: 'alice', updatedBy: 'alice', sourceFaultId: null },
        'text trimmed, DTCs upper-cased without failure type and once, hours to the hundredth')
      await t.rejects(cases.add(caseInput('case-u1'), 'bob'), { code: 'PITWALL_ERR_CASE_EXISTS', message: /case-u1 already exists/ })

      const same = await cases.upsert(caseInput('case-u1', { title: 'Wiper stalls', dtcs: ['B1234'], repairHours: 0.76 }), 'bob')
      t.equal(same.outcome, 'unchanged')
      t.match(same.case, { updatedBy: 'alice', updatedAt: added.updatedAt })

      const changed = await cases.upsert(caseInput('case-u1', { title: 'Wiper motor stalls', steps: ['replace the wiper motor'] }), 'bob')
      t.equal(changed.outcome, 'changed')
      t.match(changed.case, { title: 'Wiper motor stalls', steps: ['replace the wiper motor'], dtcs: [], repairHours: null, createdBy: 'alice', updatedBy: 'bob' })
      t.ok(changed.case.updatedAt >= added.updatedAt)
      t.same(await cases.get('case-u1'), changed.case)

      const created = await cases.upsert(caseInput('case-u2'), 'bob')
      t.equal(created.outcome, 'added')
      t.match(created.case, { createdBy: 'bob' })
      t.same((await cases.list()).map((c) => c.id).filter((id) => id.startsWith('case-u')), ['case-u1', 'case-u2'])

      await cases.delete('case-u2')
      await t.rejects(cases.get('case-u2'), { code: 'PITWALL_ERR_CASE_UNKNOWN' })
      await t.rejects(cases.delete('case-u2'), { code: 'PITWALL_ERR_CASE_UNKNOWN', message: 'no case case-u2' })
    })

    t.test('a pack with an invalid case or an id twice is refused whole', async (t) => {
      await t.rejects(cases.apply([caseInput('case-p1'), caseInput('case-p2', { dtcs: ['P03'] })], 'demo'), { code: 'PITWALL_ERR_CASE_INVALID', message: /case-p2/ })
      await t.rejects(cases.apply([caseInput('case-p1'), caseInput('case-p1')], 'demo'), { code: 'PITWALL_ERR_CASE_INVALID', message: 'case case-p1 is given twice' })
      await t.rejects(cases.get('case-p1'), { code: 'PITWALL_ERR_CASE_UNKNOWN' })
    })

    t.test('search finds cases by words, stemmed, best first', async (t) => {
      await cases.apply(loadCasePack(DEMO_CASE_PACK), 'demo')
      const ids = async (q: string): Promise<string[]> => (await cases.search(q)).map((h) => h.case.id)
      t.equal((await ids('radiator fan not running'))[0], 'case-cooling-fan')
      t.ok((await ids('misfiring cylinder')).includes('case-misfire-cylinder-1'), '"misfiring" finds "misfire"')
      t.same(await ids('"remote extended balancing"'), ['case-hv-cell-imbalance'], 'a quoted phrase')
      t.notOk((await ids('coolant -fan')).includes('case-cooling-fan'), 'an excluded word')
      t.same(await ids('flux capacitor'), [], 'no case has these words')
      t.same(await ids('the'), [], 'stop words alone match nothing')
      await t.rejects(cases.search('  '), { code: 'PITWALL_ERR_CASE_QUERY', message: /empty/ })
      await t.rejects(cases.search('fan', { limit: 0 }), { code: 'PITWALL_ERR_CASE_QUERY', message: /limit must be a whole number from 1 to 100/ })
      t.equal((await cases.search('coolant', { limit: 1 })).length, 1)
    })

    t.test('a DTC as the query finds the cases that list it', async (t) => {
      await cases.apply([
        caseInput('case-d1', { title: 'Rough running', dtcs: ['P0304'], symptoms: 'Engine shakes.' }),
        caseInput('case-d2', { title: 'Lean mixture', dtcs: ['P0174', 'P0304'] }),
        caseInput('case-d3', { title: 'Unrelated', dtcs: ['P0174'] })
      ], 'alice')
      const ids = async (q: string): Promise<string[]> => (await cases.search(q)).map((h) => h.case.id).sort()
      t.same(await ids('P0304'), ['case-d1', 'case-d2'])
      t.same(await ids('p0304'), ['case-d1', 'case-d2'], 'in any case')
      t.same(await ids('P0304-1A'), ['case-d1', 'case-d2'], 'with a failure type: its code')
      t.same(await ids('P0174 shakes'), [], 'every word must match')
      t.same(await ids('P0174 or shakes'), ['case-d1', 'case-d2', 'case-d3'])
    })

    t.test('ranking puts the better match first: title and DTCs over symptoms over steps', async (t) => {
      await cases.apply([
        caseInput('case-r-steps', { title: 'Window regulator', steps: ['Check the quokka switch'] }),
        caseInput('case-r-title', { title: 'Quokka switch broken', steps: ['Replace the switch'] }),
        caseInput('case-r-symptoms', { title: 'Door panel rattles', symptoms: 'The quokka switch rattles in the door.' })
      ], 'alice')
      const hits = await cases.search('quokka')
      t.same(hits.map((h) => h.case.id), ['case-r-title', 'case-r-symptoms', 'case-r-steps'])
      t.ok((hits[0]?.rank ?? 0) > (hits[1]?.rank ?? 0) && (hits[1]?.rank ?? 0) > (hits[2]?.rank ?? 0), 'strictly decreasing ranks')
    })

    t.test('the snippet highlights the matched words and escapes the case text', async (t) => {
      await cases.apply([caseInput('case-s1', {
        title: 'Cluster display',
        symptoms: 'The instrument cluster shows <b>ERR 42</b> & the odometer flickers after a cold start.',
        steps: ['Reflash the cluster firmware']
      })], 'alice')
      const [hit] = await cases.search('odometer flickering')
      t.equal(hit?.case.id, 'case-s1')
      t.match(hit?.snippet, /<mark>odometer<\/mark> <mark>flickers<\/mark>/)
      t.match(hit?.snippet, /&lt;b&gt;ERR 42&lt;\/b&gt; &amp;/, 'markup in the case text arrives as text')
      t.notMatch(hit?.snippet, /<b>/)
    })

    t.test('a resolved fault becomes a case; an open one is refused', async (t) => {
      const vin = 'WDB12345678900001'
      const vehicleId = await storage.vehicles.add({ vin }, 'scrypt$x')
      const other = await storage.vehicles.add({ vin: 'WDB12345678900002' }, 'scrypt$x')
      const rule: RuleDefinition = {
        id: 'case-overheat',
        name: 'Engine overheating at idle',
        description: 'Coolant too hot while the vehicle stands still.',
        severity: 'critical',
        enabled: true,
        scope: { models: [], firmware: [] },
        when: { kind: 'compare', signal: ECT, op: '>', value: 112 },
        forS: 20,
        clearForS: 60,
        reopenWithinS: 600,
        action: { type: 'dealer_prestage', parts: [{ number: null, description: 'radiator fan assembly', quantity: 1 }], repairHours: 2.5, fix: 'replace the fan' },
        version: 'case-overheat-v1'
      }
      await storage.rules.apply([rule])
      const event = (type: 'opened' | 'cleared', dtS: number, vehicle = vehicleId): Parameters<typeof storage.faults.record>[0][number] => ({
        type, vehicleId: vehicle, ruleId: rule.id, ruleVersion: rule.version, severity: 'critical', timeUs: T0 + dtS * 1e6, occurrences: 1,
        evidence: [{ signal: ECT, t: T0 / 1e6 - 10, value: 112.5 }, { signal: ECT, t: T0 / 1e6, value: 118 }],
        action: rule.action
      })
      await storage.faults.record([event('opened', 0)])
      const [fault] = await storage.faults.list({ vin, ruleId: rule.id })
      const faultId = fault?.id as number

      // what the vehicle reported around the fault, and what must be left out
      const dtc = async (vehicle: number, dtS: number, code: string, status: number): Promise<void> => {
        await poolOf(storage).query('INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) VALUES ($1, $2, $3, $4, $5)',
          [new Date(T0 / 1000 + dtS * 1000), vehicle, 0x7e8, parseUdsDtcText(code), status])
      }
      await dtc(vehicleId, -60, 'P0480-13', 0x09) // testFailed + confirmedDTC, a minute before
      await dtc(vehicleId, 30, 'P0217', 0x04) // pending, after opening
      await dtc(vehicleId, 30, 'P0480', 0x08) // the same code again
      await dtc(vehicleId, 40, 'P0700', 0x10) // status without a failed test: not a symptom
      await dtc(vehicleId, -3600, 'P0420', 0x08) // an hour before: another story
      await dtc(other, 0, 'P0300', 0x08) // another vehicle

      await t.rejects(cases.fromFault(faultId, { id: 'case-from-fault', by: 'eve' }),
        { code: 'PITWALL_ERR_FAULT_NOT_RESOLVED', message: new RegExp(`fault ${faultId} is open: only a resolved fault`) })
      await storage.faults.acknowledge(faultId, 'eve')
      await t.rejects(cases.fromFault(faultId, { id: 'case-from-fault', by: 'eve' }), { code: 'PITWALL_ERR_FAULT_NOT_RESOLVED', message: /is acknowledged/ })
      await t.rejects(cases.fromFault(999_999, { id: 'case-from-fault', by: 'eve' }), { code: 'PITWALL_ERR_FAULT_UNKNOWN', message: /no fault 999999/ })

      await storage.faults.resolve(faultId, 'eve', 'Fan relay burnt; replaced relay and fan assembly.')
      const made = await cases.fromFault(faultId, { id: 'case-from-fault', by: 'eve' })
      t.match(made, {
        id: 'case-from-fault',
        title: 'Engine overheating at idle',
        dtcs: ['P0217', 'P0480'],
        steps: ['Fan relay burnt; replaced relay and fan assembly.'],
        parts: [{ number: null, description: 'radiator fan assembly', quantity: 1 }],
        repairHours: 2.5,
        sourceFaultId: faultId,
        createdBy: 'eve'
      })
      t.equal(made.symptoms, 'Engine overheating at idle.\nCoolant too hot while the vehicle stands still.\n' +
        `Powertrain Combustion Engine ECT: 112.5 to 118 degC (${ECT})`)
      t.same((await cases.search('combustion engine P0480')).map((h) => h.case.id), ['case-from-fault'], 'found by its evidence and DTCs')

      await t.rejects(cases.fromFault(faultId, { id: 'case-from-fault', by: 'eve' }), { code: 'PITWALL_ERR_CASE_EXISTS' })
      const chosen = await cases.fromFault(faultId, { id: 'case-from-fault-2', title: 'Fan relay burnt', steps: ['Replace the fan relay'], parts: [], repairHours: null, by: 'eve' })
      t.match(chosen, { title: 'Fan relay burnt', steps: ['Replace the fan relay'], parts: [], repairHours: null })
      await t.rejects(cases.fromFault(faultId, { id: 'Bad Id', by: 'eve' }), { code: 'PITWALL_ERR_CASE_INVALID', message: /id must be a slug/ })

      // auto-cleared: the condition went away, but nobody said what fixed it
      await storage.faults.record([event('opened', 0, other)])
      await storage.faults.record([event('cleared', 100, other)])
      const [cleared] = await storage.faults.list({ vin: 'WDB12345678900002', ruleId: rule.id })
      t.equal(cleared?.state, 'auto_cleared')
      await t.rejects(cases.fromFault(cleared?.id as number, { id: 'case-cleared', by: 'eve' }), { code: 'PITWALL_ERR_FAULT_NOT_RESOLVED', message: /is auto-cleared/ })
      // resolved without a note and without steps: nothing to write as the fix
      await storage.faults.resolve(cleared?.id as number, 'eve')
      await t.rejects(cases.fromFault(cleared?.id as number, { id: 'case-cleared', by: 'eve' }),
        { code: 'PITWALL_ERR_CASE_INVALID', message: /steps are required \(fault \d+ has no resolution note/ })
    })
  })
}
