/**
 * The fleet map in Chromium with its tile server unreachable (a closed local
 * port): vehicles at their last positions and the dealers still show as
 * markers, a note says why there is no background map, and a vehicle's
 * marker opens its page.
 */
import t from 'tap'
import { CLOSED_PORT, consoleSkip, openConsole } from '../helpers/browser.js'
import { until } from '../helpers/until.js'
import { PLACES } from '../actions/dealer-fixtures.js'
import { SIM_SETTINGS, startVehicle } from './fixtures.js'

t.test('the map shows vehicles and dealers when tiles cannot load', { skip: consoleSkip() }, async (t) => {
  const tileUrl = `http://127.0.0.1:${CLOSED_PORT}/tiles/{z}/{x}/{y}.png`
  const c = await openConsole(t, { overrides: { ...SIM_SETTINGS, consoleTileUrl: tileUrl } })
  const { page } = c
  const { storage } = c.gateway.gateway
  await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.munich })
  await storage.dealers.add({ id: 'dealer-sued', name: 'Autohaus Süd', ...PLACES.stuttgart })
  const vins = ['WPWMAPA0000000001', 'WPWMAPB0000000002']
  for (const [i, vin] of vins.entries()) await startVehicle(t, c, { vin, seed: 20 + i, driveFirstS: 30 })
  await until('both positions stored', async () => {
    for (const vin of vins) if (await storage.telemetry.position((await storage.telemetry.vehicle(vin)).vehicleId) === null) return undefined
    return true
  })

  const tileRequests: string[] = []
  page.on('request', (request) => { if (request.url().includes('/tiles/')) tileRequests.push(request.url()) })
  await c.signIn('engineer')
  await page.getByRole('link', { name: 'Map', exact: true }).click()
  await page.locator('.map-canvas .map-marker-vehicle').nth(1).waitFor()
  t.equal(await page.locator('.map-canvas .map-marker-vehicle').count(), 2, 'a marker per vehicle')
  t.equal(await page.locator('.map-canvas .map-marker-dealer').count(), 2, 'a marker per dealer')
  await page.getByText('Map tiles could not be loaded').waitFor()
  t.ok(tileRequests.length > 0, 'the page asked the configured tile server')
  t.match(await page.locator('.page-head').textContent(), '2 vehicles with a position · 2 dealers')
  await c.screenshot('map')

  await page.locator('.map-canvas .map-marker-vehicle').first().click()
  await page.locator('.vehicle .page-head').waitFor()
  t.match(await page.locator('.vehicle .page-head').textContent(), /WPWMAP[AB]/, 'a marker opens its vehicle')
  t.same(c.errors, [], 'no script errors or policy violations')
})
