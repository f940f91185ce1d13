/**
 * The fleet quality report over HTTP on one backend: the JSON an engineer
 * or operator receives (every field, as serialized), the CSV export a
 * spreadsheet opens (quoting, formula injection), the defaults, and the
 * refusals: dealers, callers without a token, and bad windows, kinds and
 * limits answered 400 naming the field.
 */
import t from 'tap'
import { openTestStorage } from '../../actions/dealer-fixtures.js'
import { openApi, roleTokens } from '../../helpers/api-client.js'
import { oneBackend } from '../../helpers/backends.js'
import { seedQualityFleet } from '../../helpers/quality-fleet.js'

const WINDOW = 'from=2026-03-08T00:00:00Z&to=2026-03-15T00:00:00Z'
const DAY_MS = 86_400_000

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const { call, expectError } = await openApi(t, storage)
    await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', lat: 52.52, lon: 13.405 })
    const tokens = await roleTokens(storage.apiTokens)
    await seedQualityFleet(storage)

    t.test('an engineer reads the top DTCs and faults, every field as the client receives it', async (t) => {
      const res = await call('GET', `/api/v1/quality?${WINDOW}`, tokens.engineer)
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.same(Object.keys(body), ['from', 'to', 'previousFrom', 'rows'])
      t.same([body.from, body.to, body.previousFrom], ['2026-03-08T00:00:00.000Z', '2026-03-15T00:00:00.000Z', '2026-03-01T00:00:00.000Z'])
      t.same(body.rows[0], {
        kind: 'dtc',
        code: 'P0217',
        name: null,
        severity: null,
        model: 'ev-a',
        firmware: '1.0',
        vehiclesAffected: 4,
        occurrences: 5,
        fleetSize: 8,
        ratePer1000: 500,
        previousVehiclesAffected: 1,
        previousRatePer1000: 125,
        rateDelta: 375,
        trend: 'steady',
        firstSeenAt: '2026-02-10T09:00:00.000Z'
      })
      t.match(body.rows[1], { kind: 'fault', code: 'coolant-hot', name: 'Coolant too hot', severity: 'critical', vehiclesAffected: 2, occurrences: 3 })
      t.equal(body.rows.length, 6)

      const operator = await call('GET', `/api/v1/quality?${WINDOW}&kind=fault&limit=1&model=ev-a`, tokens.operator)
      t.equal(operator.statusCode, 200, 'operators read it too')
      t.same(operator.json().rows.map((r: { code: string }) => r.code), ['coolant-hot'], 'filtered by kind and model, cut to the limit')
      const brand = (await call('GET', `/api/v1/quality?${WINDOW}&kind=dtc&brand=Nordwind&firmware=1.0`, tokens.engineer)).json()
      t.match(brand.rows, [{ code: 'P0217', fleetSize: 7 }])
      t.equal(brand.rows.length, 1)
    })

    t.test('without a window: the 7 days up to now, and the 7 before them', async (t) => {
      const body = (await call('GET', '/api/v1/quality', tokens.engineer)).json()
      const [from, to, previousFrom] = [body.from, body.to, body.previousFrom].map((s: string) => Date.parse(s))
      t.ok(Math.abs((to as number) - Date.now()) < 60_000, 'up to now')
      t.equal((to as number) - (from as number), 7 * DAY_MS)
      t.equal((from as number) - (previousFrom as number), 7 * DAY_MS)
      t.same(body.rows, [], 'the story is in March 2026')
      t.equal(Date.parse((await call('GET', '/api/v1/quality?to=2026-03-15T00:00:00Z', tokens.engineer)).json().from), Date.parse('2026-03-08T00:00:00Z'),
        'a given end: the 7 days before it')
    })

    t.test('the CSV export opens in a spreadsheet as the rows, and runs nothing', async (t) => {
      // firmware is whatever the T-box reports: here a formula, with quotes and a comma
      const firmware = '=HYPERLINK("http://evil.example","x")'
      const vin = 'WPTRPTEVXL0000001'
      const vehicleId = await storage.vehicles.add({ vin, model: '@ev-x', firmware }, 'scrypt$x')
      const other = await storage.vehicles.add({ vin: 'WPTRPTEVXL0000002', model: '@ev-x', firmware }, 'scrypt$x')
      let seq = 0
      for (const [id, at] of [[vehicleId, '2026-03-02T10:00:00Z'], [other, '2026-03-03T10:00:00Z'], [vehicleId, '2026-03-09T10:00:00Z']] as const) {
        const timeUs = Date.parse(at) * 1000
        await storage.storeBatch({ vehicleId: id, seq: ++seq, baseTimeUs: timeUs, canFrames: 0, payload: new Uint8Array([seq]),
          samples: { timeUs: [], signalId: [], value: [] }, gnss: [], dtcs: [{ timeUs, ecu: 0x7e8, dtc: 0x030100, status: 0x08 }] })
      }
      await storage.projector.idle()
      const res = await call('GET', `/api/v1/quality.csv?${WINDOW}&kind=dtc&limit=500`, tokens.engineer)
      t.equal(res.statusCode, 200)
      t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
      t.equal(res.headers['content-disposition'], 'attachment; filename="pitwall-quality-20260308T0000Z-20260315T0000Z.csv"')
      const lines = res.body.split('\r\n')
      t.equal(lines.at(-1), '', 'every line ends with CRLF (RFC 4180)')
      t.equal(lines[0], 'kind,code,name,severity,model,firmware,vehiclesAffected,occurrences,fleetSize,ratePer1000,' +
        'previousVehiclesAffected,previousRatePer1000,rateDelta,trend,firstSeenAt')
      t.equal(lines[1], 'dtc,P0217,,,ev-a,1.0,4,5,8,500,1,125,375,steady,2026-02-10T09:00:00.000Z')
      t.equal(lines.find((l) => l.includes('P0301')),
        `dtc,P0301,,,'@ev-x,"'=HYPERLINK(""http://evil.example"",""x"")",1,1,2,500,2,1000,-500,steady,2026-03-02T10:00:00.000Z`,
        'text that a spreadsheet would run starts with a quote; a negative number stays a number')
      t.equal(lines.length, 2 + 5, 'a header and the DTC rows')

      const empty = await call('GET', '/api/v1/quality.csv?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z', tokens.operator)
      t.equal(empty.body, lines[0] + '\r\n', 'nothing in the window: the header alone')
    })

    t.test('refusals', async (t) => {
      for (const url of ['/api/v1/quality', '/api/v1/quality.csv']) {
        await expectError(t, call('GET', url), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
        await expectError(t, call('GET', url, tokens.dealer), 403, 'PITWALL_ERR_FORBIDDEN', /engineer or operator tokens/)
        await expectError(t, call('GET', `${url}?from=2026-03-15T00:00:00Z&to=2026-03-08T00:00:00Z`, tokens.engineer), 400, 'PITWALL_ERR_BAD_REQUEST',
          'querystring.from must be before querystring.to; got 2026-03-15T00:00:00.000Z .. 2026-03-08T00:00:00.000Z')
      }
      const bad = async (query: string, message: string | RegExp): Promise<void> => {
        await expectError(t, call('GET', `/api/v1/quality?${query}`, tokens.engineer), 400, 'PITWALL_ERR_BAD_REQUEST', message)
      }
      await bad('from=2025-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'querystring.from .. querystring.to spans 424.0 days; at most 366')
      await bad('from=2026-03-08T00:00:00Z&to=2026-03-08T00:30:00Z', /^querystring\.from must be at least an hour before querystring\.to/)
      await bad('from=2099-01-01T00:00:00Z', /^querystring\.from must be before querystring\.to/)
      await bad('from=last-week', /^querystring\.from "last-week" is not an ISO 8601 time with a zone/)
      await bad('to=2026-03-08T00:00', /^querystring\.to "2026-03-08T00:00" is not an ISO 8601 time with a zone/)
      await bad('kind=dtc,recall', 'querystring.kind "recall" is not one of dtc, fault')
      await bad('limit=501', 'querystring.limit must be <= 500')
      await bad('limit=0', 'querystring.limit must be >= 1')
      await bad('limit=ten', 'querystring.limit must be integer')
      await bad('model=', 'querystring.model must NOT have fewer than 1 characters')
      await bad('dealer=x', 'querystring has an unknown field "dealer"')
    })
  })
}
