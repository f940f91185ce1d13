/**
 * Dealer endpoints under a fault: two dealers' systems, each an HTTP server
 * of the scenario's own taking the gateway's signed webhooks, half the
 * fleet parked near each. During the fault every vehicle's coolant runs hot
 * in turn, so a rule raises one pre-staging alert per vehicle, spread over
 * the fault; one dealer's endpoint is down (connections refused), slow
 * (answers after SLOW_MS) or answering 500 meanwhile, the other's stays
 * well. Afterwards every alert's webhook deliveries are looked up against
 * what the endpoints received: every alert must reach its dealer once the
 * endpoint is back, and the well dealer's alerts must not wait on the other.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import pg from 'pg'
import { pitwall } from '../../proto/index.js'
import { parseRules } from '../../rules/load.js'
import type { Storage } from '../../storage/index.js'
import { sleep } from '../e2e/throughput-steps.js'
import { untilNone } from './until-none.js'

export type EndpointFault = 'down' | 'slow' | 'error'

/** How long a slow endpoint takes to answer: well inside the gateway's 10 s request timeout, so each request succeeds, late. */
export const SLOW_MS = 2_000

/** Vehicle.Powertrain.CombustionEngine.ECT in the catalog */
const ECT = 3
const RULES = `rules:
  - id: reliability-overheat
    severity: major
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    action: { type: dealer_prestage, parts: [thermostat], repairHours: 1.5, fix: Replace the thermostat. }
`
/** The faulted dealer near Munich, the well one near Berlin; vehicles parked 20–30 km from theirs. */
const DEALERS = [
  { id: 'dealer-faulted', name: 'Autohaus München', lat: 48.137, lon: 11.575, parkedE7: [483705000, 113000000] },
  { id: 'dealer-well', name: 'Autohaus Berlin', lat: 52.52, lon: 13.405, parkedE7: [523000000, 131000000] }
] as const

interface Receipt {
  /** requests with this idempotency key, and those answered 2xx */
  requests: number
  accepted: number
  /** when the first 2xx answer went out (epoch ms) */
  firstAcceptedAt: number | undefined
}

/** A dealer's system: takes webhooks and remembers each idempotency key's requests; can be made to fail. */
export class WebhookEndpoint {
  fault: EndpointFault | undefined
  readonly receipts = new Map<string, Receipt>()
  private readonly sockets = new Set<Socket>()
  private server: Server | undefined
  /** the port it listens on, kept across going down and coming back */
  port = 0

  static async start (): Promise<WebhookEndpoint> {
    const endpoint = new WebhookEndpoint()
    endpoint.port = await endpoint.listen(0)
    return endpoint
  }

  get url (): string {
    return `http://127.0.0.1:${this.port}/pitwall`
  }

  private async listen (port: number): Promise<number> {
    const server = createServer((req, res) => {
      const key = String(req.headers['idempotency-key'] ?? '')
      const receipt = this.receipts.get(key) ?? { requests: 0, accepted: 0, firstAcceptedAt: undefined }
      this.receipts.set(key, receipt)
      receipt.requests++
      req.resume()
      req.on('end', () => {
        const failing = this.fault
        const answer = (): void => {
          if (failing === 'error') {
            res.writeHead(500).end('{"error":"internal"}')
            return
          }
          receipt.accepted++
          receipt.firstAcceptedAt ??= Date.now()
          res.writeHead(200).end()
        }
        if (failing === 'slow') setTimeout(answer, SLOW_MS)
        else answer()
      })
    })
    server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    this.server = server
    return (server.address() as AddressInfo).port
  }

  private async stopListening (): Promise<void> {
    const server = this.server
    this.server = undefined
    const closed = new Promise((resolve) => { if (server === undefined) resolve(undefined); else server.close(resolve) })
    for (const s of this.sockets) s.destroy()
    await closed
  }

  /** Down: the port refuses connections, open ones are cut. */
  async goDown (): Promise<void> {
    this.fault = 'down'
    await this.stopListening()
  }

  /** Well again (listening on its port again when it was down). */
  async recover (): Promise<void> {
    const wasDown = this.fault === 'down'
    this.fault = undefined
    if (wasDown) await this.listen(this.port)
  }

  async close (): Promise<void> {
    await this.stopListening()
  }
}

export interface DealerEndpointFigures {
  /** pre-staging alerts raised for this dealer */
  alerts: number
  /** of them: delivered (the endpoint answered 2xx), and dead (given up on) */
  delivered: number
  dead: number
  /** requests the endpoint received, repeats included */
  requests: number
  /** alerts the endpoint accepted more than once (a retry after an answer the gateway did not see: deduped by Idempotency-Key) */
  acceptedTwice: number
  /** the longest from an alert raised to its webhook accepted (s) */
  longestS: number
}

export interface DealerFigures {
  /** the endpoint the fault hit */
  faulted: DealerEndpointFigures
  /** the other dealer's, well throughout */
  well: DealerEndpointFigures
  /** fault over → every alert of the faulted dealer accepted (s); undefined: not by the end */
  faultedCaughtUpS: number | undefined
}

/** Two dealers' endpoints, their dealers and the overheat rule, and the vehicles' hot coolant spread over the fault. */
export class DealerScene {
  /** per vehicle (by index): when its coolant runs hot (performance.now()); undefined: cool until the fault */
  private hotFrom: number[] | undefined

  private constructor (readonly faulted: WebhookEndpoint, readonly well: WebhookEndpoint, private readonly vehicles: number) {}

  /** The endpoints started, the dealers and the rule stored through `storage` (the gateways load them at start). */
  static async prepare (storage: Storage, vehicles: number): Promise<DealerScene> {
    const scene = new DealerScene(await WebhookEndpoint.start(), await WebhookEndpoint.start(), vehicles)
    await storage.rules.apply(parseRules(RULES, 'reliability.yaml'))
    const [faulted, well] = DEALERS
    await storage.dealers.add({ id: faulted.id, name: faulted.name, lat: faulted.lat, lon: faulted.lon, webhookUrl: scene.faulted.url })
    await storage.dealers.add({ id: well.id, name: well.name, lat: well.lat, lon: well.lon, webhookUrl: scene.well.url })
    return scene
  }

  /** Settings the gateways need: the dealers' systems are on loopback, as one on premises would be let through. */
  static readonly env = { PITWALL_WEBHOOK_ALLOW: '127.0.0.1' }

  /** What vehicle `i`'s batches carry beside their sample: where it is parked, and its coolant. */
  readonly extra = (i: number): pitwall.v1.ITelemetryBatch => {
    const [latE7, lonE7] = (DEALERS[i % 2] as (typeof DEALERS)[number]).parkedE7
    const hot = this.hotFrom !== undefined && performance.now() >= (this.hotFrom[i] as number)
    return { gnss: [{ dtUs: 0, latE7, lonE7, speedCms: 0 }], signals: { dtUs: [0], signalId: [ECT], value: [hot ? 115 : 90] } }
  }

  /** The fault starts now and lasts `ms`: the endpoint fails, and each vehicle runs hot at its own moment within it. */
  async inject (fault: EndpointFault, ms: number): Promise<void> {
    const now = performance.now()
    this.hotFrom = Array.from({ length: this.vehicles }, (_, i) => now + (i / this.vehicles) * ms)
    if (fault === 'down') await this.faulted.goDown()
    else this.faulted.fault = fault
    await sleep(ms)
    await this.faulted.recover()
  }

  /** Waits, at most `timeoutMs`, until no pre-staging action or webhook delivery is pending; then counts each dealer's (`faultEndedAt`: epoch ms). */
  async settle (databaseUrl: string, timeoutMs: number, faultEndedAt: number): Promise<DealerFigures> {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      // an alert is made by an action worker after its fault opened: until the outbox has handled
      // every pre-staging action, a missing delivery may be an alert not made yet, not one lost
      await untilNone(client, `SELECT (SELECT count(*) FROM fault_actions WHERE kind = 'dealer_prestage' AND done_at IS NULL)
        + (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending') AS n`, [], timeoutMs)
      const rows = (await client.query<{ dealer_id: string, key: string, state: string, raised_ms: number }>(`
        SELECT d.dealer_id, d.idempotency_key AS key, d.state, (extract(epoch FROM a.created_at) * 1000)::float8 AS raised_ms
        FROM webhook_deliveries d JOIN dealer_alerts a ON a.id = d.alert_id`)).rows
      const figures = (dealerId: string, endpoint: WebhookEndpoint): DealerEndpointFigures => {
        const mine = rows.filter((r) => r.dealer_id === dealerId)
        const accepted = mine.map((r) => ({ r, receipt: endpoint.receipts.get(r.key) })).filter((x) => (x.receipt?.accepted ?? 0) > 0)
        return {
          alerts: mine.length,
          delivered: mine.filter((r) => r.state === 'delivered').length,
          dead: mine.filter((r) => r.state === 'dead').length,
          requests: [...endpoint.receipts.values()].reduce((n, r) => n + r.requests, 0),
          acceptedTwice: accepted.filter((x) => (x.receipt?.accepted ?? 0) > 1).length,
          longestS: Math.max(0, ...accepted.map((x) => ((x.receipt?.firstAcceptedAt ?? 0) - x.r.raised_ms) / 1000))
        }
      }
      const faultedRows = rows.filter((r) => r.dealer_id === DEALERS[0].id)
      const acceptedAt = faultedRows.map((r) => this.faulted.receipts.get(r.key)?.firstAcceptedAt)
      const lastAccepted = acceptedAt.every((a) => a !== undefined) ? Math.max(...acceptedAt as number[]) : undefined
      return {
        faulted: figures(DEALERS[0].id, this.faulted),
        well: figures(DEALERS[1].id, this.well),
        faultedCaughtUpS: lastAccepted === undefined ? undefined : Math.max(0, (lastAccepted - faultEndedAt) / 1000)
      }
    } finally {
      await client.end()
    }
  }

  async close (): Promise<void> {
    await Promise.all([this.faulted.close(), this.well.close()])
  }
}
