/**
 * A rescue request's row, as both writers of one insert it inside their own
 * transaction: DealerAlertStore.create for a fault's rescue and
 * RescueRequestStore.create for a call centre's (each then stores the
 * dealers' copies, ./dealer-alerts.ts insertAlerts). Kept apart from both
 * stores so that neither imports the other.
 */
import type pg from 'pg'
import type { RescueDraft, RescueRequest } from '../actions/rescue/model.js'

/** RescueRequest, from rescue_requests r JOIN vehicles v */
export const RESCUE_COLUMNS = `r.id, r.source, r.fault_id AS "faultId", r.vehicle_id AS "vehicleId", v.vin, r.lat, r.lon, r.description,
  r.contact_phone AS "contactPhone", r.state, r.requested_at AS "requestedAt", r.requested_by AS "requestedBy",
  r.accepted_dealer_id AS "acceptedDealerId", r.accepted_at AS "acceptedAt", r.dispatched_at AS "dispatchedAt", r.eta,
  r.on_site_at AS "onSiteAt", r.towed_at AS "towedAt", r.towed_to_dealer_id AS "towedToDealerId", r.closed_at AS "closedAt", r.outcome,
  r.cancelled_at AS "cancelledAt", r.cancel_reason AS "cancelReason", r.updated_at AS "updatedAt"`

/** The request with its `requested` timeline entry. */
export async function insertRescueRequest (client: pg.PoolClient, vehicleId: number, draft: RescueDraft): Promise<RescueRequest> {
  const res = await client.query<RescueRequest>(
    `WITH r AS (
       INSERT INTO rescue_requests (vehicle_id, fault_id, source, lat, lon, description, contact_phone, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *
     ), ev AS (
       INSERT INTO rescue_request_events (rescue_id, time, state, by, detail)
       SELECT id, requested_at, 'requested', requested_by, jsonb_build_object('source', source) FROM r
     )
     SELECT ${RESCUE_COLUMNS} FROM r JOIN vehicles v ON v.id = r.vehicle_id`,
    [vehicleId, draft.faultId, draft.source, draft.lat, draft.lon, draft.description, draft.contactPhone, draft.requestedBy])
  return res.rows[0] as RescueRequest
}
