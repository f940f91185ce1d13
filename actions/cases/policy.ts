/**
 * What the case base accepts: a case from any source (API, pack, fault)
 * checked and normalised, pages and searches within bounds, and the case a
 * resolved fault becomes. Pure; refusals are PITWALL_ERR_CASE_* naming the
 * case and the field.
 */
import { catalogSignalByName } from '../../decoders/catalog.js'
import { dtcText, parseUdsDtcText } from '../../decoders/dtc/j2012.js'
import type { EvidenceSample } from '../../rules/model.js'
import { readParts } from '../../rules/parts.js'
import { PitwallError } from '../../runtime/errors.js'
import {
  MAX_ID, MAX_ITEM, MAX_ITEMS, MAX_PAGE, MAX_REPAIR_HOURS, MAX_SYMPTOMS, MAX_TITLE, SLUG,
  type CaseFromFault, type CaseInput, type FaultForCase, type ValidCase
} from './model.js'

/**
 * Checks a case and normalises it: trimmed text, DTCs as upper-case J2012
 * codes without duplicates. Errors are PITWALL_ERR_CASE_INVALID naming the
 * case and the field.
 */
export function validateCase (input: CaseInput): ValidCase {
  const id = input.id
  const fail = (what: string): never => { throw new PitwallError('PITWALL_ERR_CASE_INVALID', `case ${JSON.stringify(id)}: ${what}`) }
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
    parts: input.parts === undefined ? [] : readParts(input.parts, 'parts', (field, what) => fail(`${field} ${what}`)),
    // numeric(6, 2): the database would round; say so by rounding here
    repairHours: repairHours === null ? null : Math.round(repairHours * 100) / 100
  }
}

/** Several cases written together (a pack): each valid, and no id twice, or none of them. */
export function validateCases (inputs: readonly CaseInput[]): ValidCase[] {
  const cases = inputs.map(validateCase)
  const seen = new Set<string>()
  for (const c of cases) {
    if (seen.has(c.id)) throw new PitwallError('PITWALL_ERR_CASE_INVALID', `case ${c.id} is given twice`)
    seen.add(c.id)
  }
  return cases
}

/** Who writes a case, trimmed; nobody is refused. */
export function author (by: string): string {
  const name = typeof by === 'string' ? by.trim() : ''
  if (name === '') throw new PitwallError('PITWALL_ERR_CASE_INVALID', 'say who writes the case (by is empty)')
  return name
}

export function pageLimit (limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new PitwallError('PITWALL_ERR_CASE_QUERY', `limit must be a whole number from 1 to ${MAX_PAGE}, got ${String(limit)}`)
  }
  return limit
}

export function pageOffset (offset: number | undefined): number {
  if (offset === undefined) return 0
  if (!Number.isInteger(offset) || offset < 0) throw new PitwallError('PITWALL_ERR_CASE_QUERY', `offset must be a whole number from 0, got ${String(offset)}`)
  return offset
}

/**
 * The text searched for: a DTC with its failure type (P0301-1A) searches
 * for its code, as cases list codes. An empty query is refused.
 */
export function searchText (query: string): string {
  const text = query.replaceAll(/\b([PCBU][0-3][0-9A-F]{3})-[0-9A-F]{2}\b/gi, '$1').trim()
  if (text === '') throw new PitwallError('PITWALL_ERR_CASE_QUERY', 'the search query is empty: give words or a DTC (e.g. P0301)')
  return text
}

/**
 * The case a resolved fault becomes: the symptoms are the rule's name and
 * description and the signals of the fault's freeze frame, the DTCs those
 * the vehicle reported as failed around it. A fault that is not resolved is
 * refused: until an engineer resolves it, nobody knows the fix worked.
 */
export function caseFromFault (faultId: number, fault: FaultForCase | undefined, options: CaseFromFault): ValidCase {
  if (fault === undefined) throw new PitwallError('PITWALL_ERR_FAULT_UNKNOWN', `no fault ${faultId} (pitwall faults list shows the stored faults)`)
  if (fault.state !== 'resolved') {
    throw new PitwallError('PITWALL_ERR_FAULT_NOT_RESOLVED',
      `fault ${faultId} is ${fault.state.replaceAll('_', '-')}: only a resolved fault becomes a case, once its fix is known to work (pitwall faults resolve)`)
  }
  const prestage = fault.action?.type === 'dealer_prestage' ? fault.action : undefined
  const ruleName = fault.ruleName ?? 'Fault'
  const steps = options.steps ?? (fault.resolutionNote === null ? undefined : [fault.resolutionNote])
  if (steps === undefined || steps.length === 0) {
    throw new PitwallError('PITWALL_ERR_CASE_INVALID', `case ${options.id}: steps are required (fault ${faultId} has no resolution note to use)`)
  }
  return validateCase({
    id: options.id,
    title: options.title ?? ruleName,
    symptoms: [ruleName + '.', fault.ruleDescription ?? '', evidenceText(fault.evidence)].filter((s) => s !== '').join('\n'),
    dtcs: fault.dtcs.map(dtcText),
    steps,
    parts: options.parts ?? prestage?.parts ?? [],
    repairHours: options.repairHours !== undefined ? options.repairHours : prestage?.repairHours ?? null
  })
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
