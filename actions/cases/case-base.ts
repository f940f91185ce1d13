/**
 * The case base as callers use it (API, CLI, demo): every case is checked
 * by the policy before the store writes it, so the API, a pack and a fault
 * refuse the same things. Rules name a case by id; an engineer turns a
 * resolved fault into a new one with fromFault.
 */
import type { CaseStore } from '../../storage/cases.js'
import { MAX_PAGE, SEARCH_PAGE, type Case, type CaseFromFault, type CaseHit, type CaseInput, type CaseOutcome } from './model.js'
import { author, caseFromFault, pageLimit, pageOffset, searchText, validateCase, validateCases } from './policy.js'

export interface Page {
  limit?: number | undefined
  offset?: number | undefined
}

export class CaseBase {
  constructor (private readonly store: CaseStore) {}

  /** A new case; an id already in use is refused (PITWALL_ERR_CASE_EXISTS). */
  async add (input: CaseInput, by: string): Promise<Case> {
    const c = validateCase(input)
    return await this.store.insert(c, author(by))
  }

  /** Creates the case or replaces its content (who created it, and from which fault, stay). */
  async upsert (input: CaseInput, by: string): Promise<{ case: Case, outcome: CaseOutcome }> {
    const c = validateCase(input)
    const [result] = await this.store.write([c], author(by))
    return result as { case: Case, outcome: CaseOutcome }
  }

  /**
   * Upserts several cases in one statement (a case pack), all or none: any
   * invalid case, or an id given twice, refuses the lot.
   */
  async apply (inputs: readonly CaseInput[], by: string): Promise<Record<CaseOutcome, string[]>> {
    const cases = validateCases(inputs)
    const outcome: Record<CaseOutcome, string[]> = { added: [], changed: [], unchanged: [] }
    if (cases.length === 0) return outcome
    for (const r of await this.store.write(cases, author(by))) outcome[r.outcome].push(r.case.id)
    for (const ids of Object.values(outcome)) ids.sort()
    return outcome
  }

  async get (id: string): Promise<Case> {
    return await this.store.get(id)
  }

  /** Cases in id order. */
  async list (page: Page = {}): Promise<Case[]> {
    return await this.store.list(pageLimit(page.limit, MAX_PAGE), pageOffset(page.offset))
  }

  async delete (id: string): Promise<void> {
    await this.store.delete(id)
  }

  /**
   * Web-search syntax (websearch_to_tsquery): words, "quoted phrases",
   * `or`, `-excluded`; English stemming, so "misfiring" finds "misfire". A
   * DTC is a word like any other and finds the cases that list it; a DTC with
   * its failure type (P0301-1A) searches for its code. Best match first.
   */
  async search (query: string, page: Page = {}): Promise<CaseHit[]> {
    const text = searchText(query)
    return await this.store.search(text, pageLimit(page.limit, SEARCH_PAGE), pageOffset(page.offset))
  }

  /** A resolved fault as a new case (see caseFromFault); a fault that is not resolved is refused. */
  async fromFault (faultId: number, options: CaseFromFault): Promise<Case> {
    const c = caseFromFault(faultId, await this.store.faultForCase(faultId), options)
    return await this.store.insert(c, author(options.by), faultId)
  }
}
