/**
 * The fleet list's filters and keyset paging on both backends, as a client
 * receives them: search by VIN or model, model, firmware, fault state,
 * online now, a dealer's own; pages by VIN that add up to the fleet, with
 * the total of the filter on every page; malformed filters are a 400 naming
 * the field.
 */
import t from 'tap'
import { poolOf } from '../../storage/index.js'
import { openTestStorage, PLACES } from '../actions/dealer-fixtures.js'
import { openApi } from '../helpers/api-client.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

const vinOf = (n: number): string => `WPWLST${String(n).padStart(11, '0')}`
const MODELS = ['demo-ev', 'demo-van', 'cargo-ev']
const FIRMWARE = ['1.4.2', '1.5.0']

interface Listed { vin: string, model: string, firmware: string, online: boolean, openFaults: number, dealerId: string | null }

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
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
