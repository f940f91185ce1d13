/**
 * Dealers and their alerts, as data: the registry's records, an alert's
 * kinds and forward-only statuses, the webhook outbox's states and the
 * limits the feature works within. What may happen to them is decided in
 * ./policy.ts; storage/dealers.ts and storage/dealer-alerts.ts store it.
 */

import type { AlertUpdate } from '../dealer-notices/model.js'

// ---- the dealer registry ----------------------------------------------------

export interface Dealer {
  id: string
  name: string
  lat: number
  lon: number
  /** brands serviced; empty: every brand */
  brands: string[]
  webhookUrl: string | null
  hasSecret: boolean
  active: boolean
  createdAt: Date
  updatedAt: Date
}

export interface DealerInput {
  id: string
  name: string
  lat: number
  lon: number
  brands?: readonly string[] | undefined
  /** http(s) URL alerts are POSTed to; absent: the dealer works from the inbox only */
  webhookUrl?: string | null | undefined
  /** HMAC key, at least MIN_WEBHOOK_SECRET_LENGTH characters; generated when a webhook URL comes without one */
  webhookSecret?: string | undefined
}

export type DealerChange = Partial<Omit<DealerInput, 'id'>>

/**
 * A change the policy accepted (./policy.ts dealerUpdate), as
 * DealerStore.update applies it in one statement against the stored dealer.
 */
export interface DealerUpdate {
  name?: string | undefined
  lat?: number | undefined
  lon?: number | undefined
  brands?: readonly string[] | undefined
  /** the URL to set; undefined: the stored one stays; null: webhooks stop and the secret goes with the URL */
  webhookUrl?: string | null | undefined
  /** the secret to set; undefined: the stored one stays */
  webhookSecret?: string | undefined
  /** a new URL without a secret: a dealer that has none yet gets one generated (shown once) */
  generateSecret: boolean
  /** a secret without a URL: applied only to a dealer that has a URL stored, refused otherwise */
  needsStoredUrl: boolean
}

export const MIN_WEBHOOK_SECRET_LENGTH = 32

// ---- alerts -------------------------------------------------------------------

export const DEALER_ALERT_KINDS = ['prestage', 'rescue'] as const
export type DealerAlertKind = typeof DEALER_ALERT_KINDS[number]

/** In lifecycle order: an alert only ever moves right (steps may be skipped). */
export const DEALER_ALERT_STATUSES = ['new', 'acknowledged', 'parts_staged', 'appointment_booked', 'repaired', 'closed'] as const
export type DealerAlertStatus = typeof DEALER_ALERT_STATUSES[number]

/** The webhook event names, per alert kind. */
export const ALERT_EVENTS: Record<DealerAlertKind, string> = {
  prestage: 'dealer_alert.created',
  rescue: 'rescue_request.created'
}

export interface AlertRouting {
  /** own: the vehicle's dealer; nearest: to its last position; rescue: within the rescue radius */
  via: 'own' | 'nearest' | 'rescue'
  distanceKm: number | null
}

export interface DealerAlert {
  id: number
  /** null: a call centre's rescue request (no fault raised it) */
  faultId: number | null
  /** a rescue's copy: the rescue request it offers this dealer (actions/rescue/); null for pre-staging alerts */
  rescueId: number | null
  dealerId: string
  kind: DealerAlertKind
  vehicleId: number
  vin: string
  routing: AlertRouting
  /** the alert content as raised (schema pitwall.dealer-alert/1, ./content.ts) */
  payload: Record<string, unknown>
  status: DealerAlertStatus
  /** set with `repaired`: fixed at the first workshop visit */
  firstTimeFix: boolean | null
  createdAt: Date
  updatedAt: Date
  /** the latest update of its fault the dealer was told (../dealer-notices/model.ts), and when; null: none yet */
  lastUpdate: AlertUpdate | null
  lastUpdateAt: Date | null
}

export interface DealerAlertEvent {
  time: Date
  /** for an update: the alert's status when it was told (an update moves no status) */
  status: DealerAlertStatus
  by: string
  detail: Record<string, unknown> | null
  /** null: a status step; else the update of the alert's fault it records */
  update: AlertUpdate | null
}

/** A status change the policy allowed (./policy.ts alertMove): the store applies it only from one of `from`. */
export interface AlertMove {
  from: readonly DealerAlertStatus[]
  to: DealerAlertStatus
  /** the dealer's user */
  by: string
  /** with `repaired` only */
  firstTimeFix: boolean | null
  /** what the timeline keeps beside the step (a note, the first-time fix); null: nothing */
  detail: Record<string, unknown> | null
}

// ---- the webhook outbox ---------------------------------------------------------

export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const
export type DeliveryState = typeof DELIVERY_STATES[number]

export interface WebhookDelivery {
  id: number
  /** one of the two: the alert it is about, or the service reminder */
  alertId: number | null
  reminderId: number | null
  dealerId: string
  idempotencyKey: string
  event: string
  body: string
  state: DeliveryState
  attempts: number
  nextAttemptAt: Date
  lastError: string | null
  lastStatus: number | null
  createdAt: Date
  deliveredAt: Date | null
  deadAt: Date | null
}

// ---- limits ----------------------------------------------------------------------

/** Inbox and dead-letter pages: the size when none is asked for, and the most one may ask for. */
export const PAGE_DEFAULT = 100
export const PAGE_MAX = 500

/** A rescue request goes to every active dealer this close to the stranded vehicle. */
export const RESCUE_RADIUS_KM = 150

/** DTCs reported this long before the fault opened still describe it. */
export const DTC_LOOKBACK_MS = 24 * 3600_000

/** A vehicle still moving is checked again this often for a rescue (until the outbox gives up, ~20 min). */
export const RESCUE_RECHECK_MS = 60_000
/** how soon a fault whose batches' rows are still being written is handed over again */
export const PROJECTION_RECHECK_MS = 500
