/**
 * Rules as plain data: what a rule file says once validated (RuleDefinition),
 * and what the engine reports (FaultEvent). The compiler (compile.ts) turns
 * definitions into closures; the engine (engine.ts) runs them per vehicle.
 */
import type { Part } from './parts.js'

export type Severity = 'critical' | 'major' | 'minor' | 'info'
export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!='

/** A condition over the latest values of a vehicle's signals (by catalog name). */
export type Condition =
  | { kind: 'compare', signal: string, op: CompareOp, value: number }
  /** inside (or, with outside: true, outside) [min, max] */
  | { kind: 'range', signal: string, min: number, max: number, outside: boolean }
  /** signal - minus, e.g. the spread between the highest and lowest cell voltage */
  | { kind: 'difference', signal: string, minus: string, op: CompareOp, value: number }
  /** change per second between consecutive samples, compared with `value` (units per second) */
  | { kind: 'rate', signal: string, op: CompareOp, value: number }
  /** no sample of the signal for more than `afterS` seconds of the vehicle's own clock (or never one) */
  | { kind: 'stale', signal: string, afterS: number }
  /** a DTC (SAE J2012 text, e.g. P0217) reported, optionally with all the named ISO 14229-1 status flags set */
  | { kind: 'dtc', code: string, status: string[] }
  /** the last GNSS position inside / outside a circle */
  | { kind: 'geofence', lat: number, lon: number, radiusM: number, outside: boolean }
  /** `of` became true at least `atLeast` times within `withinS` seconds */
  | { kind: 'count', of: Condition, atLeast: number, withinS: number }
  | { kind: 'all', of: Condition[] }
  | { kind: 'any', of: Condition[] }
  | { kind: 'not', of: Condition }

export type RuleAction =
  | { type: 'remote_fix', command: 'ota' | 'remote_action', package?: string, version?: string, name?: string, params?: Record<string, string>, approval: 'auto' | 'engineer' }
  | { type: 'dealer_prestage', parts: Part[], repairHours: number, fix: string }
  | { type: 'rescue' }
  | { type: 'service_reminder', task: string }

export interface RuleDefinition {
  id: string
  name: string
  description?: string
  severity: Severity
  enabled: boolean
  /** vehicle models and firmware versions the rule applies to; empty lists mean all */
  scope: { models: string[], firmware: string[] }
  when: Condition
  /** the condition must hold this long before a fault opens */
  forS: number
  /** ends an open fault when it holds for clearForS; default: `when` is false */
  clear?: Condition
  clearForS: number
  /** a fault auto-cleared less than this long ago reopens (occurrence + 1) instead of raising a new one */
  reopenWithinS: number
  action?: RuleAction
  /** a case in the case base with the known fix */
  caseId?: string
  /**
   * Content hash of the definition: a changed rule gets a new version (and
   * fresh state); an unchanged one keeps its state across reloads.
   */
  version: string
}

export interface EvidenceSample {
  signal: string
  t: number
  value: number
}

export type FaultEventType = 'opened' | 'reoccurred' | 'cleared'

export interface FaultEvent {
  type: FaultEventType
  vehicleId: number
  ruleId: string
  ruleVersion: string
  severity: Severity
  /** Unix epoch microseconds of the sample that made the transition */
  timeUs: number
  /** occurrences of this fault so far (1 when opened) */
  occurrences: number
  /** freeze frame: the rule's signals over the evidence window before the transition */
  evidence: EvidenceSample[]
  action?: RuleAction
  caseId?: string
}

/**
 * What storage holds of a vehicle's newest fault of a rule, from which the
 * engine resumes the rule's state (RuleEngine.resume) where another node, or
 * this one before a restart, left it. Only a fault still open or
 * acknowledged, or one auto-cleared that a reoccurrence would reopen.
 */
export interface StoredRuleState {
  ruleId: string
  /** open or acknowledged: the fault is in force; false: it auto-cleared */
  active: boolean
  occurrences: number
  /** when it auto-cleared, Unix epoch microseconds (the sample time that cleared it); 0 while active */
  clearedUs: number
}
