/**
 * The command queue as stored: commands (one queue per vehicle) and their
 * timelines (command_events). The states, moves and limits are the domain's
 * (actions/commands/model.ts); each statement here applies a decision of
 * actions/commands/policy.ts, passed in as parameters, guarded so that a
 * race with another writer (an expiry pass, another gateway) is judged on
 * the row as committed.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type {
  DiagnosticAnswer, AckMove, Command, CommandAckUpdate, CommandEvent, CommandExpiry, CommandQuery, CommandState, CommandTransition, FixCheckRule, NewCommand
} from '../actions/commands/model.js'
import { PitwallError } from '../runtime/errors.js'
import { cannotMove, refusedMove } from '../runtime/transition.js'

/** A command as the domain's record (c: commands, v: vehicles). */
const COLUMNS = `c.id, c.vehicle_id AS "vehicleId", v.vin, c.body, c.state, c.progress, c.detail,
  c.created_at AS "createdAt", c.expires_at AS "expiresAt", c.updated_at AS "updatedAt", c.attempts, c.sent_at AS "sentAt",
  c.next_send_at AS "nextSendAt", c.fault_id AS "faultId", c.campaign_id AS "campaignId", c.requested_by AS "requestedBy",
  c.approved_by AS "approvedBy", c.fix_check AS "fixCheck", c.fix_checked_at AS "fixCheckedAt"`

/**
 * The head of each of the vehicles' ($1) queues: the command already with
 * the vehicle, else the oldest queued one. Queued commands of a campaign that
 * is not running are held back and do not block the vehicle's other
 * commands. The command with the vehicle comes first whatever its age: an
 * older one approved, or released by a resumed campaign, after it went out
 * would otherwise be sent while it runs.
 */
const QUEUE_HEADS = `SELECT DISTINCT ON (c.vehicle_id) c.*
  FROM commands c LEFT JOIN campaigns k ON k.id = c.campaign_id
  WHERE c.vehicle_id = ANY ($1::int[]) AND c.state IN ('queued', 'sent', 'accepted', 'in_progress')
    AND (c.campaign_id IS NULL OR c.state <> 'queued' OR k.state = 'running')
  ORDER BY c.vehicle_id, c.state = 'queued', c.created_at, c.id`

/** A head to deliver now: queued, or sent and unanswered past its retry time, and not expired. */
const HEAD_IS_DUE = `c.expires_at > now() AND (c.state = 'queued' OR (c.state = 'sent' AND c.next_send_at <= now()))`

/**
 * The update that decides remote-fix checks, as part of a statement:
 * FaultStore.recordFixChecks runs it with the fault timeline's entries for
 * what it decided. Its rows are the decided commands.
 */
export interface FixCheckDecision {
  readonly text: string
  readonly values: readonly unknown[]
}

export class CommandStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Queues a command (its ttl checked by the policy's checkCommandTtl). */
  async enqueue (spec: NewCommand): Promise<Command> {
    const state: CommandState = spec.needsApproval === true ? 'pending_approval' : 'queued'
    const res = await this.pool.query<Command>(
      `WITH v AS (SELECT id, vin FROM vehicles WHERE vin = $2),
       ins AS (
         INSERT INTO commands (id, vehicle_id, body, state, expires_at, requested_by, fault_id, campaign_id, next_send_at)
         SELECT $1, v.id, $3, $4, now() + $5 * interval '1 millisecond', $6, $7, $8, now() FROM v
         RETURNING *),
       ev AS (INSERT INTO command_events (command_id, state, by) SELECT id, state, requested_by FROM ins)
       SELECT ${COLUMNS} FROM ins c JOIN v ON v.id = c.vehicle_id`,
      [randomUUID(), spec.vin, JSON.stringify(spec.body), state, spec.ttlMs, spec.requestedBy, spec.faultId ?? null, spec.campaignId ?? null])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${spec.vin} (pitwall device add registers one)`)
    return row
  }

  /**
   * An engineer's move (COMMAND_TRANSITIONS), if the command is in one of
   * its `from` states. Whoever lets a command into the queue approved it: it
   * is due at once.
   */
  async move (id: string, transition: CommandTransition, by: string, detail?: string): Promise<Command> {
    const res = await this.pool.query<Command & { prior: CommandState | null }>(
      `WITH prior AS (SELECT state FROM commands WHERE id = $1),
       upd AS (UPDATE commands SET state = $2, updated_at = now(),
           approved_by = CASE WHEN $2 = 'queued' THEN $3 ELSE approved_by END,
           next_send_at = CASE WHEN $2 = 'queued' THEN now() ELSE next_send_at END
         WHERE id = $1 AND state = ANY ($4::text[]) RETURNING *),
       ev AS (INSERT INTO command_events (command_id, state, by, detail) SELECT id, state, $3, $5 FROM upd)
       SELECT (SELECT state FROM prior) AS prior, ${COLUMNS}
       FROM (SELECT 1) one LEFT JOIN upd c ON true LEFT JOIN vehicles v ON v.id = c.vehicle_id`,
      [id, transition.to, by, transition.from, detail ?? null])
    const { prior, ...command } = res.rows[0] as Command & { prior: CommandState | null }
    if (command.id === null) throw refusedMove(COMMAND_REFUSAL, id, prior, transition, () => unknownCommand(id))
    return command
  }

  /**
   * The command to deliver to a vehicle now, if any: the head of its queue
   * when it is queued, or sent and unanswered past its retry time. Commands
   * of a campaign that is not running are held back and do not block the
   * vehicle's other commands.
   */
  async due (vehicleId: number): Promise<Command | undefined> {
    const res = await this.pool.query<Command>(
      `SELECT ${COLUMNS} FROM (${QUEUE_HEADS}) c JOIN vehicles v ON v.id = c.vehicle_id WHERE ${HEAD_IS_DUE}`, [[vehicleId]])
    return res.rows[0]
  }

  /** Vehicles with a command due now (for the periodic pass over connected vehicles). */
  async vehiclesWithDue (vehicleIds: readonly number[]): Promise<number[]> {
    if (vehicleIds.length === 0) return []
    const res = await this.pool.query<{ vehicleId: number }>(`SELECT c.vehicle_id AS "vehicleId" FROM (${QUEUE_HEADS}) c WHERE ${HEAD_IS_DUE}`, [vehicleIds])
    return res.rows.map((r) => r.vehicleId)
  }

  /**
   * The command went out (again); the next attempt is due at `retryAt` unless
   * the vehicle answers. A queued command of a campaign paused or aborted
   * since the dispatcher read it as due stays held, and one whose expiry
   * passed meanwhile is left to the expiry pass. Its `sentAt` is the
   * database's clock: the dispatcher signs the command's issue time with it.
   */
  async markSent (id: string, retryAfterMs: number, keyId: string): Promise<Command> {
    const res = await this.pool.query<Command>(
      `WITH upd AS (
         UPDATE commands c SET state = 'sent', attempts = attempts + 1, sent_at = now(), updated_at = now(),
           next_send_at = now() + $2 * interval '1 millisecond'
         WHERE id = $1 AND state IN ('queued', 'sent') AND expires_at > now()
           AND (campaign_id IS NULL OR state <> 'queued' OR EXISTS (SELECT 1 FROM campaigns k WHERE k.id = c.campaign_id AND k.state = 'running'))
         RETURNING *),
       ev AS (INSERT INTO command_events (command_id, state, detail)
         SELECT id, 'sent', 'attempt ' || attempts || ', signed by ' || $3 FROM upd)
       SELECT ${COLUMNS} FROM upd c JOIN vehicles v ON v.id = c.vehicle_id`, [id, retryAfterMs, keyId])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_COMMAND_TRANSITION', `command ${id} cannot be sent: it is no longer queued or sent, its expiry passed, or its campaign is no longer running`)
    return row
  }

  /**
   * Applies a vehicle's acknowledgement as the policy's `move` says (ackMove).
   * The command must be this vehicle's (another vehicle's id reads as
   * unknown). Returns the command and whether its state changed; an ack from
   * a state the move does not allow (one that would move it backwards) is
   * recorded as ignored.
   */
  async applyAck (vehicleId: number, ack: CommandAckUpdate, move: AckMove): Promise<{ command: Command, changed: boolean }> {
    const res = await this.pool.query<Command & { changed: boolean }>(
      // cur locks the row: the states it allows are judged on the row as it is
      // now, not as this statement's snapshot saw it before an expiry (or
      // another writer) committed meanwhile and the update waited for it
      `WITH cur AS (SELECT * FROM commands WHERE id = $1 AND vehicle_id = $2 FOR UPDATE),
       upd AS (
         UPDATE commands c SET state = $3, progress = $4, detail = nullif($5, ''), updated_at = now(),
           responses = coalesce($10::jsonb, c.responses),
           finished_at = CASE WHEN $9::boolean
             THEN CASE WHEN $8::bigint > 0 THEN to_timestamp($8::bigint / 1000.0) ELSE now() END END,
           fix_check = CASE WHEN $7 AND c.fault_id IS NOT NULL AND c.campaign_id IS NULL THEN 'pending' ELSE c.fix_check END
         FROM cur WHERE c.id = cur.id AND cur.state = ANY ($6::text[])
           -- progress reports of a command already in progress only move forward
           AND NOT (cur.state = 'in_progress' AND $3 = 'in_progress' AND coalesce(c.progress, 0) > $4)
         RETURNING c.*),
       ev AS (INSERT INTO command_events (command_id, state, progress, detail)
         SELECT cur.id, CASE WHEN EXISTS (SELECT 1 FROM upd) THEN $3 ELSE 'ignored ' || $3 END, $4,
           CASE WHEN EXISTS (SELECT 1 FROM upd) THEN nullif($5, '') ELSE concat_ws(': ', 'was ' || cur.state, nullif($5, '')) END
         FROM cur)
       SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM upd) AS changed
       FROM cur c JOIN vehicles v ON v.id = c.vehicle_id`,
      [ack.id, vehicleId, ack.state, ack.progress, ack.detail, move.from, move.startsFixCheck, ack.timeMs, move.final,
        ack.responses === undefined || ack.responses.length === 0 ? null : JSON.stringify(ack.responses)])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_COMMAND_UNKNOWN', `no command ${JSON.stringify(ack.id)} for this vehicle`)
    const { changed, ...command } = row
    // the update ran in the same statement: the row read above predates it
    return { command: changed ? { ...command, state: ack.state, progress: ack.progress, detail: ack.detail === '' ? null : ack.detail } : command, changed }
  }

  /**
   * Ends the commands that can no longer run, as the policy's `expiry` says
   * (commandExpiry): those not yet started whose expiry passed become
   * expired (a sent one after a grace), started ones without a report for
   * its stall time fail. Returns them.
   */
  async expireDue (expiry: CommandExpiry): Promise<Command[]> {
    const res = await this.pool.query<Command>(
      `WITH expired AS (
         UPDATE commands SET state = 'expired', updated_at = now()
         WHERE (state = ANY ($3::text[]) AND expires_at <= now())
            OR (state = 'sent' AND expires_at <= now() - make_interval(secs => $2 / 1000.0))
         RETURNING *),
       -- locked, so an ack committing meanwhile (it moves updated_at) takes the row out of the pass
       stale AS (
         SELECT id, state AS was FROM commands
         WHERE state = ANY ($4::text[]) AND updated_at <= now() - make_interval(secs => $1 / 1000.0)
         FOR UPDATE),
       stalled AS (
         UPDATE commands c SET state = 'failed', updated_at = now(), detail = 'no report from the vehicle for ' || round($1 / 60000.0) || ' min'
         FROM stale s WHERE c.id = s.id RETURNING c.*),
       ev AS (INSERT INTO command_events (command_id, state, detail)
         SELECT id, 'expired', 'not started before ' || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM expired
         UNION ALL
         SELECT st.id, 'failed', 'no report from the vehicle for ' || round($1 / 60000.0) || ' min after ' || replace(s.was, '_', ' ')
           || coalesce(' at ' || st.progress || ' %', '') || '; a later final answer is kept as ignored'
         FROM stalled st JOIN stale s ON s.id = st.id)
       SELECT ${COLUMNS} FROM (SELECT * FROM expired UNION ALL SELECT * FROM stalled) c JOIN vehicles v ON v.id = c.vehicle_id`,
      [expiry.stallMs, expiry.sentGraceMs, expiry.unsent, expiry.started])
    return res.rows
  }

  /**
   * Decides the remote fixes that succeeded against their fault, as the
   * policy's `rule` says (fixCheckRule): confirmed when fresh data cleared
   * the fault after the fix succeeded, not confirmed when the window passed
   * without that. Not run here: FaultStore.recordFixChecks runs it, so each
   * outcome and its entry in the fault's timeline are written by one
   * statement (the service KPIs count those entries).
   */
  fixCheckDecision (rule: FixCheckRule): FixCheckDecision {
    return {
      // still pending as committed: another gateway's pass may have decided
      // it after this statement's snapshot, and it goes into the fault's
      // timeline once
      text: `UPDATE commands c SET fix_check = d.outcome, fix_checked_at = now()
        FROM (
          SELECT p.id,
            CASE WHEN f.state = ANY ($1::text[]) AND f.cleared_at IS NOT NULL AND f.cleared_at >= coalesce(p.finished_at, p.updated_at) THEN 'confirmed'
                 WHEN p.updated_at + $2 * interval '1 millisecond' <= now() THEN 'not_confirmed' END AS outcome
          FROM commands p JOIN faults f ON f.id = p.fault_id
          WHERE p.fix_check = 'pending') d, vehicles v
        WHERE c.id = d.id AND d.outcome IS NOT NULL AND c.fix_check = 'pending' AND v.id = c.vehicle_id
        RETURNING ${COLUMNS}`,
      values: [rule.clearedStates, rule.windowMs]
    }
  }

  async get (id: string): Promise<Command> {
    const res = await this.pool.query<Command>(`SELECT ${COLUMNS} FROM commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE c.id = $1`, [id])
    const row = res.rows[0]
    if (row === undefined) throw unknownCommand(id)
    return row
  }

  /** A diagnostic request's answers as the T-box sent them (migration 021); null: none (yet). */
  async responses (id: string): Promise<DiagnosticAnswer[] | null> {
    const res = await this.pool.query<{ responses: DiagnosticAnswer[] | null }>('SELECT responses FROM commands WHERE id = $1', [id])
    const row = res.rows[0]
    if (row === undefined) throw unknownCommand(id)
    return row.responses
  }

  async list (query: CommandQuery = {}): Promise<Command[]> {
    const states = query.state === undefined ? null : typeof query.state === 'string' ? [query.state] : [...query.state]
    const res = await this.pool.query<Command>(
      `SELECT ${COLUMNS} FROM commands c JOIN vehicles v ON v.id = c.vehicle_id
       WHERE ($1::text IS NULL OR v.vin = $1) AND ($2::text[] IS NULL OR c.state = ANY ($2::text[]))
         AND ($3::text IS NULL OR c.campaign_id = $3) AND ($4::bigint IS NULL OR c.fault_id = $4)
       ORDER BY c.created_at DESC, c.id DESC LIMIT $5`,
      [query.vin ?? null, states, query.campaignId ?? null, query.faultId ?? null, query.limit ?? 100])
    return res.rows
  }

  /** Every step of the command, oldest first. */
  async timeline (id: string): Promise<CommandEvent[]> {
    const res = await this.pool.query<{ time: Date | null, state: string | null, progress: number | null, detail: string | null, by: string | null }>(
      `SELECT e.time, e.state, e.progress, e.detail, e.by FROM commands c LEFT JOIN command_events e ON e.command_id = c.id
       WHERE c.id = $1 ORDER BY e.id`, [id])
    if (res.rows.length === 0) throw unknownCommand(id)
    return res.rows.filter((r) => r.state !== null).map((r) => ({ time: r.time as Date, state: r.state as string, progress: r.progress, detail: r.detail, by: r.by }))
  }
}

/** States read as prose in refusals: "it is pending approval". */
const COMMAND_REFUSAL = cannotMove('PITWALL_ERR_COMMAND_TRANSITION', 'command', { spell: (state) => state.replaceAll('_', ' ') })

function unknownCommand (id: string): PitwallError {
  return new PitwallError('PITWALL_ERR_COMMAND_UNKNOWN', `no command ${JSON.stringify(id)} (pitwall commands list shows them)`)
}
