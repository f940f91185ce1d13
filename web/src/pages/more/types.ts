/**
 * The API's answers as these pages read them (the routes' response schemas
 * in gateway/api/ are the source; /api/v1/openapi.json has them all). Times
 * are ISO 8601 strings.
 */

export type CampaignState = 'draft' | 'running' | 'paused' | 'completed' | 'aborted'

export interface Campaign {
  id: string
  name: string
  body: { ota?: { package: string, version: string }, action?: { name: string, params: Record<string, string> } }
  cohort: { models?: string[], firmware?: string[], openFaultRule?: string, vins?: string[] }
  waves: number[]
  minSuccessRate: number
  failureThreshold: number
  commandTtlMs: number
  state: CampaignState
  currentWave: number
  stateReason: string | null
  createdBy: string
  createdAt: string
  updatedAt: string
}

export interface WaveProgress {
  wave: number
  share: number
  vehicles: number
  commands: Record<string, number>
  succeeded: number
  failed: number
  finished: number
}

export interface CampaignView {
  campaign: Campaign
  vehicles: number
  waves: WaveProgress[]
  timeline: Array<{ time: string, state: string, wave: number, by: string | null, detail: Record<string, unknown> | null }>
}

export interface RuleSummary {
  id: string
  name: string
  description: string | null
  severity: 'critical' | 'major' | 'minor' | 'info'
  version: string
  enabled: boolean
  updatedAt: string
  condition: string
  action: string | null
  scope: { models: string[], firmware: string[] }
}

export interface RuleView extends RuleSummary {
  text: string
  file: Record<string, unknown>
  versions: Array<{ version: string, appliedAt: string }>
}

export interface BacktestReport {
  from: string
  to: string
  vehicles: number
  batches: number
  skippedBatches: number
  decodedWith: Record<string, number>
  byRule: Record<string, number>
  events: Array<{ time: string, vin: string, ruleId: string, type: 'opened' | 'reoccurred' | 'cleared', severity: string, occurrences: number, evidence: Array<{ signal: string, t: number, value: number }> }>
  eventsTruncated: boolean
}

export interface CaseRecord {
  id: string
  title: string
  symptoms: string
  dtcs: string[]
  steps: string[]
  parts: Part[]
  repairHours: number | null
  sourceFaultId: number | null
  createdBy: string
  createdAt: string
  updatedBy: string
  updatedAt: string
  rank?: number
  /** HTML from the server with <mark> around matched words; shown as text with the marks rebuilt, never as HTML */
  snippet?: string
}

/** A part to order (rules/parts.ts): number null when only the description is known. */
export interface Part { number: string | null, description: string, quantity: number }

export interface DurationKpi { count: number, meanS: number | null, p50S: number | null, p90S: number | null }
export interface RateKpi { count: number, hits: number, rate: number | null }

/** actions/kpis/model.ts KpiFigures */
export interface KpiFigures {
  faultToAlert: DurationKpi & { undelivered: number }
  alertToPartsStaged: DurationKpi
  firstTimeFix: RateKpi
  verifiedFirstTimeFix: RateKpi & { pending: number, disagreements: number, flaggedButReoccurred: number }
  downtime: DurationKpi
  backOnRoad: DurationKpi & { remote: number }
  repairTime: DurationKpi
  csi: { count: number, mean: number | null }
  nps: { count: number, promoters: number, passives: number, detractors: number, score: number | null }
  fixedRemotely: RateKpi | null
  otaSuccess: RateKpi | null
  remoteActionSuccess: RateKpi | null
}

export interface KpiGroup extends KpiFigures {
  model: string | null
  week: string | null
  weekStart: string | null
}

export interface ServiceKpis extends KpiFigures {
  from: string
  to: string
  dealerId: string | null
  ftfWindowDays: number
  groupBy: Array<'model' | 'week'>
  groups: KpiGroup[]
}

/** A customer's survey answer for a repaired alert (actions/kpis/model.ts SurveyAnswer). */
export interface SurveyAnswer {
  alertId: number
  csi: number | null
  recommend: number | null
  comment: string | null
  answeredAt: string
  recordedBy: string
  recordedAt: string
}

export interface QualityRow {
  kind: 'dtc' | 'fault'
  /** a DTC's SAE J2012 code, a fault's rule id */
  code: string
  /** the rule's name; null for a DTC */
  name: string | null
  severity: string | null
  model: string | null
  firmware: string | null
  vehiclesAffected: number
  occurrences: number
  fleetSize: number
  ratePer1000: number
  previousVehiclesAffected: number
  previousRatePer1000: number
  rateDelta: number
  trend: 'new' | 'rising' | 'falling' | 'steady'
  firstSeenAt: string
}

export interface QualityReport {
  from: string
  to: string
  previousFrom: string
  rows: QualityRow[]
}

export const ALERT_STATUSES = ['new', 'acknowledged', 'parts_staged', 'appointment_booked', 'repaired', 'closed'] as const
export type AlertStatus = typeof ALERT_STATUSES[number]

export interface AlertContent {
  kind: 'prestage' | 'rescue'
  vehicle: { vin: string, model: string | null, brand: string | null, lastPosition: { lat: number, lon: number, time: string, speedMps: number | null } | null }
  fault: { id: number, ruleId: string, ruleName: string | null, severity: string, openedAt: string, occurrences: number }
  dtcs: Array<{ code: string, text: string, ecu: string, status: string[], firstSeenAt: string, lastSeenAt: string, reports: number }>
  evidence: Array<{ signal: string, t: number, value: number }>
  /** parts: one line of text each; partItems: the same structured (absent in alerts raised before parts were structured) */
  suggestion: { source: 'rule' | 'case' | 'none', fix: string | null, parts: string[], partItems?: Part[], repairHours: number | null, case: { id: string, title: string, steps: string[] } | null }
}

/** An update of an alert's fault the dealer was told (actions/dealer-notices/model.ts ALERT_UPDATES). */
export type AlertUpdate = 'fault_cleared' | 'fixed_remotely' | 'fault_reoccurred' | 'fault_resolved' | 'superseded'

export interface DealerAlert {
  id: number
  /** null: a call centre's rescue request */
  faultId: number | null
  /** a rescue's copy: its rescue request (./rescue-types.ts) */
  rescueId: number | null
  dealerId: string
  kind: 'prestage' | 'rescue'
  vehicleId: number
  vin: string
  routing: { via: 'own' | 'nearest' | 'rescue', distanceKm: number | null }
  payload: Partial<AlertContent>
  status: AlertStatus
  firstTimeFix: boolean | null
  createdAt: string
  updatedAt: string
  lastUpdate: AlertUpdate | null
  lastUpdateAt: string | null
}

export interface AlertView extends DealerAlert {
  /** `update` null: a status step; else an update of the fault, its summary in detail */
  timeline: Array<{ time: string, status: AlertStatus, by: string, detail: Record<string, unknown> | null, update: AlertUpdate | null }>
  deliveries: WebhookDelivery[]
}

export interface ServiceReminder {
  id: number
  vehicleId: number
  vin: string
  ruleId: string
  kind: string
  dueAt: string | null
  dueKm: number | null
  dueHours: number | null
  detail: Record<string, unknown>
  state: 'open' | 'done' | 'dismissed'
  createdAt: string
  updatedAt: string
  closedAt: string | null
  closedBy: string | null
}

export interface Dealer {
  id: string
  name: string
  lat: number
  lon: number
  brands: string[]
  webhookUrl: string | null
  hasSecret: boolean
  active: boolean
  createdAt: string
  updatedAt: string
}

export interface WebhookDelivery {
  id: number
  /** one of the two: an alert's delivery, or a service reminder's */
  alertId: number | null
  reminderId: number | null
  dealerId: string
  idempotencyKey: string
  event: string
  state: 'pending' | 'delivered' | 'dead'
  attempts: number
  nextAttemptAt: string
  lastError: string | null
  lastStatus: number | null
  createdAt: string
  deliveredAt: string | null
  deadAt: string | null
}

export interface ApiToken {
  id: number
  name: string
  role: 'engineer' | 'operator' | 'dealer'
  dealerId: string | null
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
  lastUsedAt: string | null
}

export interface HealthSummary {
  at: string
  windowS: number | null
  vehicles: { connected: number | null, unauthenticated: number | null }
  ingest: {
    batchesPerS: number | null
    samplesPerS: number | null
    canFramesPerS: number | null
    deadLettersPerS: number | null
    pubackP50S: number | null
    pubackP99S: number | null
    batches: Record<string, number>
    deadLetters: Record<string, number>
  }
  queues: {
    storageWriter: number | null
    faultActionsPending: number
    faultActionsRetrying: number
    webhooksPending: number
    webhookDeadLetters: number
    commandsOpen: Record<string, number>
    campaigns: Record<string, number>
  }
  webhooks: { breakersOpen: number | null, breakerOpens: number | null, deliveries: Record<string, number> }
  storage: { commitErrors: number | null, commitP99S: number | null }
  process: { uptimeS: number, rssBytes: number | null, eventLoopLagP99S: number | null }
}
