/**
 * The case base in storage: known faults and their fixes, found by full-text
 * search (PostgreSQL's text search, which PGlite has too: the `search`
 * vector of migration 008, over structured parts since 026, weights title and
 * DTCs over symptoms over steps and parts). Cases arrive checked (actions/cases/policy.ts); the case base
 * (actions/cases/case-base.ts) is what callers use.
 */
import type pg from 'pg'
import {
  DTC_WINDOW_MS, FAILED_STATUS_MASK, type Case, type CaseHit, type CaseOutcome, type FaultForCase, type ValidCase
} from '../actions/cases/model.js'
import { PitwallError } from '../runtime/errors.js'

/** A Case from the table (or row set) `t`. */
const caseColumns = (t: string): string => `${t}.id, ${t}.title, ${t}.symptoms, ${t}.dtcs, ${t}.steps, ${t}.parts,
  ${t}.repair_hours::float8 AS "repairHours", ${t}.source_fault_id AS "sourceFaultId", ${t}.created_by AS "createdBy",
  ${t}.created_at AS "createdAt", ${t}.updated_by AS "updatedBy", ${t}.updated_at AS "updatedAt"`
const CASE_COLUMNS = caseColumns('cases')

// One statement for any number of cases: new ones are inserted; existing
// ones are updated only when something differs (so applying a pack twice
// writes nothing), keeping who created them and from which fault. `prior`
// and the final SELECT see the table as it was before the statement.
const APPLY = `
WITH c AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c (id text, title text, symptoms text, dtcs text[], steps text[], parts jsonb, "repairHours" numeric)
), prior AS (
  SELECT ${CASE_COLUMNS} FROM cases WHERE id IN (SELECT id FROM c)
), up AS (
  INSERT INTO cases (id, title, symptoms, dtcs, steps, parts, repair_hours, created_by, updated_by)
  SELECT id, title, symptoms, dtcs, steps, parts, "repairHours", $2, $2 FROM c
  ON CONFLICT (id) DO UPDATE SET title = excluded.title, symptoms = excluded.symptoms, dtcs = excluded.dtcs, steps = excluded.steps,
    parts = excluded.parts, repair_hours = excluded.repair_hours, updated_by = excluded.updated_by, updated_at = now()
  WHERE (cases.title, cases.symptoms, cases.dtcs, cases.steps, cases.parts, cases.repair_hours)
    IS DISTINCT FROM (excluded.title, excluded.symptoms, excluded.dtcs, excluded.steps, excluded.parts, excluded.repair_hours)
  RETURNING ${CASE_COLUMNS}
)
SELECT u.*, CASE WHEN EXISTS (SELECT 1 FROM prior p WHERE p.id = u.id) THEN 'changed' ELSE 'added' END AS outcome FROM up u
UNION ALL
SELECT p.*, 'unchanged' FROM prior p WHERE NOT EXISTS (SELECT 1 FROM up u WHERE u.id = p.id)`

// The snippet is cut from the case text HTML-escaped first, so that text
// from a case (or a fault) can never become markup in a console that shows
// the snippet as HTML; ts_headline keeps the entities as they are. Only the
// best `limit` rows get a headline, which is the costly part.
const SEARCH = `
WITH q AS (SELECT websearch_to_tsquery('english', $1) AS q),
hits AS (
  SELECT c.*, ts_rank_cd(c.search, q.q) AS rank FROM cases c, q WHERE c.search @@ q.q
  ORDER BY rank DESC, c.id LIMIT $2 OFFSET $3
)
SELECT ${caseColumns('h')}, h.rank,
  ts_headline('english',
    replace(replace(replace(h.symptoms || E'\\n' || array_to_string(h.steps, E'\\n') || E'\\n' || case_parts_text(h.parts),
      '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
    q.q, 'StartSel=<mark>, StopSel=</mark>, MinWords=8, MaxWords=30, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
FROM hits h, q ORDER BY h.rank DESC, h.id`

// The fault, the rule version that raised it, and the DTCs the vehicle
// reported as failed from DTC_WINDOW_MS before it opened to as long after
// it last occurred (or cleared).
const FAULT_FOR_CASE = `
SELECT f.state, rv.definition->>'name' AS "ruleName", rv.definition->>'description' AS "ruleDescription",
  f.evidence, f.action, f.resolution_note AS "resolutionNote",
  ARRAY(SELECT DISTINCT d.dtc >> 8 FROM dtc_events d
    WHERE d.vehicle_id = f.vehicle_id AND d.status & $2 <> 0
      AND d.time BETWEEN f.opened_at - $3 * interval '1 millisecond'
                     AND coalesce(f.cleared_at, f.last_occurred_at) + $3 * interval '1 millisecond'
    ORDER BY 1) AS dtcs
FROM faults f JOIN rule_versions rv ON rv.id = f.rule_id AND rv.version = f.rule_version
WHERE f.id = $1`

export class CaseStore {
  constructor (private readonly pool: pg.Pool) {}

  /** A new case, made from `sourceFaultId` when given; an id already in use is refused (PITWALL_ERR_CASE_EXISTS). */
  async insert (c: ValidCase, by: string, sourceFaultId: number | null = null): Promise<Case> {
    const res = await this.pool.query<Case>(
      `INSERT INTO cases (id, title, symptoms, dtcs, steps, parts, repair_hours, source_fault_id, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING RETURNING ${CASE_COLUMNS}`,
      // a JS array is sent as a PostgreSQL array literal; the parts column is jsonb
      [c.id, c.title, c.symptoms, c.dtcs, c.steps, JSON.stringify(c.parts), c.repairHours, sourceFaultId, by])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_CASE_EXISTS', `case ${c.id} already exists: choose another id, or update that case`)
    return row
  }

  /**
   * Creates the cases or replaces their content (who created them, and from
   * which fault, stay), in one statement; ids must differ.
   */
  async write (cases: readonly ValidCase[], by: string): Promise<Array<{ case: Case, outcome: CaseOutcome }>> {
    const res = await this.pool.query<Case & { outcome: CaseOutcome }>(APPLY, [JSON.stringify(cases), by])
    return res.rows.map(({ outcome, ...c }) => ({ case: c, outcome }))
  }

  async get (id: string): Promise<Case> {
    const found = await this.find(id)
    if (found === undefined) throw unknownCase(id)
    return found
  }

  /** The case, or undefined when there is none with this id (a rule may name a case not written yet). */
  async find (id: string): Promise<Case | undefined> {
    const res = await this.pool.query<Case>(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1`, [id])
    return res.rows[0]
  }

  /** Cases in id order. */
  async list (limit: number, offset: number): Promise<Case[]> {
    const res = await this.pool.query<Case>(`SELECT ${CASE_COLUMNS} FROM cases ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset])
    return res.rows
  }

  async delete (id: string): Promise<void> {
    const res = await this.pool.query('DELETE FROM cases WHERE id = $1', [id])
    if (res.rowCount === 0) throw unknownCase(id)
  }

  /** Web-search syntax (websearch_to_tsquery) with English stemming; best match first. */
  async search (text: string, limit: number, offset: number): Promise<CaseHit[]> {
    const res = await this.pool.query<Case & { rank: number, snippet: string }>(SEARCH, [text, limit, offset])
    return res.rows.map(({ rank, snippet, ...c }) => ({ case: c, rank, snippet }))
  }

  /**
   * The cases made from this fault (POST /api/v1/faults/:id/case), oldest
   * first. The fault does not name them (its case_id is the case its rule
   * names); the link is the case's source_fault_id, which no index holds:
   * a case base is thousands of rows (5,000 scanned in 2.4 ms on PostgreSQL),
   * read once per fault page.
   */
  async madeFrom (faultId: number): Promise<Array<{ id: string, title: string }>> {
    const res = await this.pool.query<{ id: string, title: string }>('SELECT id, title FROM cases WHERE source_fault_id = $1 ORDER BY created_at, id', [faultId])
    return res.rows
  }

  /** What a case made from this fault starts from; undefined: no such fault. */
  async faultForCase (faultId: number): Promise<FaultForCase | undefined> {
    const res = await this.pool.query<FaultForCase>(FAULT_FOR_CASE, [faultId, FAILED_STATUS_MASK, DTC_WINDOW_MS])
    return res.rows[0]
  }
}

function unknownCase (id: string): PitwallError {
  return new PitwallError('PITWALL_ERR_CASE_UNKNOWN', `no case ${id}`)
}
