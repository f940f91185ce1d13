/**
 * Delivers the webhook outbox (webhook_deliveries) to dealers' systems.
 *
 * A pass claims due deliveries with a lease, signs each (./webhook-
 * signature.ts, a fresh timestamp per attempt) and POSTs it. A 2xx
 * answer marks it delivered; so does 409, which a receiver may answer for an
 * idempotency key it has already processed. Anything else (another status, a
 * refused connection, no answer within `timeoutMs`) schedules the next attempt
 * after an exponential backoff with full jitter (runtime/backoff.ts: a random
 * delay between 0 and min(maxDelayMs, baseDelayMs * 2^(attempt-1))), so
 * endpoints coming back are not hit by every sender at once; after `maxAttempts` requests the delivery
 * is dead and listed as a dead letter until someone retries it.
 *
 * One opossum circuit breaker per endpoint (webhook URL): when failures pass
 * the threshold the breaker opens, and while it is open that endpoint's
 * deliveries are postponed to when it half-opens, without a request and
 * without counting an attempt; one probe then decides whether it closes.
 * Deliveries to one endpoint are sent one after another, in order, so an
 * endpoint that is down costs a few timeouts before its breaker opens, not
 * one per queued alert. Endpoints are served side by side, each in a lane
 * of its own that the passes do not wait for: a pass claims nothing for an
 * endpoint whose lane is still busy and goes on with the others, so a
 * dealer whose system answers slowly (or not at all, until the timeout)
 * delays its own webhooks only, never another dealer's. A 4xx other than
 * 408 and 429 is the endpoint answering (it refused this request), so it is
 * retried but does not count toward the breaker.
 *
 * Delivery is at least once, with a stable idempotency key per alert: the key
 * is fixed when the alert is stored, and every attempt carries it. A worker
 * that crashes after the POST but before "delivered" is written leaves the
 * delivery leased; when the lease expires it is claimed again and resent with
 * the same key. Receivers must dedupe by the Idempotency-Key header.
 *
 * Each request goes only where the address rule (./webhook-address.ts)
 * allows, checked against the address the socket actually connects to
 * (./webhook-request.ts). A refusal (PITWALL_ERR_WEBHOOK_ADDRESS) sends
 * nothing; it is recorded and retried on the same backoff as any failure
 * (the dealer's DNS may answer differently again, a corrected URL or allow
 * list takes effect at the next attempt) and the delivery is dead after
 * `maxAttempts`. It does not count toward the breaker: no request was made.
 */
import { STATUS_CODES } from 'node:http'
import CircuitBreaker from 'opossum'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { backoffMs, type Backoff } from '../../runtime/backoff.js'
import { PeriodicPass } from '../../runtime/periodic-pass.js'
import type { ClaimedDelivery, DealerAlertStore } from '../../storage/dealer-alerts.js'
import type { ActionLog } from '../log.js'
import { signWebhook } from './webhook-signature.js'
import { PitwallError } from '../../runtime/errors.js'
import { WebhookAddressError, WebhookAddressRule } from './webhook-address.js'
import { WebhookClient, type WebhookSend } from './webhook-request.js'

export interface BreakerOptions {
  /** failed share of requests in the rolling window that opens the breaker; default 50 (%) */
  errorThresholdPercentage?: number
  /** requests in the window before the breaker may open at all; default 3 */
  volumeThreshold?: number
  /** how long an open breaker waits before letting one probe through; default 30 s */
  resetTimeoutMs?: number
  /** the rolling window of request outcomes; default 60 s */
  rollingWindowMs?: number
}

export interface WebhookDeliveryOptions {
  store: DealerAlertStore
  log: ActionLog
  /** where webhooks may go (the operator's allow list); default: https to public addresses only */
  addresses?: WebhookAddressRule
  /** default: a WebhookClient under `addresses` */
  send?: WebhookSend
  /** requests before a delivery is dead; default 12 */
  maxAttempts?: number
  /** default 1 s */
  baseDelayMs?: number
  /** default 1 h */
  maxDelayMs?: number
  /** per request, answer included; default 10 s */
  timeoutMs?: number
  /** how long a claimed delivery stays with this worker; default 2 min */
  leaseMs?: number
  /** between passes when nothing was due; default 1 s */
  pollMs?: number
  /** deliveries claimed per pass; default 20 */
  batch?: number
  breaker?: BreakerOptions
  /** Prometheus counters are registered here when given (see gateway/metrics.ts) */
  registry?: Registry
}

/** The endpoint answered, with a status that is not success. */
class WebhookStatusError extends PitwallError {
  constructor (readonly endpointStatus: number, message: string) {
    super('PITWALL_ERR_WEBHOOK_STATUS', message)
  }
}

interface Endpoint {
  breaker: CircuitBreaker<[ClaimedDelivery], number>
  openedAt: number
  lastError: string
}

type Metrics = ReturnType<typeof createMetrics>

function createMetrics (registry: Registry, openBreakers: () => number) {
  return {
    outcomes: new Counter({
      name: 'pitwall_webhook_deliveries_total',
      help: 'Webhook delivery steps by outcome: delivered, retry (failed, rescheduled), dead, postponed (breaker open, no request)',
      labelNames: ['outcome'],
      registers: [registry]
    }),
    breakerOpens: new Counter({ name: 'pitwall_webhook_breaker_opens_total', help: 'Times a dealer endpoint\'s circuit breaker opened', registers: [registry] }),
    openBreakers: new Gauge({
      name: 'pitwall_webhook_breakers_open',
      help: 'Dealer endpoints whose circuit breaker is open now',
      registers: [registry],
      collect () { this.set(openBreakers()) }
    }),
    requestSeconds: new Histogram({
      name: 'pitwall_webhook_request_seconds',
      help: 'Webhook POST duration, answer included',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry]
    })
  }
}

export class WebhookDeliveryWorker {
  private readonly store: DealerAlertStore
  private readonly send: WebhookSend
  /** the client this worker made (and closes), when no `send` was given */
  private readonly client: WebhookClient | undefined
  private readonly maxAttempts: number
  private readonly backoff: Backoff
  private readonly timeoutMs: number
  private readonly leaseMs: number
  private readonly pollMs: number
  private readonly batch: number
  private readonly endpoints = new Map<string, Endpoint>()
  private readonly metrics: Metrics | undefined
  private readonly loop: PeriodicPass
  /** every pass running, the loop's and runOnce()'s callers' */
  private readonly passes = new Set<Promise<number>>()
  /** endpoint URL → its lane: the deliveries claimed for it, being sent one after another */
  private readonly lanes = new Map<string, Promise<void>>()
  private stopping = false
  /** the loop runs (start() was called): a lane that ends kicks it */
  private looping = false

  constructor (private readonly options: WebhookDeliveryOptions) {
    this.store = options.store
    this.client = options.send === undefined ? new WebhookClient(options.addresses ?? new WebhookAddressRule()) : undefined
    this.send = options.send ?? (this.client as WebhookClient).send
    this.maxAttempts = options.maxAttempts ?? 12
    this.backoff = { baseMs: options.baseDelayMs ?? 1000, maxMs: options.maxDelayMs ?? 3_600_000, jitter: true }
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.leaseMs = options.leaseMs ?? 120_000
    this.pollMs = options.pollMs ?? 1000
    this.batch = options.batch ?? 20
    if (this.leaseMs <= this.timeoutMs) throw new RangeError(`leaseMs (${this.leaseMs}) must exceed timeoutMs (${this.timeoutMs})`)
    this.metrics = options.registry === undefined
      ? undefined
      : createMetrics(options.registry, () => [...this.endpoints.values()].filter((e) => e.breaker.opened).length)
    this.loop = new PeriodicPass(async () => {
      // a full batch may have more due behind it: another pass at once
      if (await this.tracked(this.pass(false)) >= this.batch) this.loop.kick()
    }, (err) => { options.log.error({ err: err.message }, 'webhook pass failed; trying again') })
  }

  /** Runs passes until stop(): one now, then every pollMs, and at once while full batches are due. */
  start (): void {
    this.stopping = false
    this.looping = true
    this.loop.start(this.pollMs)
    this.loop.kick()
  }

  /** Run a pass now (an alert was just stored) instead of at the next poll. */
  kick (): void {
    this.loop.kick()
  }

  /**
   * Stops claiming, waits for the requests in flight and records their
   * results; deliveries claimed but not yet sent are handed back, due now.
   */
  async stop (): Promise<void> {
    this.stopping = true
    this.looping = false
    await this.loop.stop()
    await Promise.allSettled([...this.passes])
    await Promise.allSettled([...this.lanes.values()])
    for (const e of this.endpoints.values()) e.breaker.shutdown()
    this.endpoints.clear()
    this.client?.close()
  }

  /** One pass: claims due deliveries and sends them, resolving when they are sent; returns how many it claimed. */
  async runOnce (): Promise<number> {
    if (this.stopping) return 0
    return await this.tracked(this.pass(true))
  }

  private async tracked (pass: Promise<number>): Promise<number> {
    this.passes.add(pass)
    try {
      return await pass
    } finally {
      this.passes.delete(pass)
    }
  }

  /**
   * Claims due deliveries for endpoints without a busy lane and starts a
   * lane for each endpoint; `wait`: resolves when those lanes are done
   * (runOnce), else at once (the loop, which must not wait on a slow one).
   */
  private async pass (wait: boolean): Promise<number> {
    const deadline = Date.now() + this.leaseMs
    const claimed = await this.store.claimDeliveries(this.batch, this.leaseMs, [...this.lanes.keys()])
    const byEndpoint = new Map<string, ClaimedDelivery[]>()
    for (const d of claimed) {
      const key = d.url ?? ''
      byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), d])
    }
    const started = [...byEndpoint].map(([url, queue]) => this.startLane(url, queue, deadline))
    if (wait) await Promise.all(started)
    return claimed.length
  }

  private async startLane (url: string, queue: ClaimedDelivery[], deadline: number): Promise<void> {
    const lane = (async () => {
      for (const d of queue) await this.deliver(d, deadline)
    })().catch((err: Error) => {
      // a result that could not be written (database gone) leaves the rest of
      // that endpoint's deliveries leased: they are claimed again when it ends
      this.options.log.error({ err: err.message }, 'webhook delivery result not recorded; the lease will expire and it is sent again')
    }).finally(() => {
      this.lanes.delete(url)
      // the endpoint may have more due, held back while its lane was busy
      if (this.looping) this.loop.kick()
    })
    this.lanes.set(url, lane)
    await lane
  }

  private async deliver (d: ClaimedDelivery, deadline: number): Promise<void> {
    const log = this.options.log
    if (!d.dealerActive || d.url === null || d.secret === null) {
      const reason = d.dealerActive ? `dealer ${d.dealerId} has no webhook URL` : `dealer ${d.dealerId} is inactive`
      await this.store.bury(d, reason)
      this.metrics?.outcomes.inc({ outcome: 'dead' })
      log.warn({ delivery: d.id, alert: d.alertId, dealer: d.dealerId, reason }, 'webhook delivery dead')
      return
    }
    // Handed back rather than sent: a request that could outlive the lease
    // would run alongside the next claimant's.
    if (this.stopping || Date.now() + this.timeoutMs >= deadline) {
      await this.store.postpone(d, 0, null)
      return
    }
    const endpoint = this.endpoint(d.url)
    const started = process.hrtime.bigint()
    let status: number
    try {
      status = await endpoint.breaker.fire(d)
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code === 'EOPENBREAKER') {
        const waitMs = Math.max(1, endpoint.openedAt + this.resetTimeoutMs() - Date.now())
        await this.store.postpone(d, waitMs, `not sent: circuit breaker open for ${endpointName(d.url)} after: ${endpoint.lastError}`)
        this.metrics?.outcomes.inc({ outcome: 'postponed' })
        return
      }
      this.metrics?.requestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9)
      const message = this.describe(err, d.url)
      const attempts = d.attempts + 1
      const dead = attempts >= this.maxAttempts
      const retryInMs = dead ? null : backoffMs(attempts, this.backoff)
      await this.store.recordAttempt(d, { delivered: false, error: message, status: err instanceof WebhookStatusError ? err.endpointStatus : null, retryInMs })
      this.metrics?.outcomes.inc({ outcome: dead ? 'dead' : 'retry' })
      if (dead) log.error({ delivery: d.id, alert: d.alertId, dealer: d.dealerId, attempts, err: message }, 'webhook delivery dead after its last attempt')
      else log.warn({ delivery: d.id, alert: d.alertId, dealer: d.dealerId, attempts, retryInMs, err: message }, 'webhook delivery failed; will retry')
      return
    }
    this.metrics?.requestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9)
    await this.store.recordAttempt(d, { delivered: true, status })
    this.metrics?.outcomes.inc({ outcome: 'delivered' })
  }

  private resetTimeoutMs (): number {
    return this.options.breaker?.resetTimeoutMs ?? 30_000
  }

  private endpoint (url: string): Endpoint {
    const known = this.endpoints.get(url)
    if (known !== undefined) return known
    const b = this.options.breaker ?? {}
    const state = { openedAt: 0, lastError: '' }
    const breaker = new CircuitBreaker<[ClaimedDelivery], number>(async (d) => {
      try {
        return await this.post(d)
      } catch (err) {
        // kept before opossum decides to open, so the 'open' log says why
        state.lastError = this.describe(err, url)
        throw err
      }
    }, {
      name: endpointName(url),
      // the request carries its own timeout (AbortSignal), which also ends reading the answer
      timeout: false,
      errorThresholdPercentage: b.errorThresholdPercentage ?? 50,
      volumeThreshold: b.volumeThreshold ?? 3,
      resetTimeout: this.resetTimeoutMs(),
      rollingCountTimeout: b.rollingWindowMs ?? 60_000,
      rollingCountBuckets: 10,
      // true = not the endpoint's fault: it answered, and refused this request; or Pitwall refused to send it
      errorFilter: (err: unknown) => err instanceof WebhookAddressError ||
        (err instanceof WebhookStatusError && err.endpointStatus >= 400 && err.endpointStatus < 500 && err.endpointStatus !== 408 && err.endpointStatus !== 429)
    })
    const endpoint: Endpoint = Object.assign(state, { breaker })
    breaker.on('open', () => {
      state.openedAt = Date.now()
      this.metrics?.breakerOpens.inc()
      this.options.log.warn({ endpoint: endpointName(url), err: state.lastError }, 'webhook endpoint circuit breaker open; its deliveries wait')
    })
    breaker.on('close', () => { this.options.log.info({ endpoint: endpointName(url) }, 'webhook endpoint circuit breaker closed') })
    this.endpoints.set(url, endpoint)
    return endpoint
  }

  private async post (d: ClaimedDelivery): Promise<number> {
    const url = d.url as string
    const headers = signWebhook(d.secret as string, { idempotencyKey: d.idempotencyKey, event: d.event, body: d.body })
    // A redirect is not followed (it would re-send a signed body somewhere nobody registered), and the
    // answer's body is never read: engineers and the dealer see lastError, and an endpoint pointed at an
    // internal page must not turn Pitwall into a way to read it.
    const res = await this.send(new URL(url), {
      headers: { ...headers, 'User-Agent': 'pitwall-webhook/1' },
      body: d.body,
      signal: AbortSignal.timeout(this.timeoutMs)
    })
    if ((res.status >= 200 && res.status < 300) || res.status === 409) return res.status
    const location = res.location
    const reason = STATUS_CODES[res.status] ?? 'unknown status'
    throw new WebhookStatusError(res.status,
      `HTTP ${res.status} from ${endpointName(url)} (${reason})${location === null ? '' : `; redirect to ${endpointName(URL.canParse(location, url) ? new URL(location, url).href : location)} not followed`}`)
  }

  private describe (err: unknown, url: string): string {
    if (err instanceof WebhookStatusError) return err.message
    if (err instanceof WebhookAddressError) return `${err.code}: not sent to ${endpointName(url)}: ${err.message}`
    const e = err as Error & { cause?: { code?: string, message?: string } }
    if (e.name === 'TimeoutError') return `no answer from ${endpointName(url)} within ${this.timeoutMs} ms`
    const cause = e.cause?.code ?? e.cause?.message
    return `${endpointName(url)}: ${e.message}${cause === undefined ? '' : ` (${cause})`}`
  }
}

/** The URL without query or credentials: what logs and errors show (a query may carry a token). */
function endpointName (url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}
