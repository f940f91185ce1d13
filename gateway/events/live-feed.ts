/**
 * The watching side of live signals: this node's clients watching a
 * vehicle, whichever node ingests it. The node announces the VINs its
 * clients watch on pitwall_watch (at once for a new one, then every
 * ANNOUNCE_MS), merges the chunks that arrive on pitwall_live into the
 * vehicle's latest values, and gives each client the whole snapshot at most
 * once per its interval.
 */
import { parseLiveChunk, type LiveSignal } from './model.js'
import { watchPayloads } from './watched.js'

interface Watcher {
  intervalMs: number
  send: (signals: LiveSignal[]) => void
  sentAt: number
  timer: NodeJS.Timeout | undefined
}

interface WatchedVehicle {
  /** by signal name */
  latest: Map<string, LiveSignal>
  watchers: Set<Watcher>
}

export interface LiveFeedDeps {
  /** sends the payloads on pitwall_watch */
  announce: (payloads: string[]) => void
  now?: () => number
}

export class LiveSignalFeed {
  private readonly vehicles = new Map<string, WatchedVehicle>()
  private readonly now: () => number

  constructor (private readonly deps: LiveFeedDeps) {
    this.now = deps.now ?? Date.now
  }

  /** Gives `send` the vehicle's latest values, at most every `intervalMs`, until the returned function is called. */
  watch (vin: string, intervalMs: number, send: (signals: LiveSignal[]) => void): () => void {
    let vehicle = this.vehicles.get(vin)
    if (vehicle === undefined) {
      vehicle = { latest: new Map(), watchers: new Set() }
      this.vehicles.set(vin, vehicle)
      this.deps.announce(watchPayloads([vin]))
    }
    const watcher: Watcher = { intervalMs, send, sentAt: 0, timer: undefined }
    vehicle.watchers.add(watcher)
    // what the node has already (another client watches it): at once
    if (vehicle.latest.size > 0) this.schedule(vehicle, watcher)
    const watched = vehicle
    return () => {
      clearTimeout(watcher.timer)
      watched.watchers.delete(watcher)
      if (watched.watchers.size === 0 && this.vehicles.get(vin) === watched) this.vehicles.delete(vin)
    }
  }

  /** A pitwall_live payload. */
  receive (payload: string): void {
    // every node hears every chunk: one not watched here is skipped by its VIN ({"vin":"…", live-tap.ts liveChunks) unparsed
    if (!this.vehicles.has(payload.slice(8, 25))) return
    const chunk = parseLiveChunk(payload)
    if (chunk === undefined) return
    const vehicle = this.vehicles.get(chunk.vin)
    if (vehicle === undefined) return
    for (const signal of chunk.signals) {
      const known = vehicle.latest.get(signal.name)
      if (known === undefined || signal.timeMs >= known.timeMs) vehicle.latest.set(signal.name, signal)
    }
    for (const watcher of vehicle.watchers) this.schedule(vehicle, watcher)
  }

  /** Every VIN this node's clients watch, announced again (before their watch expires elsewhere). */
  announceAll (): void {
    if (this.vehicles.size > 0) this.deps.announce(watchPayloads([...this.vehicles.keys()]))
  }

  /** Vehicles watched on this node. */
  get size (): number {
    return this.vehicles.size
  }

  stop (): void {
    for (const vehicle of this.vehicles.values()) for (const watcher of vehicle.watchers) clearTimeout(watcher.timer)
    this.vehicles.clear()
  }

  private schedule (vehicle: WatchedVehicle, watcher: Watcher): void {
    if (watcher.timer !== undefined) return
    const wait = Math.max(0, watcher.sentAt + watcher.intervalMs - this.now())
    watcher.timer = setTimeout(() => {
      watcher.timer = undefined
      watcher.sentAt = this.now()
      watcher.send([...vehicle.latest.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    }, wait)
    watcher.timer.unref()
  }
}
