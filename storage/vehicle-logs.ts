/**
 * Vehicle logs as stored (migration 023): each upload's row, its progress,
 * the hashes of its upload tokens and its replay report. The bytes are the
 * gateway's (gateway/log-files.ts); the decisions are actions/logs/policy.ts,
 * applied here with statements guarded by the row's state, so an expiry pass
 * and an upload finishing at once do not both win.
 */
import type pg from 'pg'
import type { LogKind, LogReplayReport, UploadAuthorization, VehicleLog, VehicleLogWithReport } from '../actions/logs/model.js'
import { PitwallError } from '../runtime/errors.js'
import { inTransaction } from './transaction.js'

/** A log as the domain's record (l: vehicle_logs, v: vehicles). */
const COLUMNS = `l.id, l.vehicle_id AS "vehicleId", v.vin, l.command_id AS "commandId", l.kind, l.state, l.from_ms AS "fromMs", l.to_ms AS "toMs",
  l.received, l.size, l.sha256, l.upload_expires_at AS "uploadExpiresAt", l.uploaded_by AS "uploadedBy", l.requested_by AS "requestedBy",
  l.detail, l.created_at AS "createdAt", l.updated_at AS "updatedAt", l.completed_at AS "completedAt", l.decoded_at AS "decodedAt"`

export interface NewVehicleLog {
  vin: string
  kind: LogKind
  /** the window asked for, Unix ms (a T-box's upload) */
  fromMs?: number | undefined
  toMs?: number | undefined
  /** 'vehicle', or the engineer uploading */
  uploadedBy: string
  requestedBy: string
  /**
   * how long the upload stays open, from the database's now: the expiry is
   * the database's time, as is the check of it (authorize) and the sweep
   * that ends it, so gateway nodes' clocks cannot shift the window
   */
  uploadWindowMs: number
  /** refused (PITWALL_ERR_UPLOAD_LIMIT) when the vehicle holds this many unfinished uploads already */
  maxUnfinished: number
}

/** A log to replay, with what the replay needs of its vehicle. */
export interface LogToReplay extends VehicleLog {
  model: string | null
  firmware: string | null
}

/** A log whose row ended or went: its bytes are to be deleted. */
export interface LogFileRef {
  id: number
  kind: LogKind
}

export class VehicleLogStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * A new upload, receiving, if its vehicle holds fewer than `maxUnfinished`
   * unfinished ones. The vehicle's row is locked for the count, so two
   * requests at once cannot both take the last place.
   */
  async reserve (spec: NewVehicleLog): Promise<VehicleLog> {
    return await inTransaction(this.pool, async (client) => {
      const vehicle = (await client.query<{ id: number }>('SELECT id FROM vehicles WHERE vin = $1 FOR UPDATE', [spec.vin])).rows[0]
      if (vehicle === undefined) throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${spec.vin}`)
      const open = (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM vehicle_logs WHERE vehicle_id = $1 AND state = 'receiving'", [vehicle.id])).rows[0]?.n ?? 0
      if (open >= spec.maxUnfinished) {
        throw new PitwallError('PITWALL_ERR_UPLOAD_LIMIT', `vehicle ${spec.vin} holds ${open} unfinished log uploads; at most ${spec.maxUnfinished} (PITWALL_LOG_UPLOADS_PER_VEHICLE): wait for them to complete or expire`)
      }
      const res = await client.query<VehicleLog>(
        `WITH l AS (
           INSERT INTO vehicle_logs (vehicle_id, kind, state, from_ms, to_ms, upload_expires_at, uploaded_by, requested_by)
           VALUES ($1, $2, 'receiving', $3, $4, now() + $5 * interval '1 millisecond', $6, $7) RETURNING *)
         SELECT ${COLUMNS} FROM l JOIN vehicles v ON v.id = l.vehicle_id`,
        [vehicle.id, spec.kind, spec.fromMs ?? null, spec.toMs ?? null, spec.uploadWindowMs, spec.uploadedBy, spec.requestedBy])
      return res.rows[0] as VehicleLog
    })
  }

  /** The command that asks the vehicle for this log. */
  async attachCommand (id: number, commandId: string): Promise<void> {
    await this.pool.query('UPDATE vehicle_logs SET command_id = $2, updated_at = now() WHERE id = $1', [id, commandId])
  }

  /** A reservation whose command could not be queued: nothing was ever received. */
  async discard (id: number): Promise<void> {
    await this.pool.query("DELETE FROM vehicle_logs WHERE id = $1 AND state = 'receiving' AND received = 0 AND command_id IS NULL", [id])
  }

  /**
   * Adds the hash of a token issued for the upload (a delivery attempt of
   * its command), keeping the newest `keep`; undefined when the upload is no
   * longer receiving (no token is issued for it then).
   */
  async addToken (id: number, tokenHash: Buffer, keep: number): Promise<VehicleLog | undefined> {
    const res = await this.pool.query<VehicleLog>(
      `WITH l AS (
         UPDATE vehicle_logs SET token_hashes = (token_hashes || $2::bytea)[greatest(1, cardinality(token_hashes) + 2 - $3):], updated_at = now()
         WHERE id = $1 AND state = 'receiving' RETURNING *)
       SELECT ${COLUMNS} FROM l JOIN vehicles v ON v.id = l.vehicle_id`, [id, tokenHash, keep])
    return res.rows[0]
  }

  /**
   * What a token may do to upload `id` (actions/logs/policy.ts uploadRefusal
   * decides, at `now`: the database's time, which set the expiry), and the
   * upload as it is.
   */
  async authorize (id: number, tokenHash: Buffer): Promise<UploadAuthorization & { log: VehicleLog | undefined, now: Date }> {
    const res = await this.pool.query<VehicleLog & { tokenMatches: boolean | null, now: Date, found: boolean }>(
      `SELECT ${COLUMNS}, $2::bytea = ANY (l.token_hashes) AS "tokenMatches", n.now, l.id IS NOT NULL AS found
       FROM (SELECT now() AS now) n LEFT JOIN (vehicle_logs l JOIN vehicles v ON v.id = l.vehicle_id) ON l.id = $1`, [id, tokenHash])
    const { tokenMatches, now, found, ...log } = res.rows[0] as VehicleLog & { tokenMatches: boolean | null, now: Date, found: boolean }
    if (!found) return { state: undefined, tokenMatches: false, uploadExpiresAt: undefined, detail: null, log: undefined, now }
    return { state: log.state, tokenMatches: tokenMatches === true, uploadExpiresAt: log.uploadExpiresAt, detail: log.detail, log, now }
  }

  /** Bytes now on disk (and the total, once declared), while receiving. */
  async recordReceived (id: number, received: number, size: number | null): Promise<void> {
    await this.pool.query(
      "UPDATE vehicle_logs SET received = $2, size = coalesce($3, size), updated_at = now() WHERE id = $1 AND state = 'receiving'", [id, received, size])
  }

  /** Every byte arrived: complete, its token spent. Undefined when it was no longer receiving (expired meanwhile). */
  async complete (id: number, size: number, sha256: string): Promise<VehicleLog | undefined> {
    const res = await this.pool.query<VehicleLog>(
      `WITH l AS (
         UPDATE vehicle_logs SET state = 'complete', received = $2, size = $2, sha256 = $3, completed_at = now(), updated_at = now()
         WHERE id = $1 AND state = 'receiving' RETURNING *)
       SELECT ${COLUMNS} FROM l JOIN vehicles v ON v.id = l.vehicle_id`, [id, size, sha256])
    return res.rows[0]
  }

  /** The upload ends without a log (over the cap, refused); its bytes are to be deleted. */
  async fail (id: number, detail: string): Promise<void> {
    await this.pool.query(
      "UPDATE vehicle_logs SET state = 'failed', detail = $2, updated_at = now() WHERE id = $1 AND state IN ('receiving', 'complete')", [id, detail])
  }

  /** Removes an engineer's upload that did not arrive whole (it is not resumable: nothing to keep). */
  async remove (id: number): Promise<void> {
    await this.pool.query('DELETE FROM vehicle_logs WHERE id = $1', [id])
  }

  /** A replay's outcome for a log whose upload completed: decoded with its report, or failed (not decodable) with why. */
  async recordReplay (id: number, outcome: { report: LogReplayReport } | { failed: string }): Promise<VehicleLogWithReport> {
    const res = 'report' in outcome
      ? await this.pool.query<VehicleLogWithReport>(
        `WITH l AS (UPDATE vehicle_logs SET state = 'decoded', report = $2, detail = NULL, decoded_at = now(), updated_at = now()
           WHERE id = $1 AND completed_at IS NOT NULL RETURNING *)
         SELECT ${COLUMNS}, l.report FROM l JOIN vehicles v ON v.id = l.vehicle_id`, [id, JSON.stringify(outcome.report)])
      : await this.pool.query<VehicleLogWithReport>(
        `WITH l AS (UPDATE vehicle_logs SET state = 'failed', detail = $2, decoded_at = now(), updated_at = now()
           WHERE id = $1 AND completed_at IS NOT NULL RETURNING *)
         SELECT ${COLUMNS}, l.report FROM l JOIN vehicles v ON v.id = l.vehicle_id`, [id, outcome.failed])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_LOG_UNAVAILABLE', `log ${id} is not complete: nothing to record a replay of`)
    return row
  }

  async get (id: number): Promise<VehicleLogWithReport> {
    const res = await this.pool.query<VehicleLogWithReport>(`SELECT ${COLUMNS}, l.report FROM vehicle_logs l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.id = $1`, [id])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_LOG_UNKNOWN', `no vehicle log ${id}`)
    return row
  }

  /** The log a command asked for, if any. */
  async forCommand (commandId: string): Promise<VehicleLog | undefined> {
    const res = await this.pool.query<VehicleLog>(`SELECT ${COLUMNS} FROM vehicle_logs l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.command_id = $1`, [commandId])
    return res.rows[0]
  }

  /** A log with its vehicle's model and firmware, for a replay. */
  async toReplay (id: number): Promise<LogToReplay> {
    const res = await this.pool.query<LogToReplay>(`SELECT ${COLUMNS}, v.model, v.firmware FROM vehicle_logs l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.id = $1`, [id])
    const row = res.rows[0]
    if (row === undefined) throw new PitwallError('PITWALL_ERR_LOG_UNKNOWN', `no vehicle log ${id}`)
    return row
  }

  /** A vehicle's logs, newest first (without reports: they can be long). PITWALL_ERR_VEHICLE_UNKNOWN for a VIN not registered. */
  async list (vin: string, limit: number): Promise<VehicleLog[]> {
    const res = await this.pool.query<VehicleLog & { known: boolean }>(
      `SELECT ${COLUMNS}, true AS known FROM vehicle_logs l JOIN vehicles v ON v.id = l.vehicle_id WHERE v.vin = $1 ORDER BY l.id DESC LIMIT $2`, [vin, limit])
    if (res.rows.length === 0) {
      const known = await this.pool.query('SELECT 1 FROM vehicles WHERE vin = $1', [vin])
      if (known.rows.length === 0) throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${vin}`)
    }
    return res.rows.map(({ known: _known, ...log }) => log)
  }

  /** Complete logs not replayed yet, oldest first: the replayer's work. */
  async awaitingReplay (limit: number): Promise<LogFileRef[]> {
    const res = await this.pool.query<LogFileRef>("SELECT id, kind FROM vehicle_logs WHERE state = 'complete' ORDER BY id LIMIT $1", [limit])
    return res.rows
  }

  /**
   * Ends uploads that can no longer complete: past their token's expiry, or
   * whose command ended without the vehicle uploading (cancelled, expired,
   * rejected, failed). Returns them: their partial bytes are to be deleted.
   */
  async expireUnfinished (): Promise<LogFileRef[]> {
    const res = await this.pool.query<LogFileRef>(
      `UPDATE vehicle_logs l SET state = 'failed', updated_at = now(),
         detail = CASE WHEN l.upload_expires_at <= now() THEN 'the upload did not complete before its token expired (' || l.received || ' bytes received)'
                       ELSE 'its command ended ' || c.state || ' before the upload completed (' || l.received || ' bytes received)' END
       FROM vehicle_logs x LEFT JOIN commands c ON c.id = x.command_id
       WHERE l.id = x.id AND l.state = 'receiving'
         AND (l.upload_expires_at <= now() OR c.state IN ('cancelled', 'expired', 'rejected', 'failed'))
       RETURNING l.id, l.kind`)
    return res.rows
  }

  /** Deletes the logs created before `cutoff` (the retention setting); returns them: their files go too. */
  async deleteOlderThan (cutoff: Date, limit: number): Promise<LogFileRef[]> {
    const res = await this.pool.query<LogFileRef>(
      'DELETE FROM vehicle_logs WHERE id IN (SELECT id FROM vehicle_logs WHERE created_at < $1 ORDER BY id LIMIT $2) RETURNING id, kind', [cutoff, limit])
    return res.rows
  }

  /** Which of `ids` have a row that still holds bytes (receiving, complete or decoded): the others' files are orphans. */
  async holdingBytes (ids: readonly number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set()
    const res = await this.pool.query<{ id: number }>("SELECT id FROM vehicle_logs WHERE id = ANY ($1::bigint[]) AND state <> 'failed'", [ids])
    return new Set(res.rows.map((r) => r.id))
  }
}
