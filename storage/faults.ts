/**
 * Faults as stored: the engine's FaultEvents (opened, reoccurred, cleared)
 * and engineers' acknowledgements and resolutions move each fault through
 * its lifecycle (rules/fault-lifecycle.ts), with a timeline of every step.
 * At most one fault per vehicle and rule is open or acknowledged
 * (faults_one_active), so a rule that keeps firing counts occurrences.
 */
import type pg from 'pg'
import type { Command } from '../actions/commands/model.js'
import { ACTIVE_FAULT_STATES, FAULT_TRANSITIONS, unknownFault, type Fault, type FaultState, type FaultTimelineEntry, type FaultTimelineType, type FaultTransition } from '../rules/fault-lifecycle.js'
import type { FaultEvent, StoredRuleState } from '../rules/model.js'
import { cannotMove, refusedMove } from '../runtime/transition.js'
import type { FixCheckDecision } from './commands.js'
import { StorageError } from './errors.js'
import { US_OF } from './projector.js'

export interface FaultQuery {
  vin?: string | undefined
  state?: FaultState | readonly FaultState[] | undefined
  ruleId?: string | undefined
  /** newest first; default 100 */
  limit?: number | undefined
}

// One statement per round of events (at most one event per vehicle and
// rule, see rounds()): every CTE sees the same snapshot, so two events of
// one fault in one statement could not see each other.
const RECORD_EVENTS = `
WITH ev AS (
  SELECT e.*, timestamptz 'epoch' + e.time_us * interval '1 microsecond' AS time
  FROM jsonb_to_recordset($1::jsonb) AS e (type text, vehicle_id integer, rule_id text, rule_version text,
    severity text, time_us bigint, evidence jsonb, action jsonb, case_id text)
), latest AS (
  -- the newest fault of the vehicle and rule, for a reoccurrence: an
  -- auto-cleared one reopens, an older one is history and stays as it is
  SELECT ev.vehicle_id, ev.rule_id, f.id, f.state FROM ev
  CROSS JOIN LATERAL (SELECT id, state FROM faults
    WHERE vehicle_id = ev.vehicle_id AND rule_id = ev.rule_id ORDER BY id DESC LIMIT 1) f
  WHERE ev.type = 'reoccurred'
), reopened AS (
  UPDATE faults f SET state = 'open', cleared_at = NULL, occurrences = f.occurrences + 1,
    last_occurred_at = greatest(f.last_occurred_at, ev.time)
  FROM ev JOIN latest l ON l.vehicle_id = ev.vehicle_id AND l.rule_id = ev.rule_id
  WHERE ev.type = 'reoccurred' AND l.state = 'auto_cleared' AND f.id = l.id
  RETURNING f.id, f.vehicle_id, f.rule_id, f.occurrences
), upserted AS (
  -- opened, or reoccurred with nothing to reopen (an engineer resolved it):
  -- a new fault, unless one is still open or acknowledged (the engine lost
  -- its state in a restart, or the rule changed), which gains an occurrence
  INSERT INTO faults (vehicle_id, rule_id, rule_version, severity, state, opened_at, last_occurred_at, evidence, action, case_id)
  SELECT vehicle_id, rule_id, rule_version, severity, 'open', time, time, evidence, action, case_id FROM ev
  WHERE ev.type = 'opened' OR (ev.type = 'reoccurred' AND NOT EXISTS (
    SELECT 1 FROM latest l WHERE l.vehicle_id = ev.vehicle_id AND l.rule_id = ev.rule_id AND l.state = 'auto_cleared'))
  ON CONFLICT (vehicle_id, rule_id) WHERE state IN ('open', 'acknowledged') DO UPDATE
    SET occurrences = faults.occurrences + 1, last_occurred_at = greatest(faults.last_occurred_at, excluded.last_occurred_at)
  RETURNING id, vehicle_id, rule_id, occurrences
), cleared AS (
  -- a fault an engineer already resolved stays resolved
  UPDATE faults f SET state = 'auto_cleared', cleared_at = ev.time
  FROM ev
  WHERE ev.type = 'cleared' AND f.vehicle_id = ev.vehicle_id AND f.rule_id = ev.rule_id AND f.state = ANY ($2::text[])
  RETURNING f.id, f.vehicle_id, f.rule_id, f.occurrences
), changed AS (
  SELECT id, vehicle_id, rule_id, occurrences, 'reoccurred' AS type FROM reopened
  -- a new fault starts at one occurrence; one that existed has at least two now
  UNION ALL SELECT id, vehicle_id, rule_id, occurrences, CASE WHEN occurrences = 1 THEN 'opened' ELSE 'reoccurred' END FROM upserted
  UNION ALL SELECT id, vehicle_id, rule_id, occurrences, 'cleared' FROM cleared
), actions AS (
  -- the transactional outbox to actions/: a fault is never stored without
  -- its pending actions. The rule's own action, and for a critical fault a
  -- rescue check (the actions layer sends one only if the vehicle stands).
  INSERT INTO fault_actions (fault_id, kind)
  SELECT c.id, a.kind FROM changed c JOIN ev ON ev.vehicle_id = c.vehicle_id AND ev.rule_id = c.rule_id
  CROSS JOIN LATERAL (VALUES (ev.action->>'type'), (CASE WHEN ev.severity = 'critical' THEN 'rescue' END)) a (kind)
  WHERE c.type = 'opened' AND a.kind IN ('remote_fix', 'dealer_prestage', 'rescue', 'service_reminder')
  ON CONFLICT (fault_id, kind) DO NOTHING
)
INSERT INTO fault_events (fault_id, time, type, detail)
SELECT c.id, ev.time, c.type,
  jsonb_build_object('ruleVersion', ev.rule_version, 'occurrences', c.occurrences)
    -- the opening's freeze frame is on the fault itself
    || CASE WHEN c.type = 'opened' THEN '{}'::jsonb ELSE jsonb_build_object('evidence', ev.evidence) END
FROM changed c JOIN ev ON ev.vehicle_id = c.vehicle_id AND ev.rule_id = c.rule_id`

/** A fault as the domain's record (f: faults, v: vehicles). */
const FAULT_COLUMNS = `f.id, f.vehicle_id AS "vehicleId", v.vin, f.rule_id AS "ruleId", f.rule_version AS "ruleVersion", f.severity, f.state,
  f.opened_at AS "openedAt", f.last_occurred_at AS "lastOccurredAt", f.occurrences, f.cleared_at AS "clearedAt",
  f.acknowledged_at AS "acknowledgedAt", f.acknowledged_by AS "acknowledgedBy", f.resolved_at AS "resolvedAt", f.resolved_by AS "resolvedBy",
  f.resolution_note AS "resolutionNote", f.evidence, f.action, f.case_id AS "caseId"`

interface PendingRecord {
  events: readonly FaultEvent[]
  done: () => void
  failed: (err: unknown) => void
}

export class FaultStore {
  /** calls waiting for the write in flight to finish */
  private waiting: PendingRecord[] = []
  private writing = false
  /** record() calls not settled yet, for written() */
  private readonly unsettled = new Set<Promise<void>>()

  constructor (private readonly pool: pg.Pool) {}

  /**
   * Stores the engine's events in their order: one statement (one round
   * trip) when no fault gets two events, else one statement per round.
   * Calls are applied in the order they were made, so the events of
   * consecutive batches, recorded without waiting, cannot overtake each other
   * on different connections (a clear before its opening would leave the
   * fault open). While one write is in flight the calls that arrive are
   * written together in the next: group commit, as for batches, so a burst of
   * transitions costs one round trip per group rather than one per call
   * (measured: PGlite publish -> fault p99 846 ms with a write per call at
   * 100 transitions/s).
   */
  async record (events: readonly FaultEvent[]): Promise<void> {
    if (events.length === 0) return
    const recorded = new Promise<void>((resolve, reject) => {
      this.waiting.push({ events, done: resolve, failed: reject })
      this.writeWaiting()
    })
    const settled = recorded.then(() => {}, () => {}).finally(() => { this.unsettled.delete(settled) })
    this.unsettled.add(settled)
    await recorded
  }

  /** Resolves once every record() call made so far has been written (or failed). */
  async written (): Promise<void> {
    await Promise.all([...this.unsettled])
  }

  /**
   * Each vehicle's rule state as its faults say (RuleEngine.resume): per
   * rule, its newest fault when that is open, acknowledged or auto-cleared
   * (the one a reoccurrence reopens, as RECORD_EVENTS does); a resolved
   * newest fault leaves the rule without one. One statement for all of them
   * (faults_vehicle_rule index), so vehicles reconnecting together cost one
   * round trip. Vehicles without any are absent from the map.
   */
  async ruleStates (vehicleIds: readonly number[]): Promise<Map<number, StoredRuleState[]>> {
    const res = await this.pool.query<StoredRuleState & { vehicleId: number }>(
      `SELECT "vehicleId", "ruleId", state = ANY ($2::text[]) AS active, occurrences,
         coalesce(${US_OF('cleared_at')}, 0) AS "clearedUs"
       FROM (SELECT DISTINCT ON (vehicle_id, rule_id) vehicle_id AS "vehicleId", rule_id AS "ruleId", state, occurrences, cleared_at
             FROM faults WHERE vehicle_id = ANY ($1::integer[]) ORDER BY vehicle_id, rule_id, id DESC) newest
       WHERE state = ANY ($2::text[]) OR state = 'auto_cleared'`,
      [vehicleIds, ACTIVE_FAULT_STATES])
    const byVehicle = new Map<number, StoredRuleState[]>()
    for (const { vehicleId, ...state } of res.rows) {
      const list = byVehicle.get(vehicleId)
      if (list === undefined) byVehicle.set(vehicleId, [state])
      else list.push(state)
    }
    return byVehicle
  }

  private writeWaiting (): void {
    if (this.writing || this.waiting.length === 0) return
    const group = this.waiting
    this.waiting = []
    this.writing = true
    this.write(group.flatMap((g) => g.events)).then(
      () => { for (const g of group) g.done() },
      (err: unknown) => { for (const g of group) g.failed(err) }
    ).finally(() => {
      this.writing = false
      this.writeWaiting()
    })
  }

  private async write (events: readonly FaultEvent[]): Promise<void> {
    const groups = rounds(events).map((round) => JSON.stringify(round.map((e) => ({
      type: e.type,
      vehicle_id: e.vehicleId,
      rule_id: e.ruleId,
      rule_version: e.ruleVersion,
      severity: e.severity,
      time_us: e.timeUs,
      evidence: e.evidence,
      action: e.action ?? null,
      case_id: e.caseId ?? null
    }))))
    try {
      // Rounds are separate statements, not one transaction: on the embedded
      // host a transaction on one connection breaks parameterized statements
      // running meanwhile on the others ('portal "" does not exist'), such as
      // the batch writer's. Each round is atomic, and applied in order.
      for (const group of groups) await this.pool.query(RECORD_EVENTS, [group, ACTIVE_FAULT_STATES])
    } catch (err) {
      const code = (err as { code?: unknown }).code
      // class 23: integrity (an unknown vehicle, a rule version never applied)
      if (typeof code === 'string' && code.startsWith('23')) {
        throw new StorageError('PITWALL_ERR_STORAGE_REJECTED', `fault events refused: ${(err as Error).message}`, { cause: err })
      }
      throw err
    }
  }

  /** An engineer has seen an open fault (FAULT_TRANSITIONS.acknowledge). */
  async acknowledge (faultId: number, by: string): Promise<Fault> {
    const move = FAULT_TRANSITIONS.acknowledge
    return await this.transition(faultId, move,
      `UPDATE faults SET state = $3, acknowledged_at = now(), acknowledged_by = $2
       WHERE id = $1 AND state = ANY ($4::text[]) RETURNING *`,
      `SELECT id, acknowledged_at, 'acknowledged', $2, NULL::jsonb FROM upd`,
      [faultId, by, move.to, move.from])
  }

  /** An engineer closes a fault (FAULT_TRANSITIONS.resolve), with a note saying why when given. */
  async resolve (faultId: number, by: string, note?: string): Promise<Fault> {
    const move = FAULT_TRANSITIONS.resolve
    return await this.transition(faultId, move,
      `UPDATE faults SET state = $3, resolved_at = now(), resolved_by = $2, resolution_note = $5
       WHERE id = $1 AND state = ANY ($4::text[]) RETURNING *`,
      `SELECT id, resolved_at, 'resolved', $2, CASE WHEN $5::text IS NULL THEN NULL ELSE jsonb_build_object('note', $5::text) END FROM upd`,
      [faultId, by, move.to, move.from, note ?? null])
  }

  /**
   * Runs the commands' fix-check decision (CommandStore.fixCheckDecision)
   * and records each outcome in its fault's timeline (fixed_remotely or
   * remote_fix_not_confirmed) in the same statement: a decided check never
   * lacks its entry, which the service KPIs count, and one decided by
   * another gateway meanwhile is neither returned nor recorded twice. One
   * statement rather than a transaction: on the embedded host an open
   * transaction blocks every connection, and this runs on every pass.
   * Returns the commands decided now.
   */
  async recordFixChecks (decision: FixCheckDecision): Promise<Command[]> {
    const res = await this.pool.query<Command>(
      `WITH decided AS (${decision.text}),
       ev AS (
         INSERT INTO fault_events (fault_id, time, type, detail)
         SELECT d."faultId", now(), CASE WHEN d."fixCheck" = 'confirmed' THEN 'fixed_remotely' ELSE 'remote_fix_not_confirmed' END,
           jsonb_build_object('commandId', d.id, 'clearedAt', f.cleared_at)
         FROM decided d JOIN faults f ON f.id = d."faultId")
       SELECT * FROM decided`, [...decision.values])
    return res.rows
  }

  async list (query: FaultQuery = {}): Promise<Fault[]> {
    const states = query.state === undefined ? null : typeof query.state === 'string' ? [query.state] : [...query.state]
    const res = await this.pool.query<Fault>(
      `SELECT ${FAULT_COLUMNS} FROM faults f JOIN vehicles v ON v.id = f.vehicle_id
       WHERE ($1::text IS NULL OR v.vin = $1) AND ($2::text[] IS NULL OR f.state = ANY ($2::text[]))
         AND ($3::text IS NULL OR f.rule_id = $3)
       ORDER BY f.id DESC LIMIT $4`,
      [query.vin ?? null, states, query.ruleId ?? null, query.limit ?? 100])
    return res.rows
  }

  async get (faultId: number): Promise<Fault> {
    const res = await this.pool.query<Fault>(
      `SELECT ${FAULT_COLUMNS} FROM faults f JOIN vehicles v ON v.id = f.vehicle_id WHERE f.id = $1`, [faultId])
    const row = res.rows[0]
    if (row === undefined) throw unknownFault(faultId)
    return row
  }

  /** The fault's steps in the order they were recorded. */
  async timeline (faultId: number): Promise<FaultTimelineEntry[]> {
    const res = await this.pool.query<{ time: Date | null, type: FaultTimelineType | null, by: string | null, detail: Record<string, unknown> | null }>(
      `SELECT e.time, e.type, e.by, e.detail FROM faults f LEFT JOIN fault_events e ON e.fault_id = f.id
       WHERE f.id = $1 ORDER BY e.id`, [faultId])
    if (res.rows.length === 0) throw unknownFault(faultId)
    return res.rows.filter((r) => r.type !== null).map((r) => ({ time: r.time as Date, type: r.type as FaultTimelineType, by: r.by, detail: r.detail }))
  }

  /**
   * One statement: the update if the fault is in one of the move's `from`
   * states, its timeline entry, and the state it was in, to say why when
   * refused.
   */
  private async transition (faultId: number, move: FaultTransition, update: string, event: string, params: unknown[]): Promise<Fault> {
    const res = await this.pool.query<Fault & { prior: FaultState | null }>(
      `WITH prior AS (SELECT state FROM faults WHERE id = $1),
       upd AS (${update}),
       ev AS (INSERT INTO fault_events (fault_id, time, type, by, detail) ${event})
       SELECT (SELECT state FROM prior) AS prior, ${FAULT_COLUMNS}
       FROM (SELECT 1) one LEFT JOIN upd f ON true LEFT JOIN vehicles v ON v.id = f.vehicle_id`,
      params)
    const { prior, ...fault } = res.rows[0] as Fault & { prior: FaultState | null }
    if (fault.id === null) throw refusedMove(FAULT_REFUSAL, faultId, prior, move, () => unknownFault(faultId))
    return fault
  }
}

/** States read as the API and CLI spell them: "it is auto-cleared". */
const FAULT_REFUSAL = cannotMove('PITWALL_ERR_FAULT_TRANSITION', 'fault', { spell: (state) => state.replaceAll('_', '-') })

/**
 * Splits events into rounds holding at most one event per vehicle and rule,
 * keeping each fault's events in order: the k-th event of a fault goes into
 * round k. Events of different faults do not depend on each other.
 */
function rounds (events: readonly FaultEvent[]): FaultEvent[][] {
  const result: FaultEvent[][] = []
  const seen = new Map<string, number>()
  for (const e of events) {
    const key = `${e.vehicleId}\u0000${e.ruleId}`
    const k = seen.get(key) ?? 0
    seen.set(key, k + 1)
    ;(result[k] ??= []).push(e)
  }
  return result
}
