/**
 * GET /api/v1/vehicles: engineers see the fleet with each vehicle's
 * reported firmware and own dealer, a dealer sees only the vehicles it looks
 * after and cannot ask for another dealer's.
 */
import t from 'tap'
import { openTestStorage, PLACES } from '../actions/dealer-fixtures.js'
import { openApi } from '../helpers/api-client.js'
import { oneBackend } from '../helpers/backends.js'

t.test('the fleet, and a dealer\'s own customers', async (t) => {
  const storage = await openTestStorage(t, await oneBackend())
  const { call, expectError } = await openApi(t, storage)
  await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
  await storage.dealers.add({ id: 'ber', name: 'Autohaus Berlin', ...PLACES.berlin })
  const ids = await Promise.all(['WPWVEH00000000001', 'WPWVEH00000000002', 'WPWVEH00000000003'].map(async (vin) => await storage.vehicles.add({ vin, model: 'demo-ev', firmware: '1.4.2' }, 'scrypt$x')))
  await storage.vehicles.assignDealer('WPWVEH00000000001', 'muc')
  await storage.vehicles.assignDealer('WPWVEH00000000002', 'ber')
  await storage.vehicles.setFirmware(ids[0] as number, '1.5.0')
  const engineer = (await storage.apiTokens.create({ name: 'eva', role: 'engineer' })).token
  const munich = (await storage.apiTokens.create({ name: 'Autohaus München', role: 'dealer', dealerId: 'muc' })).token

  const fleet = (await call('GET', '/api/v1/vehicles', engineer)).json().vehicles
  t.same(fleet.map((v: { vin: string, firmware: string, dealerId: string | null }) => [v.vin, v.firmware, v.dealerId]),
    [['WPWVEH00000000001', '1.5.0', 'muc'], ['WPWVEH00000000002', '1.4.2', 'ber'], ['WPWVEH00000000003', '1.4.2', null]], 'firmware as reported, own dealer')
  t.same((await call('GET', '/api/v1/vehicles?dealer=ber', engineer)).json().vehicles.map((v: { vin: string }) => v.vin), ['WPWVEH00000000002'])
  t.same((await call('GET', '/api/v1/vehicles', munich)).json().vehicles.map((v: { vin: string }) => v.vin), ['WPWVEH00000000001'], 'a dealer sees its own customers only')
  await expectError(t, call('GET', '/api/v1/vehicles?dealer=ber', munich), 403, 'PITWALL_ERR_FORBIDDEN', /reads only its own vehicles, not dealer ber's/)
  await expectError(t, call('GET', '/api/v1/vehicles?dealer=nobody', engineer), 404, 'PITWALL_ERR_DEALER_UNKNOWN', /nobody/)
  await expectError(t, call('GET', '/api/v1/vehicles'), 401, 'PITWALL_ERR_UNAUTHENTICATED', /needs an API token/)
})
