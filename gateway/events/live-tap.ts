/**
 * The ingest side of live signals: for a vehicle someone watches (on any
 * node, ./watched.ts), the latest value of each catalog signal its batches
 * carried since, sent on pitwall_live at most every MIN_PUBLISH_MS, so a
 * vehicle at 100 batches/s costs at most four NOTIFYs a second. A vehicle
 * nobody watches costs the ingest path one Set lookup (TelemetryIngest).
 *
 * The values are those the rules see (decoders/batch-signals.ts): every
 * catalog-mapped CAN sample before storage thins them, OBD-II and
 * edge-decoded samples, the GNSS position. A snapshot is split into chunks
 * that each fit one NOTIFY and stand alone.
 */
import { BatchSignals } from '../../decoders/batch-signals.js'
import type { SignalCatalog } from '../../decoders/signal-catalog.js'
import type { DecodedTelemetry } from '../telemetry-decoder.js'
import { NOTIFY_CHUNK_BYTES } from './model.js'
import type { WatchedVehicles } from './watched.js'

const MIN_PUBLISH_MS = 250

interface Latest {
  /** sample time, µs (the vehicle's clock) */
  t: number
  value: number
}

interface TappedVehicle {
  /** by catalog id */
  latest: Map<number, Latest>
  sentAt: number
  timer: NodeJS.Timeout | undefined
}

export interface LiveTapDeps {
  watched: Pick<WatchedVehicles, 'has'>
  catalog: Pick<SignalCatalog, 'entryById'>
  /** sends the chunks on pitwall_live */
  send: (chunks: string[]) => void
  now?: () => number
}

/** Snapshot chunks: {"vin":…,"signals":[[name, unit, value, time ms], …]}, each under NOTIFY_CHUNK_BYTES. */
export function liveChunks (vin: string, entries: ReadonlyArray<readonly [string, string, number, number]>): string[] {
  const head = `{"vin":${JSON.stringify(vin)},"signals":[`
  const chunks: string[] = []
  let parts: string[] = []
  let bytes = Buffer.byteLength(head) + 2
  for (const entry of entries) {
    const text = JSON.stringify(entry)
    const size = Buffer.byteLength(text) + 1
    // one entry longer than a chunk (a name of thousands of bytes) is left out rather than sent broken
    if (Buffer.byteLength(head) + 2 + size > NOTIFY_CHUNK_BYTES) continue
    if (bytes + size > NOTIFY_CHUNK_BYTES) {
      chunks.push(`${head}${parts.join(',')}]}`)
      parts = []
      bytes = Buffer.byteLength(head) + 2
    }
    parts.push(text)
    bytes += size
  }
  if (parts.length > 0) chunks.push(`${head}${parts.join(',')}]}`)
  return chunks
}

export class LiveSignalTap {
  private readonly vehicles = new Map<string, TappedVehicle>()
  private readonly input = new BatchSignals()
  private readonly now: () => number

  constructor (private readonly deps: LiveTapDeps) {
    this.now = deps.now ?? Date.now
  }

  /** Called by ingest for every decoded batch; does nothing unless someone watches `vin`. */
  offer (vin: string, decoded: DecodedTelemetry): void {
    if (!this.deps.watched.has(vin)) return
    // the decoder reuses its buffers for the next batch: read them now
    this.input.fill(decoded.canSamples, decoded.manifest?.catalogIds, decoded.rows)
    let vehicle = this.vehicles.get(vin)
    if (vehicle === undefined) {
      vehicle = { latest: new Map(), sentAt: 0, timer: undefined }
      this.vehicles.set(vin, vehicle)
    }
    const { timeUs, signal, value, length } = this.input.samples
    for (let i = 0; i < length; i++) {
      const id = signal[i] as number
      const t = timeUs[i] as number
      const v = value[i] as number
      if (!Number.isFinite(v)) continue
      const known = vehicle.latest.get(id)
      // an older sample (a store-and-forward backlog arriving late) does not replace a newer one
      if (known === undefined) vehicle.latest.set(id, { t, value: v })
      else if (t >= known.t) {
        known.t = t
        known.value = v
      }
    }
    if (vehicle.timer === undefined) {
      const wait = Math.max(0, vehicle.sentAt + MIN_PUBLISH_MS - this.now())
      const tapped = vehicle
      vehicle.timer = setTimeout(() => { this.publish(vin, tapped) }, wait)
      vehicle.timer.unref()
    }
  }

  /** Forgets vehicles nobody watches any more. */
  prune (): void {
    for (const [vin, vehicle] of this.vehicles) {
      if (this.deps.watched.has(vin)) continue
      clearTimeout(vehicle.timer)
      this.vehicles.delete(vin)
    }
  }

  stop (): void {
    for (const vehicle of this.vehicles.values()) clearTimeout(vehicle.timer)
    this.vehicles.clear()
  }

  private publish (vin: string, vehicle: TappedVehicle): void {
    vehicle.timer = undefined
    vehicle.sentAt = this.now()
    const entries: Array<[string, string, number, number]> = []
    for (const [id, { t, value }] of vehicle.latest) {
      const entry = this.deps.catalog.entryById(id)
      if (entry !== undefined) entries.push([entry.name, entry.unit, value, Math.round(t / 1000)])
    }
    const chunks = liveChunks(vin, entries)
    if (chunks.length > 0) this.deps.send(chunks)
  }
}
