/**
 * Campaigns over the HTTP API, on one storage backend, through a fastify
 * instance of the test's own (injected requests, no port): a campaign
 * created, started, paused, resumed and aborted by an engineer, its progress
 * per wave and its timeline as an operator reads them; the denials, the
 * 400s naming the field, the 404s and 409s.
 */
import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { ackMove } from '../../actions/commands/policy.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { expectEngineerWrites, openApi, roleTokens, type RouteCall } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

const SHA = 'cd'.repeat(32)
const OTA = { package: 'bms-fw', version: '3.1.0' }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const tokens = storage.apiTokens
    const { call, expectError } = await openApi(t, storage)

    const { engineer, operator, dealer } = await roleTokens(tokens)

    await storage.otaPackages.add({ ...OTA, url: 'https://ota.example/bms-fw-3.1.0.bin', sha256: SHA, size: 1_048_576, addedBy: 'alice' })
    const fleet: string[] = []
    for (let i = 0; i < 4; i++) {
      const vin = `WVW1234567890${String(i).padStart(4, '0')}`
      await storage.vehicles.add({ vin, model: 'ID-9', firmware: `3.0.${i}` }, 'scrypt$x')
      fleet.push(vin)
    }
    await storage.vehicles.add({ vin: 'WVW12345678909999', model: 'ID-2', firmware: '3.0.0' }, 'scrypt$x')

    const rollout = { id: 'bms-3-1', name: 'BMS firmware 3.1.0', ota: OTA, cohort: { models: ['ID-9'], firmware: ['3.0.*'] }, waves: [0.5, 1], minSuccessRate: 0.9, failureThreshold: 0.5, ttl: '3d' }

    t.test('no token: 401; a dealer token: 403; an operator reads but does not write', async (t) => {
      await storage.campaigns.create({ id: 'seeded', name: 'Seeded', body: { action: { name: 'horn-test', params: {} } }, cohort: { vins: [fleet[0] as string] }, createdBy: 'seed' })
      const routes: RouteCall[] = [
        ['POST', '/api/v1/campaigns', { ...rollout, id: 'denied' }],
        ['GET', '/api/v1/campaigns'],
        ['GET', '/api/v1/campaigns/seeded'],
        ...(['start', 'pause', 'resume', 'abort'] as const).map((verb): ['POST', string] => ['POST', `/api/v1/campaigns/seeded/${verb}`])
      ]
      await expectEngineerWrites(t, call, routes, { dealer, operator })
      t.equal((await storage.campaigns.get('seeded')).state, 'draft', 'no move was made')
      await t.rejects(storage.campaigns.get('denied'), { code: 'PITWALL_ERR_CAMPAIGN_UNKNOWN' }, 'nothing was created')
      t.equal((await call('GET', '/api/v1/campaigns/seeded', operator)).statusCode, 200)
    })

    t.test('a campaign created, started, paused, resumed and aborted through the API, read as an operator would', async (t) => {
      const created = await call('POST', '/api/v1/campaigns', engineer, rollout)
      t.equal(created.statusCode, 201)
      t.match(created.json(), {
        id: 'bms-3-1', state: 'draft', createdBy: 'alice', waves: [0.5, 1], minSuccessRate: 0.9, failureThreshold: 0.5, commandTtlMs: 3 * 86_400_000,
        body: { ota: { ...OTA, url: 'https://ota.example/bms-fw-3.1.0.bin', sha256: SHA, size: 1_048_576 } }, cohort: { models: ['ID-9'], firmware: ['3.0.*'] }
      })
      const draft = (await call('GET', '/api/v1/campaigns/bms-3-1', operator)).json()
      t.match(draft, { campaign: { state: 'draft' }, vehicles: 0, waves: [{ wave: 0, share: 0.5, vehicles: 0 }, { wave: 1, share: 1, vehicles: 0 }], timeline: [{ state: 'draft', by: 'alice' }] })
      t.match((await call('GET', '/api/v1/campaigns?state=draft', operator)).json().campaigns, [{ id: 'bms-3-1' }, { id: 'seeded' }], 'newest first')

      const started = await call('POST', '/api/v1/campaigns/bms-3-1/start', engineer)
      t.equal(started.statusCode, 200)
      t.match(started.json(), {
        campaign: { state: 'running', currentWave: 0 },
        vehicles: 4,
        waves: [{ wave: 0, vehicles: 2, commands: { queued: 2 }, succeeded: 0, finished: 0 }, { wave: 1, vehicles: 2, commands: {} }]
      })
      t.same((await call('GET', '/api/v1/campaigns?state=running', operator)).json().campaigns.map((c: { id: string }) => c.id), ['bms-3-1'])
      await expectError(t, call('POST', '/api/v1/campaigns/bms-3-1/start', engineer), 409, 'PITWALL_ERR_CAMPAIGN_TRANSITION', 'cannot start campaign bms-3-1: it is running (only draft campaigns can be)')

      // the first wave's commands, as the commands API lists them; one vehicle reports success
      const wave = (await call('GET', '/api/v1/commands?campaign=bms-3-1', operator)).json().commands as Array<{ id: string, vehicleId: number, vin: string, state: string }>
      t.equal(wave.length, 2)
      t.ok(wave.every((c) => fleet.includes(c.vin) && c.state === 'queued'), 'queued for vehicles of the cohort only')
      const [done, waiting] = wave as [typeof wave[0], typeof wave[0]]
      await storage.commands.markSent(done.id, 30_000, 'key-1')
      await storage.commands.applyAck(done.vehicleId, { id: done.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 }, ackMove('succeeded'))
      t.match((await call('GET', '/api/v1/campaigns/bms-3-1', operator)).json().waves,
        [{ wave: 0, vehicles: 2, commands: { queued: 1, succeeded: 1 }, succeeded: 1, failed: 0, finished: 1 }, { wave: 1, vehicles: 2, commands: {} }])

      const paused = await call('POST', '/api/v1/campaigns/bms-3-1/pause', engineer, { reason: 'battery supplier recall notice' })
      t.equal(paused.statusCode, 200)
      t.match(paused.json().campaign, { state: 'paused', stateReason: 'battery supplier recall notice' })
      await expectError(t, call('POST', '/api/v1/campaigns/bms-3-1/pause', engineer), 409, 'PITWALL_ERR_CAMPAIGN_TRANSITION', /it is paused \(only running campaigns can be\)/)

      const resumed = await call('POST', '/api/v1/campaigns/bms-3-1/resume', engineer)
      t.equal(resumed.statusCode, 200)
      t.match(resumed.json().campaign, { state: 'running', stateReason: null })

      const aborted = await call('POST', '/api/v1/campaigns/bms-3-1/abort', engineer)
      t.equal(aborted.statusCode, 200)
      t.match(aborted.json().campaign, { state: 'aborted', stateReason: 'aborted by alice' }, 'without a reason: who did it')
      t.match(aborted.json().waves[0], { commands: { cancelled: 1, succeeded: 1 }, succeeded: 1, finished: 2 }, 'the unsent command was cancelled; the finished one stays')
      t.match((await call('GET', `/api/v1/commands/${waiting.id}`, operator)).json(),
        { command: { state: 'cancelled' }, timeline: [{ state: 'queued', by: 'campaign:bms-3-1' }, { state: 'cancelled', by: 'alice', detail: 'campaign aborted' }] })
      await expectError(t, call('POST', '/api/v1/campaigns/bms-3-1/resume', engineer), 409, 'PITWALL_ERR_CAMPAIGN_TRANSITION', /it is aborted/)

      const shown = (await call('GET', '/api/v1/campaigns/bms-3-1', operator)).json()
      t.same(shown.timeline.map((e: { state: string, wave: number, by: string, detail: unknown }) => [e.state, e.wave, e.by, e.detail]), [
        ['draft', 0, 'alice', null],
        ['running', 0, 'alice', { vehicles: 4 }],
        ['paused', 0, 'alice', { reason: 'battery supplier recall notice' }],
        ['running', 0, 'alice', null],
        ['aborted', 0, 'alice', { reason: 'aborted by alice' }]
      ], 'every step, who took it and why')
      t.ok(shown.timeline.every((e: { time: string }) => Number.isFinite(Date.parse(e.time))), 'each step has its time')
    })

    t.test('bad campaigns get a 400 naming the field; a taken id is a 409; nothing is created', async (t) => {
      const post = async (payload: unknown): Promise<LightMyRequestResponse> => await call('POST', '/api/v1/campaigns', engineer, payload)
      const bad = { ...rollout, id: 'bad-one' }
      await expectError(t, post({ ...bad, waves: [0.1, 0.05, 0.5] }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID',
        /waves\[1\] = 0.05 does not grow past waves\[0\] = 0.1 \(shares are cumulative\); the last wave is 0.5, not 1/)
      await expectError(t, post({ ...bad, waves: [0, 1] }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /waves\[0\] = 0 is not a share in \(0, 1\]/)
      await expectError(t, post({ ...bad, waves: [0.5, 1.5] }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /waves\[1\] = 1.5 is not a share in \(0, 1\]/)
      await expectError(t, post({ ...bad, waves: [] }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.waves must NOT have fewer than 1 items')
      await expectError(t, post({ ...bad, waves: '0.1,1' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.waves must be array')
      await expectError(t, post({ ...bad, minSuccessRate: 1.5 }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /minSuccessRate 1.5 is not between 0 and 1/)
      await expectError(t, post({ ...bad, failureThreshold: -0.1 }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /failureThreshold -0.1 is not between 0 and 1/)
      await expectError(t, post({ ...bad, minSuccessRate: '95%' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.minSuccessRate must be number')
      await expectError(t, post({ ...bad, ttl: '45d' }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /commandTtlMs 3888000000 is not between 1 ms and 30 days/)
      await expectError(t, post({ ...bad, ttl: 'a week' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.ttl "a week" is not a duration like 90s, 30m, 12h or 7d')
      await expectError(t, post({ ...bad, cohort: {} }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /the cohort is the whole fleet/)
      await expectError(t, post({ ...bad, cohort: { model: ['ID-9'] } }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body.cohort has an unknown field "model"')
      // a mistyped VIN would otherwise leave its vehicle out of the cohort without a word
      await expectError(t, post({ ...bad, cohort: { vins: [fleet[0], 'WVW123456789O0001'] } }), 400, 'PITWALL_ERR_BAD_REQUEST',
        'body.cohort.vins[1] "WVW123456789O0001" is not a VIN: 17 characters of A-Z and 0-9, without I, O or Q (ISO 3779)')
      const { cohort: _cohort, ...withoutCohort } = bad
      await expectError(t, post(withoutCohort), 400, 'PITWALL_ERR_BAD_REQUEST', 'body needs the field "cohort"')
      await expectError(t, post({ ...bad, id: 'Bad Id' }), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /id "Bad Id" must be lowercase letters, digits and '-'/)
      await expectError(t, post({ ...bad, action: { name: 'horn-test' } }), 400, 'PITWALL_ERR_COMMAND_INVALID', 'give one of body.action or body.ota, not both')
      const { ota: _ota, ...withoutOta } = bad
      await expectError(t, post(withoutOta), 400, 'PITWALL_ERR_COMMAND_INVALID', 'give one of body.action or body.ota')
      await expectError(t, post({ ...bad, ota: { package: 'bms-fw', version: '9.9.9' } }), 404, 'PITWALL_ERR_OTA_PACKAGE_UNKNOWN', /no OTA package bms-fw@9\.9\.9/)
      await expectError(t, post({ ...rollout }), 409, 'PITWALL_ERR_CAMPAIGN_EXISTS', 'campaign bms-3-1 exists already; a new campaign needs a new id')
      await t.rejects(storage.campaigns.get('bad-one'), { code: 'PITWALL_ERR_CAMPAIGN_UNKNOWN' }, 'none of them created a campaign')
    })

    t.test('a campaign by VIN list; one that matches no vehicle cannot start; unknown ids are 404s', async (t) => {
      const byVin = await call('POST', '/api/v1/campaigns', engineer, { id: 'horn-check', name: 'Horn check', action: { name: 'horn-test', params: { seconds: '1' } }, cohort: { vins: [(fleet[3] as string).toLowerCase()] } })
      t.equal(byVin.statusCode, 201)
      t.match(byVin.json(), { cohort: { vins: [fleet[3]] }, waves: [0.01, 0.1, 1], minSuccessRate: 0.95, failureThreshold: 0.2, commandTtlMs: 7 * 86_400_000, body: { action: { name: 'horn-test', params: { seconds: '1' } } } },
        'the store\'s defaults; VINs as registered')
      const started = (await call('POST', '/api/v1/campaigns/horn-check/start', engineer)).json()
      t.match(started, { campaign: { state: 'running' }, vehicles: 1, waves: [{ vehicles: 1, commands: { queued: 1 } }, { vehicles: 0 }, { vehicles: 0 }] }, 'a one-vehicle cohort is all in the first wave')

      t.equal((await call('POST', '/api/v1/campaigns', engineer, { ...rollout, id: 'nobody', cohort: { models: ['ID-1'] } })).statusCode, 201)
      await expectError(t, call('POST', '/api/v1/campaigns/nobody/start', engineer), 400, 'PITWALL_ERR_CAMPAIGN_INVALID', /campaign nobody: no vehicle matches its cohort/)
      t.equal((await storage.campaigns.get('nobody')).state, 'draft', 'still a draft')
      await expectError(t, call('POST', '/api/v1/campaigns/nobody/start', engineer, { reason: 'go' }), 400, 'PITWALL_ERR_BAD_REQUEST', 'body has an unknown field "reason"')

      await expectError(t, call('GET', '/api/v1/campaigns/no-such', operator), 404, 'PITWALL_ERR_CAMPAIGN_UNKNOWN', 'no campaign "no-such"')
      for (const verb of ['start', 'pause', 'resume', 'abort']) {
        await expectError(t, call('POST', `/api/v1/campaigns/no-such/${verb}`, engineer), 404, 'PITWALL_ERR_CAMPAIGN_UNKNOWN', `no campaign "no-such"`)
      }
      await expectError(t, call('GET', '/api/v1/campaigns?state=done', operator), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.state "done" is not one of draft, running, paused, completed, aborted')
    })
  })
}
