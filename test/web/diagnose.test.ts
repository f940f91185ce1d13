/**
 * Remote diagnosis from the vehicle page in Chromium: an engineer asks a
 * simulated vehicle with an engine fault for its DTCs and sees the engine
 * ECU's answer decoded (its DTC and status) without a reload; a malformed
 * raw request is refused in place and nothing is sent; clearing DTCs waits
 * for approval. An operator gets no form.
 */
import t from 'tap'
import { consoleSkip, openConsole } from '../helpers/browser.js'
import { until } from '../helpers/until.js'
import { SIM_SETTINGS, startVehicle } from './fixtures.js'

t.test('an engineer asks a vehicle for its DTCs and reads the answer', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t, { overrides: SIM_SETTINGS })
  const { page } = c
  const { storage } = c.gateway.gateway
  const vin = 'WPWDGNW0000000001'
  const tbox = await startVehicle(t, c, { vin, seed: 5, driveFirstS: 1200, faults: ['mil'], commandStepMs: 50 })
  await until('the vehicle online', async () => (await storage.telemetry.vehicle(vin)).connected ? true : undefined)
  const code = tbox.model.state.dtcs[0]?.code
  t.ok(code !== undefined, 'the simulated engine has a DTC set')

  await c.signIn('engineer')
  await c.page.goto(`/#/vehicles/${vin}`)
  await page.locator('#vehicle-diagnose form').waitFor()
  await page.evaluate('window.notReloaded = true')
  await page.locator('select[name=diagnostic-target]').selectOption('0x7E0')
  await page.getByRole('button', { name: 'Ask', exact: true }).click()
  const answer = page.locator('.diagnosis .answer[data-ecu="0x7E8"]').first()
  await answer.waitFor({ timeout: 20_000 })
  t.match(await answer.textContent(), code as string, 'the engine ECU\'s DTC, decoded')
  t.match(await answer.textContent(), 'confirmedDTC', 'with its status')
  t.equal(await page.evaluate('window.notReloaded'), true, 'without a reload')
  await c.screenshot('vehicle-diagnose')

  const before = (await storage.commands.list({ vin })).length
  await page.locator('select[name=diagnostic-kind]').selectOption('raw')
  await page.locator('input[name=diagnostic-arg]').fill('59 02 FF')
  await page.getByRole('button', { name: 'Ask', exact: true }).click()
  await page.locator('#vehicle-diagnose .error-box').waitFor()
  t.match(await page.locator('#vehicle-diagnose .error-box').textContent(), /body\.diagnostic\.request/, 'the API\'s reason, in place')
  t.equal((await storage.commands.list({ vin })).length, before, 'nothing sent')

  await page.locator('select[name=diagnostic-kind]').selectOption('uds_clear_dtcs')
  await page.getByRole('button', { name: 'Ask', exact: true }).click()
  await page.locator('#vehicle-diagnose [role=status]', { hasText: 'Waiting for approval' }).waitFor()
  // the browser logs the refused request's 400 as a console error: that one, and nothing else
  t.same(c.errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e)), [], 'no script errors or policy violations')
})

t.test('an operator sees no diagnose form', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t, { overrides: SIM_SETTINGS })
  const vin = 'WPWDGNW0000000002'
  await startVehicle(t, c, { vin, seed: 6, driveFirstS: 10 })
  await c.signIn('operator')
  await c.page.goto(`/#/vehicles/${vin}`)
  await c.page.locator('.vehicle .page-head', { hasText: vin }).waitFor()
  t.equal(await c.page.locator('#vehicle-diagnose').count(), 0)
})
