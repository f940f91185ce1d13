/**
 * Commands across a fault: an engineer's remote actions, issued through the
 * gateways' HTTP API (the nodes in turn) at a steady pace while the fault
 * comes and goes, each to the next vehicle of the fleet. Afterwards every
 * command the API accepted is looked up: it must have succeeded, sent to
 * its vehicle and run there once. A request the API refused (the database
 * was away, say) is counted as refused: the engineer was told at once, and
 * nothing is owed.
 */
import pg from 'pg'
import type { PitwallProcess } from '../e2e/targets.js'
import { untilNone } from './until-none.js'
import type { CommandSeen } from './fleet.js'

/** A remote action every vehicle of the scenario runs at once and answers (sim/command-executor.ts). */
const ACTION = { name: 'dtc.clear', params: { ecu: '7E0' } }
/** An answer later than this leaves a request's outcome unknown to the engineer. */
const REQUEST_TIMEOUT_MS = 10_000
const FINAL = ['succeeded', 'failed', 'expired', 'rejected', 'cancelled']

export interface CommandFigures {
  /** requests the API accepted (201): each is owed to its vehicle */
  issued: number
  /** requests the API answered with an error (the engineer was told; nothing owed) */
  refused: number
  /** requests with no answer within 10 s (their outcome unknown to the engineer) */
  unanswered: number
  /** of `issued`: ended succeeded */
  succeeded: number
  /** of `issued`: ended otherwise (failed, expired, rejected) */
  endedOtherwise: number
  /** of `issued`: not final at the end: lost (must be 0) */
  notFinished: number
  /** of `issued`: sent to the vehicle more than once (retried after no answer) */
  resent: number
  /** of `issued`: received by their vehicle, more than once, and started there more than once (must be 0) */
  delivered: number
  deliveredMoreThanOnce: number
  ranTwice: number
  /** the longest from the API's answer to succeeded (s) */
  longestS: number
}

export class CommandIssuer {
  private readonly ids: string[] = []
  private refused = 0
  private unanswered = 0
  private timer: NodeJS.Timeout | undefined
  private next = 0
  private readonly requests = new Set<Promise<void>>()

  /**
   * @param nodes the gateways now up (a killed one is gone, a restarted one added)
   * @param token an engineer's API token
   */
  constructor (private readonly nodes: () => readonly PitwallProcess[], private readonly token: string, private readonly vins: readonly string[], private readonly everyMs: number) {}

  start (): void {
    this.timer = setInterval(() => {
      const request = this.issue().finally(() => this.requests.delete(request))
      this.requests.add(request)
    }, this.everyMs)
  }

  /** Stops issuing; resolves when every request made has its answer. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await Promise.all(this.requests)
  }

  private async issue (): Promise<void> {
    const k = this.next++
    const nodes = this.nodes()
    const node = nodes[k % Math.max(1, nodes.length)]
    const vin = this.vins[k % this.vins.length] as string
    if (node === undefined) {
      this.refused++
      return
    }
    try {
      const res = await fetch(`http://127.0.0.1:${node.httpPort}/api/v1/commands`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ vin, action: ACTION, ttl: '1h' }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      })
      const body = await res.json() as { id?: string }
      if (res.status === 201 && typeof body.id === 'string') this.ids.push(body.id)
      else this.refused++
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') this.unanswered++
      else this.refused++ // the node is gone (killed): connection refused
    }
  }

  /** Waits, at most `timeoutMs`, until every issued command is final; then counts them against what the vehicles saw. */
  async settle (databaseUrl: string, timeoutMs: number, seen: ReadonlyMap<string, CommandSeen>): Promise<CommandFigures> {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      await untilNone(client, 'SELECT count(*) AS n FROM commands WHERE id = ANY($1) AND NOT state = ANY($2)', [this.ids, FINAL], timeoutMs)
      const rows = (await client.query<{ id: string, state: string, sends: number, took_s: number }>(`
        SELECT c.id, c.state, extract(epoch FROM c.updated_at - c.created_at)::float8 AS took_s,
          (SELECT count(*)::int FROM command_events e WHERE e.command_id = c.id AND e.state = 'sent') AS sends
        FROM commands c WHERE c.id = ANY($1)`, [this.ids])).rows
      const mine = this.ids.map((id) => seen.get(id))
      return {
        issued: this.ids.length,
        refused: this.refused,
        unanswered: this.unanswered,
        succeeded: rows.filter((r) => r.state === 'succeeded').length,
        endedOtherwise: rows.filter((r) => r.state !== 'succeeded' && FINAL.includes(r.state)).length,
        notFinished: this.ids.length - rows.filter((r) => FINAL.includes(r.state)).length,
        resent: rows.filter((r) => r.sends > 1).length,
        delivered: mine.filter((m) => m !== undefined).length,
        deliveredMoreThanOnce: mine.filter((m) => (m?.deliveries ?? 0) > 1).length,
        ranTwice: mine.filter((m) => (m?.runs ?? 0) > 1).length,
        longestS: Math.max(0, ...rows.filter((r) => r.state === 'succeeded').map((r) => r.took_s))
      }
    } finally {
      await client.end()
    }
  }
}
