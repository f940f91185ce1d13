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
 * (./policy.ts) saying why, with `retry` telling the caller whether and
 * when trying later can help (a vehicle still moving, no position yet, no
 * dealer registered yet) or not (a fault that needs no rescue). The fault
 * then stays un-alerted and the reason is logged; ./fault-handler.ts keeps
 * it with the pending action.
 */
import type { DealerAlertStore, FaultForAlert, PositionFix } from '../../storage/dealer-alerts.js'
import type { DealerStore } from '../../storage/dealers.js'
import type { ActionLog } from '../log.js'
import { DESCRIPTION_MAX, type RescueDraft } from '../rescue/model.js'
import { alertContent, type CaseSummary } from './content.js'
import { ALERT_EVENTS, DTC_LOOKBACK_MS, RESCUE_RADIUS_KM, type DealerAlert, type DealerAlertKind } from './model.js'
import { alertTargets, DealerAlertError, faultLabel, notNeeded, rescuePosition } from './policy.js'
import { STATIONARY_WINDOW_MS, type StationaryOptions } from './routing.js'

export interface DealerAlertServiceDeps {
  alerts: DealerAlertStore
  dealers: DealerStore
  log: Pick<ActionLog, 'info' | 'warn'>
  /** the case base; consulted when a fault names a case */
  caseLookup?: (caseId: string) => Promise<CaseSummary | undefined>
  /** default RESCUE_RADIUS_KM */
  rescueRadiusKm?: number
  /** what counts as standing still (./routing.ts isStationary) */
  stationary?: StationaryOptions
}

export class DealerAlertService {
  private readonly alerts: DealerAlertStore
  private readonly dealers: DealerStore
  private readonly rescueRadiusKm: number
  private readonly stationaryWindowMs: number

  constructor (private readonly deps: DealerAlertServiceDeps) {
    this.alerts = deps.alerts
    this.dealers = deps.dealers
    this.rescueRadiusKm = deps.rescueRadiusKm ?? RESCUE_RADIUS_KM
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
        // a short wait on the projector, recorded as the action's last error: not worth a line each half second
        if (err.code === 'PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING') throw err
        // a moving vehicle is the normal case for a critical fault: not worth a warning each time it is checked
        if (err.code === 'PITWALL_ERR_RESCUE_NOT_STATIONARY') this.deps.log.info(fields, 'no rescue request yet')
        else this.deps.log.warn(fields, 'fault left without a dealer alert')
      }
      throw err
    }
  }

  private async raise (fault: FaultForAlert, kind: DealerAlertKind): Promise<DealerAlert[]> {
    const unneeded = notNeeded(fault, kind)
    if (unneeded !== null) throw unneeded
    if (await this.alerts.projectionPending(fault.vehicleId, fault.openedAt)) {
      throw new DealerAlertError('PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING', `${faultLabel(fault)}: the positions and DTCs of its vehicle's batches up to ${fault.openedAt.toISOString()} are still being written`)
    }
    const dealers = await this.dealers.list()
    const position: PositionFix | null = kind === 'rescue'
      ? rescuePosition(fault, await this.alerts.recentFixes(fault.vehicleId, this.stationaryWindowMs), this.deps.stationary)
      : (await this.alerts.recentFixes(fault.vehicleId, 0)).at(-1) ?? null
    const targets = alertTargets(kind, fault, position, dealers, this.rescueRadiusKm)

    const linkedCase = await this.linkedCase(fault)
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
          alert: { id: alert.id, dealerId: alert.dealerId, createdAt: alert.createdAt.toISOString(), routing: alert.routing, ...(alert.rescueId === null ? {} : { rescueId: alert.rescueId }) }
        })
      }),
      // a rescue is stored as a rescue request (actions/rescue/) whose copies these alerts are
      kind === 'rescue' && position !== null ? rescueDraft(fault, position) : undefined)
    if (created) {
      this.deps.log.info({ fault: fault.faultId, vin: fault.vin, kind, dealers: alerts.map((a) => a.dealerId), alerts: alerts.map((a) => a.id) }, 'dealer alert raised')
    }
    return alerts
  }

  private async linkedCase (fault: FaultForAlert): Promise<CaseSummary | null> {
    if (fault.caseId === null || this.deps.caseLookup === undefined) return null
    try {
      return await this.deps.caseLookup(fault.caseId) ?? null
    } catch (err) {
      // the rule's own fix is enough to send the alert; without it the case is the suggestion
      if (fault.action?.type === 'dealer_prestage') {
        this.deps.log.warn({ fault: fault.faultId, case: fault.caseId, err: (err as Error).message }, 'case lookup failed; alert sent with the rule\'s fix only')
        return null
      }
      throw new DealerAlertError('PITWALL_ERR_CASE_LOOKUP', `${faultLabel(fault)}: case ${fault.caseId} could not be read: ${(err as Error).message}`, { cause: err })
    }
  }
}

/** A fault's rescue request: where the vehicle stands, and what the rule says happened. */
function rescueDraft (fault: FaultForAlert, position: PositionFix): RescueDraft {
  return {
    source: 'fault',
    faultId: fault.faultId,
    lat: position.lat,
    lon: position.lon,
    description: `${fault.ruleName ?? fault.ruleId}: ${fault.severity} fault, the vehicle stands`.slice(0, DESCRIPTION_MAX),
    contactPhone: null,
    requestedBy: 'pitwall'
  }
}
