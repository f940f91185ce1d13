/**
 * A fault's life after the engine raised it: the engine's FaultEvents
 * (./model.ts) open, reoccur and clear it, engineers acknowledge and resolve
 * it, each step kept in its timeline.
 *
 *   open → acknowledged → resolved
 *     ↘        ↓       ↗
 *       auto_cleared (the condition went away; a reoccurrence reopens it)
 *
 * At most one fault per vehicle and rule is active (open or acknowledged),
 * so a rule that keeps firing counts occurrences. storage/faults.ts
 * enforces these moves with guarded statements.
 */
import { PitwallError } from '../runtime/errors.js'
import type { Transition } from '../runtime/transition.js'
import type { EvidenceSample, RuleAction, Severity } from './model.js'

export const FAULT_STATES = ['open', 'acknowledged', 'resolved', 'auto_cleared'] as const
export type FaultState = typeof FAULT_STATES[number]

/** What a fault's timeline records: the engine's events, engineers' moves, and a remote fix's check. */
export type FaultTimelineType = 'opened' | 'reoccurred' | 'cleared' | 'acknowledged' | 'resolved' | 'fixed_remotely' | 'remote_fix_not_confirmed'

/**
 * A fault still in force: the engine raised it and nothing cleared or
 * resolved it. At most one per vehicle and rule; the partial index
 * faults_one_active (storage/migrations/003_rules_faults.sql) and the fault
 * store's ON CONFLICT spell this list in SQL, and
 * test/storage/state-lists.test.ts keeps them equal.
 */
export const ACTIVE_FAULT_STATES: readonly FaultState[] = ['open', 'acknowledged']

/** An engineer's move of a fault. */
export type FaultTransition = Transition<FaultState>

export const FAULT_TRANSITIONS = {
  /** an engineer has seen an open fault */
  acknowledge: { verb: 'acknowledge', from: ['open'], to: 'acknowledged' },
  /** auto-cleared ones too: the condition went away, but someone should say why */
  resolve: { verb: 'resolve', from: ['open', 'acknowledged', 'auto_cleared'], to: 'resolved' }
} as const satisfies Record<string, FaultTransition>

/**
 * Fresh data cleared the fault (and an engineer may have resolved it since):
 * a remote fix that succeeded before the clearing is confirmed by it.
 */
export const CLEARED_FAULT_STATES: readonly FaultState[] = ['auto_cleared', 'resolved']

/** The refusal of any request naming a fault that is not stored. */
export function unknownFault (faultId: number): PitwallError {
  return new PitwallError('PITWALL_ERR_FAULT_UNKNOWN', `no fault ${faultId} (pitwall faults list shows the stored faults)`)
}

export interface Fault {
  id: number
  vehicleId: number
  vin: string
  ruleId: string
  ruleVersion: string
  severity: Severity
  state: FaultState
  openedAt: Date
  lastOccurredAt: Date
  occurrences: number
  clearedAt: Date | null
  acknowledgedAt: Date | null
  acknowledgedBy: string | null
  resolvedAt: Date | null
  resolvedBy: string | null
  resolutionNote: string | null
  /** the freeze frame of the opening (a value that was NaN reads back as null) */
  evidence: EvidenceSample[]
  action: RuleAction | null
  caseId: string | null
}

export interface FaultTimelineEntry {
  time: Date
  type: FaultTimelineType
  /** the engineer, for acknowledged and resolved */
  by: string | null
  /**
   * engine events: { ruleVersion, occurrences, evidence (reoccurred, cleared) }; resolved: { note };
   * a remote fix's check: { commandId, clearedAt }
   */
  detail: Record<string, unknown> | null
}
