/**
 * What travels between gateway nodes over PostgreSQL NOTIFY, and who may see
 * it. Three channels:
 *
 * - `pitwall_events`: fleet events, sent by the triggers of migration 017 in
 *   the transaction of the change (fault, command, dealer alert, vehicle
 *   online/offline); small on purpose, a client fetches the details;
 * - `pitwall_watch`: VINs someone watches live, announced by the node whose
 *   client watches (./live-feed.ts), so the node that ingests the vehicle
 *   publishes its values (./live-tap.ts);
 * - `pitwall_live`: a watched vehicle's latest decoded values, in chunks
 *   that each fit one NOTIFY.
 */
import type { ApiPrincipal } from '../../actions/api-tokens/model.js'

export const CHANNELS = { events: 'pitwall_events', watch: 'pitwall_watch', live: 'pitwall_live' } as const

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (in the default
 * build); chunks stay below this, leaving room for the JSON around them.
 */
export const NOTIFY_CHUNK_BYTES = 7900

export type FleetEvent =
  | { kind: 'fault', id: number, event: string, state: string, severity: string, rule: string, vin: string, time: string }
  | { kind: 'command', id: string, state: string, progress: number | null, vin: string, time: string }
  | { kind: 'alert', id: number, dealerId: string, alertKind: string, status: string, vin: string, time: string }
  | { kind: 'vehicle', vin: string, dealerId: string | null, connected: boolean, node: string | null, time: string | null }

const FIELDS: Record<FleetEvent['kind'], Record<string, 'string' | 'number' | 'boolean' | 'string?' | 'number?'>> = {
  fault: { id: 'number', event: 'string', state: 'string', severity: 'string', rule: 'string', vin: 'string', time: 'string' },
  command: { id: 'string', state: 'string', progress: 'number?', vin: 'string', time: 'string' },
  alert: { id: 'number', dealerId: 'string', alertKind: 'string', status: 'string', vin: 'string', time: 'string' },
  vehicle: { vin: 'string', dealerId: 'string?', connected: 'boolean', node: 'string?', time: 'string?' }
}

/**
 * A NOTIFY payload as a FleetEvent, times as ISO 8601 UTC (json_build_object
 * writes them in the session's time zone); undefined when it is not one
 * (another writer on the channel, a newer migration's kind).
 */
export function parseFleetEvent (payload: string): FleetEvent | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (typeof raw !== 'object' || raw === null) return undefined
  const record = raw as Record<string, unknown>
  const kind = record.kind
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) return undefined
  const event: Record<string, unknown> = { kind }
  for (const [name, type] of Object.entries(FIELDS[kind as FleetEvent['kind']])) {
    const value = record[name] ?? null
    const optional = type.endsWith('?')
    if (value === null ? !optional : typeof value !== type.replace('?', '')) return undefined
    event[name] = value
  }
  if (typeof event.time === 'string') {
    const time = new Date(event.time)
    if (Number.isNaN(time.getTime())) return undefined
    event.time = time.toISOString()
  }
  return event as FleetEvent
}

/**
 * Engineers and operators see every event; a dealer only its own dealer's
 * alerts and the online/offline of vehicles it looks after.
 */
export function visibleTo (event: FleetEvent, caller: Pick<ApiPrincipal, 'role' | 'dealerId'>): boolean {
  if (caller.role !== 'dealer') return true
  if (event.kind === 'alert' || event.kind === 'vehicle') return event.dealerId !== null && event.dealerId === caller.dealerId
  return false
}

/** One signal of a live snapshot: catalog name and unit, value, sample time (Unix ms, the vehicle's clock). */
export interface LiveSignal {
  name: string
  unit: string
  value: number
  timeMs: number
}

/**
 * A chunk of a vehicle's live snapshot on `pitwall_live`: { vin, signals:
 * [[name, unit, value, time], …] }. Each chunk stands alone (a receiver
 * merges it into what it has), so none waits for another.
 */
export function parseLiveChunk (payload: string): { vin: string, signals: LiveSignal[] } | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(payload)
  } catch {
    return undefined
  }
  const { vin, signals } = (raw ?? {}) as { vin?: unknown, signals?: unknown }
  if (typeof vin !== 'string' || !Array.isArray(signals)) return undefined
  const out: LiveSignal[] = []
  for (const s of signals as unknown[]) {
    if (!Array.isArray(s)) return undefined
    const [name, unit, value, timeMs] = s as unknown[]
    if (typeof name !== 'string' || typeof unit !== 'string' || typeof value !== 'number' || typeof timeMs !== 'number') return undefined
    out.push({ name, unit, value, timeMs })
  }
  return { vin, signals: out }
}
