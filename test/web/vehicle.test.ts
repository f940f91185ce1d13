/**
 * The fleet list and a vehicle's page in Chromium, with simulated vehicles:
 * the list counts, filters and moves by keyboard; the vehicle page shows
 * its signals, charts and track; an engineer sends a remote fix and
 * watches its states change as the T-box acknowledges each step over MQTT,
 * without a reload.
 */
import t from 'tap'
import { provisionDevice } from '../../gateway/provisioning.js'
import { consoleSkip, openConsole } from '../helpers/browser.js'
import { until } from '../helpers/until.js'
import { SIM_SETTINGS, startVehicle } from './fixtures.js'

t.test('fleet list, vehicle page, and a remote fix whose states update live', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t, { overrides: SIM_SETTINGS })
  const { page } = c
  const { storage } = c.gateway.gateway
  const vin = 'WPWVEHA0000000001'
  await startVehicle(t, c, { vin, seed: 3, driveFirstS: 60, commandStepMs: 600 })
  await startVehicle(t, c, { vin: 'WPWVEHB0000000002', seed: 4, driveFirstS: 60 })
  await provisionDevice(storage.vehicles, { vin: 'WPWVEHC0000000003', model: 'Demo Van' })
  await until('both simulated vehicles online with a position', async () => {
    const page = await storage.vehicles.page({ online: true })
    return page.total === 2 && (await storage.telemetry.position((await storage.telemetry.vehicle(vin)).vehicleId)) !== null ? true : undefined
  })

  await c.signIn('engineer')
  await page.locator('.fleet-table tbody tr').first().waitFor()
  t.match(await page.locator('.page-head').textContent(), '3 vehicles')
  await page.locator('select[name=online]').selectOption('true')
  await page.locator('.page-head', { hasText: '2 vehicles match' }).waitFor()
  t.equal(await page.locator('.fleet-table tbody tr').count(), 2, 'online now: the two simulated vehicles')
  t.match(page.url(), 'online=true', 'the filter is in the address')
  await c.screenshot('fleet')

  await page.keyboard.press('/')
  await page.keyboard.type('VEHA')
  await page.locator('.page-head', { hasText: '1 vehicle match' }).waitFor()
  await page.keyboard.press('Escape')
  await page.keyboard.press('Enter')
  await page.locator('.vehicle .page-head', { hasText: vin }).waitFor()
  t.match(await page.locator('.vehicle .page-head').textContent(), 'online', 'keyboard: / searches, Enter opens')

  await page.locator('.signal-table tr[data-signal="Vehicle.Speed"]').waitFor()
  await page.locator('.vehicle-charts canvas').first().waitFor()
  await page.locator('.live-mark.live').first().waitFor()
  // a short drive can be shorter than a pixel: the track is drawn, if not visibly
  await page.locator('#vehicle-map path.map-track').waitFor({ state: 'attached' })
  t.ok(await page.locator('#vehicle-map .map-marker-position').count() === 1, 'where it is now')

  await page.locator('input[name=action]').fill('bms-extended-balancing')
  await page.locator('textarea[name=params]').fill('targetSpreadMv=30')
  await page.evaluate('window.notReloaded = true')
  await page.getByRole('button', { name: 'Send remote fix' }).click()
  const state = page.locator('.commands-table tbody tr').first().locator('.command-state')
  const seen: string[] = []
  await until('the fix to succeed in the page', async () => {
    const text = (await state.textContent())?.trim() ?? ''
    if (text !== '' && seen[seen.length - 1] !== text) seen.push(text)
    return text.startsWith('succeeded') ? true : undefined
  }, { timeoutMs: 30_000, pollMs: 100 })
  t.ok(seen.length >= 3, `states shown as they changed: ${seen.join(' → ')}`)
  t.ok(seen.some((s) => /sent|accepted|in progress/.test(s)), 'a step between queued and succeeded was shown')
  t.equal(await page.evaluate('window.notReloaded'), true, 'without a reload')
  const [command] = await storage.commands.list({ vin })
  t.match(command, { state: 'succeeded', requestedBy: 'alice', body: { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } } })
  await c.screenshot('vehicle')
  t.same(c.errors, [], 'no script errors or policy violations')
})

t.test('a bad remote fix is refused in place; an unknown VIN says so; an operator gets no form', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t)
  const { page } = c
  await provisionDevice(c.gateway.gateway.storage.vehicles, { vin: 'WPWVEHD0000000004', model: 'Demo EV' })
  await c.signIn('engineer')
  await page.goto('/#/vehicles/WPWVEHD0000000004')
  await page.locator('input[name=action]').fill('reboot')
  await page.locator('textarea[name=params]').fill('no equals sign')
  await page.getByRole('button', { name: 'Send remote fix' }).click()
  t.match(await page.locator('.send-fix [role=alert]').textContent(), 'parameters, line 1: "no equals sign" is not key=value')
  await page.goto('/#/vehicles/WPWVEHZ9999999999')
  await page.getByRole('alert').waitFor()
  t.match(await page.getByRole('alert').textContent(), 'WPWVEHZ9999999999')

  const operator = await c.newPage()
  await c.signIn('operator', operator)
  await operator.goto('/#/vehicles/WPWVEHD0000000004')
  await operator.locator('#vehicle-commands').waitFor()
  t.equal(await operator.locator('form.send-fix').count(), 0, 'operators read commands but send none')
})
