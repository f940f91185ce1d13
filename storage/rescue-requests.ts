/**
 * Rescue requests in storage: a call centre's request stored with its
 * dealers' copies and their webhooks in one transaction (a fault's rescue is
 * stored by DealerAlertStore.create), lists and timelines scoped by the
 * dealers a rescue was offered to, and the moves, each applied with a guarded
 * update so that of two dealers accepting at once exactly one wins; the
 * copies' statuses, timeline entries and webhooks follow in the same
 * transaction.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { DealerAlert } from '../actions/dealer-alerts/model.js'
import {
  FINAL_RESCUE_STATES, PAGE_DEFAULT,
  type CopyEffect, type RescueDraft, type RescueEvent, type RescueMove, type RescueOffer, type RescueRequest, type RescueStanding, type RescueState
} from '../actions/rescue/model.js'
import { PitwallError } from '../runtime/errors.js'
import { insertAlerts, type AlertDraft, type WebhookEnvelope } from './dealer-alerts.js'
import { insertRescueRequest, RESCUE_COLUMNS } from './rescue-rows.js'
import { inTransaction } from './transaction.js'

/** What a call centre's rescue needs of the vehicle. */
export interface RescueVehicle {
  vehicleId: number
  vin: string
  model: string | null
  brand: string | null
}

export interface RescueQuery {
  /** only the rescues offered to this dealer */
  dealerId?: string | undefined
  state?: readonly RescueState[] | undefined
  vin?: string | undefined
  /** older than this id (paging); newest first */
  beforeId?: number | undefined
  /** default PAGE_DEFAULT */
  limit?: number | undefined
}

/** A rescue in a list, with the listing dealer's own copy (null when an engineer or operator lists). */
export interface RescueListing extends RescueRequest {
  offer: RescueOffer | null
}

/** The body of a move's webhook to one copy. */
export type RescueEnvelope = (effect: CopyEffect, rescue: RescueRequest, idempotencyKey: string) => string

export type MoveResult = { moved: true, rescue: RescueRequest } | { moved: false, standing: RescueStanding | null }

/** The column each state's time is kept in (a fixed map: never text from a request). */
const TIME_COLUMN: Record<Exclude<RescueState, 'requested'>, string> = {
  accepted: 'accepted_at',
  dispatched: 'dispatched_at',
  on_site: 'on_site_at',
  towed: 'towed_at',
  closed: 'closed_at',
  cancelled: 'cancelled_at'
}

const OFFER_COLUMNS = `a.id AS "alertId", a.dealer_id AS "dealerId", (a.routing->>'distanceKm')::float8 AS "distanceKm", a.status AS "alertStatus"`

export class RescueRequestStore {
  constructor (private readonly pool: pg.Pool) {}

  async vehicle (vin: string): Promise<RescueVehicle> {
    const res = await this.pool.query<RescueVehicle>('SELECT id AS "vehicleId", vin, model, brand FROM vehicles WHERE vin = $1', [vin])
    const found = res.rows[0]
    if (found === undefined) throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${vin} (pitwall device list shows the registered vehicles); no rescue request was stored`)
    return found
  }

  /**
   * A call centre's request and its dealers' copies (with their webhooks),
   * in one transaction: refused with PITWALL_ERR_RESCUE_OPEN, nothing
   * stored, while the vehicle has an open rescue.
   */
  async create (vehicle: RescueVehicle, draft: RescueDraft, drafts: (rescue: RescueRequest) => AlertDraft[], envelope: WebhookEnvelope): Promise<{ rescue: RescueRequest, alerts: DealerAlert[] }> {
    const open = (id: number | null, state: string | null): PitwallError => new PitwallError('PITWALL_ERR_RESCUE_OPEN',
      `vehicle ${vehicle.vin} has an open rescue request${id === null ? '' : ` ${id} (${state ?? ''})`}; cancel or close it before asking again`)
    return await inTransaction(this.pool, async (client) => {
      const existing = await client.query<{ id: number, state: string }>(
        'SELECT id, state FROM rescue_requests WHERE vehicle_id = $1 AND NOT (state = ANY ($2::text[])) ORDER BY id DESC LIMIT 1',
        [vehicle.vehicleId, FINAL_RESCUE_STATES])
      const found = existing.rows[0]
      if (found !== undefined) throw open(found.id, found.state)
      let rescue: RescueRequest
      try {
        rescue = await insertRescueRequest(client, vehicle.vehicleId, draft)
      } catch (err) {
        // a call racing this one stored its request first (rescue_requests_open_call)
        if ((err as { code?: unknown }).code === '23505') throw open(null, null)
        throw err
      }
      const alerts = await insertAlerts(client, { faultId: null, rescueId: rescue.id, vehicleId: vehicle.vehicleId }, 'rescue', drafts(rescue), envelope)
      return { rescue, alerts }
    })
  }

  async list (query: RescueQuery = {}): Promise<RescueListing[]> {
    const dealerId = query.dealerId ?? null
    const res = await this.pool.query<RescueListing>(
      `SELECT ${RESCUE_COLUMNS}, CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('alertId', a.id, 'dealerId', a.dealer_id,
         'distanceKm', (a.routing->>'distanceKm')::float8, 'alertStatus', a.status) END AS offer
       FROM rescue_requests r JOIN vehicles v ON v.id = r.vehicle_id
       LEFT JOIN dealer_alerts a ON a.rescue_id = r.id AND a.dealer_id = $1
       WHERE ($1::text IS NULL OR a.id IS NOT NULL) AND ($2::text[] IS NULL OR r.state = ANY ($2::text[]))
         AND ($3::text IS NULL OR v.vin = $3) AND ($4::bigint IS NULL OR r.id < $4)
       ORDER BY r.id DESC LIMIT $5`,
      [dealerId, query.state === undefined ? null : [...query.state], query.vin ?? null, query.beforeId ?? null, query.limit ?? PAGE_DEFAULT])
    return res.rows
  }

  /** The rescue; with `dealerId`, only if it was offered to that dealer (another's reads as not found). */
  async get (id: number, dealerId?: string): Promise<RescueRequest> {
    const res = await this.pool.query<RescueRequest>(
      `SELECT ${RESCUE_COLUMNS} FROM rescue_requests r JOIN vehicles v ON v.id = r.vehicle_id
       WHERE r.id = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM dealer_alerts a WHERE a.rescue_id = r.id AND a.dealer_id = $2))`,
      [id, dealerId ?? null])
    const rescue = res.rows[0]
    if (rescue === undefined) throw unknownRescue(id, dealerId)
    return rescue
  }

  /** The dealers it was offered to (their copies), nearest first. */
  async offers (id: number): Promise<RescueOffer[]> {
    const res = await this.pool.query<RescueOffer>(
      `SELECT ${OFFER_COLUMNS} FROM dealer_alerts a WHERE a.rescue_id = $1 ORDER BY (a.routing->>'distanceKm')::float8 NULLS LAST, a.id`, [id])
    return res.rows
  }

  /** Its steps in the order they were made. */
  async timeline (id: number): Promise<RescueEvent[]> {
    const res = await this.pool.query<RescueEvent>(
      'SELECT time, state, dealer_id AS "dealerId", by, detail FROM rescue_request_events WHERE rescue_id = $1 ORDER BY id', [id])
    return res.rows
  }

  /**
   * Applies a move the policy allowed (actions/rescue/policy.ts rescueMove)
   * if the rescue is in one of `move.from` and, for a dealer, was offered to
   * it (to accept) or accepted by it (after): one guarded UPDATE, so of two
   * dealers accepting at once the second finds it accepted and matches
   * nothing. Then, in the same transaction, the step's timeline entry and
   * what `decide` says the move does to the copies (status, timeline entry,
   * webhook with `envelope`'s body where the dealer has a webhook URL).
   * Nothing matched: { moved: false } with the rescue as it stands now (null:
   * not there), for the caller to say why.
   */
  async move (id: number, move: RescueMove, decide: (rescue: RescueRequest, copies: RescueOffer[]) => CopyEffect[], envelope: RescueEnvelope): Promise<MoveResult> {
    return await inTransaction(this.pool, async (client): Promise<MoveResult> => {
      const to = move.to as Exclude<RescueState, 'requested'>
      const updated = await client.query<{ id: number }>(
        `UPDATE rescue_requests r SET state = $2, ${TIME_COLUMN[to]} = now(), updated_at = now(),
           accepted_dealer_id = CASE WHEN $2 = 'accepted' THEN $4 ELSE accepted_dealer_id END,
           eta = coalesce($5, eta), towed_to_dealer_id = coalesce($6, towed_to_dealer_id),
           outcome = coalesce($7, outcome), cancel_reason = coalesce($8, cancel_reason)
         WHERE r.id = $1 AND r.state = ANY ($3::text[])
           AND ($4::text IS NULL OR CASE WHEN $2 = 'accepted'
             THEN EXISTS (SELECT 1 FROM dealer_alerts a WHERE a.rescue_id = r.id AND a.dealer_id = $4)
             ELSE r.accepted_dealer_id = $4 END)
         RETURNING r.id`,
        [id, to, move.from, move.dealerId, move.eta, move.towedToDealerId, move.outcome, move.cancelReason])
      if (updated.rowCount !== 1) {
        // read in a statement of its own: under READ COMMITTED it sees the winner a racing accept waited for
        const now = await client.query<RescueStanding>(
          `SELECT state, accepted_dealer_id AS "acceptedDealerId",
             ($2::text IS NULL OR EXISTS (SELECT 1 FROM dealer_alerts a WHERE a.rescue_id = r.id AND a.dealer_id = $2)) AS offered
           FROM rescue_requests r WHERE r.id = $1`, [id, move.dealerId])
        return { moved: false, standing: now.rows[0] ?? null }
      }
      await client.query(
        'INSERT INTO rescue_request_events (rescue_id, time, state, dealer_id, by, detail) VALUES ($1, now(), $2, $3, $4, $5)',
        [id, to, move.dealerId, move.by, move.detail === null ? null : JSON.stringify(move.detail)])
      const rescue = (await client.query<RescueRequest>(
        `SELECT ${RESCUE_COLUMNS} FROM rescue_requests r JOIN vehicles v ON v.id = r.vehicle_id WHERE r.id = $1`, [id])).rows[0] as RescueRequest
      const copies = await client.query<RescueOffer & { hasWebhook: boolean }>(
        `SELECT ${OFFER_COLUMNS}, d.webhook_url IS NOT NULL AS "hasWebhook"
         FROM dealer_alerts a JOIN dealers d ON d.id = a.dealer_id WHERE a.rescue_id = $1 ORDER BY a.id FOR NO KEY UPDATE OF a`, [id])
      const webhooks = new Set(copies.rows.filter((c) => c.hasWebhook).map((c) => c.alertId))
      for (const effect of decide(rescue, copies.rows.map(({ hasWebhook: _, ...offer }) => offer))) {
        if (effect.changed) await client.query('UPDATE dealer_alerts SET status = $2, updated_at = now() WHERE id = $1', [effect.alertId, effect.status])
        await client.query('INSERT INTO dealer_alert_events (alert_id, time, status, by, detail) VALUES ($1, now(), $2, $3, $4)',
          [effect.alertId, effect.status, effect.by, JSON.stringify(effect.detail)])
        if (!webhooks.has(effect.alertId)) continue
        // random, as an alert's: a receiver cannot guess other deliveries' keys
        const key = randomUUID()
        await client.query('INSERT INTO webhook_deliveries (alert_id, dealer_id, idempotency_key, event, body) VALUES ($1, $2, $3, $4, $5)',
          [effect.alertId, effect.dealerId, key, effect.event, envelope(effect, rescue, key)])
      }
      return { moved: true, rescue }
    })
  }
}

function unknownRescue (id: number, dealerId: string | undefined): PitwallError {
  return new PitwallError('PITWALL_ERR_RESCUE_UNKNOWN', dealerId === undefined ? `no rescue request ${id}` : `dealer ${dealerId} has no rescue request ${id}`)
}
