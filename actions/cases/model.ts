/**
 * The case base as plain data: known faults and their fixes (Case), what a
 * caller gives to write one (CaseInput), and the limits that keep one case
 * readable and a search response small. policy.ts checks cases against
 * them; storage/cases.ts stores what it let through.
 */
import type { EvidenceSample, RuleAction } from '../../rules/model.js'
import type { Part, PartInput } from '../../rules/parts.js'

export interface CaseInput {
  /** a slug: lower-case letters and digits in hyphen-separated words, e.g. case-cooling-fan */
  id: string
  title: string
  symptoms?: string | undefined
  /** SAE J2012 codes; 'P0301-1A' is stored as its code 'P0301' (the case is about the code) */
  dtcs?: readonly string[] | undefined
  /** the repair, in order */
  steps?: readonly string[] | undefined
  /** a part, or (the older form) its description alone (rules/parts.ts) */
  parts?: readonly PartInput[] | undefined
  repairHours?: number | null | undefined
}

export interface Case {
  id: string
  title: string
  symptoms: string
  dtcs: string[]
  steps: string[]
  parts: Part[]
  repairHours: number | null
  /** the resolved fault the case was made from */
  sourceFaultId: number | null
  createdBy: string
  createdAt: Date
  updatedBy: string
  updatedAt: Date
}

/** A case's own content, checked and normalised by validateCase (Case without its bookkeeping). */
export type ValidCase = Pick<Case, 'id' | 'title' | 'symptoms' | 'dtcs' | 'steps' | 'parts' | 'repairHours'>

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
  parts?: readonly PartInput[] | undefined
  /** default: the repair hours of the rule's dealer pre-staging action */
  repairHours?: number | null | undefined
  /** the engineer */
  by: string
}

/** What a new case made from a fault starts from: the fault, the rule that raised it and the DTCs around it. */
export interface FaultForCase {
  state: string
  ruleName: string | null
  ruleDescription: string | null
  evidence: EvidenceSample[]
  action: RuleAction | null
  resolutionNote: string | null
  /** J2012 codes (the DTC without its failure type byte) the vehicle reported as failed around the fault */
  dtcs: number[]
}

/** A page of a list or search: MAX_PAGE cases at most, SEARCH_PAGE when a search names no limit. */
export const MAX_PAGE = 100
export const SEARCH_PAGE = 20

export const MAX_ID = 100
export const MAX_TITLE = 200
export const MAX_SYMPTOMS = 10_000
export const MAX_ITEM = 2_000
export const MAX_ITEMS = 100
export const MAX_REPAIR_HOURS = 9_999

/** as rules name a case, and as migration 008 checks it */
export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

/**
 * DTCs a vehicle reported this long before a fault opened, or after it last
 * occurred (or cleared), count as the fault's: a DTC often sets before the
 * rule's `for` window has elapsed, and a confirmed one may follow it.
 */
export const DTC_WINDOW_MS = 10 * 60_000
/** ISO 14229-1 D.2 status bits that say the DTC's test failed: testFailed, pendingDTC, confirmedDTC. */
export const FAILED_STATUS_MASK = 0b0000_1101
