/**
 * The node's event hub: one listening connection (./notify-listener.ts)
 * feeding fleet events (./fleet-feed.ts), watch announcements
 * (./watched.ts) and live values (./live-feed.ts) to this node's SSE
 * streams, and the tap that publishes the live values of vehicles this node
 * ingests while someone watches them (./live-tap.ts). Every node runs one,
 * whichever node a vehicle or a client is connected to:
 *
 *   node A (ingests VIN)                      node B (client watches VIN)
 *   LiveSignalTap ◀── pitwall_watch VIN ───── LiveSignalFeed.watch
 *        └──────────── pitwall_live values ──▶ merged, throttled ──▶ SSE
 *   any writer: trigger ── pitwall_events ──▶ every node's FleetEventFeed ──▶ SSE
 */
import type { ServerResponse } from 'node:http'
import type { ApiPrincipal } from '../../actions/api-tokens/model.js'
import type { SignalCatalog } from '../../decoders/signal-catalog.js'
import type { EventStore } from '../../storage/events.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import { FleetEventFeed } from './fleet-feed.js'
import { LiveSignalFeed } from './live-feed.js'
import { LiveSignalTap } from './live-tap.js'
import { CHANNELS } from './model.js'
import { NotifyListener } from './notify-listener.js'
import { StreamSlots, type SseOptions, type SseStream } from './sse.js'
import { ANNOUNCE_MS, WatchedVehicles } from './watched.js'

/** A NOTIFY that failed (database away) is logged at most this often; the next announcement or snapshot tries again. */
const SEND_WARN_INTERVAL_MS = 60_000

export type StreamKind = 'events' | 'live'

export interface EventHubDeps {
  store: Pick<EventStore, 'listen' | 'notify'>
  catalog: Pick<SignalCatalog, 'entryById'>
  metrics: Pick<Metrics, 'sseClients' | 'sseDropped'>
  log: Logger
  /** SSE streams this node serves at once (PITWALL_MAX_SSE_STREAMS) */
  maxStreams: number
  /** of those, the most one token may hold (PITWALL_MAX_SSE_STREAMS_PER_TOKEN); default DEFAULT_SSE_STREAMS_PER_TOKEN (./sse.ts) */
  maxStreamsPerToken?: number | undefined
  /** for tests: heartbeat interval and buffer cap of the streams */
  sse?: SseOptions
}

export class EventHub {
  readonly fleet: FleetEventFeed
  readonly watched = new WatchedVehicles()
  readonly tap: LiveSignalTap
  readonly live: LiveSignalFeed
  readonly streams: StreamSlots
  private readonly listener: NotifyListener
  private timer: NodeJS.Timeout | undefined
  private sendWarnedAt = 0

  constructor (private readonly deps: EventHubDeps) {
    const log = deps.log
    this.fleet = new FleetEventFeed((payload) => { log.debug({ bytes: payload.length }, 'unreadable fleet event ignored') })
    this.tap = new LiveSignalTap({ watched: this.watched, catalog: deps.catalog, send: (chunks) => { this.send(CHANNELS.live, chunks) } })
    this.live = new LiveSignalFeed({ announce: (payloads) => { this.send(CHANNELS.watch, payloads) } })
    this.streams = new StreamSlots(deps.maxStreams, deps.maxStreamsPerToken)
    this.listener = new NotifyListener({
      store: deps.store,
      channels: Object.values(CHANNELS),
      notification: (channel, payload) => {
        if (channel === CHANNELS.events) this.fleet.receive(payload)
        else if (channel === CHANNELS.watch) this.watched.note(payload)
        else if (channel === CHANNELS.live) this.live.receive(payload)
      },
      resync: () => {
        this.fleet.resync()
        // watches announced while this node was deaf: announce ours again now
        this.live.announceAll()
      },
      log
    })
  }

  async start (): Promise<void> {
    await this.listener.start()
    this.timer = setInterval(() => {
      this.live.announceAll()
      this.watched.prune()
      this.tap.prune()
    }, ANNOUNCE_MS)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.streams.closeAll()
    this.tap.stop()
    this.live.stop()
    await this.listener.stop()
  }

  /** An SSE stream for `caller` (caps: ./sse.ts StreamSlots), counted in pitwall_sse_clients. */
  openStream (caller: Pick<ApiPrincipal, 'id' | 'name'>, raw: ServerResponse, kind: StreamKind): SseStream {
    const stream = this.streams.open(caller, raw, this.deps.sse)
    const { sseClients, sseDropped } = this.deps.metrics
    sseClients.inc({ stream: kind })
    stream.onClose(() => {
      sseClients.dec({ stream: kind })
      if (stream.dropped) sseDropped.inc({ stream: kind })
    })
    return stream
  }

  private send (channel: string, payloads: string[]): void {
    this.deps.store.notify(channel, payloads).catch((err: unknown) => {
      const now = Date.now()
      if (now - this.sendWarnedAt < SEND_WARN_INTERVAL_MS) return
      this.sendWarnedAt = now
      this.deps.log.warn({ channel, err: (err as Error).message }, 'NOTIFY failed; live values wait for the database')
    })
  }
}
