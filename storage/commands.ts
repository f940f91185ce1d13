/**
 * Commands to vehicles, one queue per vehicle, and every step of each
 * command with its time:
 *
 *   pending_approval → queued → sent → accepted → in_progress → succeeded | failed
 *                          ↘ expired (not started before its expiry)   ↘ rejected (by the T-box)
 *   pending_approval | queued → cancelled (by an engineer, or an aborted campaign)
 *
 * A vehicle gets one command at a time, oldest first: the next is sent only
 * when the one before reached a final state, so an OTA update is never
 * interrupted by the next command. States only move forward: an
 * acknowledgement that would move one back (a late ACCEPTED after SUCCEEDED,
 * a REJECTED for a replayed copy of a command already running) is kept in
 * the timeline as ignored and changes nothing.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { StorageError } from './errors.js'

export const COMMAND_STATES = ['pending_approval', 'queued', 'sent', 'accepted', 'in_progress',
  'succeeded', 'failed', 'expired', 'rejected', 'cancelled'] as const
export type CommandState = typeof COMMAND_STATES[number]

export const FINAL_COMMAND_STATES: readonly CommandState[] = ['succeeded', 'failed', 'expired', 'rejected', 'cancelled']

/** What the command asks the vehicle to do, as stored (sha256 as hex); actions/ turns it into the wire Command. */
export type CommandBody =
  | { ota: { package: string, version: string, url: string, sha256: string, size: number } }
  | { action: { name: string, params: Record<string, string> } }
  | { diagnostic: { udsRequest: string } | { logUpload: { fromMs: number, toMs: number, kind: string } } }

export type FixCheck = 'pending' | 'confirmed' | 'not_confirmed'

export interface Command {
  id: string
  vehicleId: number
  vin: string
  body: CommandBody
  state: CommandState
  progress: number | null
  detail: string | null
  createdAt: Date
  expiresAt: Date
  updatedAt: Date
  attempts: number
  sentAt: Date | null
  nextSendAt: Date | null
  faultId: number | null
  campaignId: string | null
  requestedBy: string
  approvedBy: string | null
  fixCheck: FixCheck | null
  fixCheckedAt: Date | null
}

export interface CommandEvent {
  time: Date
  state: string
  progress: number | null
  detail: string | null
  by: string | null
}

/** A T-box's answer (proto CommandAck), its state already mapped to ours. */
export interface CommandAckUpdate {
  id: string
  state: 'accepted' | 'in_progress' | 'succeeded' | 'failed' | 'rejected'
  progress: number
  detail: string
  /** the T-box's clock (Unix ms) when it answered; 0 when it did not say */
  timeMs: number
}

export interface NewCommand {
  vin: string
  body: CommandBody
  ttlMs: number
  requestedBy: string
  /** true: waits in pending_approval until an engineer approves it */
  needsApproval?: boolean
  faultId?: number
  campaignId?: string
}

export interface CommandQuery {
  vin?: string | undefined
  state?: CommandState | readonly CommandState[] | undefined
  campaignId?: string | undefined
  faultId?: number | undefined
  limit?: number | undefined
}

interface CommandRow {
  id: string
  vehicle_id: number
  vin: string
  body: CommandBody
  state: CommandState
  progress: number | null
  detail: string | null
  created_at: Date
  expires_at: Date
  updated_at: Date
  attempts: number
  sent_at: Date | null
  next_send_at: Date | null
  fault_id: string | null
  campaign_id: string | null
  requested_by: string
  approved_by: string | null
  fix_check: FixCheck | null
  fix_checked_at: Date | null
}

const COLUMNS = `c.id, c.vehicle_id, v.vin, c.body, c.state, c.progress, c.detail, c.created_at, c.expires_at, c.updated_at,
  c.attempts, c.sent_at, c.next_send_at, c.fault_id, c.campaign_id, c.requested_by, c.approved_by, c.fix_check, c.fix_checked_at`

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

/** The states an acknowledgement may move a command from. */
const ACK_FROM: Record<CommandAckUpdate['state'], readonly CommandState[]> = {
  accepted: ['sent'],
  in_progress: ['sent', 'accepted', 'in_progress'],
  succeeded: ['sent', 'accepted', 'in_progress'],
  failed: ['sent', 'accepted', 'in_progress'],
  rejected: ['sent']
}

/**
 * A sent command expires this long after its expiry, not at it: the T-box
 * accepts a command up to 60 s of clock skew past its expiry, and its
 * ACCEPTED needs time to arrive. Expiring earlier would ignore the answer of
 * a command the vehicle is running.
 */
export const SENT_EXPIRY_GRACE_MS = 120_000

/**
 * A command the vehicle accepted but then stopped reporting on (a T-box
 * that rebooted mid-update and lost its answer) fails after this long
 * without a report, so it does not block the vehicle's queue for ever.
 */
export const DEFAULT_STALL_MS = 3_600_000

/** Longest command life accepted: the T-box remembers nonces until expiry, so this bounds its memory. */
export const MAX_COMMAND_TTL_MS = 30 * 24 * 3600 * 1000

export class CommandStore {
  constructor (private readonly pool: pg.Pool) {}

  async enqueue (spec: NewCommand): Promise<Command> {
    if (!Number.isInteger(spec.ttlMs) || spec.ttlMs <= 0 || spec.ttlMs > MAX_COMMAND_TTL_MS) {
      throw new StorageError('PITWALL_ERR_COMMAND_INVALID', `command ttl ${spec.ttlMs} ms is not between 1 ms and ${MAX_COMMAND_TTL_MS} ms (30 days)`)
    }
    const state: CommandState = spec.needsApproval === true ? 'pending_approval' : 'queued'
    const res = await this.pool.query<CommandRow>(
      `WITH v AS (SELECT id, vin FROM vehicles WHERE vin = $2),
       ins AS (
         INSERT INTO commands (id, vehicle_id, body, state, expires_at, requested_by, fault_id, campaign_id, next_send_at)
         SELECT $1, v.id, $3, $4, now() + $5 * interval '1 millisecond', $6, $7, $8, now() FROM v
         RETURNING *),
       ev AS (INSERT INTO command_events (command_id, state, by) SELECT id, state, requested_by FROM ins)
       SELECT ${COLUMNS} FROM ins c JOIN v ON v.id = c.vehicle_id`,
      [randomUUID(), spec.vin, JSON.stringify(spec.body), state, spec.ttlMs, spec.requestedBy, spec.faultId ?? null, spec.campaignId ?? null])
    const row = res.rows[0]
    if (row === undefined) throw new StorageError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${spec.vin} (pitwall device add registers one)`)
    return command(row)
  }

  /** An engineer lets a command that waits for approval go out. */
  async approve (id: string, by: string): Promise<Command> {
    return await this.move(id, 'approve', ['pending_approval'], 'queued', by, null, ', approved_by = $3, next_send_at = now()')
  }

  /** Withdraws a command the vehicle has not been sent yet. */
  async cancel (id: string, by: string, why?: string): Promise<Command> {
    return await this.move(id, 'cancel', ['pending_approval', 'queued'], 'cancelled', by, why ?? null)
  }

  /**
   * The command to deliver to a vehicle now, if any: the head of its queue
   * when it is queued, or sent and unanswered past its retry time. Commands
   * of a campaign that is not running are held back and do not block the
   * vehicle's other commands.
   */
  async due (vehicleId: number): Promise<Command | undefined> {
    const res = await this.pool.query<CommandRow>(
      `SELECT ${COLUMNS} FROM (${QUEUE_HEADS}) c JOIN vehicles v ON v.id = c.vehicle_id WHERE ${HEAD_IS_DUE}`, [[vehicleId]])
    const row = res.rows[0]
    return row === undefined ? undefined : command(row)
  }

  /** Vehicles with a command due now (for the periodic pass over connected vehicles). */
  async vehiclesWithDue (vehicleIds: readonly number[]): Promise<number[]> {
    if (vehicleIds.length === 0) return []
    const res = await this.pool.query<{ vehicle_id: number }>(`SELECT c.vehicle_id FROM (${QUEUE_HEADS}) c WHERE ${HEAD_IS_DUE}`, [vehicleIds])
    return res.rows.map((r) => r.vehicle_id)
  }

  /**
   * The command went out (again); the next attempt is due at `retryAt` unless
   * the vehicle answers. A queued command of a campaign paused or aborted
   * since the dispatcher read it as due stays held.
   */
  async markSent (id: string, retryAfterMs: number, keyId: string): Promise<Command> {
    const res = await this.pool.query<CommandRow>(
      `WITH upd AS (
         UPDATE commands c SET state = 'sent', attempts = attempts + 1, sent_at = now(), updated_at = now(),
           next_send_at = now() + $2 * interval '1 millisecond'
         WHERE id = $1 AND state IN ('queued', 'sent')
           AND (campaign_id IS NULL OR state <> 'queued' OR EXISTS (SELECT 1 FROM campaigns k WHERE k.id = c.campaign_id AND k.state = 'running'))
         RETURNING *),
       ev AS (INSERT INTO command_events (command_id, state, detail)
         SELECT id, 'sent', 'attempt ' || attempts || ', signed by ' || $3 FROM upd)
       SELECT ${COLUMNS} FROM upd c JOIN vehicles v ON v.id = c.vehicle_id`, [id, retryAfterMs, keyId])
    const row = res.rows[0]
    if (row === undefined) throw new StorageError('PITWALL_ERR_COMMAND_TRANSITION', `command ${id} cannot be sent: it is no longer queued or sent, or its campaign is no longer running`)
    return command(row)
  }

  /**
   * Applies a vehicle's acknowledgement. The command must be this vehicle's
   * (another vehicle's id reads as unknown). Returns the command and whether
   * its state changed; an ack that would move it backwards is recorded as
   * ignored.
   */
  async applyAck (vehicleId: number, ack: CommandAckUpdate): Promise<{ command: Command, changed: boolean }> {
    const from = ACK_FROM[ack.state]
    const fixWindow = ack.state === 'succeeded'
    const res = await this.pool.query<CommandRow & { changed: boolean | null }>(
      // cur locks the row: the states it allows are judged on the row as it is
      // now, not as this statement's snapshot saw it before an expiry (or
      // another writer) committed meanwhile and the update waited for it
      `WITH cur AS (SELECT * FROM commands WHERE id = $1 AND vehicle_id = $2 FOR UPDATE),
       upd AS (
         UPDATE commands c SET state = $3, progress = $4, detail = nullif($5, ''), updated_at = now(),
           finished_at = CASE WHEN $3 IN ('succeeded', 'failed', 'rejected')
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
      [ack.id, vehicleId, ack.state, ack.progress, ack.detail, from, fixWindow, ack.timeMs])
    const row = res.rows[0]
    if (row === undefined) throw new StorageError('PITWALL_ERR_COMMAND_UNKNOWN', `no command ${JSON.stringify(ack.id)} for this vehicle`)
    // the update ran in the same statement: the row read above predates it
    return { command: row.changed === true ? { ...command(row), state: ack.state, progress: ack.progress, detail: ack.detail === '' ? null : ack.detail } : command(row), changed: row.changed === true }
  }

  /**
   * Commands not yet started whose expiry passed become expired (a sent one
   * after SENT_EXPIRY_GRACE_MS more); started ones without a report for
   * `stalledAfterMs` fail. Returns them.
   */
  async expireDue (stalledAfterMs = DEFAULT_STALL_MS): Promise<Command[]> {
    const res = await this.pool.query<CommandRow>(
      `WITH expired AS (
         UPDATE commands SET state = 'expired', updated_at = now()
         WHERE (state IN ('pending_approval', 'queued') AND expires_at <= now())
            OR (state = 'sent' AND expires_at <= now() - make_interval(secs => $2 / 1000.0))
         RETURNING *),
       -- locked, so an ack committing meanwhile (it moves updated_at) takes the row out of the pass
       stale AS (
         SELECT id, state AS was FROM commands
         WHERE state IN ('accepted', 'in_progress') AND updated_at <= now() - make_interval(secs => $1 / 1000.0)
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
      [stalledAfterMs, SENT_EXPIRY_GRACE_MS])
    return res.rows.map(command)
  }

  /**
   * Remote fixes that succeeded are checked against the fault: confirmed
   * when fresh data cleared it after the fix succeeded, not confirmed when
   * `windowMs` passed without that. Each outcome goes into the fault's
   * timeline too. Returns the commands decided now.
   */
  async checkFixes (windowMs: number): Promise<Command[]> {
    const res = await this.pool.query<CommandRow>(
      `WITH done AS (
         SELECT c.id, c.fault_id, coalesce(c.finished_at, c.updated_at) AS succeeded_at, c.updated_at AS stored_at, f.cleared_at, f.state AS fault_state
         FROM commands c JOIN faults f ON f.id = c.fault_id
         WHERE c.fix_check = 'pending'),
       decided AS (
         SELECT id, fault_id,
           CASE WHEN fault_state IN ('auto_cleared', 'resolved') AND cleared_at IS NOT NULL AND cleared_at >= succeeded_at THEN 'confirmed'
                WHEN stored_at + $1 * interval '1 millisecond' <= now() THEN 'not_confirmed' END AS outcome,
           cleared_at
         FROM done),
       upd AS (
         -- still pending as committed: another gateway's pass may have decided
         -- it after this statement's snapshot, and it goes into the fault's
         -- timeline once
         UPDATE commands c SET fix_check = d.outcome, fix_checked_at = now()
         FROM decided d WHERE c.id = d.id AND d.outcome IS NOT NULL AND c.fix_check = 'pending'
         RETURNING c.*, d.cleared_at AS fault_cleared_at),
       ev AS (
         INSERT INTO fault_events (fault_id, time, type, detail)
         SELECT u.fault_id, now(), CASE WHEN u.fix_check = 'confirmed' THEN 'fixed_remotely' ELSE 'remote_fix_not_confirmed' END,
           jsonb_build_object('commandId', u.id, 'clearedAt', u.fault_cleared_at)
         FROM upd u)
       SELECT ${COLUMNS} FROM upd c JOIN vehicles v ON v.id = c.vehicle_id`, [windowMs])
    return res.rows.map(command)
  }

  async get (id: string): Promise<Command> {
    const res = await this.pool.query<CommandRow>(`SELECT ${COLUMNS} FROM commands c JOIN vehicles v ON v.id = c.vehicle_id WHERE c.id = $1`, [id])
    const row = res.rows[0]
    if (row === undefined) throw unknownCommand(id)
    return command(row)
  }

  async list (query: CommandQuery = {}): Promise<Command[]> {
    const states = query.state === undefined ? null : typeof query.state === 'string' ? [query.state] : [...query.state]
    const res = await this.pool.query<CommandRow>(
      `SELECT ${COLUMNS} FROM commands c JOIN vehicles v ON v.id = c.vehicle_id
       WHERE ($1::text IS NULL OR v.vin = $1) AND ($2::text[] IS NULL OR c.state = ANY ($2::text[]))
         AND ($3::text IS NULL OR c.campaign_id = $3) AND ($4::bigint IS NULL OR c.fault_id = $4)
       ORDER BY c.created_at DESC, c.id DESC LIMIT $5`,
      [query.vin ?? null, states, query.campaignId ?? null, query.faultId ?? null, query.limit ?? 100])
    return res.rows.map(command)
  }

  /** Every step of the command, oldest first. */
  async timeline (id: string): Promise<CommandEvent[]> {
    const res = await this.pool.query<{ time: Date | null, state: string | null, progress: number | null, detail: string | null, by: string | null }>(
      `SELECT e.time, e.state, e.progress, e.detail, e.by FROM commands c LEFT JOIN command_events e ON e.command_id = c.id
       WHERE c.id = $1 ORDER BY e.id`, [id])
    if (res.rows.length === 0) throw unknownCommand(id)
    return res.rows.filter((r) => r.state !== null).map((r) => ({ time: r.time as Date, state: r.state as string, progress: r.progress, detail: r.detail, by: r.by }))
  }

  /** One statement: the move if the command is in one of `from`, its timeline entry, and the prior state to say why when refused. */
  private async move (id: string, verb: string, from: readonly CommandState[], to: CommandState, by: string, detail: string | null, extraSet = ''): Promise<Command> {
    const res = await this.pool.query<CommandRow & { prior: CommandState | null }>(
      `WITH prior AS (SELECT state FROM commands WHERE id = $1),
       upd AS (UPDATE commands SET state = $2, updated_at = now()${extraSet}
         WHERE id = $1 AND state = ANY ($4::text[]) RETURNING *),
       ev AS (INSERT INTO command_events (command_id, state, by, detail) SELECT id, state, $3, $5 FROM upd)
       SELECT (SELECT state FROM prior) AS prior, ${COLUMNS}
       FROM (SELECT 1) one LEFT JOIN upd c ON true LEFT JOIN vehicles v ON v.id = c.vehicle_id`,
      [id, to, by, from, detail])
    const row = res.rows[0] as CommandRow & { prior: CommandState | null }
    if (row.prior === null) throw unknownCommand(id)
    if (row.id === null) {
      throw new StorageError('PITWALL_ERR_COMMAND_TRANSITION', `cannot ${verb} command ${id}: it is ${row.prior.replaceAll('_', ' ')} (only ${from.join(', ').replaceAll('_', ' ')} commands can be)`)
    }
    return command(row)
  }
}

function unknownCommand (id: string): StorageError {
  return new StorageError('PITWALL_ERR_COMMAND_UNKNOWN', `no command ${JSON.stringify(id)} (pitwall commands list shows them)`)
}

function command (row: CommandRow): Command {
  return {
    id: row.id,
    vehicleId: row.vehicle_id,
    vin: row.vin,
    body: row.body,
    state: row.state,
    progress: row.progress,
    detail: row.detail,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
    attempts: row.attempts,
    sentAt: row.sent_at,
    nextSendAt: row.next_send_at,
    faultId: row.fault_id === null ? null : Number(row.fault_id),
    campaignId: row.campaign_id,
    requestedBy: row.requested_by,
    approvedBy: row.approved_by,
    fixCheck: row.fix_check,
    fixCheckedAt: row.fix_checked_at
  }
}
