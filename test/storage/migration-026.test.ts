/**
 * Migration 026 on a database written before parts were structured, on both
 * backends: the migrations before it run on an empty database, rows are
 * written as the stores wrote them then (cases with text[] parts, a rule's
 * dealer_prestage action and the fault that copied it with text parts),
 * then 026 runs. Every text part becomes its description, quantity 1, no
 * number, in order and whole (however long); the case search finds a part
 * by its text and, once structured, by its number.
 */
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import t from 'tap'
import { CaseStore } from '../../storage/cases.js'
import { openEmbedded } from '../../storage/embedded.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const DIR = new URL('../../storage/migrations/', import.meta.url)
const files = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort()
const before = files.filter((f) => f < '026_')
const sql = (file: string): string => readFileSync(new URL(file, DIR), 'utf8')
const LONG = `coolant hose ${'with clamps '.repeat(20)}`.trim()

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const embedded = backend === 'pglite' ? await openEmbedded('memory://') : undefined
    const pool = new pg.Pool({ connectionString: db?.url ?? embedded?.url, max: 1 })
    t.teardown(async () => { await pool.end(); await embedded?.close(); await db?.drop() })
    for (const file of before) await pool.query(sql(file))

    const vehicle = (await pool.query<{ id: number }>("INSERT INTO vehicles (vin, model) VALUES ('WBA3B5C50FD000026', 'demo-ev') RETURNING id")).rows[0]?.id
    const action = { type: 'dealer_prestage', parts: ['radiator fan assembly', '  fan relay ', '', LONG], repairHours: 2.5, fix: 'replace the fan' }
    const definition = { id: 'overheat', name: 'Overheat', severity: 'major', action }
    await pool.query("INSERT INTO rule_versions (id, version, definition) VALUES ('overheat', 'v1', $1)", [definition])
    await pool.query("INSERT INTO rules (id, version, definition, enabled) VALUES ('overheat', 'v1', $1, true)", [definition])
    await pool.query("INSERT INTO rule_versions (id, version, definition) VALUES ('reminder', 'v1', $1)", [{ id: 'reminder', action: { type: 'service_reminder', task: 'oil' } }])
    const fault = (await pool.query<{ id: string }>(
      `INSERT INTO faults (vehicle_id, rule_id, rule_version, severity, state, opened_at, last_occurred_at, evidence, action)
       VALUES ($1, 'overheat', 'v1', 'major', 'open', now(), now(), '[]', $2) RETURNING id`, [vehicle, action])).rows[0]?.id
    await pool.query(`INSERT INTO cases (id, title, steps, parts, repair_hours, created_by, updated_by)
      VALUES ('case-fan', 'Fan not running', '{"Swap the relay"}', $1, 2.5, 'eva', 'eva'), ('case-none', 'Nothing to order', '{}', '{}', NULL, 'eva', 'eva')`,
    [['radiator fan assembly', 'fan relay', LONG]])

    await pool.query(sql('026_structured_parts_and_surveys.sql'))

    const part = (description: string): object => ({ number: null, description, quantity: 1 })
    const cases = new CaseStore(pool)
    t.same((await cases.get('case-fan')).parts, [part('radiator fan assembly'), part('fan relay'), part(LONG)], 'a case\'s parts, in order, the long one whole')
    t.same((await cases.get('case-none')).parts, [])
    const parts = [part('radiator fan assembly'), part('fan relay'), part(LONG)]
    const stored = async (query: string): Promise<unknown> => (await pool.query<{ v: unknown }>(query)).rows[0]?.v
    t.same(await stored("SELECT definition #> '{action,parts}' AS v FROM rules WHERE id = 'overheat'"), parts, 'the rule as stored; the empty part said nothing and is gone')
    t.same(await stored("SELECT definition #> '{action,parts}' AS v FROM rule_versions WHERE id = 'overheat'"), parts, 'and every version of it')
    t.equal(await stored("SELECT version AS v FROM rules WHERE id = 'overheat'"), 'v1', 'the version the fault points at stays')
    t.same(await stored(`SELECT action -> 'parts' AS v FROM faults WHERE id = ${String(fault)}`), parts, 'the action the fault copied')
    t.same(await stored("SELECT definition -> 'action' AS v FROM rule_versions WHERE id = 'reminder'"), { type: 'service_reminder', task: 'oil' }, 'other actions untouched')

    t.same((await cases.search('relay', 10, 0)).map((h) => h.case.id), ['case-fan'], 'a part is still found by its text')
    await cases.write([{ id: 'case-fan', title: 'Fan not running', symptoms: '', dtcs: [], steps: ['Swap the relay'], parts: [{ number: 'PW-6121-004', description: 'fan relay', quantity: 2 }], repairHours: 2.5 }], 'eva')
    const hits = await cases.search('PW-6121-004', 10, 0)
    t.same(hits.map((h) => h.case.id), ['case-fan'], 'and by its number once it has one')
    t.match(hits[0]?.snippet, '<mark>PW</mark><mark>-6121</mark><mark>-004</mark> fan relay', 'the snippet marks the number')
    await t.rejects(pool.query("INSERT INTO alert_surveys (alert_id, answered_at, recorded_by) VALUES (1, now(), 'eva')"), /check constraint/, 'a survey answer without a score is refused by the table too')
  })
}
