/**
 * Webhook delivery against a real local receiver (HTTP on port 0) that
 * verifies every signature and dedupes by Idempotency-Key, as a dealer's
 * system must: a receiver that is down opens the breaker and nothing is
 * lost; deliveries that keep failing become dead letters and can be retried;
 * a worker stopped while requests hang, or one that dies after its POST,
 * leaves nothing behind for the next worker on the same database.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import pg from 'pg'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { DealerAlertService } from '../../../actions/dealer-alerts/service.js'
import { WebhookAddressRule } from '../../../actions/dealer-alerts/webhook-address.js'
import { WebhookDeliveryWorker, type WebhookDeliveryOptions } from '../../../actions/dealer-alerts/webhook-delivery.js'
import { WebhookClient } from '../../../actions/dealer-alerts/webhook-request.js'
import { verifyWebhook } from '../../../actions/dealer-alerts/webhook-signature.js'
import type { WebhookDelivery } from '../../../actions/dealer-alerts/model.js'
import { DealerAlertStore } from '../../../storage/dealer-alerts.js'
import { DealerStore } from '../../../storage/dealers.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../dealer-fixtures.js'
import { poolOf } from '../../../storage/index.js'

type Mode = 'ok' | 'unavailable' | 'hang'

/** A dealer's system: checks signatures, processes each idempotency key once, answers 409 to a repeat. */
class Receiver {
  mode: Mode = 'ok'
  readonly secrets = new Map<string, string>()
  /** every request whose signature verified, repeats included */
  readonly received: Array<{ key: string, alertId: number }> = []
  /** key -> alert id, once per key: what the dealer's system acted on */
  readonly processed = new Map<string, number>()
  readonly refused: string[] = []
  /** dealer id -> where its requests are redirected (307) */
  readonly redirects = new Map<string, string>()
  /** every request's path */
  readonly paths: string[] = []
  private readonly hung: ServerResponse[] = []
  private server: Server | undefined
  port = 0

  async start (): Promise<void> {
    this.server = createServer((req, res) => { this.handle(req, res) })
    this.server.listen(this.port, '127.0.0.1')
    await once(this.server, 'listening')
    this.port = (this.server.address() as AddressInfo).port
  }

  /** Gone: connections are refused until start() again on the same port. */
  async stop (): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    this.releaseHung()
    server.close()
    server.closeAllConnections()
    await once(server, 'close')
  }

  url (dealerId: string): string {
    return `http://127.0.0.1:${this.port}/hooks/${dealerId}`
  }

  releaseHung (): void {
    for (const res of this.hung.splice(0)) res.writeHead(200).end()
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    this.paths.push(req.url ?? '')
    const redirect = this.redirects.get(req.url?.split('/').at(-1) ?? '')
    if (redirect !== undefined) {
      res.writeHead(307, { Location: redirect }).end()
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const secret = this.secrets.get(req.url?.split('/').at(-1) ?? '') ?? ''
      const check = verifyWebhook(secret, req.headers, body)
      if (!check.ok) {
        this.refused.push(check.reason)
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end(`${check.reason}: ${check.message}`)
        return
      }
      const alertId = (JSON.parse(body.toString('utf8')) as { alert: { id: number } }).alert.id
      this.received.push({ key: check.idempotencyKey, alertId })
      if (this.mode === 'unavailable') {
        res.writeHead(503).end('down for maintenance')
        return
      }
      if (this.processed.has(check.idempotencyKey)) {
        res.writeHead(409).end('already processed')
        return
      }
      this.processed.set(check.idempotencyKey, alertId)
      if (this.mode === 'hang') this.hung.push(res)
      else res.writeHead(200).end()
    })
  }
}

/** Polls `check` (doing `step` first) until it holds; fails naming what never happened. */
async function until (what: string, check: () => Promise<boolean>, step: () => Promise<unknown> = async () => {}, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs
  for (;;) {
    await step()
    if (await check()) return
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

// The backends side by side: each has its own database and receivers, and
// a run is mostly waiting (for the embedded database to start, for leases).
t.jobs = 2
for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const dealers = new DealerStore(poolOf(storage))
    const store = new DealerAlertStore(poolOf(storage))

    /** the dealer's deliveries, oldest alert first */
    const deliveriesOf = async (dealerId: string): Promise<WebhookDelivery[]> => {
      const result: WebhookDelivery[] = []
      for (const a of (await store.list(dealerId)).reverse()) result.push(...await store.deliveries(a.id))
      return result
    }

    /** A dealer whose webhook is the receiver (or `url`), and `n` alerts for it. */
    const dealerWithAlerts = async (receiver: Receiver, dealerId: string, n: number, url = receiver.url(dealerId)): Promise<number[]> => {
      const { webhookSecret } = await dealers.add({ id: dealerId, name: dealerId, ...PLACES.munich, webhookUrl: url })
      receiver.secrets.set(dealerId, webhookSecret as string)
      const service = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() })
      const ids: number[] = []
      for (let i = 0; i < n; i++) {
        const f = await seedFault(storage, { action: { type: 'dealer_prestage', parts: [{ number: null, description: 'coil', quantity: 1 }], repairHours: 1, fix: 'coil' } })
        await storage.vehicles.assignDealer(f.vin, dealerId)
        ids.push(...(await service.raiseForFault(f.faultId, 'prestage')).map((a) => a.id))
      }
      return ids
    }

    // the receiver is on loopback: allowed as an operator allows a dealer system on premises
    const LOCAL = new WebhookAddressRule({ allow: '127.0.0.1' })
    const worker = (options: Partial<WebhookDeliveryOptions> = {}, pool: pg.Pool = poolOf(storage)): WebhookDeliveryWorker =>
      new WebhookDeliveryWorker({ store: new DealerAlertStore(pool), log: recordingLog(), baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2000, pollMs: 20, addresses: LOCAL, ...options })

    const receiverFor = async (t: Test): Promise<Receiver> => {
      const receiver = new Receiver()
      await receiver.start()
      t.teardown(async () => { await receiver.stop() })
      return receiver
    }

    t.test('a receiver that is down opens the breaker; once it is back every alert arrives, once per key', async (t) => {
      const receiver = await receiverFor(t)
      const alertIds = await dealerWithAlerts(receiver, 'wh-down', 6)
      const registry = new Registry()
      const log = recordingLog()
      const w = worker({ log, registry, maxAttempts: 100, breaker: { volumeThreshold: 2, resetTimeoutMs: 300 } })
      t.teardown(async () => { await w.stop() })

      // 503: two failures open the breaker; the other four wait without a request
      receiver.mode = 'unavailable'
      t.equal(await w.runOnce(), 6)
      t.equal(receiver.received.length, 2, 'two requests reached the receiver')
      const afterOpen = await deliveriesOf('wh-down')
      t.same(afterOpen.map((d) => d.attempts), [1, 1, 0, 0, 0, 0])
      t.same(afterOpen.map((d) => d.lastStatus), [503, 503, null, null, null, null])
      t.equal(afterOpen[0]?.lastError, `HTTP 503 from ${receiver.url('wh-down')} (Service Unavailable)`, 'the status and its standard reason, never the answer\'s body')
      t.match(afterOpen[5]?.lastError, `not sent: circuit breaker open for ${receiver.url('wh-down')} after: HTTP 503`)
      t.match(log.lines.find((l) => l.level === 'warn' && l.msg.includes('circuit breaker open')), { obj: { endpoint: receiver.url('wh-down') } })

      // gone altogether: the half-open probes are refused, the breaker opens again
      await receiver.stop()
      await until('a probe is refused', async () => (await deliveriesOf('wh-down')).some((d) => /ECONNREFUSED/.test(d.lastError ?? '')), async () => await w.runOnce())
      t.equal((await deliveriesOf('wh-down')).filter((d) => d.state !== 'pending').length, 0, 'nothing given up')

      receiver.mode = 'ok'
      await receiver.start()
      await until('every delivery is delivered', async () => (await deliveriesOf('wh-down')).every((d) => d.state === 'delivered'), async () => await w.runOnce())
      const keys = (await deliveriesOf('wh-down')).map((d) => d.idempotencyKey)
      t.equal(new Set(keys).size, 6, 'no two alerts share a key')
      t.same([...receiver.processed.keys()].sort(), [...keys].sort(), 'the receiver processed each key')
      t.same([...receiver.processed.values()].sort((a, b) => a - b), alertIds, 'each alert exactly once')
      t.ok(log.lines.some((l) => l.msg === 'webhook endpoint circuit breaker closed'))

      const metric = async (name: string, outcome?: string): Promise<number> =>
        ((await registry.getSingleMetric(name)?.get())?.values ?? []).filter((v) => outcome === undefined || v.labels.outcome === outcome).reduce((s, v) => s + v.value, 0)
      t.ok(await metric('pitwall_webhook_breaker_opens_total') >= 2, 'opened, and opened again after a refused probe')
      t.equal(await metric('pitwall_webhook_deliveries_total', 'delivered'), 6)
      t.ok(await metric('pitwall_webhook_deliveries_total', 'postponed') >= 4)
      t.equal(await metric('pitwall_webhook_breakers_open'), 0)
    })

    t.test('a delivery that keeps failing is dead after maxAttempts, listed, and can be retried with the same key', async (t) => {
      const receiver = await receiverFor(t)
      const [alertId] = await dealerWithAlerts(receiver, 'wh-dead', 1)
      // the dealer's system holds an old secret: every request is refused with 401
      receiver.secrets.set('wh-dead', 'whsec_an-old-secret-the-dealer-forgot-to-replace')
      const registry = new Registry()
      const w = worker({ maxAttempts: 3, registry, breaker: { volumeThreshold: 2 } })
      t.teardown(async () => { await w.stop() })
      await until('the delivery is dead', async () => (await store.deadLetters({ dealerId: 'wh-dead' })).length === 1, async () => await w.runOnce())
      const [dead] = await store.deadLetters({ dealerId: 'wh-dead' })
      t.match(dead, { alertId, state: 'dead', attempts: 3, lastStatus: 401, lastError: /^HTTP 401 from .* \(Unauthorized\)$/ })
      t.ok(dead?.deadAt instanceof Date)
      t.same(receiver.refused, ['bad_signature', 'bad_signature', 'bad_signature'], 'three attempts, no more')
      t.equal((await registry.getSingleMetric('pitwall_webhook_breaker_opens_total')?.get())?.values[0]?.value ?? 0, 0,
        'a 401 is the endpoint answering: the breaker stays closed')
      await w.runOnce()
      t.equal(receiver.refused.length, 3, 'a dead letter is not sent again by itself')

      receiver.secrets.set('wh-dead', (await dealers.rotateWebhookSecret('wh-dead')))
      const retried = await store.retryDeadLetter(dead?.id as number)
      t.match(retried, { state: 'pending', attempts: 0, idempotencyKey: dead?.idempotencyKey })
      await until('the retried delivery is delivered', async () => (await deliveriesOf('wh-dead'))[0]?.state === 'delivered', async () => await w.runOnce())
      t.same([...receiver.processed.entries()], [[dead?.idempotencyKey, alertId]])
      t.same(await store.deadLetters({ dealerId: 'wh-dead' }), [])
      await t.rejects(store.retryDeadLetter(dead?.id as number), { code: 'PITWALL_ERR_WEBHOOK_NOT_DEAD', message: `webhook delivery ${dead?.id} is delivered; only dead letters can be retried` })
      await t.rejects(store.retryDeadLetter(99_999_999), { code: 'PITWALL_ERR_WEBHOOK_DELIVERY_UNKNOWN' })
    })

    t.test("a deactivated dealer's pending webhooks become dead letters without a request", async (t) => {
      const receiver = await receiverFor(t)
      await dealerWithAlerts(receiver, 'wh-gone', 2)
      await dealers.deactivate('wh-gone')
      const w = worker()
      t.teardown(async () => { await w.stop() })
      t.equal(await w.runOnce(), 2)
      t.same((await store.deadLetters({ dealerId: 'wh-gone' })).map((d) => [d.attempts, d.lastError]), [[0, 'dealer wh-gone is inactive'], [0, 'dealer wh-gone is inactive']])
      t.same(receiver.received, [])
    })

    t.test('without an allow list nothing is sent to loopback: refused with the reason, retried on the backoff, then dead; the breaker stays closed', async (t) => {
      const receiver = await receiverFor(t)
      await dealerWithAlerts(receiver, 'wh-plain', 1)
      await dealerWithAlerts(receiver, 'wh-loop', 1, `https://127.0.0.1:${receiver.port}/hooks/wh-loop`)
      const registry = new Registry()
      const w = worker({ addresses: new WebhookAddressRule(), maxAttempts: 2, registry, breaker: { volumeThreshold: 1 } })
      t.teardown(async () => { await w.stop() })
      t.equal(await w.runOnce(), 2)
      t.match(await deliveriesOf('wh-plain'), [{ state: 'pending', attempts: 1, lastStatus: null,
        lastError: `PITWALL_ERR_WEBHOOK_ADDRESS: not sent to ${receiver.url('wh-plain')}: http is allowed only for hosts in PITWALL_WEBHOOK_ALLOW (use https)` }])
      t.match(await deliveriesOf('wh-loop'), [{ state: 'pending', attempts: 1, lastStatus: null,
        lastError: `PITWALL_ERR_WEBHOOK_ADDRESS: not sent to https://127.0.0.1:${receiver.port}/hooks/wh-loop: 127.0.0.1 is a loopback address (list the host or a range holding 127.0.0.1 in PITWALL_WEBHOOK_ALLOW to allow it)` }])
      await until('both are dead letters', async () => (await store.deadLetters()).filter((d) => d.dealerId === 'wh-plain' || d.dealerId === 'wh-loop').length === 2, async () => await w.runOnce())
      t.match(await deliveriesOf('wh-loop'), [{ state: 'dead', attempts: 2, lastError: /^PITWALL_ERR_WEBHOOK_ADDRESS: / }])
      t.same(receiver.received, [], 'no request reached the receiver')
      t.equal((await registry.getSingleMetric('pitwall_webhook_breaker_opens_total')?.get())?.values[0]?.value ?? 0, 0, 'nothing was sent, so the endpoint is not to blame')
    })

    t.test('a name that resolved to a public address when set and to loopback at delivery is refused before connecting (DNS rebinding)', async (t) => {
      let connections = 0
      const listener = createTcpServer((socket) => { connections++; socket.destroy() })
      listener.listen(0, '127.0.0.1')
      await once(listener, 'listening')
      t.teardown(() => { listener.close() })
      const url = `https://dms-rebind.test:${(listener.address() as AddressInfo).port}/hooks/wh-rebind`
      let answer = '93.184.215.14'
      const rule = new WebhookAddressRule({ resolve: async () => [{ address: answer, family: 4 }] })
      await t.resolves(rule.check(url, 'dealer wh-rebind'), 'public when the URL was set')
      await dealerWithAlerts(new Receiver(), 'wh-rebind', 1, url)
      answer = '127.0.0.1'
      const w = worker({ addresses: rule })
      t.teardown(async () => { await w.stop() })
      t.equal(await w.runOnce(), 1)
      t.match(await deliveriesOf('wh-rebind'), [{ state: 'pending', attempts: 1, lastStatus: null,
        lastError: `PITWALL_ERR_WEBHOOK_ADDRESS: not sent to ${url}: dms-rebind.test resolves to a loopback address 127.0.0.1 (list the host or a range holding 127.0.0.1 in PITWALL_WEBHOOK_ALLOW to allow it)` }])
      t.equal(connections, 0, 'no connection was made to the rebound address')
    })

    t.test('an allowed range and an allowed name let deliveries reach a dealer system on premises, through the address that was checked; a redirect is not followed', async (t) => {
      const receiver = await receiverFor(t)
      const [byRange] = await dealerWithAlerts(receiver, 'wh-range', 1)
      // a name no real resolver knows: delivered only if the socket connects to the address the rule's resolver answered
      const [byName] = await dealerWithAlerts(receiver, 'wh-name', 1, `http://dms-onprem.test:${receiver.port}/hooks/wh-name`)
      await dealerWithAlerts(receiver, 'wh-moved', 1)
      receiver.redirects.set('wh-moved', '/internal/admin')
      const rule = new WebhookAddressRule({ allow: '127.0.0.0/8,dms-onprem.test', resolve: async (host) => host === 'dms-onprem.test' ? [{ address: '127.0.0.1', family: 4 }] : [] })
      const w = worker({ addresses: rule })
      t.teardown(async () => { await w.stop() })
      await until('both are delivered', async () => [...await deliveriesOf('wh-range'), ...await deliveriesOf('wh-name')].every((d) => d.state === 'delivered'), async () => await w.runOnce())
      t.same([...receiver.processed.values()].sort((a, b) => a - b), [byRange, byName])
      t.match(await deliveriesOf('wh-moved'), [{ state: 'pending', lastStatus: 307,
        lastError: `HTTP 307 from ${receiver.url('wh-moved')} (Temporary Redirect); redirect to http://127.0.0.1:${receiver.port}/internal/admin not followed` }])
      t.notOk(receiver.paths.includes('/internal/admin'), 'the redirect target was never requested')
    })

    t.test("a dealer whose system hangs holds up its own webhooks only, never another dealer's", async (t) => {
      const stuck = await receiverFor(t)
      stuck.mode = 'hang'
      await dealerWithAlerts(stuck, 'wh-stuck', 3)
      const well = await receiverFor(t)
      // a timeout far beyond the wait below: only a lane of its own lets the other dealer through meanwhile
      const w = worker({ timeoutMs: 60_000, leaseMs: 120_000 })
      t.teardown(async () => { stuck.releaseHung(); await w.stop() })
      w.start()
      await until('the stuck dealer\'s first webhook hangs', async () => stuck.received.length > 0)
      const wellIds = await dealerWithAlerts(well, 'wh-well', 2)
      w.kick()
      await until("the other dealer's webhooks are delivered", async () => (await deliveriesOf('wh-well')).every((d) => d.state === 'delivered'), async () => {}, 10_000)
      t.same([...well.processed.values()].sort((a, b) => a - b), wellIds, 'each of its alerts, once')
      t.equal(stuck.received.length, 1, 'the stuck endpoint has one request at a time, not one per pass')
      t.same((await deliveriesOf('wh-stuck')).map((d) => d.state), ['pending', 'pending', 'pending'], 'its deliveries wait their turn')

      stuck.mode = 'ok'
      stuck.releaseHung()
      await until('the stuck dealer\'s webhooks are delivered once it answers', async () => (await deliveriesOf('wh-stuck')).every((d) => d.state === 'delivered'))
      t.equal(stuck.processed.size, 3)
    })

    t.test('a worker stopped while its requests hang loses nothing: a new worker delivers everything once', async (t) => {
      const receiver = await receiverFor(t)
      const alertIds = await dealerWithAlerts(receiver, 'wh-hang', 4)
      receiver.mode = 'hang'
      const first = worker({ timeoutMs: 300, leaseMs: 60_000 })
      first.start()
      await until('a request hangs', async () => receiver.received.length > 0)
      await first.stop()
      const afterStop = await deliveriesOf('wh-hang')
      t.ok(afterStop.every((d) => d.state === 'pending'), 'nothing marked delivered without an answer')
      t.match(afterStop[0], { attempts: 1, lastError: /no answer from .* within 300 ms/ }, 'the hung request timed out before stop returned')
      t.ok(afterStop.slice(1).every((d) => d.attempts === 0), 'the rest were handed back unsent')

      receiver.mode = 'ok'
      receiver.releaseHung()
      const second = worker()
      second.start()
      t.teardown(async () => { await second.stop() })
      await until('every delivery is delivered', async () => (await deliveriesOf('wh-hang')).every((d) => d.state === 'delivered'))
      t.same([...receiver.processed.values()].sort((a, b) => a - b), alertIds, 'each alert processed exactly once')
      const hungKey = afterStop[0]?.idempotencyKey
      t.equal(receiver.received.filter((r) => r.key === hungKey).length, 2, 'the hung one was sent again with the same key, and deduped')
      t.equal((await deliveriesOf('wh-hang'))[0]?.lastStatus, 409)
    })

    t.test('a worker that dies after its POST, before recording it, is covered by the lease: resent with the same key', async (t) => {
      const receiver = await receiverFor(t)
      const alertIds = await dealerWithAlerts(receiver, 'wh-crash', 3)
      // its own connections, as another process would have
      const pool = new pg.Pool({ connectionString: poolOf(storage).options.connectionString, max: 2 })
      pool.on('error', () => {})
      // the process dies the moment the answer arrives: the POST is done, "delivered" never written
      const client = new WebhookClient(LOCAL)
      t.teardown(() => { client.close() })
      const dying = worker({
        timeoutMs: 1000,
        leaseMs: 1500,
        send: async (url, post) => { await client.send(url, post); return await new Promise(() => {}) }
      }, pool)
      void dying.runOnce()
      await until('the receiver processed the first request', async () => receiver.processed.size === 1)
      await pool.end()
      t.ok((await deliveriesOf('wh-crash')).every((d) => d.state === 'pending' && d.attempts === 0), 'nothing recorded')

      const next = worker()
      t.teardown(async () => { await next.stop() })
      await until('every delivery is delivered', async () => (await deliveriesOf('wh-crash')).every((d) => d.state === 'delivered'), async () => await next.runOnce())
      t.same([...receiver.processed.values()].sort((a, b) => a - b), alertIds, 'each alert processed exactly once')
      const first = (await deliveriesOf('wh-crash'))[0] as WebhookDelivery
      t.same(receiver.received.filter((r) => r.key === first.idempotencyKey).length, 2, 'the first was received twice under one key')
      t.equal(first.lastStatus, 409, 'and the receiver said so')
    })
  })
}
