/**
 * Rescue requests as data: one per stranded vehicle, raised by a critical
 * fault on a standing vehicle or by a call centre over the API, offered to
 * every active dealer within the rescue radius (each gets its copy: a dealer
 * alert of kind `rescue`, its inbox entry and webhooks), and moved through
 * states of its own by the dealer that accepts it. What may happen is
 * decided in ./policy.ts; storage/rescue-requests.ts stores it.
 */

/**
 * In lifecycle order. `accepted` is taken by one dealer from `requested`
 * only (it is what assigns the rescue); after it, steps only move right and
 * may be skipped (a tow truck sent straight away is never "dispatched"
 * then "on site" separately). `cancelled` ends a rescue nobody has reached.
 */
export const RESCUE_STATES = ['requested', 'accepted', 'dispatched', 'on_site', 'towed', 'closed', 'cancelled'] as const
export type RescueState = typeof RESCUE_STATES[number]

/** The states a rescue is over in. */
export const FINAL_RESCUE_STATES: readonly RescueState[] = ['closed', 'cancelled']

/** The states a call centre may still cancel from: before anyone is on site (after that, the dealer closes it with its outcome). */
export const CANCELLABLE_RESCUE_STATES: readonly RescueState[] = ['requested', 'accepted', 'dispatched']

/** fault: raised by a critical fault on a standing vehicle; call_centre: made over the API or the CLI */
export const RESCUE_SOURCES = ['fault', 'call_centre'] as const
export type RescueSource = typeof RESCUE_SOURCES[number]

/** How a closed rescue ended, as the dealer reports it. */
export const RESCUE_OUTCOMES = ['repaired_on_site', 'towed_to_workshop', 'no_fault_found', 'vehicle_not_found', 'other'] as const
export type RescueOutcome = typeof RESCUE_OUTCOMES[number]

export interface RescueRequest {
  id: number
  source: RescueSource
  /** the fault that raised it; null for a call centre's request */
  faultId: number | null
  vehicleId: number
  vin: string
  /** where the vehicle stands (WGS-84): its GNSS fix, or the position the call centre was given */
  lat: number
  lon: number
  description: string
  /** the driver's phone, as the call centre took it; null for a fault-raised rescue */
  contactPhone: string | null
  state: RescueState
  requestedAt: Date
  requestedBy: string
  acceptedDealerId: string | null
  acceptedAt: Date | null
  dispatchedAt: Date | null
  /** when the dispatched help expects to be on site */
  eta: Date | null
  onSiteAt: Date | null
  towedAt: Date | null
  towedToDealerId: string | null
  closedAt: Date | null
  outcome: RescueOutcome | null
  cancelledAt: Date | null
  cancelReason: string | null
  updatedAt: Date
}

/** One step of the rescue, when and by whom (the dealer's user, or the call centre's). */
export interface RescueEvent {
  time: Date
  state: RescueState
  /** the dealer that made the step; null: the call centre or Pitwall */
  dealerId: string | null
  by: string
  detail: Record<string, unknown> | null
}

/** A dealer's copy of a rescue: the dealer alert it was offered as. */
export interface RescueOffer {
  alertId: number
  dealerId: string
  distanceKm: number | null
  /** the copy's inbox status (closed once another dealer accepted, or the rescue ended) */
  alertStatus: string
}

/** A rescue as a refused move finds it, read after the guarded update matched nothing. */
export interface RescueStanding {
  state: RescueState
  acceptedDealerId: string | null
  /** whether the acting dealer was offered the rescue (has a copy); true for the call centre */
  offered: boolean
}

/** What a move does to one dealer's copy (./policy.ts copyEffects): its inbox status, its timeline entry and its webhook event. */
export interface CopyEffect {
  alertId: number
  dealerId: string
  /** the copy's status after the move */
  status: string
  changed: boolean
  event: string
  by: string
  detail: Record<string, unknown>
}

/** A call centre's request, as given (./policy.ts checkRescueInput checks it). */
export interface RescueInput {
  vin: string
  lat: number
  lon: number
  description: string
  contactPhone: string
}

/** What the store writes for a new rescue request, checked. */
export interface RescueDraft {
  source: RescueSource
  faultId: number | null
  lat: number
  lon: number
  description: string
  contactPhone: string | null
  requestedBy: string
}

/** A move the policy allowed (./policy.ts rescueMove): the store applies it only from one of `from`, and only for `dealerId`. */
export interface RescueMove {
  to: RescueState
  from: readonly RescueState[]
  /** the acting dealer; null: the call centre (a cancel) */
  dealerId: string | null
  by: string
  eta: Date | null
  towedToDealerId: string | null
  outcome: RescueOutcome | null
  cancelReason: string | null
  /** what the timeline keeps beside the step; null: nothing */
  detail: Record<string, unknown> | null
}

/** The webhook event each state sends to the dealer copies it concerns. */
export const RESCUE_EVENTS: Record<Exclude<RescueState, 'requested'>, string> = {
  accepted: 'rescue_request.accepted',
  dispatched: 'rescue_request.dispatched',
  on_site: 'rescue_request.on_site',
  towed: 'rescue_request.towed',
  closed: 'rescue_request.closed',
  cancelled: 'rescue_request.cancelled'
}
/** to the dealers whose copy closed because another dealer accepted */
export const RESCUE_TAKEN_EVENT = 'rescue_request.taken'

export const RESCUE_EVENT_SCHEMA = 'pitwall.rescue-event/1'
/** the content of a call centre's rescue request, as its dealer alerts carry it */
export const RESCUE_REQUEST_SCHEMA = 'pitwall.rescue-request/1'

// ---- limits ----------------------------------------------------------------------

export const DESCRIPTION_MAX = 2000
export const PHONE_MAX = 32
export const NOTE_MAX = 2000
export const REASON_MAX = 500
/** An ETA further out than this is a typo (a date instead of a time), not a rescue. */
export const ETA_HORIZON_MS = 48 * 3600_000
/** An ETA this far in the past is taken as the dispatcher's clock running behind, not refused. */
export const ETA_SKEW_MS = 5 * 60_000
export const PAGE_DEFAULT = 100
export const PAGE_MAX = 500
