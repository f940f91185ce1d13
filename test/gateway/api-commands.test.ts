/**
 * Commands and OTA packages over the HTTP API, on one storage backend,
 * through a fastify instance of the test's own (injected requests, no port):
 * engineers queue, approve and cancel; operators read; dealers and callers
 * without a token are refused; bad bodies are 400s naming the field.
 */
import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { COMMAND_TRANSITIONS } from '../../actions/commands/model.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { expectEngineerWrites, openApi, roleTokens, type RouteCall } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

const SHA = 'ab'.repeat(32)
const BALANCING = { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const tokens = storage.apiTokens
    const { app, call, expectError } = await openApi(t, storage)

    const { engineer, operator, dealer } = await roleTokens(tokens)

    let nextVin = 0
    const vehicle = async (): Promise<string> => {
      const vin = `WDB1234567890${String(nextVin++).padStart(4, '0')}`
      await storage.vehicles.add({ vin, model: 'EQ-7' }, 'scrypt$x')
      return vin
    }

    t.test('no token: 401; a dealer token: 403 on every route; an operator reads but does not write', async (t) => {
      const vin = await vehicle()
      const queued = await storage.commands.enqueue({ vin, body: { action: BALANCING }, ttlMs: 3_600_000, requestedBy: 'seed' })
      const routes: RouteCall[] = [
        ['POST', '/api/v1/commands', { vin, action: BALANCING }],
        ['GET', '/api/v1/commands'],
        ['GET', `/api/v1/commands/${queued.id}`],
        ['POST', `/api/v1/commands/${queued.id}/approve`],
        ['POST', `/api/v1/commands/${queued.id}/cancel`],
        ['GET', '/api/v1/ota-packages'],
        ['POST', '/api/v1/ota-packages', { package: 'tbox-fw', version: '9.9.9', url: 'https://ota.example/tbox-9.9.9.bin', sha256: SHA, size: 10 }]
      ]
      await expectEngineerWrites(t, call, routes, { dealer, operator })
      t.equal((await call('GET', '/api/v1/commands', operator)).statusCode, 200)
      t.equal((await call('GET', `/api/v1/commands/${queued.id}`, operator)).statusCode, 200)
      t.equal((await call('GET', '/api/v1/ota-packages', operator)).statusCode, 200)

      t.same((await storage.commands.list({ vin })).map((c) => [c.id, c.state]), [[queued.id, 'queued']], 'no command was added, approved or cancelled')
      await t.rejects(storage.otaPackages.get('tbox-fw', '9.9.9'), { code: 'PITWALL_ERR_OTA_PACKAGE_UNKNOWN' }, 'no package was registered')
    })

    t.test('an engineer queues a remote action; an operator reads it with its timeline', async (t) => {
      const vin = await vehicle()
      const res = await call('POST', '/api/v1/commands', engineer, { vin: vin.toLowerCase(), action: BALANCING, ttl: '12h' })
      t.equal(res.statusCode, 201)
      const command = res.json()
      t.match(command, { vin, state: 'queued', body: { action: BALANCING }, requestedBy: 'alice', approvedBy: null, campaignId: null })
      t.equal(Date.parse(command.expiresAt) - Date.parse(command.createdAt), 12 * 3_600_000, 'ttl 12h: expires 12 h after it was queued')

      const shown = await call('GET', `/api/v1/commands/${command.id as string}`, operator)
      t.equal(shown.statusCode, 200)
      t.match(shown.json(), { command: { id: command.id, state: 'queued' }, timeline: [{ state: 'queued', by: 'alice' }] })
      t.equal(shown.json().timeline.length, 1)
      t.ok(Number.isFinite(Date.parse(shown.json().timeline[0].time)), 'each step has its time')

      const defaulted = (await call('POST', '/api/v1/commands', engineer, { vin, action: { name: 'horn-test' } })).json()
      t.match(defaulted, { body: { action: { name: 'horn-test', params: {} } } }, 'params default to none')
      t.equal(Date.parse(defaulted.expiresAt) - Date.parse(defaulted.createdAt), 24 * 3_600_000, 'without ttl: a day, as the CLI')
    })

    t.test('OTA packages are registered once and an OTA command carries the registry\'s URL, digest and size', async (t) => {
      const pkg = { package: 'tbox-fw', version: '4.2.0', url: 'https://ota.example/tbox-fw-4.2.0.bin', sha256: SHA.toUpperCase(), size: 7_340_032 }
      const added = await call('POST', '/api/v1/ota-packages', engineer, pkg)
      t.equal(added.statusCode, 201)
      t.match(added.json(), { package: 'tbox-fw', version: '4.2.0', sha256: SHA, size: 7_340_032, addedBy: 'alice' })
      await expectError(t, call('POST', '/api/v1/ota-packages', engineer, pkg), 409, 'PITWALL_ERR_OTA_PACKAGE_EXISTS', /tbox-fw@4\.2\.0 is already registered/)
      await expectError(t, call('POST', '/api/v1/ota-packages', engineer, { ...pkg, version: '4.2.1', url: 'ftp://ota.example/x', sha256: 'abc' }),
        400, 'PITWALL_ERR_OTA_PACKAGE_INVALID', /url "ftp:\/\/ota\.example\/x" is not an http\(s\) URL; sha256 must be 64 lowercase hex digits/)
      await expectError(t, call('POST', '/api/v1/ota-packages', engineer, { ...pkg, version: '4.2.1', size: '7MB' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.size must be integer')
      await expectError(t, call('POST', '/api/v1/ota-packages', engineer, { package: 'tbox-fw', version: '4.2.1' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "url"')
      const listed = await call('GET', '/api/v1/ota-packages', operator)
      t.match(listed.json(), { packages: [{ package: 'tbox-fw', version: '4.2.0', url: pkg.url }] })
      t.equal(listed.json().packages.length, 1)

      const vin = await vehicle()
      const ota = await call('POST', '/api/v1/commands', engineer, { vin, ota: { package: 'tbox-fw', version: '4.2.0' } })
      t.equal(ota.statusCode, 201)
      t.same(ota.json().body, { ota: { package: 'tbox-fw', version: '4.2.0', url: pkg.url, sha256: SHA, size: 7_340_032 } })

      await expectError(t, call('POST', '/api/v1/commands', engineer, { vin, ota: { package: 'tbox-fw', version: '5.0.0' } }), 404, 'PITWALL_ERR_OTA_PACKAGE_UNKNOWN', /no OTA package tbox-fw@5\.0\.0/)
      await expectError(t, call('POST', '/api/v1/commands', engineer, { vin: 'WDB99999999999999', action: BALANCING }), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /no vehicle WDB99999999999999/)
      t.equal((await storage.commands.list({ vin })).length, 1, 'only the good one was queued')
    })

    t.test('bad bodies get a 400 naming the field and queue nothing', async (t) => {
      const vin = await vehicle()
      const post = async (payload: unknown): Promise<LightMyRequestResponse> => await call('POST', '/api/v1/commands', engineer, payload)
      await expectError(t, post({ vin, action: BALANCING, ota: { package: 'tbox-fw', version: '4.2.0' } }), 400, 'PITWALL_ERR_COMMAND_INVALID', 'give one of body.action or body.ota, not both')
      await expectError(t, post({ vin }), 400, 'PITWALL_ERR_COMMAND_INVALID', 'give one of body.action or body.ota')
      await expectError(t, post({ action: BALANCING }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "vin"')
      // a mistyped VIN is named as one, not answered as a vehicle that is not registered
      await expectError(t, post({ vin: vin.slice(1), action: BALANCING }), 400, 'PITWALL_ERR_BAD_REQUEST',
        `body.vin "${vin.slice(1)}" is not a VIN: 17 characters of A-Z and 0-9, without I, O or Q (ISO 3779)`)
      await expectError(t, post({ vin, action: BALANCING, priority: 'high' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "priority"')
      await expectError(t, post({ vin, action: { name: 'x', params: { targetSpreadMv: 30 } } }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.action.params.targetSpreadMv must be string')
      await expectError(t, post({ vin, action: { name: '   ' } }), 400, 'PITWALL_ERR_COMMAND_INVALID', 'body.action: the action name is empty')
      await expectError(t, post({ vin, ota: { package: 'tbox-fw' } }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.ota needs the field "version"')
      await expectError(t, post({ vin, action: BALANCING, ttl: 'soon' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.ttl "soon" is not a duration like 90s, 30m, 12h or 7d')
      await expectError(t, post({ vin, action: BALANCING, ttl: 12 }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.ttl must be string')
      await expectError(t, post({ vin, action: BALANCING, ttl: '31d' }), 400, 'PITWALL_ERR_COMMAND_INVALID', /ttl 2678400000 ms is not between 1 ms and 2592000000 ms \(30 days\)/)
      await expectError(t, app.inject({ method: 'POST', url: '/api/v1/commands', headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' }, payload: '{"vin": ' }),
        400, 'PITWALL_ERR_BAD_REQUEST', /JSON/)
      t.same(await storage.commands.list({ vin }), [], 'none of them queued a command')
    })

    t.test('commands are listed newest first and filtered by vehicle, state, campaign, fault and count', async (t) => {
      const a = await vehicle()
      const b = await vehicle()
      const first = (await call('POST', '/api/v1/commands', engineer, { vin: a, action: { name: 'first' } })).json()
      const second = (await call('POST', '/api/v1/commands', engineer, { vin: a, action: { name: 'second' } })).json()
      const other = (await call('POST', '/api/v1/commands', engineer, { vin: b, action: { name: 'other' } })).json()
      await storage.commands.move(first.id, COMMAND_TRANSITIONS.cancel, 'alice')
      const ids = async (query: string): Promise<string[]> => {
        const res = await call('GET', `/api/v1/commands${query}`, operator)
        t.equal(res.statusCode, 200, query)
        return (res.json().commands as Array<{ id: string }>).map((c) => c.id)
      }
      t.same(await ids(`?vin=${a}`), [second.id, first.id], 'newest first')
      t.same(await ids(`?vin=${a.toLowerCase()}`), [second.id, first.id], 'a VIN in any case')
      t.same(await ids(`?vin=${a}&state=cancelled`), [first.id])
      t.same(await ids(`?vin=${a}&state=queued,cancelled`), [second.id, first.id], 'states comma-separated')
      t.same(await ids(`?vin=${a}&limit=1`), [second.id])
      t.same((await ids('?limit=2')), [other.id, second.id])
      t.same(await ids(`?vin=${b}&campaign=no-such-campaign`), [])
      t.same(await ids(`?vin=${a}&fault=1`), [], 'commands an engineer sent belong to no fault')

      await expectError(t, call('GET', '/api/v1/commands?state=queued,done', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.state "done" is not one of pending_approval, queued, sent, accepted, in_progress, succeeded, failed, expired, rejected, cancelled')
      await expectError(t, call('GET', '/api/v1/commands?limit=0', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be >= 1')
      await expectError(t, call('GET', '/api/v1/commands?fault=abc', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.fault must be integer')
      await expectError(t, call('GET', '/api/v1/commands?vehicle=x', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring has an unknown field "vehicle"')
      await expectError(t, call('GET', `/api/v1/commands?vin=${a}0`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST',
        `querystring.vin "${a}0" is not a VIN: 17 characters of A-Z and 0-9, without I, O or Q (ISO 3779)`)
    })

    t.test('a fix waiting for approval is listed, approved by an engineer and goes out; a second approve is a 409', async (t) => {
      const vin = await vehicle()
      const waiting = await storage.commands.enqueue({ vin, body: { action: BALANCING }, ttlMs: 3_600_000, requestedBy: 'rule:bms-spread', needsApproval: true })
      const pending = await call('GET', '/api/v1/commands?state=pending_approval', engineer)
      t.match(pending.json().commands, [{ id: waiting.id, vin, state: 'pending_approval', requestedBy: 'rule:bms-spread' }])
      t.equal(pending.json().commands.length, 1, 'only those awaiting approval')

      const approved = await call('POST', `/api/v1/commands/${waiting.id}/approve`, engineer)
      t.equal(approved.statusCode, 200)
      t.match(approved.json(), { id: waiting.id, state: 'queued', approvedBy: 'alice' })
      t.equal((await storage.commands.due((await storage.commands.get(waiting.id)).vehicleId))?.id, waiting.id, 'the dispatcher finds it due now')
      t.match((await call('GET', `/api/v1/commands/${waiting.id}`, operator)).json().timeline,
        [{ state: 'pending_approval', by: 'rule:bms-spread' }, { state: 'queued', by: 'alice' }])

      await expectError(t, call('POST', `/api/v1/commands/${waiting.id}/approve`, engineer), 409, 'PITWALL_ERR_COMMAND_TRANSITION',
        `cannot approve command ${waiting.id}: it is queued (only pending approval commands can be)`)
      await expectError(t, call('POST', `/api/v1/commands/${waiting.id}/approve`, engineer, { note: 'ok' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "note"')
      t.same((await call('GET', '/api/v1/commands?state=pending_approval', engineer)).json().commands, [])
    })

    t.test('an engineer cancels a command not yet sent, with a reason; a sent one is a 409', async (t) => {
      const vin = await vehicle()
      const queued = (await call('POST', '/api/v1/commands', engineer, { vin, action: BALANCING })).json()
      const cancelled = await call('POST', `/api/v1/commands/${queued.id as string}/cancel`, engineer, { reason: 'vehicle at the dealer' })
      t.equal(cancelled.statusCode, 200)
      t.match(cancelled.json(), { id: queued.id, state: 'cancelled' })
      t.match((await call('GET', `/api/v1/commands/${queued.id as string}`, operator)).json().timeline,
        [{ state: 'queued' }, { state: 'cancelled', by: 'alice', detail: 'vehicle at the dealer' }])
      await expectError(t, call('POST', `/api/v1/commands/${queued.id as string}/cancel`, engineer), 409, 'PITWALL_ERR_COMMAND_TRANSITION', /it is cancelled/)

      const next = (await call('POST', '/api/v1/commands', engineer, { vin, action: BALANCING })).json()
      await storage.commands.markSent(next.id, 30_000, 'key-1')
      await expectError(t, call('POST', `/api/v1/commands/${next.id as string}/cancel`, engineer), 409, 'PITWALL_ERR_COMMAND_TRANSITION',
        /cannot cancel command .*: it is sent \(only pending approval, queued commands can be\)/)
      await expectError(t, call('POST', `/api/v1/commands/${next.id as string}/cancel`, engineer, { reason: '' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.reason must NOT have fewer than 1 characters')
      t.equal((await storage.commands.get(next.id)).state, 'sent')
    })

    t.test('unknown command ids are 404s', async (t) => {
      const id = '00000000-0000-4000-8000-000000000000'
      await expectError(t, call('GET', `/api/v1/commands/${id}`, operator), 404, 'PITWALL_ERR_COMMAND_UNKNOWN', `no command "${id}"`)
      await expectError(t, call('POST', `/api/v1/commands/${id}/approve`, engineer), 404, 'PITWALL_ERR_COMMAND_UNKNOWN', `no command "${id}"`)
      await expectError(t, call('POST', `/api/v1/commands/${id}/cancel`, engineer), 404, 'PITWALL_ERR_COMMAND_UNKNOWN', `no command "${id}"`)
    })
  })
}
