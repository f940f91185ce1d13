/**
 * The API's answers as the fleet, vehicle, fault and map pages read them
 * (the response schemas in gateway/api/ are the source; times are ISO 8601).
 */

export interface FleetVehicle {
  vin: string
  model: string | null
  firmware: string | null
  brand: string | null
  dealerId: string | null
  lastSeenAt: string | null
  online: boolean
  openFaults: number
}

export interface FleetPage {
  vehicles: FleetVehicle[]
  total: number
  nextAfter: string | null
}

export interface LatestSignal {
  id: number
  name: string
  unit: string
  value: number
  time: string
}

export interface Position {
  time: string
  lat: number
  lon: number
  speedMps: number | null
  headingDeg: number | null
}

export interface OpenDtc {
  ecu: number
  dtc: number
  code: string
  text: string
  status: number
  statusText: string[]
  firstSeen: string
  lastSeen: string
}

export interface DtcReport extends Omit<OpenDtc, 'firstSeen' | 'lastSeen'> {
  time: string
}

export interface Fault {
  id: number
  vin: string
  ruleId: string
  ruleVersion: string
  severity: 'critical' | 'major' | 'minor' | 'info'
  state: 'open' | 'acknowledged' | 'resolved' | 'auto_cleared'
  openedAt: string
  lastOccurredAt: string
  occurrences: number
  clearedAt: string | null
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  resolvedAt: string | null
  resolvedBy: string | null
  resolutionNote: string | null
  /** the freeze frame: samples before the fault opened; t in epoch µs */
  evidence: Array<{ signal: string, t: number, value: number | null }>
  action: { type: string, command?: string, name?: string, package?: string, version?: string, params?: Record<string, string>, approval?: string } | null
  caseId: string | null
}

export interface Command {
  id: string
  vin: string
  body: { ota?: { package: string, version: string }, action?: { name: string, params: Record<string, string> }, diagnostic?: { udsRequest?: string, target?: number } }
  state: string
  progress: number | null
  detail: string | null
  createdAt: string
  expiresAt: string
  updatedAt: string
  attempts: number
  faultId: number | null
  campaignId: string | null
  requestedBy: string
  approvedBy: string | null
  fixCheck: 'pending' | 'confirmed' | 'not_confirmed' | null
}

export interface VehicleState {
  vin: string
  model: string | null
  firmware: string | null
  brand: string | null
  dealerId: string | null
  lastSeenAt: string | null
  connection: { online: boolean, since: string | null, node: string | null }
  signals: LatestSignal[]
  position: Position | null
  dtcs: OpenDtc[]
  /** null for a role that does not read faults */
  faults: Fault[] | null
  commands: Command[] | null
}

export interface SignalHistory {
  from: string
  to: string
  bucketMs: number
  series: Array<{ signal: string, unit: string, t: number[], min: number[], max: number[], avg: number[], count: number[] }>
}

export interface Track {
  t: number[]
  lat: number[]
  lon: number[]
  speedMps: Array<number | null>
}

export interface Dealer {
  id: string
  name: string
  lat: number
  lon: number
  active: boolean
}

/** What a command asks for, in one line: "bms-extended-balancing targetSpreadMv=30", "OTA bms 2.1.0". */
export function commandSummary (body: Command['body']): string {
  if (body.action !== undefined) return [body.action.name, ...Object.entries(body.action.params).map(([k, v]) => `${k}=${v}`)].join(' ')
  if (body.ota !== undefined) return `OTA ${body.ota.package} ${body.ota.version}`
  const d = body.diagnostic
  if (d?.udsRequest !== undefined) return `diagnostic ${d.udsRequest.toUpperCase().replace(/(..)(?=.)/g, '$1 ')} to 0x${(d.target ?? 0x7df).toString(16).toUpperCase()}`
  return 'diagnostic'
}
