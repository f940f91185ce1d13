/**
 * The case base: known faults and their fixes, found by full-text search
 * (PostgreSQL's text search, which PGlite has too: the `search` vector of
 * migration 008 weights title and DTCs over symptoms over steps and parts).
 * Rules name a case by id; an engineer turns a resolved fault into a new one
 * with fromFault.
 */
import type pg from 'pg'
import { catalogSignalByName } from '../decoders/catalog.js'
import { dtcText, parseUdsDtcText } from '../decoders/dtc/j2012.js'
import type { EvidenceSample, RuleAction } from '../rules/model.js'
import { StorageError } from './errors.js'

export interface CaseInput {
  /** a slug: lower-case letters and digits in hyphen-separated words, e.g. case-cooling-fan */
  id: string
  title: string
  symptoms?: string | undefined
  /** SAE J2012 codes; 'P0301-1A' is stored as its code 'P0301' (the case is about the code) */
  dtcs?: readonly string[] | undefined
  /** the repair, in order */
  steps?: readonly string[] | undefined
  parts?: readonly string[] | undefined
  repairHours?: number | null | undefined
}

export interface Case {
  id: string
  title: string
  symptoms: string
  dtcs: string[]
  steps: string[]
  parts: string[]
  repairHours: number | null
  /** the resolved fault the case was made from */
  sourceFaultId: number | null
  createdBy: string
  createdAt: Date
  updatedBy: string
  updatedAt: Date
}

export interface CaseHit {
  case: Case
  /** ts_rank_cd: higher is better; comparable within one search only */
  rank: number
  /**
   * HTML: an excerpt of the symptoms and steps, escaped, with the words the
   * query matched in <mark>…</mark>.
   */
  snippet: string
}

export type CaseOutcome = 'added' | 'changed' | 'unchanged'

export interface CaseFromFault {
  id: string
  /** default: the name of the rule that raised the fault */
  title?: string | undefined
  /** default: the fault's resolution note as the one step */
  steps?: readonly string[] | undefined
  /** default: the parts of the rule's dealer pre-staging action */
  parts?: readonly string[] | undefined
  /** default: the repair hours of the rule's dealer pre-staging action */
  repairHours?: number | null | undefined
  /** the engineer */
  by: string
}

/** Limits that keep one case readable and a search response small. */
const MAX_ID = 100
const MAX_TITLE = 200
const MAX_SYMPTOMS = 10_000
const MAX_ITEM = 2_000
const MAX_ITEMS = 100
const MAX_REPAIR_HOURS = 9_999
/** the most cases one list or search returns */
export const MAX_PAGE = 100

/**
 * DTCs a vehicle reported this long before a fault opened, or after it last
 * occurred (or cleared), count as the fault's: a DTC often sets before the
 * rule's `for` window has elapsed, and a confirmed one may follow it.
 */
const DTC_WINDOW_MS = 10 * 60_000
/** ISO 14229-1 D.2 status bits that say the DTC's test failed: testFailed, pendingDTC, confirmedDTC. */
const FAILED_STATUS_MASK = 0b0000_1101

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

const caseColumns = (t: string): string => `${t}.id, ${t}.title, ${t}.symptoms, ${t}.dtcs, ${t}.steps, ${t}.parts,
  ${t}.repair_hours::float8 AS repair_hours, ${t}.source_fault_id, ${t}.created_by, ${t}.created_at, ${t}.updated_by, ${t}.updated_at`
const CASE_COLUMNS = caseColumns('cases')

interface CaseRow {
  id: string
  title: string
  symptoms: string
  dtcs: string[]
  steps: string[]
  parts: string[]
  repair_hours: number | null
  source_fault_id: string | null
  created_by: string
  created_at: Date
  updated_by: string
  updated_at: Date
}

// One statement for any number of cases: new ones are inserted; existing
// ones are updated only when something differs (so applying a pack twice
// writes nothing), keeping who created them and from which fault. `prior`
// and the final SELECT see the table as it was before the statement.
const APPLY = `
WITH c AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c (id text, title text, symptoms text, dtcs text[], steps text[], parts text[], repair_hours numeric)
), prior AS (
  SELECT ${CASE_COLUMNS} FROM cases WHERE id IN (SELECT id FROM c)
), up AS (
  INSERT INTO cases (id, title, symptoms, dtcs, steps, parts, repair_hours, created_by, updated_by)
  SELECT id, title, symptoms, dtcs, steps, parts, repair_hours, $2, $2 FROM c
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
    replace(replace(replace(h.symptoms || E'\\n' || array_to_string(h.steps, E'\\n') || E'\\n' || array_to_string(h.parts, ', '),
      '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
    q.q, 'StartSel=<mark>, StopSel=</mark>, MinWords=8, MaxWords=30, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
FROM hits h, q ORDER BY h.rank DESC, h.id`

export class CaseStore {
  constructor (private readonly pool: pg.Pool) {}

  /** A new case; an id already in use is refused (PITWALL_ERR_CASE_EXISTS). */
  async add (input: CaseInput, by: string): Promise<Case> {
    const c = validateCase(input)
    const res = await this.pool.query<CaseRow>(
      `INSERT INTO cases (id, title, symptoms, dtcs, steps, parts, repair_hours, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO NOTHING RETURNING ${CASE_COLUMNS}`,
      [c.id, c.title, c.symptoms, c.dtcs, c.steps, c.parts, c.repairHours, author(by)])
    const row = res.rows[0]
    if (row === undefined) throw caseExists(c.id)
    return caseOf(row)
  }

  /** Creates the case or replaces its content (who created it, and from which fault, stay). */
  async upsert (input: CaseInput, by: string): Promise<{ case: Case, outcome: CaseOutcome }> {
    const [result] = await this.write([validateCase(input)], by)
    return result as { case: Case, outcome: CaseOutcome }
  }

  /**
   * Upserts several cases in one statement (a case pack), all or none: any
   * invalid case, or an id given twice, refuses the lot.
   */
  async apply (inputs: readonly CaseInput[], by: string): Promise<Record<CaseOutcome, string[]>> {
    const cases = inputs.map(validateCase)
    const seen = new Set<string>()
    for (const c of cases) {
      if (seen.has(c.id)) throw new StorageError('PITWALL_ERR_CASE_INVALID', `case ${c.id} is given twice`)
      seen.add(c.id)
    }
    const outcome: Record<CaseOutcome, string[]> = { added: [], changed: [], unchanged: [] }
    if (cases.length === 0) return outcome
    for (const r of await this.write(cases, by)) outcome[r.outcome].push(r.case.id)
    for (const ids of Object.values(outcome)) ids.sort()
    return outcome
  }

  private async write (cases: readonly ValidCase[], by: string): Promise<Array<{ case: Case, outcome: CaseOutcome }>> {
    const rows = cases.map((c) => ({
      id: c.id, title: c.title, symptoms: c.symptoms, dtcs: c.dtcs, steps: c.steps, parts: c.parts, repair_hours: c.repairHours
    }))
    const res = await this.pool.query<CaseRow & { outcome: CaseOutcome }>(APPLY, [JSON.stringify(rows), author(by)])
    return res.rows.map((r) => ({ case: caseOf(r), outcome: r.outcome }))
  }

  async get (id: string): Promise<Case> {
    const res = await this.pool.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = $1`, [id])
    const row = res.rows[0]
    if (row === undefined) throw unknownCase(id)
    return caseOf(row)
  }

  /** Cases in id order. */
  async list (options: { limit?: number | undefined, offset?: number | undefined } = {}): Promise<Case[]> {
    const res = await this.pool.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM cases ORDER BY id LIMIT $1 OFFSET $2`,
      [pageLimit(options.limit, MAX_PAGE), pageOffset(options.offset)])
    return res.rows.map(caseOf)
  }

  async delete (id: string): Promise<void> {
    const res = await this.pool.query('DELETE FROM cases WHERE id = $1', [id])
    if (res.rowCount === 0) throw unknownCase(id)
  }

  /**
   * Web-search syntax (websearch_to_tsquery): words, "quoted phrases",
   * `or`, `-excluded`; English stemming, so "misfiring" finds "misfire". A
   * DTC is a word like any other and finds the cases that list it; a DTC with
   * its failure type (P0301-1A) searches for its code. Best match first.
   */
  async search (query: string, options: { limit?: number | undefined, offset?: number | undefined } = {}): Promise<CaseHit[]> {
    const text = query.replaceAll(/\b([PCBU][0-3][0-9A-F]{3})-[0-9A-F]{2}\b/gi, '$1').trim()
    if (text === '') throw new StorageError('PITWALL_ERR_CASE_QUERY', 'the search query is empty: give words or a DTC (e.g. P0301)')
    const res = await this.pool.query<CaseRow & { rank: number, snippet: string }>(SEARCH, [text, pageLimit(options.limit, 20), pageOffset(options.offset)])
    return res.rows.map((r) => ({ case: caseOf(r), rank: r.rank, snippet: r.snippet }))
  }

  /**
   * An engineer records how a resolved fault was fixed, as a new case: the
   * symptoms are the rule's name and description and the signals of the
   * fault's freeze frame, the DTCs those the vehicle reported as failed
   * around the fault (DTC_WINDOW_MS). A fault that is not resolved is
   * refused: until an engineer resolves it, nobody knows the fix worked.
   */
  async fromFault (faultId: number, options: CaseFromFault): Promise<Case> {
    const res = await this.pool.query<{
      state: string
      rule_name: string | null
      rule_description: string | null
      evidence: EvidenceSample[]
      action: RuleAction | null
      resolution_note: string | null
      dtcs: number[]
    }>(
      `SELECT f.state, rv.definition->>'name' AS rule_name, rv.definition->>'description' AS rule_description,
         f.evidence, f.action, f.resolution_note,
         ARRAY(SELECT DISTINCT d.dtc >> 8 FROM dtc_events d
           WHERE d.vehicle_id = f.vehicle_id AND d.status & $2 <> 0
             AND d.time BETWEEN f.opened_at - $3 * interval '1 millisecond'
                            AND coalesce(f.cleared_at, f.last_occurred_at) + $3 * interval '1 millisecond'
           ORDER BY 1) AS dtcs
       FROM faults f JOIN rule_versions rv ON rv.id = f.rule_id AND rv.version = f.rule_version
       WHERE f.id = $1`, [faultId, FAILED_STATUS_MASK, DTC_WINDOW_MS])
    const fault = res.rows[0]
    if (fault === undefined) throw new StorageError('PITWALL_ERR_FAULT_UNKNOWN', `no fault ${faultId} (pitwall faults list shows the stored faults)`)
    if (fault.state !== 'resolved') {
      throw new StorageError('PITWALL_ERR_FAULT_NOT_RESOLVED',
        `fault ${faultId} is ${fault.state.replaceAll('_', '-')}: only a resolved fault becomes a case, once its fix is known to work (pitwall faults resolve)`)
    }
    const prestage = fault.action?.type === 'dealer_prestage' ? fault.action : undefined
    const ruleName = fault.rule_name ?? 'Fault'
    const steps = options.steps ?? (fault.resolution_note === null ? undefined : [fault.resolution_note])
    if (steps === undefined || steps.length === 0) {
      throw new StorageError('PITWALL_ERR_CASE_INVALID', `case ${options.id}: steps are required (fault ${faultId} has no resolution note to use)`)
    }
    const c = validateCase({
      id: options.id,
      title: options.title ?? ruleName,
      symptoms: [ruleName + '.', fault.rule_description ?? '', evidenceText(fault.evidence)].filter((s) => s !== '').join('\n'),
      dtcs: fault.dtcs.map(dtcText),
      steps,
      parts: options.parts ?? prestage?.parts ?? [],
      repairHours: options.repairHours !== undefined ? options.repairHours : prestage?.repairHours ?? null
    })
    const inserted = await this.pool.query<CaseRow>(
      `INSERT INTO cases (id, title, symptoms, dtcs, steps, parts, repair_hours, source_fault_id, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING RETURNING ${CASE_COLUMNS}`,
      [c.id, c.title, c.symptoms, c.dtcs, c.steps, c.parts, c.repairHours, faultId, author(options.by)])
    const row = inserted.rows[0]
    if (row === undefined) throw caseExists(c.id)
    return caseOf(row)
  }
}

/** A case's own content, checked and normalised (Case without its bookkeeping). */
type ValidCase = Pick<Case, 'id' | 'title' | 'symptoms' | 'dtcs' | 'steps' | 'parts' | 'repairHours'>

/**
 * Checks a case from any source (API, pack, fault) and normalises it:
 * trimmed text, DTCs as upper-case J2012 codes without duplicates. Errors
 * are PITWALL_ERR_CASE_INVALID naming the case and the field.
 */
export function validateCase (input: CaseInput): ValidCase {
  const id = input.id
  const fail = (what: string): never => { throw new StorageError('PITWALL_ERR_CASE_INVALID', `case ${JSON.stringify(id)}: ${what}`) }
  if (typeof id !== 'string' || id.length > MAX_ID || !SLUG.test(id)) {
    fail(`id must be a slug of at most ${MAX_ID} characters: lower-case letters and digits in hyphen-separated words, e.g. case-cooling-fan`)
  }
  const title = typeof input.title === 'string' ? input.title.trim() : ''
  if (title === '') fail('title is required')
  if (title.length > MAX_TITLE) fail(`title is ${title.length} characters; at most ${MAX_TITLE}`)
  const symptoms = input.symptoms ?? ''
  if (typeof symptoms !== 'string') fail('symptoms must be text')
  if (symptoms.length > MAX_SYMPTOMS) fail(`symptoms are ${symptoms.length} characters; at most ${MAX_SYMPTOMS}`)
  const list = (field: string, items: readonly string[] | undefined): string[] => {
    if (items === undefined) return []
    if (!Array.isArray(items)) fail(`${field} must be a list of text`)
    if (items.length > MAX_ITEMS) fail(`${field} has ${items.length} entries; at most ${MAX_ITEMS}`)
    return items.map((item, i) => {
      const text = typeof item === 'string' ? item.trim() : ''
      if (text === '') fail(`${field}[${i}] is empty`)
      if (text.length > MAX_ITEM) fail(`${field}[${i}] is ${text.length} characters; at most ${MAX_ITEM}`)
      return text
    })
  }
  const dtcs = [...new Set(list('dtcs', input.dtcs).map((text, i) => {
    try {
      return dtcText(parseUdsDtcText(text) >>> 8)
    } catch (err) {
      return fail(`dtcs[${i}]: ${(err as Error).message}`)
    }
  }))]
  const repairHours = input.repairHours ?? null
  if (repairHours !== null && !(typeof repairHours === 'number' && Number.isFinite(repairHours) && repairHours >= 0 && repairHours <= MAX_REPAIR_HOURS)) {
    fail(`repairHours must be a number of hours from 0 to ${MAX_REPAIR_HOURS}, got ${JSON.stringify(repairHours)}`)
  }
  return {
    id,
    title,
    symptoms: symptoms.trim(),
    dtcs,
    steps: list('steps', input.steps),
    parts: list('parts', input.parts),
    // numeric(6, 2): the database would round; say so by rounding here
    repairHours: repairHours === null ? null : Math.round(repairHours * 100) / 100
  }
}

function pageLimit (limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new StorageError('PITWALL_ERR_CASE_QUERY', `limit must be a whole number from 1 to ${MAX_PAGE}, got ${String(limit)}`)
  }
  return limit
}

function pageOffset (offset: number | undefined): number {
  if (offset === undefined) return 0
  if (!Number.isInteger(offset) || offset < 0) throw new StorageError('PITWALL_ERR_CASE_QUERY', `offset must be a whole number from 0, got ${String(offset)}`)
  return offset
}

function author (by: string): string {
  const name = typeof by === 'string' ? by.trim() : ''
  if (name === '') throw new StorageError('PITWALL_ERR_CASE_INVALID', 'say who writes the case (by is empty)')
  return name
}

/**
 * The freeze frame as searchable text: one line per signal with its range,
 * the VSS name split into words ("Low Voltage Battery Current Voltage"),
 * because text search reads a dotted name as one token nobody would type.
 */
function evidenceText (evidence: readonly EvidenceSample[]): string {
  const ranges = new Map<string, { min: number, max: number }>()
  for (const e of evidence) {
    // a NaN value was stored as null
    if (typeof e.value !== 'number') continue
    const r = ranges.get(e.signal)
    if (r === undefined) ranges.set(e.signal, { min: e.value, max: e.value })
    else { r.min = Math.min(r.min, e.value); r.max = Math.max(r.max, e.value) }
  }
  return [...ranges].map(([signal, { min, max }]) => {
    const words = signal.split('.').slice(1).join(' ').replaceAll(/([a-z0-9])([A-Z])/g, '$1 $2')
    const unit = catalogSignalByName(signal)?.unit ?? ''
    const value = min === max ? `${round(min)}` : `${round(min)} to ${round(max)}`
    return `${words}: ${value}${unit === '' ? '' : ` ${unit}`} (${signal})`
  }).join('\n')
}

function round (value: number): number {
  return Math.round(value * 1000) / 1000
}

function caseExists (id: string): StorageError {
  return new StorageError('PITWALL_ERR_CASE_EXISTS', `case ${id} already exists: choose another id, or update that case`)
}

function unknownCase (id: string): StorageError {
  return new StorageError('PITWALL_ERR_CASE_UNKNOWN', `no case ${id}`)
}

function caseOf (r: CaseRow): Case {
  return {
    id: r.id,
    title: r.title,
    symptoms: r.symptoms,
    dtcs: r.dtcs,
    steps: r.steps,
    parts: r.parts,
    repairHours: r.repair_hours,
    // bigint arrives as text; ids stay far below 2^53
    sourceFaultId: r.source_fault_id === null ? null : Number(r.source_fault_id),
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at
  }
}
