/**
 * From a fault to dealer alerts: the pre-staging alert goes to the vehicle's
 * own dealer, else the nearest active one to its last position; a rescue
 * request, only for a critical fault on a vehicle that stands, goes to every
 * active dealer within the rescue radius. The alerts, their inbox timeline
 * and their webhook deliveries are written in one transaction
 * (storage/dealer-alerts.ts), and handling a fault again creates nothing
 * new, so the fault-action outbox may hand the same fault over any number
 * of times.
 *
 * When no alert can be raised, `raiseForFault` throws a DealerAlertError
 * saying why, with `retryable` telling the caller whether trying later can
 * help (a vehicle still moving, no position yet, no dealer registered yet)
 * or not (a fault that needs no rescue). The fault then stays un-alerted and
 * the reason is logged; the caller keeps it with the pending action.
 */
import type pg from 'pg'
import type { DealerAlert, DealerAlertKind, FaultForAlert, PositionFix } from '../storage/dealer-alerts.js'
import { DealerAlertStore } from '../storage/dealer-alerts.js'
import { DealerStore } from '../storage/dealers.js'
import { alertContent, type CaseSummary } from './alert-content.js'
import type { ActionLog } from './log.js'
import { chooseDealer, isStationary, rescueTargets, STATIONARY_WINDOW_MS, type StationaryOptions } from './dealer-routing.js'
import { PitwallError } from '../runtime/errors.js'

export interface DealerAlertServiceDeps {
  alerts: DealerAlertStore
  dealers: DealerStore
  log: Pick<ActionLog, 'info' | 'warn'>
  /** the case base; consulted when a fault names a case */
  caseLookup?: (caseId: string) => Promise<CaseSummary | undefined>
  /** default 150 km */
  rescueRadiusKm?: number
  /** what counts as standing still (dealer-routing.ts isStationary) */
  stationary?: StationaryOptions
}

export type DealerAlertErrorCode =
  /** no dealer to send it to (yet): no own dealer and no position, none active for the brand, none in the rescue radius */
  | 'PITWALL_ERR_DEALER_NO_ROUTE'
  /** rescue: the vehicle is moving, or its fixes do not show it standing */
  | 'PITWALL_ERR_RESCUE_NOT_STATIONARY'
  /** nothing to raise: a rescue for a fault that is not critical or no longer active, a pre-staging alert for a resolved fault */
  | 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED'
  /** the fault names a case, the case base did not answer, and the rule gives no fix of its own */
  | 'PITWALL_ERR_CASE_LOOKUP'

export class DealerAlertError extends PitwallError {
  declare readonly code: DealerAlertErrorCode
  /** whether handling the fault again later may raise the alert */
  readonly retryable: boolean
  constructor (code: DealerAlertErrorCode, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, options)
    this.retryable = retryable
  }
}

/** The webhook event names, per alert kind. */
export const ALERT_EVENTS: Record<DealerAlertKind, string> = {
  prestage: 'dealer_alert.created',
  rescue: 'rescue_request.created'
}

/** DTCs reported this long before the fault opened still describe it. */
const DTC_LOOKBACK_MS = 24 * 3600_000

export class DealerAlertService {
  private readonly alerts: DealerAlertStore
  private readonly dealers: DealerStore
  private readonly rescueRadiusKm: number
  private readonly stationaryWindowMs: number

  constructor (private readonly deps: DealerAlertServiceDeps) {
    this.alerts = deps.alerts
    this.dealers = deps.dealers
    this.rescueRadiusKm = deps.rescueRadiusKm ?? 150
    this.stationaryWindowMs = deps.stationary?.windowMs ?? STATIONARY_WINDOW_MS
  }

  /**
   * Routes and stores the alert(s) for one fault and queues their webhook
   * deliveries, in one transaction; calling it again for the same fault and
   * kind creates nothing new and returns the alerts raised before (even if
   * the vehicle has moved or dealers changed since).
   */
  async raiseForFault (faultId: number, kind: DealerAlertKind): Promise<DealerAlert[]> {
    const raised = await this.alerts.forFault(faultId, kind)
    if (raised.length > 0) return raised
    const fault = await this.alerts.faultForAlert(faultId)
    try {
      return await this.raise(fault, kind)
    } catch (err) {
      if (err instanceof DealerAlertError) {
        const fields = { fault: faultId, vin: fault.vin, kind, code: err.code, reason: err.message }
        // a moving vehicle is the normal case for a critical fault: not worth a warning each time it is checked
        if (err.code === 'PITWALL_ERR_RESCUE_NOT_STATIONARY') this.deps.log.info(fields, 'no rescue request yet')
        else this.deps.log.warn(fields, 'fault left without a dealer alert')
      }
      throw err
    }
  }

  private async raise (fault: FaultForAlert, kind: DealerAlertKind): Promise<DealerAlert[]> {
    const what = `fault ${fault.faultId} (${fault.ruleId}, vehicle ${fault.vin})`
    const dealers = await this.dealers.list()
    let targets: Array<{ dealerId: string, routing: { via: 'own' | 'nearest' | 'rescue', distanceKm: number | null } }>
    let position: PositionFix | null
    if (kind === 'rescue') {
      // a critical fault may strand the vehicle; a rule that asks for a rescue (action: rescue) knows its fault does
      if (fault.severity !== 'critical' && fault.action?.type !== 'rescue') {
        throw new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', `${what} is ${fault.severity}; rescue requests are for critical faults or rules whose action is rescue`, false)
      }
      if (fault.state !== 'open' && fault.state !== 'acknowledged') {
        throw new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', `${what} is ${fault.state.replaceAll('_', '-')}; no rescue needed`, false)
      }
      const fixes = await this.alerts.recentFixes(fault.vehicleId, this.stationaryWindowMs)
      const newest = fixes.at(-1)
      if (newest === undefined || newest.time.getTime() < fault.openedAt.getTime() - this.stationaryWindowMs) {
        throw new DealerAlertError('PITWALL_ERR_RESCUE_NOT_STATIONARY', `${what}: no GNSS fix around the fault's opening at ${fault.openedAt.toISOString()}`, true)
      }
      const standing = isStationary(fixes, this.deps.stationary)
      if (!standing.stationary) throw new DealerAlertError('PITWALL_ERR_RESCUE_NOT_STATIONARY', `${what}: ${standing.reason}`, true)
      position = newest
      const found = rescueTargets(newest, dealers, this.rescueRadiusKm, fault.brand)
      if (found.length === 0) {
        throw new DealerAlertError('PITWALL_ERR_DEALER_NO_ROUTE',
          `${what}: no active dealer${fault.brand === null ? '' : ` servicing ${fault.brand}`} within ${this.rescueRadiusKm} km of ${newest.lat.toFixed(4)}, ${newest.lon.toFixed(4)}`, true)
      }
      targets = found.map((t) => ({ dealerId: t.dealerId, routing: { via: 'rescue', distanceKm: round(t.distanceKm) } }))
    } else {
      if (fault.state === 'resolved') {
        throw new DealerAlertError('PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', `${what} was resolved by an engineer before the alert was raised`, false)
      }
      position = (await this.alerts.recentFixes(fault.vehicleId, 0)).at(-1) ?? null
      const route = chooseDealer({ ownDealerId: fault.ownDealerId, brand: fault.brand, position }, dealers)
      if (!route.found) throw new DealerAlertError('PITWALL_ERR_DEALER_NO_ROUTE', `${what}: ${route.reason}`, true)
      targets = [{ dealerId: route.dealerId, routing: { via: route.via, distanceKm: route.distanceKm === null ? null : round(route.distanceKm) } }]
    }

    const linkedCase = await this.linkedCase(fault, what)
    const dtcs = await this.alerts.reportedDtcs(fault.vehicleId, new Date(fault.openedAt.getTime() - DTC_LOOKBACK_MS))
    const payload = alertContent({ kind, fault, position, dtcs, linkedCase })
    const withWebhook = new Set(dealers.filter((d) => d.webhookUrl !== null).map((d) => d.id))
    const { alerts, created } = await this.alerts.create(fault.faultId, kind,
      targets.map((t) => ({ dealerId: t.dealerId, routing: t.routing, payload, webhook: withWebhook.has(t.dealerId) })),
      (alert) => ({
        event: ALERT_EVENTS[kind],
        body: JSON.stringify({
          ...alert.payload,
          event: ALERT_EVENTS[kind],
          alert: { id: alert.id, dealerId: alert.dealerId, createdAt: alert.createdAt.toISOString(), routing: alert.routing }
        })
      }))
    if (created) {
      this.deps.log.info({ fault: fault.faultId, vin: fault.vin, kind, dealers: alerts.map((a) => a.dealerId), alerts: alerts.map((a) => a.id) }, 'dealer alert raised')
    }
    return alerts
  }

  private async linkedCase (fault: FaultForAlert, what: string): Promise<CaseSummary | null> {
    if (fault.caseId === null || this.deps.caseLookup === undefined) return null
    try {
      return await this.deps.caseLookup(fault.caseId) ?? null
    } catch (err) {
      // the rule's own fix is enough to send the alert; without it the case is the suggestion
      if (fault.action?.type === 'dealer_prestage') {
        this.deps.log.warn({ fault: fault.faultId, case: fault.caseId, err: (err as Error).message }, 'case lookup failed; alert sent with the rule\'s fix only')
        return null
      }
      throw new DealerAlertError('PITWALL_ERR_CASE_LOOKUP', `${what}: case ${fault.caseId} could not be read: ${(err as Error).message}`, true, { cause: err })
    }
  }
}

/** Metres are enough for a dealer's distance; the payload stays readable. */
function round (km: number): number {
  return Math.round(km * 1000) / 1000
}
