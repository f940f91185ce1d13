/**
 * Shared set-up for the dealer tests: storage on one backend, dealers at
 * real places, and faults raised the way the engine raises them (an applied
 * rule, an `opened` event through FaultStore), with the vehicle's GNSS fixes
 * and DTC reports written as ingest stores them.
 */
import type { Test } from 'tap'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import type { RuleAction, Severity } from '../../rules/model.js'
import { createTestDatabase } from '../helpers/backends.js'
import type { Backend } from '../helpers/backends.js'
import { overheatRule } from '../helpers/rules.js'

export const PLACES = {
  munich: { lat: 48.1374, lon: 11.5755 },
  garching: { lat: 48.2488, lon: 11.6532 },
  stuttgart: { lat: 48.7758, lon: 9.1829 },
  ulm: { lat: 48.4011, lon: 9.9876 },
  berlin: { lat: 52.5200, lon: 13.4050 }
} as const

export async function openTestStorage (t: Test, backend: Backend): Promise<Storage> {
  const db = backend === 'postgres' ? await createTestDatabase({ migrated: true }) : undefined
  const storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
  t.teardown(async () => { await storage.close(); await db?.drop() })
  return storage
}

export interface FaultSpec {
  severity?: Severity
  action?: RuleAction
  caseId?: string
  model?: string
  /** GNSS fixes: seconds before the fault opened (negative: after), position and speed */
  fixes?: Array<{ s: number, at: { lat: number, lon: number }, speedMps: number | null }>
  /** DTC reports: seconds before the fault opened, 3-byte UDS DTC, status byte, ECU */
  dtcs?: Array<{ s: number, dtc: number, status: number, ecu: number }>
  /** a vehicle seeded before, for a second fault (of another rule) on it; default: a new vehicle */
  on?: SeededFault
}

export interface SeededFault {
  faultId: number
  vehicleId: number
  vin: string
  openedAt: Date
}

let serial = 0

/** A vehicle with one open fault, opened ten minutes ago (so fixes can follow it). */
export async function seedFault (storage: Storage, spec: FaultSpec = {}): Promise<SeededFault> {
  const n = serial++
  const vin = spec.on?.vin ?? `WBA3B5C5${String(process.pid % 10_000).padStart(4, '0')}${String(n).padStart(5, '0')}`
  const vehicleId = spec.on?.vehicleId ?? await storage.vehicles.add({ vin, model: spec.model ?? 'demo-ev' }, 'scrypt$x')
  const ruleId = `dealer-test-${n}`
  const severity = spec.severity ?? 'major'
  await storage.rules.apply([overheatRule(ruleId, {
    name: `Coolant overheat ${n}`,
    severity,
    ...(spec.action === undefined ? {} : { action: spec.action }),
    ...(spec.caseId === undefined ? {} : { caseId: spec.caseId })
  })])
  const openedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000)
  await storage.faults.record([{
    type: 'opened',
    vehicleId,
    ruleId,
    ruleVersion: `${ruleId}-v1`,
    severity,
    timeUs: openedAt.getTime() * 1000,
    occurrences: 1,
    evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: openedAt.getTime() / 1000 - 1, value: 117 }],
    ...(spec.action === undefined ? {} : { action: spec.action }),
    ...(spec.caseId === undefined ? {} : { caseId: spec.caseId })
  }])
  const [fault] = await storage.faults.list({ vin })
  if (fault === undefined) throw new Error(`no fault stored for ${vin}`)
  for (const f of spec.fixes ?? []) {
    await poolOf(storage).query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps) VALUES ($1, $2, $3, $4, $5)',
      [new Date(openedAt.getTime() - f.s * 1000), vehicleId, f.at.lat, f.at.lon, f.speedMps])
  }
  for (const d of spec.dtcs ?? []) {
    await poolOf(storage).query('INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) VALUES ($1, $2, $3, $4, $5)',
      [new Date(openedAt.getTime() - d.s * 1000), vehicleId, d.ecu, d.dtc, d.status])
  }
  return { faultId: fault.id, vehicleId, vin, openedAt }
}

/** A vehicle standing at `at` for the 5 minutes after its fault opened. */
export const standingAt = (at: { lat: number, lon: number }): FaultSpec['fixes'] =>
  [-1, -60, -120, -180, -240].map((s) => ({ s, at, speedMps: 0 }))

/** Collects what the service logs, to assert on warnings. */
export function recordingLog (): { info: (o: object, m: string) => void, warn: (o: object, m: string) => void, error: (o: object, m: string) => void, lines: Array<{ level: string, obj: object, msg: string }> } {
  const lines: Array<{ level: string, obj: object, msg: string }> = []
  return {
    lines,
    info: (obj, msg) => { lines.push({ level: 'info', obj, msg }) },
    warn: (obj, msg) => { lines.push({ level: 'warn', obj, msg }) },
    error: (obj, msg) => { lines.push({ level: 'error', obj, msg }) }
  }
}
