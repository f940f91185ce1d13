/**
 * Rescue requests as the API and the CLI make and move them. A call
 * centre's request is checked, routed like a fault's rescue (every active
 * dealer servicing the brand within the rescue radius, ../dealer-alerts/
 * routing.ts) and stored with its dealers' copies and their
 * `rescue_request.created` webhooks in one transaction; no dealer in range,
 * an unknown vehicle or an open rescue store nothing. A move is checked by
 * the policy and applied by the store's guarded update; the copies it
 * concerns get their timeline entry and signed webhook (`rescue_request.*`)
 * in the same transaction.
 */
import { ALERT_EVENTS, RESCUE_RADIUS_KM, type DealerAlert } from '../dealer-alerts/model.js'
import { rescueTargets } from '../dealer-alerts/routing.js'
import { PitwallError } from '../../runtime/errors.js'
import type { DealerStore } from '../../storage/dealers.js'
import type { RescueRequestStore, RescueVehicle } from '../../storage/rescue-requests.js'
import type { ActionLog } from '../log.js'
import { RESCUE_EVENT_SCHEMA, RESCUE_REQUEST_SCHEMA, type RescueInput, type RescueRequest } from './model.js'
import { checkRescueInput, copyEffects, dealerView, refusedRescueMove, rescueMove, type RescueActor, type RescueMoveInput } from './policy.js'

export interface RescueServiceDeps {
  rescues: RescueRequestStore
  dealers: Pick<DealerStore, 'list' | 'get'>
  log: Pick<ActionLog, 'info'>
  /** default RESCUE_RADIUS_KM (the gateway passes PITWALL_RESCUE_RADIUS_KM) */
  rescueRadiusKm?: number | undefined
}

export class RescueService {
  private readonly radiusKm: number

  constructor (private readonly deps: RescueServiceDeps) {
    this.radiusKm = deps.rescueRadiusKm ?? RESCUE_RADIUS_KM
  }

  /** A call centre's request (`by`: who took the call), routed and stored with its copies; throws before storing anything when it cannot be. */
  async create (input: RescueInput, by: string): Promise<{ rescue: RescueRequest, alerts: DealerAlert[] }> {
    const checked = checkRescueInput(input)
    const vehicle = await this.deps.rescues.vehicle(checked.vin)
    const dealers = await this.deps.dealers.list()
    const targets = rescueTargets(checked, dealers, this.radiusKm, vehicle.brand)
    if (targets.length === 0) {
      throw new PitwallError('PITWALL_ERR_DEALER_NO_ROUTE', `rescue request for ${vehicle.vin}: no active dealer${vehicle.brand === null ? '' : ` servicing ${vehicle.brand}`} ` +
        `within ${this.radiusKm} km of ${checked.lat.toFixed(4)}, ${checked.lon.toFixed(4)}; nothing was stored`)
    }
    const withWebhook = new Set(dealers.filter((d) => d.webhookUrl !== null).map((d) => d.id))
    const { rescue, alerts } = await this.deps.rescues.create(vehicle,
      { source: 'call_centre', faultId: null, lat: checked.lat, lon: checked.lon, description: checked.description, contactPhone: checked.contactPhone, requestedBy: by },
      (stored) => targets.map((t) => ({
        dealerId: t.dealerId,
        // metres are enough, as for a fault's rescue
        routing: { via: 'rescue', distanceKm: Math.round(t.distanceKm * 1000) / 1000 },
        payload: rescueContent(vehicle, stored),
        webhook: withWebhook.has(t.dealerId)
      })),
      (alert) => ({
        event: ALERT_EVENTS.rescue,
        body: JSON.stringify({
          ...alert.payload,
          event: ALERT_EVENTS.rescue,
          alert: { id: alert.id, dealerId: alert.dealerId, createdAt: alert.createdAt.toISOString(), routing: alert.routing, rescueId: alert.rescueId }
        })
      }))
    this.deps.log.info({ rescue: rescue.id, vin: vehicle.vin, by, dealers: alerts.map((a) => a.dealerId) }, 'rescue request made by the call centre')
    return { rescue, alerts }
  }

  /** Moves rescue `id` to `to` for `actor`: PITWALL_ERR_RESCUE_TAKEN when another dealer has it, _TRANSITION when not forward, _UNKNOWN when not offered to it. */
  async move (id: number, to: string, input: RescueMoveInput, actor: RescueActor): Promise<RescueRequest> {
    const move = rescueMove(id, to, input, actor)
    if (move.towedToDealerId !== null && move.towedToDealerId !== actor.dealerId) await this.deps.dealers.get(move.towedToDealerId)
    const result = await this.deps.rescues.move(id, move,
      (rescue, copies) => copyEffects(rescue, move, copies),
      (effect, rescue) => JSON.stringify({
        schema: RESCUE_EVENT_SCHEMA,
        event: effect.event,
        alert: { id: effect.alertId, dealerId: effect.dealerId },
        rescue: dealerView(rescue, effect.dealerId)
      }))
    if (!result.moved) throw refusedRescueMove(id, result.standing, move)
    this.deps.log.info({ rescue: id, state: move.to, dealer: move.dealerId, by: move.by }, 'rescue request moved')
    return result.rescue
  }
}

/** What a call centre's rescue alert holds (schema pitwall.rescue-request/1): no fault, the position and description the call gave. */
function rescueContent (vehicle: RescueVehicle, rescue: RescueRequest): object {
  return {
    schema: RESCUE_REQUEST_SCHEMA,
    kind: 'rescue',
    vehicle: {
      vin: vehicle.vin,
      model: vehicle.model,
      brand: vehicle.brand,
      lastPosition: { lat: rescue.lat, lon: rescue.lon, time: rescue.requestedAt.toISOString(), speedMps: null }
    },
    // the phone is not here: every dealer in range gets this; the one that accepts reads the phone from the rescue
    rescue: { id: rescue.id, source: rescue.source, description: rescue.description, requestedAt: rescue.requestedAt.toISOString() }
  }
}
