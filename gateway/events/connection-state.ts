/**
 * Where each vehicle is connected, kept in the database (vehicles.connected,
 * connected_node, connection_changed_at) so every node, the console on any
 * node and the CLI see one answer, and each change is an online/offline
 * event (migration 017's trigger).
 *
 * The broker reports connections that began and ended (./../broker/status.ts
 * decides that a session takeover is neither); they are written in order,
 * one statement at a time, a burst in one statement (a gateway restart
 * reconnects its whole fleet at once), the newest state of a vehicle
 * winning. Every BEAT_MS the node beats (VehicleStore.connectionBeat): the
 * rows are made to agree with the vehicles it holds, which repairs a write
 * lost to a database outage, and the vehicles of nodes that stopped beating
 * for DEAD_AFTER_S go offline.
 *
 * A crash leaves the node's rows saying connected. The node's name is
 * PITWALL_NODE_NAME, else host:pid: with a configured name the restarted
 * node clears them at its first beat (start), before it accepts a vehicle;
 * with host:pid the restart is another node, and its rows are cleared by the
 * first beat after the old name has been silent for DEAD_AFTER_S. A clean
 * stop marks its vehicles offline and leaves the registry.
 */
import { hostname } from 'node:os'
import type { VehicleStore } from '../../storage/vehicles.js'
import type { Logger } from '../logger.js'

const BEAT_MS = 15_000
/** four beats missed: longer than a GC pause or a slow commit, short enough for a console */
export const DEAD_AFTER_S = 60

/** The configured node name, else host:pid (unique among the processes running now). */
export function nodeNameOf (configured: string): string {
  return configured !== '' ? configured : `${hostname()}:${process.pid}`
}

export interface ConnectionStateDeps {
  vehicles: Pick<VehicleStore, 'recordConnections' | 'connectionBeat' | 'releaseNode'>
  node: string
  log: Logger
  beatMs?: number
}

export class ConnectionStates {
  readonly node: string
  /** the vehicles (ids) connected to this node now */
  private readonly held = new Set<number>()
  private pending = new Map<number, boolean>()
  /** the write in flight (changes or a beat): one at a time, in order */
  private writing: Promise<void> = Promise.resolve()
  private flushQueued = false
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly deps: ConnectionStateDeps) {
    this.node = deps.node
  }

  /** First beat: clears what a crash of this node (same name) left; then every BEAT_MS. */
  async start (): Promise<void> {
    await this.beat(true)
    this.timer = setInterval(() => { void this.beat(false) }, this.deps.beatMs ?? BEAT_MS)
    this.timer.unref()
  }

  connected (vehicleId: number): void {
    this.held.add(vehicleId)
    this.change(vehicleId, true)
  }

  disconnected (vehicleId: number): void {
    this.held.delete(vehicleId)
    this.change(vehicleId, false)
  }

  /** Resolves once the changes reported so far are written (or failed, for the next beat to repair). */
  async settled (): Promise<void> {
    await this.enqueue(async () => { await this.flush() })
  }

  /** After the broker closed: the last changes written, then this node's vehicles offline. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.settled()
    await this.deps.vehicles.releaseNode(this.node).catch((err: unknown) => {
      this.deps.log.warn({ node: this.node, err: (err as Error).message }, 'connection state not released; the next beat of another node (or this one restarted) clears it')
    })
  }

  private change (vehicleId: number, up: boolean): void {
    this.pending.set(vehicleId, up)
    if (this.flushQueued) return
    this.flushQueued = true
    void this.enqueue(async () => {
      this.flushQueued = false
      await this.flush()
    })
  }

  private async flush (): Promise<void> {
    if (this.pending.size === 0) return
    const changes = this.pending
    this.pending = new Map()
    try {
      await this.deps.vehicles.recordConnections(this.node, changes)
    } catch (err) {
      // the next beat writes what the node holds
      this.deps.log.warn({ node: this.node, vehicles: changes.size, err: (err as Error).message }, 'connection state not stored; the next beat repairs it')
    }
  }

  private async beat (first: boolean): Promise<void> {
    await this.enqueue(async () => {
      try {
        const { cleared, restored } = await this.deps.vehicles.connectionBeat(this.node, [...this.held], DEAD_AFTER_S)
        if (cleared > 0 || restored > 0) this.deps.log.info({ node: this.node, cleared, restored }, 'connection state repaired')
      } catch (err) {
        if (first) throw err
        this.deps.log.warn({ node: this.node, err: (err as Error).message }, 'connection state beat failed')
      }
    })
  }

  private async enqueue (work: () => Promise<void>): Promise<void> {
    const next = this.writing.then(work)
    this.writing = next.catch(() => {})
    await next
  }
}
