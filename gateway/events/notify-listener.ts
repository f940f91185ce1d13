/**
 * The node's one listening connection (storage/events.ts listen), on every
 * channel of ./model.ts. When it drops (database restart, network), it
 * listens again with backoff; whatever was sent meanwhile is lost to this
 * node, so `resync` tells the node's clients to read their lists again.
 */
import { backoffMs } from '../../runtime/backoff.js'
import type { EventListener, EventStore } from '../../storage/events.js'
import type { Logger } from '../logger.js'

const RETRY = { baseMs: 250, maxMs: 10_000, jitter: true }

export interface NotifyListenerDeps {
  store: Pick<EventStore, 'listen'>
  channels: readonly string[]
  notification: (channel: string, payload: string) => void
  /** listening again after a gap: notifications may have been missed */
  resync: () => void
  log: Logger
}

export class NotifyListener {
  private listener: EventListener | undefined
  private retry: NodeJS.Timeout | undefined
  private stopped = false
  private attempt = 0

  constructor (private readonly deps: NotifyListenerDeps) {}

  /** Listens before it returns, so nothing committed after the start is missed; throws when it cannot. */
  async start (): Promise<void> {
    this.stopped = false
    this.listener = await this.open()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.retry)
    await this.listener?.close()
    this.listener = undefined
  }

  private async open (): Promise<EventListener> {
    return await this.deps.store.listen(this.deps.channels, {
      notification: this.deps.notification,
      lost: (err) => {
        this.listener = undefined
        if (this.stopped) return
        this.deps.log.warn({ err: err?.message }, 'event listener connection lost; listening again')
        this.schedule()
      }
    })
  }

  private schedule (): void {
    const delay = backoffMs(++this.attempt, RETRY)
    this.retry = setTimeout(() => {
      this.open().then(async (listener) => {
        if (this.stopped) {
          await listener.close()
          return
        }
        this.listener = listener
        this.deps.log.info({ attempts: this.attempt }, 'event listener back')
        this.attempt = 0
        this.deps.resync()
      }, (err: unknown) => {
        if (this.stopped) return
        this.deps.log.debug({ err: (err as Error).message, attempt: this.attempt }, 'event listener not back yet')
        this.schedule()
      })
    }, delay)
    this.retry.unref()
  }
}
