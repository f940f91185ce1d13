/**
 * The pre-diagnosis alert a dealer receives (inbox and webhook): enough to
 * stage parts and book the workshop before the customer calls. Built from
 * plain data (the fault, the vehicle's last position and recent DTCs, and
 * the rule's pre-staging action or else the linked case); versioned by
 * `schema` so receivers can tell which shape they are reading.
 */
import { dtcText, udsDtcText } from '../../decoders/dtc/j2012.js'
import { dtcStatusNames, type DtcStatusFlag } from '../../decoders/dtc/dtc-status.js'
import type { EvidenceSample, Severity } from '../../rules/model.js'
import { partText, type Part } from '../../rules/parts.js'
import type { FaultForAlert, PositionFix, ReportedDtc } from '../../storage/dealer-alerts.js'
import type { DealerAlertKind } from './model.js'

export const DEALER_ALERT_SCHEMA = 'pitwall.dealer-alert/1'

/** A known fix from the case base (taken through an injected lookup). */
export interface CaseSummary {
  id: string
  title: string
  steps: string[]
  parts: Part[]
}

export interface AlertDtc {
  /** SAE J2012 text, e.g. P0301 */
  code: string
  /** with the failure type byte (J2012-DA), e.g. P0301-1A */
  text: string
  /** responding ECU address, e.g. 0x7E8 */
  ecu: string
  /** ISO 14229-1 status flags set in the latest report */
  status: DtcStatusFlag[]
  firstSeenAt: string
  lastSeenAt: string
  reports: number
}

export interface AlertContent {
  schema: typeof DEALER_ALERT_SCHEMA
  kind: DealerAlertKind
  vehicle: {
    vin: string
    model: string | null
    brand: string | null
    lastPosition: { lat: number, lon: number, time: string, speedMps: number | null } | null
  }
  fault: {
    id: number
    ruleId: string
    ruleName: string | null
    severity: Severity
    openedAt: string
    occurrences: number
  }
  dtcs: AlertDtc[]
  /** the freeze frame: the rule's signals over the window before the fault opened */
  evidence: EvidenceSample[]
  suggestion: {
    /** rule: the rule's dealer_prestage action; case: the linked case; none: neither is known */
    source: 'rule' | 'case' | 'none'
    fix: string | null
    /** each part as one line of text (rules/parts.ts partText), as schema /1 receivers have always read it */
    parts: string[]
    /** the same parts structured: number (null when unknown), description, quantity */
    partItems: Part[]
    repairHours: number | null
    case: { id: string, title: string, steps: string[] } | null
  }
}

export interface AlertContentInput {
  kind: DealerAlertKind
  fault: FaultForAlert
  position: PositionFix | null
  dtcs: readonly ReportedDtc[]
  /** the fault's linked case, if it has one and it was found */
  linkedCase: CaseSummary | null
}

export function alertContent (input: AlertContentInput): AlertContent {
  const { fault, position, linkedCase } = input
  const action = fault.action?.type === 'dealer_prestage' ? fault.action : null
  const partItems = action?.parts ?? linkedCase?.parts ?? []
  return {
    schema: DEALER_ALERT_SCHEMA,
    kind: input.kind,
    vehicle: {
      vin: fault.vin,
      model: fault.model,
      brand: fault.brand,
      lastPosition: position === null ? null : { lat: position.lat, lon: position.lon, time: position.time.toISOString(), speedMps: position.speedMps }
    },
    fault: {
      id: fault.faultId,
      ruleId: fault.ruleId,
      ruleName: fault.ruleName,
      severity: fault.severity,
      openedAt: fault.openedAt.toISOString(),
      occurrences: fault.occurrences
    },
    dtcs: input.dtcs.map(alertDtc),
    evidence: fault.evidence,
    suggestion: {
      // the rule's own action is the engineer's word for this fault; the case is the general knowledge
      source: action !== null ? 'rule' : linkedCase !== null ? 'case' : 'none',
      fix: action?.fix ?? linkedCase?.title ?? null,
      parts: partItems.map(partText),
      partItems,
      repairHours: action?.repairHours ?? null,
      case: linkedCase === null ? null : { id: linkedCase.id, title: linkedCase.title, steps: linkedCase.steps }
    }
  }
}

function alertDtc (d: ReportedDtc): AlertDtc {
  return {
    // dtc_events keeps the 3-byte UDS DTC: the J2012 code is its upper two bytes
    code: dtcText(d.dtc >> 8),
    text: udsDtcText(d.dtc),
    ecu: `0x${d.ecu.toString(16).toUpperCase()}`,
    status: dtcStatusNames(d.status),
    firstSeenAt: d.firstSeenAt.toISOString(),
    lastSeenAt: d.lastSeenAt.toISOString(),
    reports: d.reports
  }
}
