/**
 * One lifecycle for the gateway's parts: each is started in turn and
 * remembered, and `stop` stops them in reverse order, so a part never
 * outlives what it uses. The caller writes its teardown once: a start that
 * fails is followed by the same `stop`, and a half-started gateway keeps no
 * port, timer or database connection open.
 *
 *   const parts = new Lifecycle(log)
 *   try {
 *     const storage = await parts.open('storage', () => openStorage(…), (s) => s.close())
 *     await parts.start('rules', new RuleReloader(…))
 *   } catch (err) { await parts.stop(); throw err }
 */

/** A part with work of its own between start and stop (a periodic loop, a poller). */
export interface Startable {
  start?: () => unknown
  stop?: () => unknown
}

export interface LifecycleLog {
  debug: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export class Lifecycle {
  private readonly started: Array<{ name: string, stop: () => unknown }> = []

  constructor (private readonly log: LifecycleLog) {}

  /** Starts `part` now (awaiting its start); `stop` stops it. `name` is for the logs. */
  async start<T extends Startable> (name: string, part: T): Promise<T> {
    this.log.debug({ component: name }, 'starting')
    await part.start?.()
    this.started.push({ name, stop: () => part.stop?.() })
    return part
  }

  /** Opens a resource that is started by being made (a pool, a listener): `close` is its stop. */
  async open<T> (name: string, open: () => Promise<T>, close: (opened: T) => unknown): Promise<T> {
    this.log.debug({ component: name }, 'opening')
    const opened = await open()
    this.started.push({ name, stop: () => close(opened) })
    return opened
  }

  /** Stops everything started, newest first; a stop that fails is logged and the rest still stop. */
  async stop (): Promise<void> {
    for (const part of this.started.splice(0).reverse()) {
      this.log.debug({ component: part.name }, 'stopping')
      try {
        await part.stop()
      } catch (err) {
        this.log.error({ component: part.name, err: (err as Error).message }, 'stop failed; stopping the rest')
      }
    }
  }
}
