/**
 * Fleet events as this node hears them (pitwall_events), fanned out in
 * process to its subscribers (SSE streams). Each message gets an id that
 * grows on this node, for the stream's `id:` field; a `resync` says that
 * events may have been missed (the listening connection was lost).
 */
import { parseFleetEvent, type FleetEvent } from './model.js'

export type FleetMessage =
  | { type: 'event', id: number, event: FleetEvent }
  | { type: 'resync', id: number }

export class FleetEventFeed {
  private nextId = 1
  private readonly subscribers = new Set<(message: FleetMessage) => void>()

  /** `onUnreadable` hears payloads that are not events (another writer on the channel) */
  constructor (private readonly onUnreadable: (payload: string) => void = () => {}) {}

  /** Calls `receive` with every message from now on, until the returned function is called. */
  subscribe (receive: (message: FleetMessage) => void): () => void {
    this.subscribers.add(receive)
    return () => { this.subscribers.delete(receive) }
  }

  /** A NOTIFY payload from pitwall_events. */
  receive (payload: string): void {
    const event = parseFleetEvent(payload)
    if (event === undefined) {
      this.onUnreadable(payload)
      return
    }
    this.publish({ type: 'event', id: this.nextId++, event })
  }

  resync (): void {
    this.publish({ type: 'resync', id: this.nextId++ })
  }

  private publish (message: FleetMessage): void {
    for (const receive of this.subscribers) receive(message)
  }
}
