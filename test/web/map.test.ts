/**
 * The fleet map in Chromium with its tile server unreachable (a closed local
 * port): every vehicle at its last position, well past the 200 the page
 * once read one by one, drawn on a canvas, and the dealers as markers; a
 * note says why there is no background map; a vehicle's circle names it on
 * hover and opens its page on click; the filters narrow the map.
 */
import t from 'tap'
import { poolOf } from '../../storage/index.js'
import { CLOSED_PORT, consoleSkip, openConsole } from '../helpers/browser.js'
import { until } from '../helpers/until.js'
import { PLACES } from '../actions/dealer-fixtures.js'
import { SIM_SETTINGS, startVehicle } from './fixtures.js'

/** 250 parked vehicles on a grid around Berlin; their VINs sort between the simulated ones and the last */
const PARKED = 250
/** last by VIN (past the first 200), alone in Hamburg, with an open fault: the one red circle */
const FAULTY = 'WPWMAPZ0000000001'

/**
 * Where the canvas drew the fault colour (#cf222e, the legend's), in page
 * coordinates: the centre of the one red circle; null before it is drawn.
 */
const RED_CIRCLE = `(() => {
  const canvas = document.querySelector('.map-canvas .leaflet-overlay-pane canvas')
  if (canvas === null) return null
  const box = canvas.getBoundingClientRect()
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
  let pixels = 0
  let sumX = 0
  let sumY = 0
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] === 207 && data[i + 1] === 34 && data[i + 2] === 46) {
      pixels++
      sumX += (i / 4) % canvas.width
      sumY += Math.floor(i / 4 / canvas.width)
    }
  }
  if (pixels === 0) return null
  return { pixels, x: box.left + sumX / pixels * box.width / canvas.width, y: box.top + sumY / pixels * box.height / canvas.height }
})()`

t.test('the map shows the whole fleet and the dealers when tiles cannot load', { skip: consoleSkip() }, async (t) => {
  const tileUrl = `http://127.0.0.1:${CLOSED_PORT}/tiles/{z}/{x}/{y}.png`
  const c = await openConsole(t, { overrides: { ...SIM_SETTINGS, consoleTileUrl: tileUrl } })
  const { page } = c
  const { storage } = c.gateway.gateway
  const pool = poolOf(storage)
  await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.munich })
  await storage.dealers.add({ id: 'dealer-sued', name: 'Autohaus Süd', ...PLACES.stuttgart })
  await pool.query(`INSERT INTO vehicles (vin, model) SELECT 'WPWMAPM' || lpad(n::text, 10, '0'), 'Demo Van' FROM generate_series(1, $1) n`, [PARKED])
  await pool.query(`INSERT INTO gnss_fixes (time, vehicle_id, lat, lon)
    SELECT now() - interval '1 hour', id, $1 + (id % 20) * 0.01, $2 + (id / 20 % 20) * 0.01 FROM vehicles WHERE vin LIKE 'WPWMAPM%'`, [PLACES.berlin.lat, PLACES.berlin.lon])
  const faulty = await storage.vehicles.add({ vin: FAULTY, model: 'Demo EV' }, 'scrypt$x')
  await pool.query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon) VALUES (now(), $1, 53.55, 9.99)', [faulty])
  await pool.query("INSERT INTO rule_versions (id, version, definition) VALUES ('map-test', 'v1', '{}')")
  await pool.query(`INSERT INTO faults (vehicle_id, rule_id, rule_version, severity, state, opened_at, last_occurred_at, evidence)
    VALUES ($1, 'map-test', 'v1', 'major', 'open', now(), now(), '[]')`, [faulty])
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
  const head = page.locator('.page-head')
  await head.getByText(`${PARKED + 3} vehicles with a position · 2 dealers`).waitFor()
  t.equal(await page.locator('.map-canvas .leaflet-overlay-pane canvas').count(), 1, 'the vehicles are drawn on one canvas')
  t.equal(await page.locator('.map-canvas .map-marker-vehicle').count(), 0, 'not as an element each')
  t.equal(await page.locator('.map-canvas .map-marker-dealer').count(), 2, 'a marker per dealer')
  await page.getByText('Map tiles could not be loaded').waitFor()
  t.ok(tileRequests.length > 0, 'the page asked the configured tile server')

  // found anew at each try: a map still settling (the fit's zoom) moves it, and ignores the mouse while it zooms
  const red = await until('the faulty vehicle\'s circle to be drawn and named on hover', async () => {
    const at = await page.evaluate(RED_CIRCLE) as { pixels: number, x: number, y: number } | null
    if (at === null) return undefined
    await page.mouse.move(at.x - 3, at.y)
    await page.mouse.move(at.x, at.y)
    return await page.locator('.leaflet-tooltip', { hasText: FAULTY }).count() > 0 ? at : undefined
  }, { timeoutMs: 15_000, pollMs: 250 })
  t.ok(red.pixels >= 20, `the vehicle past the first 200 by VIN is drawn, in the fault colour (${red.pixels} pixels)`)
  t.match(await page.locator('.leaflet-tooltip').textContent(), `${FAULTY} · Demo EV · 1 open fault`, 'hovering names it')
  await c.screenshot('map')
  const at = await page.evaluate(RED_CIRCLE) as { x: number, y: number }
  await page.mouse.click(at.x, at.y)
  await page.locator('.vehicle .page-head').waitFor()
  t.match(await page.locator('.vehicle .page-head').textContent(), FAULTY, 'a click opens its vehicle')

  await page.goBack()
  await head.getByText(`${PARKED + 3} vehicles with a position`).waitFor()
  await page.locator('input[name=find-vin]').fill('mapb')
  await page.getByRole('button', { name: 'Find', exact: true }).click()
  await page.locator('.leaflet-tooltip', { hasText: vins[1] }).waitFor()
  t.pass('a VIN typed in part finds its vehicle on the map')
  await page.locator('select[name=fault]').selectOption('open')
  await head.getByText('1 vehicle with a position').waitFor()
  await page.locator('select[name=fault]').selectOption('')
  await page.locator('select[name=online]').selectOption('true')
  await head.getByText('2 vehicles with a position').waitFor()
  t.pass('the filters narrow the map: one with an open fault, the two simulated vehicles online')
  t.same(c.errors, [], 'no script errors or policy violations')
})
