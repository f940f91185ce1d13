/**
 * The telemetry read API on one backend, as a client receives it (JSON
 * through the response schemas): a vehicle's last known state, downsampled
 * signal history and track, DTC history, dead letters and the catalog; a
 * dealer reads its own customers' vehicles only and never their faults,
 * commands or dead letters; bad input is a 400 naming the field.
 */
import Fastify from 'fastify'
import t from 'tap'
import { registerApi } from '../../gateway/api/index.js'
import { poolOf } from '../../storage/index.js'
import { openTestStorage, PLACES, seedFault } from '../actions/dealer-fixtures.js'
import { apiClient, openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

const SPEED = 'Vehicle.Speed'
const ECT = 'Vehicle.Powertrain.CombustionEngine.ECT'
const VOLTAGE = 'Vehicle.LowVoltageBattery.CurrentVoltage'
const T0 = Date.UTC(2026, 10, 23, 8, 0, 0)
const iso = (ms: number): string => new Date(ms).toISOString()

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    const { call, expectError } = await openApi(t, storage)
    await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
    await storage.dealers.add({ id: 'ber', name: 'Autohaus Berlin', ...PLACES.berlin })
    // a vehicle with an open fault, of dealer muc, online on node-a
    const own = await seedFault(storage)
    await storage.vehicles.assignDealer(own.vin, 'muc')
    await storage.vehicles.setFirmware(own.vehicleId, '1.5.0')
    await pool.query("UPDATE vehicles SET connected = true, connection_changed_at = $2, connected_node = 'node-a' WHERE id = $1", [own.vehicleId, new Date(T0)])
    const other = await seedFault(storage)
    await storage.vehicles.assignDealer(other.vin, 'ber')
    const command = await storage.commands.enqueue({ vin: own.vin, body: { action: { name: 'reset-fan-controller', params: { level: '2' } } }, ttlMs: 600_000, requestedBy: 'eva' })

    const sample = async (vehicle: number, signal: number, ms: number, value: number): Promise<void> => {
      await pool.query('INSERT INTO signal_samples (time, vehicle_id, signal_id, value) VALUES ($1, $2, $3, $4)', [new Date(ms), vehicle, signal, value])
      // as the batch writer does: history in whole minutes reads marked minutes from the samples
      await pool.query("INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids) VALUES ($1, date_bin('1 minute', $2::timestamptz, 'epoch'), $3)", [vehicle, new Date(ms), [signal]])
    }
    for (let s = 0; s < 60; s++) await sample(own.vehicleId, 1, T0 + s * 1000, s)
    await sample(own.vehicleId, 3, T0 + 30_000, 117.5)
    await sample(other.vehicleId, 1, T0 + 90_000, 99)
    for (let s = 0; s < 6; s++) {
      await pool.query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg) VALUES ($1, $2, $3, $4, $5, $6)',
        [new Date(T0 + s * 10_000), own.vehicleId, [48.1, 48.101, 48.102, 48.103, 48.104, 48.105][s], 11.5, 10 + s, 180])
    }
    const dtc = async (ms: number, code: number, status: number): Promise<void> => {
      await pool.query('INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) VALUES ($1, $2, $3, $4, $5)', [new Date(ms), own.vehicleId, 0x7e8, code, status])
    }
    await dtc(T0, 0x021700, 0x2f) // P0217 pending, then confirmed with the MIL
    await dtc(T0 + 20_000, 0x021700, 0xaf)
    await dtc(T0 + 5_000, 0x048000, 0x09) // P0480, later cleared
    await dtc(T0 + 25_000, 0x048000, 0x00)

    const engineer = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
    const operator = (await storage.apiTokens.create({ name: 'olaf', role: 'operator' })).token
    const munich = (await storage.apiTokens.create({ name: 'Autohaus München', role: 'dealer', dealerId: 'muc' })).token
    const signalsUrl = (vin: string, query: string): string => `/api/v1/vehicles/${vin}/signals?${query}`

    t.test('the last known state, whole', async (t) => {
      const res = await call('GET', `/api/v1/vehicles/${own.vin.toLowerCase()}/state`, engineer)
      t.equal(res.statusCode, 200)
      const state = res.json()
      t.same(Object.keys(state), ['vin', 'model', 'firmware', 'brand', 'dealerId', 'lastSeenAt', 'connection', 'signals', 'position', 'dtcs', 'faults', 'commands'])
      t.match(state, { vin: own.vin, model: 'demo-ev', firmware: '1.5.0', brand: null, dealerId: 'muc', lastSeenAt: null })
      t.same(state.connection, { online: true, since: iso(T0), node: 'node-a' })
      t.same(state.signals, [
        { id: 3, name: ECT, unit: 'degC', value: 117.5, time: iso(T0 + 30_000) },
        { id: 1, name: SPEED, unit: 'km/h', value: 59, time: iso(T0 + 59_000) }
      ], 'every signal it has, the latest value')
      t.same(state.position, { time: iso(T0 + 50_000), lat: 48.105, lon: 11.5, speedMps: 15, headingDeg: 180 })
      t.same(state.dtcs, [{
        ecu: 0x7e8,
        dtc: 0x021700,
        code: 'P0217',
        text: 'P0217-00',
        status: 0xaf,
        statusText: ['testFailed', 'testFailedThisOperationCycle', 'pendingDTC', 'confirmedDTC', 'testFailedSinceLastClear', 'warningIndicatorRequested'],
        firstSeen: iso(T0),
        lastSeen: iso(T0 + 20_000)
      }], 'P0480 was cleared (status 0): not open')
      t.equal(state.faults.length, 1)
      t.match(state.faults[0], { id: own.faultId, vin: own.vin, state: 'open', severity: 'major', occurrences: 1, evidence: [{ signal: ECT, value: 117 }], action: null, caseId: null })
      t.same(state.commands.map((c: { id: string, state: string, body: unknown }) => [c.id, c.state, c.body]),
        [[command.id, 'queued', { action: { name: 'reset-fan-controller', params: { level: '2' } } }]])
    })

    t.test('a dealer reads its own customer\'s vehicle, without faults and commands, and no other', async (t) => {
      const state = (await call('GET', `/api/v1/vehicles/${own.vin}/state`, munich)).json()
      t.match(state, { vin: own.vin, faults: null, commands: null, dtcs: [{ code: 'P0217' }] })
      for (const path of ['state', 'signals?signals=Vehicle.Speed', 'track', 'dtcs']) {
        await expectError(t, call('GET', `/api/v1/vehicles/${other.vin}/${path}`, munich), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', `dealer muc has no vehicle ${other.vin}`)
      }
      await expectError(t, call('GET', `/api/v1/vehicles/${own.vin}/dead-letters`, munich), 403, 'PITWALL_ERR_FORBIDDEN', /is for engineer or operator tokens/)
      t.equal((await call('GET', `/api/v1/vehicles/${other.vin}/state`, operator)).statusCode, 200, 'an operator reads every vehicle')
    })

    t.test('unknown, malformed and anonymous', async (t) => {
      for (const path of ['state', 'signals?signals=Vehicle.Speed', 'track', 'dtcs', 'dead-letters']) {
        await expectError(t, call('GET', `/api/v1/vehicles/WPW00000000000000/${path}`, engineer), 404, 'PITWALL_ERR_VEHICLE_UNKNOWN', /no vehicle WPW00000000000000/)
        await expectError(t, call('GET', `/api/v1/vehicles/NOT-A-VIN/${path}`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /params\.vin "NOT-A-VIN" is not a VIN/)
        await expectError(t, call('GET', `/api/v1/vehicles/${own.vin}/${path}`), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      }
    })

    t.test('history in buckets, as columns per signal in the order asked', async (t) => {
      const res = await call('GET', signalsUrl(own.vin, `signals=${SPEED},${VOLTAGE},${ECT}&from=${iso(T0)}&to=${iso(T0 + 60_000)}&points=3`), engineer)
      t.equal(res.statusCode, 200)
      t.same(res.json(), {
        from: iso(T0),
        to: iso(T0 + 60_000),
        bucketMs: 20_000,
        series: [
          { signal: SPEED, unit: 'km/h', t: [T0, T0 + 20_000, T0 + 40_000], min: [0, 20, 40], max: [19, 39, 59], avg: [9.5, 29.5, 49.5], count: [20, 20, 20] },
          { signal: VOLTAGE, unit: 'V', t: [], min: [], max: [], avg: [], count: [] },
          { signal: ECT, unit: 'degC', t: [T0 + 20_000], min: [117.5], max: [117.5], avg: [117.5], count: [1] }
        ]
      })
      const fine = (await call('GET', signalsUrl(own.vin, `signals=${SPEED}&from=${iso(T0)}&to=${iso(T0 + 5000)}`), engineer)).json()
      t.equal(fine.bucketMs, 5, 'default 1000 points')
      t.same(fine.series[0].t, [T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000], 'empty buckets are left out')
      t.same(fine.series[0].count, [1, 1, 1, 1, 1])
    })

    t.test('history defaults to the last hour', async (t) => {
      const now = Date.now()
      await sample(own.vehicleId, 4, now - 30 * 60_000, 12.6)
      await sample(own.vehicleId, 4, now - 90 * 60_000, 11.9)
      const body = (await call('GET', signalsUrl(own.vin, `signals=${VOLTAGE}&points=1`), engineer)).json()
      t.ok(Math.abs(Date.parse(body.to) - now) < 60_000, 'to: now')
      t.equal(Date.parse(body.to) - Date.parse(body.from), 3_600_000)
      t.same(body.series[0].min, [12.6], 'the sample of 90 minutes ago is not in it')
    })

    t.test('bad history requests name the field', async (t) => {
      const range = `from=${iso(T0)}&to=${iso(T0 + 60_000)}`
      await expectError(t, call('GET', signalsUrl(own.vin, range), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring needs the field "signals"/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=,&${range}`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.signals names no signal/)
      const eleven = Array.from({ length: 11 }, (_, i) => `Vehicle.S${i}`).join(',')
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${eleven}&${range}`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.signals names 11 signals; at most 10/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED},Vehicle.Warp.Drive&${range}`), engineer), 400, 'PITWALL_ERR_SIGNAL_UNKNOWN', /querystring\.signals: "Vehicle\.Warp\.Drive" is not in the signal catalog/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&from=${iso(T0 + 60_000)}&to=${iso(T0)}`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.from .* is not before querystring\.to/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&from=${iso(T0)}&to=${iso(T0)}`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /is not before/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&from=${iso(T0 - 32 * 86_400_000)}&to=${iso(T0)}`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /spans 32\.0 days; at most 31 days at once \(PITWALL_API_MAX_RANGE_DAYS\)/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&from=yesterday`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.from "yesterday" is not an ISO 8601 time/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&${range}&points=5001`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.points must be <= 5000/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&${range}&points=0`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.points must be >= 1/)
      await expectError(t, call('GET', signalsUrl(own.vin, `signals=${SPEED}&${range}&step=1`), engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring has an unknown field "step"/)
      await expectError(t, call('GET', `/api/v1/vehicles/${own.vin}/track?from=${iso(T0)}&to=${iso(T0 - 1)}`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.from .* is not before querystring\.to/)
      await expectError(t, call('GET', `/api/v1/vehicles/${own.vin}/dtcs?from=${iso(T0)}&to=${iso(T0 - 1)}`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.from .* is not before querystring\.to/)
      await expectError(t, call('GET', `/api/v1/vehicles/${own.vin}/dtcs?limit=1001`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /querystring\.limit must be <= 1000/)
    })

    t.test('the longest range is a setting', async (t) => {
      const app = Fastify()
      registerApi(app, { storage, limits: { failuresBeforeBackoff: 5, maxBackoffMs: 60_000, requestsPerMinute: 600, maxRangeDays: 1 } })
      await app.ready()
      t.teardown(async () => { await app.close() })
      const client = apiClient(app)
      await client.expectError(t, client.call('GET', `/api/v1/vehicles/${own.vin}/track?from=${iso(T0 - 2 * 86_400_000)}&to=${iso(T0)}`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', /spans 2\.0 days; at most 1 days/)
      t.equal((await client.call('GET', `/api/v1/vehicles/${own.vin}/track?from=${iso(T0 - 86_400_000)}&to=${iso(T0)}`, engineer)).statusCode, 200)
    })

    t.test('the track: one fix per bucket, as columns', async (t) => {
      const body = (await call('GET', `/api/v1/vehicles/${own.vin}/track?from=${iso(T0)}&to=${iso(T0 + 60_000)}&points=3`, munich)).json()
      t.same(body, { from: iso(T0), to: iso(T0 + 60_000), bucketMs: 20_000, t: [T0, T0 + 20_000, T0 + 40_000], lat: [48.1, 48.102, 48.104], lon: [11.5, 11.5, 11.5], speedMps: [10, 12, 14] })
    })

    t.test('DTC history, newest first, with code, text and status', async (t) => {
      const body = (await call('GET', `/api/v1/vehicles/${own.vin}/dtcs`, munich)).json()
      t.same(body.dtcs.map((d: { time: string, code: string, status: number }) => [d.time, d.code, d.status]),
        [[iso(T0 + 25_000), 'P0480', 0], [iso(T0 + 20_000), 'P0217', 0xaf], [iso(T0 + 5_000), 'P0480', 0x09], [iso(T0), 'P0217', 0x2f]])
      t.same(body.dtcs[2], { time: iso(T0 + 5_000), ecu: 0x7e8, dtc: 0x048000, code: 'P0480', text: 'P0480-00', status: 9, statusText: ['testFailed', 'confirmedDTC'] })
      const window = (await call('GET', `/api/v1/vehicles/${own.vin}/dtcs?from=${iso(T0 + 1)}&to=${iso(T0 + 25_000)}&limit=1`, engineer)).json()
      t.same(window.dtcs.map((d: { code: string }) => d.code), ['P0217'], 'in [from, to), at most limit')
    })

    t.test('dead letters of the vehicle, without payload bytes', async (t) => {
      await pool.query(`INSERT INTO dead_letters (received_at, vin, topic, reason_code, reason, payload_size, payload)
        VALUES ($1, $2, $3, 'PITWALL_ERR_BATCH_LIMIT', 'too many CAN frames', 1048576, NULL), ($1, $4, $5, 'PITWALL_ERR_MALFORMED_PROTOBUF', 'not a batch', 3, '\\x010203')`,
      [new Date(T0), own.vin, `v1/${own.vin}/telemetry`, other.vin, `v1/${other.vin}/telemetry`])
      const body = (await call('GET', `/api/v1/vehicles/${own.vin}/dead-letters`, operator)).json()
      t.equal(body.deadLetters.length, 1)
      t.same(Object.keys(body.deadLetters[0]), ['id', 'receivedAt', 'topic', 'reasonCode', 'reason', 'payloadSize'])
      t.match(body.deadLetters[0], { receivedAt: iso(T0), topic: `v1/${own.vin}/telemetry`, reasonCode: 'PITWALL_ERR_BATCH_LIMIT', payloadSize: 1048576 })
    })

    t.test('the catalog, for every role', async (t) => {
      for (const token of [engineer, operator, munich]) {
        const signals = (await call('GET', '/api/v1/signals', token)).json().signals
        t.same(signals.find((s: { id: number }) => s.id === 1), { id: 1, name: SPEED, unit: 'km/h' })
      }
      await expectError(t, call('GET', '/api/v1/signals'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
    })
  })
}
