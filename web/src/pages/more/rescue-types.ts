/**
 * Rescue requests and technical assistance as the API answers them
 * (gateway/api/rescue.ts, gateway/api/assistance.ts). Times are ISO 8601.
 */

export const RESCUE_STATES = ['requested', 'accepted', 'dispatched', 'on_site', 'towed', 'closed', 'cancelled'] as const
export type RescueState = typeof RESCUE_STATES[number]
export const RESCUE_OUTCOMES = ['repaired_on_site', 'towed_to_workshop', 'no_fault_found', 'vehicle_not_found', 'other'] as const
/** the states a rescue is still open in */
export const OPEN_RESCUE_STATES: RescueState[] = ['requested', 'accepted', 'dispatched', 'on_site', 'towed']

export interface RescueOffer {
  alertId: number
  dealerId: string
  distanceKm: number | null
  alertStatus: string
}

export interface RescueRequest {
  id: number
  source: 'fault' | 'call_centre'
  faultId: number | null
  vehicleId: number
  vin: string
  lat: number
  lon: number
  description: string
  /** only for the call centre and the dealer that accepted */
  contactPhone: string | null
  state: RescueState
  requestedAt: string
  requestedBy: string
  /** a dealer sees its own id here once it accepted; null otherwise (also when another dealer did) */
  acceptedDealerId: string | null
  acceptedAt: string | null
  dispatchedAt: string | null
  eta: string | null
  onSiteAt: string | null
  towedAt: string | null
  towedToDealerId: string | null
  closedAt: string | null
  outcome: string | null
  cancelledAt: string | null
  cancelReason: string | null
  updatedAt: string
}

export interface RescueView extends RescueRequest {
  offers: RescueOffer[]
  timeline: Array<{ time: string, state: RescueState, dealerId: string | null, by: string, detail: Record<string, unknown> | null }>
}

export interface RescueListing extends RescueRequest {
  offer: RescueOffer | null
}

export interface AssistanceRequest {
  id: number
  alertId: number
  dealerId: string
  vin: string
  alertKind: string
  faultId: number | null
  subject: string
  question: string
  askedBy: string
  askedAt: string
  state: 'open' | 'answered'
  answer: string | null
  answeredBy: string | null
  answeredAt: string | null
  caseId: string | null
  updatedAt: string
}
