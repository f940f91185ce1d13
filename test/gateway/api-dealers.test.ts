/**
 * The dealer registry and the webhook dead letters over HTTP on one storage
 * backend, through a fastify instance of the test's own (injected
 * requests, no port): operators write, engineers and operators read, a
 * dealer reads only its own entry, and no response ever carries a stored
 * webhook secret.
 */
import Fastify from 'fastify'
import t from 'tap'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { WebhookAddressRule } from '../../actions/dealer-alerts/webhook-address.js'
import { registerApiAuth } from '../../gateway/api/auth.js'
import { registerDealerRoutes } from '../../gateway/api/dealers.js'
import { apiClient, openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'
import { poolOf } from '../../storage/index.js'

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)

    const token = async (name: string, role: 'engineer' | 'operator' | 'dealer', dealerId?: string): Promise<string> =>
      (await storage.apiTokens.create({ name, role, dealerId })).token
    const engineer = await token('alice', 'engineer')
    const operator = await token('olaf', 'operator')
    const nord = await token('Nord service desk', 'dealer', 'nord')

    const NORD = { id: 'nord', name: 'Autohaus Nord', ...PLACES.berlin, brands: ['BMW', 'MINI'], webhookUrl: 'https://dms.nord.example/pitwall' }
    const secrets: string[] = []

    t.test('an operator registers a dealer; the webhook secret is in that response only', async (t) => {
      const created = await call('POST', '/api/v1/dealers', operator, NORD)
      t.equal(created.statusCode, 201)
      const { dealer, webhookSecret } = created.json()
      t.match(dealer, { id: 'nord', name: 'Autohaus Nord', brands: ['BMW', 'MINI'], webhookUrl: NORD.webhookUrl, hasSecret: true, active: true })
      t.match(webhookSecret, /^whsec_[A-Za-z0-9_-]{43}$/, 'generated, shown once')
      secrets.push(webhookSecret)

      const inboxOnly = await call('POST', '/api/v1/dealers', operator, { id: 'sued', name: 'Autohaus Süd', ...PLACES.munich })
      t.equal(inboxOnly.statusCode, 201)
      t.match(inboxOnly.json(), { dealer: { id: 'sued', webhookUrl: null, hasSecret: false }, webhookSecret: null })

      const read = await call('GET', '/api/v1/dealers/nord', engineer)
      t.equal(read.statusCode, 200)
      t.match(read.json(), { id: 'nord', hasSecret: true })
      const list = await call('GET', '/api/v1/dealers', operator)
      t.same(list.json().dealers.map((d: { id: string }) => d.id), ['nord', 'sued'])
      t.notOk(read.body.includes(webhookSecret) || list.body.includes(webhookSecret), 'reads never carry the secret')
    })

    t.test('who may do what: no token 401, the wrong role 403, before the body is even looked at', async (t) => {
      await expectError(t, call('GET', '/api/v1/dealers'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      await expectError(t, call('POST', '/api/v1/dealers', undefined, { nonsense: true }), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      await expectError(t, call('GET', '/api/v1/dealers', nord), 403, 'PITWALL_ERR_FORBIDDEN', 'GET /api/v1/dealers is for engineer or operator tokens; token "Nord service desk" is a dealer token')
      await expectError(t, call('GET', '/api/v1/dealers/nord', nord), 403, 'PITWALL_ERR_FORBIDDEN', /is for engineer or operator tokens/)
      await expectError(t, call('POST', '/api/v1/dealers', engineer, { nonsense: true }), 403, 'PITWALL_ERR_FORBIDDEN', /^POST \/api\/v1\/dealers is for operator tokens; token "alice" is an? engineer token$/)
      await expectError(t, call('PATCH', '/api/v1/dealers/nord', engineer, { name: 'x' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('PATCH', '/api/v1/dealers/nord', nord, { webhookUrl: 'https://evil.example/' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('POST', '/api/v1/dealers/nord/webhook-secret', nord), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('POST', '/api/v1/dealers/nord/webhook-secret', engineer), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('POST', '/api/v1/dealers/nord/deactivate', engineer), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('GET', '/api/v1/dealers/me', operator), 403, 'PITWALL_ERR_FORBIDDEN', /GET \/api\/v1\/dealers\/me is for dealer tokens/)
      const dealer = await storage.dealers.get('nord')
      t.same([dealer.name, dealer.webhookUrl, dealer.active], ['Autohaus Nord', NORD.webhookUrl, true], 'nothing changed')
    })

    t.test('a dealer reads its own entry, without the secret', async (t) => {
      const me = await call('GET', '/api/v1/dealers/me', nord)
      t.equal(me.statusCode, 200)
      t.match(me.json(), { id: 'nord', name: 'Autohaus Nord', hasSecret: true })
      t.notOk(secrets.some((s) => me.body.includes(s)))
      t.notOk('webhookSecret' in me.json())
      const ghost = await token('West desk', 'dealer', 'west')
      await expectError(t, call('GET', '/api/v1/dealers/me', ghost), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
    })

    t.test('bad registrations and changes are refused naming the field; nothing is stored', async (t) => {
      await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52 }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "lon"')
      await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52, lon: 13, url: 'https://x' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "url"')
      await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: '52', lon: 13 }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.lat must be number')
      await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 95, lon: 13 }), 400, 'PITWALL_ERR_DEALER_INVALID', 'dealer ost: lat 95 is outside -90..90')
      await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52, lon: 13, webhookUrl: 'ftp://x.example/' }), 400, 'PITWALL_ERR_DEALER_INVALID', /webhook URL "ftp:\/\/x.example\/" is not an http\(s\) URL/)
      // URL parsers accept these, the database's check does not: refused here, not a 500 whose logged detail carries the generated secret
      for (const webhookUrl of ['HTTPS://dms.ost.example/hook', 'https:dms.ost.example/hook', ' https://dms.ost.example/hook']) {
        await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52, lon: 13, webhookUrl }), 400, 'PITWALL_ERR_DEALER_INVALID',
          `dealer ost: webhook URL ${JSON.stringify(webhookUrl)} is not an http(s) URL (it must start with http:// or https://)`)
        await expectError(t, call('PATCH', '/api/v1/dealers/sued', operator, { webhookUrl }), 400, 'PITWALL_ERR_DEALER_INVALID',
          `dealer sued: webhook URL ${JSON.stringify(webhookUrl)} is not an http(s) URL (it must start with http:// or https://)`)
      }
      await expectError(t, call('POST', '/api/v1/dealers', operator, NORD), 409, 'PITWALL_ERR_DEALER_EXISTS', 'dealer nord is already registered (update it instead)')
      await expectError(t, call('PATCH', '/api/v1/dealers/nord', operator, {}), 400, 'PITWALL_ERR_BAD_REQUEST', 'body must NOT have fewer than 1 properties')
      await expectError(t, call('PATCH', '/api/v1/dealers/nord', operator, { id: 'nord-2' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "id"')
      await expectError(t, call('PATCH', '/api/v1/dealers/nord', operator, { webhookSecret: 'short' }), 400, 'PITWALL_ERR_DEALER_INVALID', 'dealer nord: webhook secret has 5 characters; at least 32 needed')
      await expectError(t, call('PATCH', '/api/v1/dealers/west', operator, { name: 'West' }), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
      await expectError(t, call('GET', '/api/v1/dealers/west', engineer), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
      await expectError(t, call('GET', '/api/v1/dealers?active=maybe', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.active must be boolean')
      t.same((await storage.dealers.list()).map((d) => d.id), ['nord', 'sued'])
    })

    t.test('an operator changes, deactivates and reactivates a dealer and rotates its secret', async (t) => {
      const renamed = await call('PATCH', '/api/v1/dealers/sued', operator, { name: 'Autohaus Süd-Mitte', brands: ['Audi'] })
      t.equal(renamed.statusCode, 200)
      t.match(renamed.json(), { dealer: { id: 'sued', name: 'Autohaus Süd-Mitte', brands: ['Audi'], webhookUrl: null }, webhookSecret: null })

      await expectError(t, call('POST', '/api/v1/dealers/sued/webhook-secret', operator), 400, 'PITWALL_ERR_DEALER_INVALID', 'dealer sued has no webhook URL; set one before a secret')
      const hooked = (await call('PATCH', '/api/v1/dealers/sued', operator, { webhookUrl: 'https://dms.sued.example/in' })).json()
      t.match(hooked, { dealer: { webhookUrl: 'https://dms.sued.example/in', hasSecret: true }, webhookSecret: /^whsec_/ }, 'a URL without a secret gets one, shown once')

      const rotated = await call('POST', '/api/v1/dealers/nord/webhook-secret', operator)
      t.equal(rotated.statusCode, 200)
      t.match(rotated.json(), { dealerId: 'nord', webhookSecret: /^whsec_[A-Za-z0-9_-]{43}$/ })
      t.notOk(secrets.includes(rotated.json().webhookSecret), 'a new one')
      const stored = await poolOf(storage).query<{ webhook_secret: string }>('SELECT webhook_secret FROM dealers WHERE id = $1', ['nord'])
      t.equal(stored.rows[0]?.webhook_secret, rotated.json().webhookSecret, 'in force at once')
      await expectError(t, call('POST', '/api/v1/dealers/west/webhook-secret', operator), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')

      const off = await call('POST', '/api/v1/dealers/sued/deactivate', operator)
      t.equal(off.statusCode, 200)
      t.match(off.json(), { id: 'sued', active: false })
      t.same((await call('GET', '/api/v1/dealers?active=false', engineer)).json().dealers.map((d: { id: string }) => d.id), ['sued'])
      t.same((await call('GET', '/api/v1/dealers?active=true', engineer)).json().dealers.map((d: { id: string }) => d.id), ['nord'])
      t.match((await call('POST', '/api/v1/dealers/sued/activate', operator)).json(), { id: 'sued', active: true })
      await expectError(t, call('POST', '/api/v1/dealers/west/activate', operator), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
    })

    t.test("an operator sets and clears a vehicle's own dealer", async (t) => {
      const f = await seedFault(storage)
      const url = `/api/v1/vehicles/${f.vin.toLowerCase()}/dealer`
      const dealerOf = async (): Promise<string | null> =>
        (await poolOf(storage).query<{ dealer_id: string | null }>('SELECT dealer_id FROM vehicles WHERE vin = $1', [f.vin])).rows[0]?.dealer_id ?? null
      const set = await call('PUT', url, operator, { dealerId: 'nord' })
      t.equal(set.statusCode, 200)
      t.same(set.json(), { vin: f.vin, dealerId: 'nord' })
      t.equal(await dealerOf(), 'nord')

      await expectError(t, call('PUT', url, engineer, { dealerId: 'sued' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('PUT', url, nord, { dealerId: 'nord' }), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('PUT', url, operator, { dealerId: 'west' }), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
      await expectError(t, call('PUT', url, operator, {}), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "dealerId"')
      await expectError(t, call('PUT', url, operator, { dealerId: 7 }), 400, 'PITWALL_ERR_BAD_REQUEST', /body\.dealerId must be string,null/)
      await expectError(t, call('PUT', '/api/v1/vehicles/WBA00000000000000/dealer', operator, { dealerId: 'nord' }), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /no vehicle WBA00000000000000/)
      await expectError(t, call('PUT', '/api/v1/vehicles/12345/dealer', operator, { dealerId: 'nord' }), 400, 'PITWALL_ERR_BAD_REQUEST', /params\.vin "12345" is not a VIN/)
      t.equal(await dealerOf(), 'nord', 'the refused calls changed nothing')

      t.same((await call('PUT', url, operator, { dealerId: null })).json(), { vin: f.vin, dealerId: null })
      t.equal(await dealerOf(), null)
    })

    t.test('webhook dead letters: engineers and operators see them, operators retry them', async (t) => {
      const f = await seedFault(storage)
      await storage.vehicles.assignDealer(f.vin, 'nord')
      const [alert] = await new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() }).raiseForFault(f.faultId, 'prestage')
      // the worker's last attempt failing: the delivery gives up
      const [claimed] = await storage.dealerAlerts.claimDeliveries(10, 60_000)
      t.equal(claimed?.alertId, alert?.id)
      await storage.dealerAlerts.recordAttempt(claimed as NonNullable<typeof claimed>, { delivered: false, error: 'HTTP 503 from https://dms.nord.example/pitwall', status: 503, retryInMs: null })

      for (const reader of [engineer, operator]) {
        const res = await call('GET', '/api/v1/webhooks/dead-letters', reader)
        t.equal(res.statusCode, 200)
        const [dead, ...rest] = res.json().deadLetters
        t.same(rest, [])
        t.match(dead, { id: claimed?.id, alertId: alert?.id, dealerId: 'nord', state: 'dead', attempts: 1, lastStatus: 503, lastError: /HTTP 503/, idempotencyKey: claimed?.idempotencyKey })
        t.notOk('body' in dead, 'the state, not the body')
      }
      t.same((await call('GET', '/api/v1/webhooks/dead-letters?dealer=sued&limit=5', engineer)).json().deadLetters, [])
      t.equal((await call('GET', '/api/v1/webhooks/dead-letters?dealer=nord', engineer)).json().deadLetters.length, 1)
      await expectError(t, call('GET', '/api/v1/webhooks/dead-letters?dealer=west', engineer), 404, 'PITWALL_ERR_DEALER_UNKNOWN', 'no dealer west')
      await expectError(t, call('GET', '/api/v1/webhooks/dead-letters?limit=0', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be >= 1')
      await expectError(t, call('GET', '/api/v1/webhooks/dead-letters', nord), 403, 'PITWALL_ERR_FORBIDDEN', /is for engineer or operator tokens/)
      await expectError(t, call('GET', '/api/v1/webhooks/dead-letters'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)

      const url = `/api/v1/webhooks/dead-letters/${claimed?.id as number}/retry`
      await expectError(t, call('POST', url, engineer), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      await expectError(t, call('POST', url, nord), 403, 'PITWALL_ERR_FORBIDDEN', /is for operator tokens/)
      const retried = await call('POST', url, operator)
      t.equal(retried.statusCode, 200)
      t.match(retried.json(), { id: claimed?.id, state: 'pending', attempts: 0, idempotencyKey: claimed?.idempotencyKey })
      t.same((await call('GET', '/api/v1/webhooks/dead-letters', operator)).json().deadLetters, [], 'no longer dead')
      t.equal((await storage.dealerAlerts.claimDeliveries(10, 60_000))[0]?.id, claimed?.id, 'due again for the worker')
      await expectError(t, call('POST', url, operator), 409, 'PITWALL_ERR_WEBHOOK_NOT_DEAD', `webhook delivery ${claimed?.id as number} is pending; only dead letters can be retried`)
      await expectError(t, call('POST', '/api/v1/webhooks/dead-letters/99999999/retry', operator), 404, 'PITWALL_ERR_WEBHOOK_DELIVERY_UNKNOWN', 'no webhook delivery 99999999')
    })

    t.test('a webhook URL that is plain http or reaches a non-public address is refused (400) naming the URL and why; nothing changes', async (t) => {
      const refusals: Array<[string, string]> = [
        ['http://dms.ost.example/in', 'http is allowed only for hosts in PITWALL_WEBHOOK_ALLOW (use https)'],
        ['https://10.0.0.5/in', '10.0.0.5 is a private address (list the host or a range holding 10.0.0.5 in PITWALL_WEBHOOK_ALLOW to allow it)'],
        ['https://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address (list 169.254.169.254 itself in PITWALL_WEBHOOK_ALLOW to allow it)'],
        ['https://[::ffff:127.0.0.1]/in', '::ffff:7f00:1 is a loopback address (list the host or a range holding ::ffff:7f00:1 in PITWALL_WEBHOOK_ALLOW to allow it)'],
        ['https://2130706433/in', '127.0.0.1 is a loopback address (list the host or a range holding 127.0.0.1 in PITWALL_WEBHOOK_ALLOW to allow it)'],
        ['https://localhost:8443/in', 'localhost is a loopback name (list it in PITWALL_WEBHOOK_ALLOW to allow it)']
      ]
      for (const [webhookUrl, why] of refusals) {
        await expectError(t, call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52, lon: 13, webhookUrl }), 400, 'PITWALL_ERR_WEBHOOK_ADDRESS',
          `dealer ost: webhook URL ${JSON.stringify(webhookUrl)} is refused: ${why}`)
        await expectError(t, call('PATCH', '/api/v1/dealers/nord', operator, { webhookUrl }), 400, 'PITWALL_ERR_WEBHOOK_ADDRESS',
          `dealer nord: webhook URL ${JSON.stringify(webhookUrl)} is refused: ${why}`)
      }
      t.same((await storage.dealers.list()).map((d) => [d.id, d.webhookUrl]), [['nord', NORD.webhookUrl], ['sued', 'https://dms.sued.example/in']])

      // the gateway's PITWALL_WEBHOOK_ALLOW, here with a resolver of the test's own
      const onPrem = Fastify()
      registerApiAuth(onPrem, { tokens: storage.apiTokens })
      registerDealerRoutes(onPrem, {
        dealers: storage.dealers,
        dealerAlerts: storage.dealerAlerts,
        vehicles: storage.vehicles,
        webhookAddresses: new WebhookAddressRule({ allow: 'dms.ost.lan,10.20.0.0/16', resolve: async (host) => [{ address: host === 'dms.ost.lan' ? '192.168.4.4' : '10.99.0.1', family: 4 }] })
      })
      await onPrem.ready()
      t.teardown(async () => { await onPrem.close() })
      const api = apiClient(onPrem)
      await api.expectError(t, api.call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52, lon: 13, webhookUrl: 'https://dms.rebound.example/in' }), 400, 'PITWALL_ERR_WEBHOOK_ADDRESS',
        'dealer ost: webhook URL "https://dms.rebound.example/in" is refused: dms.rebound.example resolves to a private address 10.99.0.1 (list the host or a range holding 10.99.0.1 in PITWALL_WEBHOOK_ALLOW to allow it)')
      const listed = await api.call('POST', '/api/v1/dealers', operator, { id: 'ost', name: 'Ost', lat: 52, lon: 13, webhookUrl: 'http://dms.ost.lan:8080/in' })
      t.equal(listed.statusCode, 201, 'a listed name: plain http, resolving to a private address')
      const ranged = await api.call('PATCH', '/api/v1/dealers/ost', operator, { webhookUrl: 'http://10.20.3.4/in' })
      t.equal(ranged.statusCode, 200, 'an address in a listed range')
      t.equal((await storage.dealers.get('ost')).webhookUrl, 'http://10.20.3.4/in')
    })
  })
}
