/**
 * The decisions about dealers and their alerts, as pure functions over
 * plain data (./model.ts): whether a fault needs an alert (still), where it
 * goes, whether a stranded vehicle stands, which status moves are allowed,
 * what a dealer record may hold, and when a fault that got no alert is
 * handed over again. The service (./service.ts) and the API do the I/O; the
 * stores enforce what was decided here with guarded statements.
 */
import { ACTIVE_FAULT_STATES } from '../../rules/fault-lifecycle.js'
import { PitwallError } from '../../runtime/errors.js'
import type { FaultForAlert, PositionFix } from '../../storage/dealer-alerts.js'
import type { FaultActionOutcome } from '../fault-actions/processor.js'
import {
  DEALER_ALERT_STATUSES, MIN_WEBHOOK_SECRET_LENGTH, PROJECTION_RECHECK_MS, RESCUE_RECHECK_MS,
  type AlertMove, type AlertRouting, type DealerAlertKind, type DealerAlertStatus, type DealerChange, type DealerInput, type DealerUpdate
} from './model.js'
import { chooseDealer, isStationary, rescueTargets, STATIONARY_WINDOW_MS, type RoutableDealer, type StationaryOptions } from './routing.js'

// ---- when no alert is raised ---------------------------------------------------

export type DealerAlertErrorCode =
  /** no dealer to send it to (yet): no own dealer and no position, none active for the brand, none in the rescue radius */
  | 'PITWALL_ERR_DEALER_NO_ROUTE'
  /** rescue: the vehicle is moving, or its fixes do not show it standing */
  | 'PITWALL_ERR_RESCUE_NOT_STATIONARY'
  /** nothing to raise: a rescue for a fault that is not critical or no longer active, a pre-staging alert for a resolved fault */
  | 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED'
  /** the fault names a case, the case base did not answer, and the rule gives no fix of its own */
  | 'PITWALL_ERR_CASE_LOOKUP'
  /**
   * the rows of the vehicle's batches up to the fault (positions, DTCs) are
   * still queued in a projector (storage/projector.ts): an alert raised now
   * would miss where the vehicle stands and what it reported
   */
  | 'PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING'

/**
 * When handing the fault over again may raise the alert: never, on the
 * fault-action outbox's own backoff, or at a pace of its own; `counted:
 * false` for a wait on the gateway's own work, which must not use up the
 * attempts the outbox allows for refusals.
 */
export type AlertRetry = 'never' | 'backoff' | { afterMs: number, counted?: false }

const RETRY: Record<DealerAlertErrorCode, AlertRetry> = {
  // a dealer may be registered, a position may arrive, the case base may answer
  PITWALL_ERR_DEALER_NO_ROUTE: 'backoff',
  PITWALL_ERR_CASE_LOOKUP: 'backoff',
  // a moving vehicle is the normal case for a critical fault, not a failure to back off from
  PITWALL_ERR_RESCUE_NOT_STATIONARY: { afterMs: RESCUE_RECHECK_MS },
  // the projector writes within a second or so; bounded by how long the store waits on it (storage/dealer-alerts.ts)
  PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING: { afterMs: PROJECTION_RECHECK_MS, counted: false },
  PITWALL_ERR_DEALER_ALERT_NOT_NEEDED: 'never'
}

/** Why a fault got no alert; `retry` says whether and when handling it again may raise one. */
export class DealerAlertError extends PitwallError {
  declare readonly code: DealerAlertErrorCode
  readonly retry: AlertRetry
  /** whether handling the fault again later may raise the alert */
  readonly retryable: boolean
  constructor (code: DealerAlertErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.retry = RETRY[code]
    this.retryable = this.retry !== 'never'
  }
}

/**
 * What the fault-action outbox does with a fault that got no alert: closes
 * the action with the reason, or retries it at the refusal's own pace;
 * undefined: retry on the outbox's backoff, as for any handler that throws.
 */
export function refusalOutcome (err: DealerAlertError): FaultActionOutcome | undefined {
  const reason = `${err.code}: ${err.message}`
  if (err.retry === 'never') return { done: true, note: reason }
  if (err.retry === 'backoff') return undefined
  return { done: false, retryInMs: err.retry.afterMs, reason, ...(err.retry.counted === false ? { counted: false as const } : {}) }
}

/** How messages name a fault: `fault 12 (rule-id, vehicle VIN)`. */
export function faultLabel (fault: FaultForAlert): string {
  return `fault ${fault.faultId} (${fault.ruleId}, vehicle ${fault.vin})`
}

/**
 * Why the fault needs no alert of this kind, or null when it does. A rescue
 * is for a critical fault (or a rule whose action asks for one: it knows
 * its fault strands the vehicle) that is still open; a pre-staging alert for
 * any fault an engineer has not resolved.
 */
export function notNeeded (fault: FaultForAlert, kind: DealerAlertKind): DealerAlertError | null {
  const what = faultLabel(fault)
  if (kind === 'rescue') {
    if (fault.severity !== 'critical' && fault.action?.type !== 'rescue') {
      return new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', `${what} is ${fault.severity}; rescue requests are for critical faults or rules whose action is rescue`)
    }
    if (!ACTIVE_FAULT_STATES.includes(fault.state)) {
      return new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', `${what} is ${fault.state.replaceAll('_', '-')}; no rescue needed`)
    }
    return null
  }
  if (fault.state === 'resolved') return new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', `${what} was resolved by an engineer before the alert was raised`)
  return null
}

/**
 * Where a rescue is sent: the newest fix, when it is from around the
 * fault's opening and the fixes before it show the vehicle standing.
 * Throws PITWALL_ERR_RESCUE_NOT_STATIONARY otherwise.
 */
export function rescuePosition (fault: FaultForAlert, fixes: readonly PositionFix[], stationary: StationaryOptions = {}): PositionFix {
  const windowMs = stationary.windowMs ?? STATIONARY_WINDOW_MS
  const newest = fixes.at(-1)
  if (newest === undefined || newest.time.getTime() < fault.openedAt.getTime() - windowMs) {
    throw new DealerAlertError('PITWALL_ERR_RESCUE_NOT_STATIONARY', `${faultLabel(fault)}: no GNSS fix around the fault's opening at ${fault.openedAt.toISOString()}`)
  }
  const standing = isStationary(fixes, stationary)
  if (!standing.stationary) throw new DealerAlertError('PITWALL_ERR_RESCUE_NOT_STATIONARY', `${faultLabel(fault)}: ${standing.reason}`)
  return newest
}

export interface AlertTarget {
  dealerId: string
  routing: AlertRouting
}

/**
 * The dealers an alert goes to: a rescue to every active dealer for the
 * brand within `rescueRadiusKm` of the standing vehicle, a pre-staging alert
 * to the one chooseDealer picks. Throws PITWALL_ERR_DEALER_NO_ROUTE when
 * there is none.
 */
export function alertTargets (kind: DealerAlertKind, fault: FaultForAlert, position: PositionFix | null, dealers: readonly RoutableDealer[], rescueRadiusKm: number): AlertTarget[] {
  const what = faultLabel(fault)
  if (kind === 'rescue') {
    if (position === null) throw new DealerAlertError('PITWALL_ERR_RESCUE_NOT_STATIONARY', `${what}: no GNSS fix around the fault's opening at ${fault.openedAt.toISOString()}`)
    const found = rescueTargets(position, dealers, rescueRadiusKm, fault.brand)
    if (found.length === 0) {
      throw new DealerAlertError('PITWALL_ERR_DEALER_NO_ROUTE',
        `${what}: no active dealer${fault.brand === null ? '' : ` servicing ${fault.brand}`} within ${rescueRadiusKm} km of ${position.lat.toFixed(4)}, ${position.lon.toFixed(4)}`)
    }
    return found.map((t) => ({ dealerId: t.dealerId, routing: { via: 'rescue', distanceKm: roundKm(t.distanceKm) } }))
  }
  const route = chooseDealer({ ownDealerId: fault.ownDealerId, brand: fault.brand, position }, dealers)
  if (!route.found) throw new DealerAlertError('PITWALL_ERR_DEALER_NO_ROUTE', `${what}: ${route.reason}`)
  return [{ dealerId: route.dealerId, routing: { via: route.via, distanceKm: route.distanceKm === null ? null : roundKm(route.distanceKm) } }]
}

/** Metres are enough for a dealer's distance; the payload stays readable. */
function roundKm (km: number): number {
  return Math.round(km * 1000) / 1000
}

// ---- the inbox lifecycle ----------------------------------------------------------

/** The statuses an alert may move to `to` from: every earlier one (steps may be skipped, none retraced or repeated). */
export function statusesBefore (to: DealerAlertStatus): DealerAlertStatus[] {
  return DEALER_ALERT_STATUSES.slice(0, DEALER_ALERT_STATUSES.indexOf(to))
}

export function isAlertStatus (value: string): value is DealerAlertStatus {
  return (DEALER_ALERT_STATUSES as readonly string[]).includes(value)
}

export interface AlertMoveInput {
  /** the dealer's user */
  by: string
  /** required with `repaired`: fixed at the first visit */
  firstTimeFix?: boolean | undefined
  note?: string | undefined
}

/** A dealer's request to move alert `alertId` to `to`, checked: what the store may apply (DealerAlertStore.transition). */
export function alertMove (alertId: number, to: string, input: AlertMoveInput): AlertMove {
  const invalid = (message: string): PitwallError => new PitwallError('PITWALL_ERR_DEALER_ALERT_INVALID', message)
  if (!isAlertStatus(to)) throw invalid(`'${to}' is not an alert status (${DEALER_ALERT_STATUSES.join(', ')})`)
  if (input.by.trim() === '') throw invalid(`alert ${alertId}: who moves it to ${to} must be given`)
  if (to === 'repaired' && input.firstTimeFix === undefined) throw invalid(`alert ${alertId}: repaired needs firstTimeFix (was it fixed at the first visit?)`)
  if (to !== 'repaired' && input.firstTimeFix !== undefined) throw invalid(`alert ${alertId}: firstTimeFix belongs to repaired, not ${to}`)
  const detail: Record<string, unknown> = {}
  if (input.firstTimeFix !== undefined) detail.firstTimeFix = input.firstTimeFix
  if (input.note !== undefined) detail.note = input.note
  return {
    from: statusesBefore(to),
    to,
    by: input.by,
    firstTimeFix: input.firstTimeFix ?? null,
    detail: Object.keys(detail).length === 0 ? null : detail
  }
}

// ---- the dealer registry ----------------------------------------------------------

/** Refuses a dealer record (new, or a change to `id`) with PITWALL_ERR_DEALER_INVALID naming every problem. */
export function checkDealer (id: string, d: DealerChange): void {
  const problems: string[] = []
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) problems.push(`id ${JSON.stringify(id)} is not 1-64 letters, digits, '.', '_' or '-'`)
  // GET /api/v1/dealers/me is the calling dealer's own record: a dealer named "me" could not be read there
  else if (id === 'me') problems.push('id "me" is reserved (the API\'s /dealers/me is the calling dealer)')
  if (d.name !== undefined && (d.name.trim().length === 0 || d.name.length > 200)) problems.push('name must be 1-200 characters')
  if (d.lat !== undefined && !(Number.isFinite(d.lat) && d.lat >= -90 && d.lat <= 90)) problems.push(`lat ${d.lat} is outside -90..90`)
  if (d.lon !== undefined && !(Number.isFinite(d.lon) && d.lon >= -180 && d.lon <= 180)) problems.push(`lon ${d.lon} is outside -180..180`)
  for (const b of d.brands ?? []) if (b.trim().length === 0 || b.length > 64) problems.push(`brand ${JSON.stringify(b)} must be 1-64 characters`)
  if (d.webhookUrl !== undefined && d.webhookUrl !== null) {
    let protocol: string | undefined
    try { protocol = new URL(d.webhookUrl).protocol } catch {}
    // The URL parser forgives what the table's check (webhook_url ~ '^https?://') refuses: 'HTTPS://', 'https:host',
    // leading blanks. Refused here, so that it is a 400 naming the URL and not a constraint error whose detail holds the secret.
    if ((protocol !== 'http:' && protocol !== 'https:') || !/^https?:\/\//.test(d.webhookUrl)) {
      problems.push(`webhook URL ${JSON.stringify(d.webhookUrl)} is not an http(s) URL (it must start with http:// or https://)`)
    } else if (/^https?:\/\/[^/?#]*@/.test(d.webhookUrl)) {
      // not echoed: it holds a password. Deliveries are signed; a URL with credentials is shown to engineers and the dealer, and fetch refuses it.
      problems.push('webhook URL must not carry credentials (user:password@host): deliveries are authenticated by their signature')
    }
  }
  if (d.webhookSecret !== undefined) {
    if (d.webhookSecret.length < MIN_WEBHOOK_SECRET_LENGTH) problems.push(`webhook secret has ${d.webhookSecret.length} characters; at least ${MIN_WEBHOOK_SECRET_LENGTH} needed`)
    if (d.webhookUrl === null) problems.push('a webhook secret without a webhook URL')
  }
  if (problems.length > 0) throw new PitwallError('PITWALL_ERR_DEALER_INVALID', `dealer ${id}: ${problems.join('; ')}`)
}

/** A new dealer: as checkDealer, and a secret needs a URL given with it; the record the store writes, name and brands normalised. */
export function checkNewDealer (input: DealerInput): DealerInput {
  checkDealer(input.id, { ...input, webhookUrl: input.webhookUrl ?? null })
  return { ...input, name: input.name.trim(), brands: normalBrands(input.brands) }
}

/**
 * A change to dealer `id`, checked (checkDealer) and decided: names and
 * brands normalised, and what happens to the webhook secret. Whether the
 * dealer has a URL is the stored row's to say, so the store's statement
 * applies the last two decisions against it: a new URL without a secret gets
 * one only where none is stored (a dealer with a URL always has one), and a
 * secret without a URL is refused where none is stored.
 */
export function dealerUpdate (id: string, change: DealerChange): DealerUpdate {
  checkDealer(id, change)
  return {
    name: change.name?.trim(),
    lat: change.lat,
    lon: change.lon,
    brands: change.brands === undefined ? undefined : normalBrands(change.brands),
    webhookUrl: change.webhookUrl,
    webhookSecret: change.webhookSecret,
    generateSecret: typeof change.webhookUrl === 'string' && change.webhookSecret === undefined,
    needsStoredUrl: change.webhookUrl === undefined && change.webhookSecret !== undefined
  }
}

/** Brands trimmed, each once: routing compares them as given. */
function normalBrands (brands: readonly string[] | undefined): string[] {
  return [...new Set((brands ?? []).map((b) => b.trim()))]
}
