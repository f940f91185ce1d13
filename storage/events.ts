/**
 * PostgreSQL LISTEN/NOTIFY for the gateway's events (gateway/events/): what
 * the triggers of migration 017 send, and what nodes send each other
 * (watched vehicles, live signal values). NOTIFY is delivered to every
 * listening session of the database once the sending transaction commits,
 * so it reaches every gateway node on the database; on the embedded host,
 * which runs one session for all connections, the host hands each
 * notification to the connections that LISTEN (storage/pglite-host.ts).
 */
import pg from 'pg'

/** A listening connection: `close` ends it (no `lost` call then). */
export interface EventListener {
  close (): Promise<void>
}

export interface ListenHandlers {
  notification: (channel: string, payload: string) => void
  /** the connection ended without close() (server restart, network): listen again */
  lost: (err: Error | undefined) => void
}

export class EventStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Sends each payload on `channel`, in order, in one round trip. */
  async notify (channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return
    await this.pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n', [channel, payloads])
  }

  /**
   * A connection of its own, outside the pool (it is held for as long as the
   * node runs, and a pooled one would be handed back to queries that are not
   * LISTENing), that LISTENs on `channels`.
   */
  async listen (channels: readonly string[], handlers: ListenHandlers): Promise<EventListener> {
    const client = new pg.Client(this.pool.options)
    let closing = false
    let ended = false
    const end = (err: Error | undefined): void => {
      if (ended) return
      ended = true
      if (!closing) handlers.lost(err)
    }
    client.on('notification', (n) => { handlers.notification(n.channel, n.payload ?? '') })
    client.on('error', (err) => { end(err); client.end().catch(() => {}) })
    client.on('end', () => { end(undefined) })
    try {
      await client.connect()
      for (const channel of channels) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (err) {
      closing = true
      await client.end().catch(() => {})
      throw err
    }
    return {
      close: async () => {
        closing = true
        await client.end().catch(() => {})
      }
    }
  }
}
