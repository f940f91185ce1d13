/**
 * One lifecycle for the gateway's parts: each is a Component, started in the
 * order of one list and stopped in reverse. A start that fails stops what had
 * started, so a half-started gateway never keeps a port, a timer or a
 * database connection open.
 */
export interface Component {
  /** for logs: what is starting or stopping */
  readonly name: string
  start?: () => Promise<void> | void
  stop?: () => Promise<void> | void
}

export interface Lifecycle {
  /** stops every started component in reverse order; a failing stop is reported and the rest still stop */
  stop: () => Promise<void>
}

export interface LifecycleLog {
  debug: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export async function startAll (components: readonly Component[], log: LifecycleLog): Promise<Lifecycle> {
  const started: Component[] = []
  const stop = async (): Promise<void> => {
    for (const c of started.splice(0).reverse()) {
      log.debug({ component: c.name }, 'stopping')
      try {
        await c.stop?.()
      } catch (err) {
        log.error({ component: c.name, err: (err as Error).message }, 'stop failed; stopping the rest')
      }
    }
  }
  for (const c of components) {
    log.debug({ component: c.name }, 'starting')
    try {
      await c.start?.()
    } catch (err) {
      await stop()
      throw err
    }
    started.push(c)
  }
  return { stop }
}
