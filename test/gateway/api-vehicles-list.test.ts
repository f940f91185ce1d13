/**
 * The fleet list's filters and keyset paging on one backend, as a client
 * receives them: search by VIN or model, model, firmware, fault state,
 * online now, a dealer's own; pages by VIN that add up to the fleet, with
 * the total of the filter on every page; malformed filters are a 400 naming
 * the field. The map's positions: each vehicle's last fix, as columns, with
 * the same filters, a box (across the antimeridian too) and a cap.
 */
import t from 'tap'
import { poolOf } from '../../storage/index.js'
import { openTestStorage, PLACES } from '../actions/dealer-fixtures.js'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

const vinOf = (n: number): string => `WPWLST${String(n).padStart(11, '0')}`
const MODELS = ['demo-ev', 'demo-van', 'cargo-ev']
const FIRMWARE = ['1.4.2', '1.5.0']

interface Listed { vin: string, model: string, firmware: string, online: boolean, openFaults: number, dealerId: string | null }

for (const backend of [await oneBackend()]) {
  t.test(`on ${backend}`, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    const { call, expectError } = await openApi(t, storage)
    await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
    await storage.dealers.add({ id: 'ber', name: 'Autohaus Berlin', ...PLACES.berlin })
    // 25 vehicles: model by n % 3, firmware by n % 2, online when n % 4 = 0, muc's when n % 5 = 0
    const ids: number[] = []
    for (let n = 1; n <= 25; n++) {
      ids[n] = await storage.vehicles.add({ vin: vinOf(n), model: MODELS[n % 3], firmware: FIRMWARE[n % 2] }, 'scrypt$x')
      if (n % 5 === 0) await storage.vehicles.assignDealer(vinOf(n), 'muc')
    }
    await storage.vehicles.assignDealer(vinOf(1), 'ber')
    await pool.query("UPDATE vehicles SET connected = true, connection_changed_at = now(), connected_node = 'node-a' WHERE right(vin, 2)::int % 4 = 0")
    // vehicle 3: an open and an acknowledged fault; 10: one acknowledged; 11: one resolved only
    await pool.query("INSERT INTO rule_versions (id, version, definition) VALUES ('r1', 'v1', '{}'), ('r2', 'v1', '{}')")
    for (const [n, rule, state] of [[3, 'r1', 'open'], [3, 'r2', 'acknowledged'], [10, 'r1', 'acknowledged'], [11, 'r1', 'resolved']] as const) {
      await pool.query(`INSERT INTO faults (vehicle_id, rule_id, rule_version, severity, state, opened_at, last_occurred_at, evidence)
        VALUES ($1, $2, 'v1', 'major', $3, now(), now(), '[]')`, [ids[n], rule, state])
    }
    // every vehicle but 25 has fixes: the last one at (48 + n/100, 11 + n/100), an hour earlier one elsewhere;
    // 22 and 23 are either side of the antimeridian, near Fiji; 21's to more digits than a map needs
    const T0 = Date.UTC(2026, 10, 23, 8)
    const lastFix = (n: number): [number, number] => n === 21 ? [48.123456789, 11.987654321] : n === 22 ? [-17, -179.9] : n === 23 ? [-17, 179.9] : [48 + n / 100, 11 + n / 100]
    for (let n = 1; n <= 24; n++) {
      await pool.query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon) VALUES ($1, $3, 0, 0), ($2, $3, $4, $5)',
        [new Date(T0 - 3_600_000), new Date(T0 + n * 1000), ids[n], ...lastFix(n)])
    }
    const engineer = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
    const munich = (await storage.apiTokens.create({ name: 'Autohaus München', role: 'dealer', dealerId: 'muc' })).token
    const list = async (query: string, token = engineer): Promise<{ vehicles: Listed[], total: number, nextAfter: string | null }> => {
      const res = await call('GET', `/api/v1/vehicles${query}`, token)
      t.equal(res.statusCode, 200, `GET /api/v1/vehicles${query}`)
      return res.json()
    }
    const numbers = (page: { vehicles: Listed[] }): number[] => page.vehicles.map((v) => Number(v.vin.slice(6)))

    t.test('each vehicle with its state, all fields', async (t) => {
      const page = await list('')
      t.equal(page.total, 25)
      t.equal(page.nextAfter, null, 'one page holds them all')
      t.same(numbers(page), Array.from({ length: 25 }, (_, i) => i + 1))
      t.same(page.vehicles[2], { vin: vinOf(3), model: 'demo-ev', firmware: '1.5.0', brand: null, dealerId: null, lastSeenAt: null, manifest: null, online: false, openFaults: 2 })
      t.match(page.vehicles[3], { vin: vinOf(4), online: true, openFaults: 0 })
      t.match(page.vehicles[10], { vin: vinOf(11), openFaults: 0 }, 'a resolved fault is not open')
    })

    t.test('pages by VIN add up to the fleet', async (t) => {
      const seen: number[] = []
      let after: string | null = null
      let pages = 0
      do {
        const page = await list(`?limit=10${after === null ? '' : `&after=${after.toLowerCase()}`}`)
        t.equal(page.total, 25, 'the total of the filter on every page')
        seen.push(...numbers(page))
        after = page.nextAfter
        pages++
      } while (after !== null)
      t.equal(pages, 3)
      t.same(seen, Array.from({ length: 25 }, (_, i) => i + 1))
      const exact = await list('?limit=5&after=' + vinOf(20))
      t.same(numbers(exact), [21, 22, 23, 24, 25])
      t.equal(exact.nextAfter, null, 'a last page that is exactly full says so')
    })

    t.test('filters, alone and together', async (t) => {
      t.same(numbers(await list('?q=lst0000000001')), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'a VIN substring, any case')
      t.same(numbers(await list('?q=VAN')), [1, 4, 7, 10, 13, 16, 19, 22, 25], 'a model substring')
      t.same(numbers(await list('?q=%25')), [], 'a % is a character, not a wildcard')
      t.same(numbers(await list('?q=_')), [], 'so is _')
      t.same(numbers(await list('?model=cargo-ev&firmware=1.4.2')), [2, 8, 14, 20])
      t.same(numbers(await list('?fault=open')), [3, 10], 'open or acknowledged')
      const none = await list('?fault=none&limit=3')
      t.same(numbers(none), [1, 2, 4])
      t.equal(none.total, 23)
      t.same(numbers(await list('?online=true')), [4, 8, 12, 16, 20, 24])
      t.equal((await list('?online=false')).total, 19)
      t.same(numbers(await list('?online=true&dealer=muc')), [20])
      t.same(numbers(await list('?fault=open&model=demo-ev&online=false')), [3])
    })

    t.test('a dealer pages through its own customers only', async (t) => {
      const page = await list('?limit=2', munich)
      t.same(numbers(page), [5, 10])
      t.equal(page.total, 5)
      t.same(numbers(await list(`?after=${page.nextAfter ?? ''}`, munich)), [15, 20, 25])
      t.same(numbers(await list('?fault=open', munich)), [10])
      await expectError(t, call('GET', '/api/v1/vehicles?dealer=ber', munich), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own vehicles/)
    })

    t.test('positions: each vehicle\'s last fix as columns, with the list\'s filters, a box and a cap', async (t) => {
      interface Positions { vin: string[], model: Array<string | null>, lat: number[], lon: number[], t: number[], online: boolean[], openFaults: number[], limit: number, truncated: boolean }
      const positions = async (query: string, token = engineer): Promise<Positions> => {
        const res = await call('GET', `/api/v1/vehicles/positions${query}`, token)
        t.equal(res.statusCode, 200, `GET /api/v1/vehicles/positions${query}`)
        return res.json()
      }
      const of = (p: Positions): number[] => p.vin.map((v) => Number(v.slice(6)))
      const all = await positions('')
      t.same(Object.keys(all), ['vin', 'model', 'lat', 'lon', 't', 'online', 'openFaults', 'limit', 'truncated'])
      t.same(of(all), Array.from({ length: 24 }, (_, i) => i + 1), 'by VIN; 25 has no fix and is left out')
      t.same({ limit: all.limit, truncated: all.truncated }, { limit: 10_000, truncated: false })
      const i = all.vin.indexOf(vinOf(3))
      t.same([all.vin[i], all.model[i], all.lat[i], all.lon[i], all.t[i], all.online[i], all.openFaults[i]], [vinOf(3), 'demo-ev', 48.03, 11.03, T0 + 3000, false, 2], 'its last fix, not an earlier one')
      t.same([all.online[3], all.openFaults[9]], [true, 1])
      t.same([all.lat[20], all.lon[20]], [48.123457, 11.987654], 'to 1e-6 degrees')

      t.same(of(await positions('?fault=open')), [3, 10])
      t.same(of(await positions('?online=true&model=cargo-ev')), [8, 20])
      t.same(of(await positions('?q=lst0000000002')), [20, 21, 22, 23, 24])
      t.same(of(await positions('', munich)), [5, 10, 15, 20], 'a dealer: its own customers\' vehicles')
      t.same(of(await positions('?dealer=muc&online=true')), [20])

      t.same(of(await positions('?bbox=11.005,48.005,11.105,48.105')), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'west,south,east,north')
      t.same(of(await positions('?bbox=179,-20,-179,-10')), [22, 23], 'a box across the antimeridian')
      t.same(of(await positions('?bbox=-10,-20,10,20')), [], 'where nobody is now (every vehicle\'s earlier fix was at 0,0)')

      const capped = await positions('?limit=3')
      t.same(of(capped), [1, 2, 3])
      t.equal(capped.truncated, true, 'says it holds the first of more')
      t.equal((await positions('?limit=24')).truncated, false, 'a cap exactly met is not truncated')
    })

    t.test('positions: refusals name the field', async (t) => {
      await expectError(t, call('GET', '/api/v1/vehicles/positions'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
      await expectError(t, call('GET', '/api/v1/vehicles/positions?dealer=ber', munich), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own vehicles/)
      await expectError(t, call('GET', '/api/v1/vehicles/positions?dealer=nobody', engineer), 404, 'PITWALL_ERR_DEALER_UNKNOWN', /nobody/)
      for (const [bbox, message] of [
        ['1,2,3', 'querystring.bbox "1,2,3" is not west,south,east,north: four numbers in degrees'],
        ['11,48,east,49', 'querystring.bbox "11,48,east,49" is not west,south,east,north'],
        ['11,,12,49', 'querystring.bbox "11,,12,49" is not west,south,east,north'],
        ['181,48,12,49', 'querystring.bbox: west 181 is not within -180..180 degrees'],
        ['11,48,12,91', 'querystring.bbox: north 91 is not within -90..90 degrees'],
        ['11,49,12,48', 'querystring.bbox: south 49 is north of north 48']
      ] as const) {
        await expectError(t, call('GET', `/api/v1/vehicles/positions?bbox=${bbox}`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', message)
      }
      await expectError(t, call('GET', '/api/v1/vehicles/positions?limit=10001', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be <= 10000')
      await expectError(t, call('GET', '/api/v1/vehicles/positions?online=yes', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.online must be boolean')
      await expectError(t, call('GET', '/api/v1/vehicles/positions?after=WPWLST00000000001', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring has an unknown field "after"')
    })

    t.test('malformed filters name the field', async (t) => {
      await expectError(t, call('GET', '/api/v1/vehicles?fault=maybe', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.fault must be one of "open", "none"')
      await expectError(t, call('GET', '/api/v1/vehicles?online=yes', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.online must be boolean')
      await expectError(t, call('GET', '/api/v1/vehicles?limit=0', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be >= 1')
      await expectError(t, call('GET', '/api/v1/vehicles?limit=1001', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.limit must be <= 1000')
      await expectError(t, call('GET', '/api/v1/vehicles?after=WPW1', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.after "WPW1" is not a VIN')
      await expectError(t, call('GET', '/api/v1/vehicles?q=', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.q must NOT have fewer than 1 characters')
      await expectError(t, call('GET', `/api/v1/vehicles?model=${'x'.repeat(101)}`, engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring.model must NOT have more than 100 characters')
      await expectError(t, call('GET', '/api/v1/vehicles?page=2', engineer), 400, 'PITWALL_ERR_BAD_REQUEST', 'querystring has an unknown field "page"')
    })
  })
}
