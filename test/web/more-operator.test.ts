/**
 * An operator's pages in Chromium: dealers and their webhooks (a new secret
 * shown once, a dealer registered and taken out of routing); API tokens (a
 * new token shown once with a copy button, working at once, and refused from
 * the request after it is revoked); a webhook dead letter retried; and the
 * health page, which refreshes itself. Screenshots of each.
 */
import t from 'tap'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { poolOf } from '../../storage/index.js'
import { PLACES, recordingLog, seedFault } from '../actions/dealer-fixtures.js'
import { postgresReachable } from '../helpers/backends.js'
import { consoleSkip, openConsole } from '../helpers/browser.js'

t.test('an operator manages dealers, tokens and dead letters and watches health', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t, { backend: await postgresReachable() ? 'postgres' : 'pglite' })
  const { page } = c
  const { storage } = c.gateway.gateway
  await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.munich, webhookUrl: 'https://dms.nord.example.com/pitwall' })
  await c.signIn('operator')
  t.same(await page.locator('.nav a').allTextContents(), ['Fleet', 'Faults', 'Map', 'Quality', 'KPIs', 'Dealers', 'Tokens', 'Dead letters', 'Health'], 'an operator\'s navigation')

  t.test('dealers: a new webhook secret shown once; a dealer registered and taken out of routing', async (t) => {
    await page.getByRole('link', { name: 'Dealers' }).click()
    const nord = page.locator('tr', { hasText: 'dealer-nord' })
    await nord.waitFor()
    t.match(await nord.textContent(), /https:\/\/dms\.nord\.example\.com\/pitwall.*signed \(secret set\)/s)
    await nord.getByRole('button', { name: 'New secret' }).click()
    const secret = page.getByLabel('Webhook secret of dealer-nord')
    await secret.waitFor()
    t.ok((await secret.inputValue()).length >= 32, 'the new secret is shown')
    await page.getByRole('button', { name: 'Done' }).click()
    t.equal(await page.locator('.m-secret').count(), 0, 'and gone once dismissed')

    await nord.getByRole('button', { name: 'Webhook…' }).click()
    await page.getByLabel('Webhook URL of dealer-nord').fill('http://127.0.0.1:9/hook')
    await nord.getByRole('button', { name: 'Save' }).click()
    const refused = nord.locator('.m-field-error')
    await refused.waitFor()
    t.match(await refused.textContent(), /http:\/\/127\.0\.0\.1:9\/hook/, 'a webhook to a loopback address is refused beside the field, naming it')
    t.equal((await storage.dealers.get('dealer-nord')).webhookUrl, 'https://dms.nord.example.com/pitwall', 'and not stored')
    await nord.getByRole('button', { name: 'Cancel' }).click()

    await page.getByRole('button', { name: 'Register a dealer' }).click()
    await page.getByLabel('Id').fill('werkstatt-ulm')
    await page.getByLabel('Name').fill('Werkstatt Ulm')
    await page.getByLabel('Latitude').fill(String(PLACES.ulm.lat))
    await page.getByLabel('Longitude').fill(String(PLACES.ulm.lon))
    await page.getByRole('button', { name: 'Register', exact: true }).click()
    const ulm = page.locator('tr', { hasText: 'werkstatt-ulm' })
    await ulm.waitFor()
    t.match(await ulm.textContent(), /inbox only.*active/s)
    await ulm.getByRole('button', { name: 'Deactivate' }).click()
    await ulm.locator('.badge', { hasText: 'inactive' }).waitFor()
    t.equal((await storage.dealers.get('werkstatt-ulm')).active, false, 'out of alert routing')
    await c.screenshot('dealers')
    await ulm.getByRole('link', { name: 'KPIs' }).click()
    await page.locator('.m-card', { hasText: 'First-time fix' }).waitFor()
    t.equal(await page.getByLabel('Dealer').inputValue(), 'werkstatt-ulm', 'a dealer\'s KPIs a click away, the dealer chosen')
    t.match(page.url(), /#\/kpis\?dealer=werkstatt-ulm$/, 'and in the address')
  })

  t.test('tokens: a new token is shown once, copied, works, and is refused once revoked', async (t) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    await page.getByRole('link', { name: 'Tokens' }).click()
    await page.getByLabel('Name').fill('Nord DMS integration')
    await page.locator('label', { hasText: /^Dealer/ }).locator('select').selectOption('dealer-nord')
    await page.getByRole('button', { name: 'Create token' }).click()
    const field = page.getByLabel('Token "Nord DMS integration"')
    await field.waitFor()
    const token = await field.inputValue()
    t.match(token, /^pwt_[A-Za-z0-9_-]{43}$/)
    await page.getByRole('button', { name: 'Copy' }).click()
    await page.getByText('Copied.').waitFor()
    // a string: the test's own types have no DOM
    t.equal(await page.evaluate('navigator.clipboard.readText()'), token, 'the copy button puts it on the clipboard')
    await c.screenshot('tokens')
    const me = async (): Promise<number> => (await fetch(`${c.baseUrl}/api/v1/dealers/me`, { headers: { authorization: `Bearer ${token}` } })).status
    t.equal(await me(), 200, 'the token works at once')
    await page.getByRole('button', { name: 'Done' }).click()

    page.once('dialog', (dialog) => { void dialog.accept() })
    const row = page.locator('tr', { hasText: 'Nord DMS integration' })
    await row.getByRole('button', { name: 'Revoke' }).click()
    await row.locator('.badge', { hasText: 'revoked' }).waitFor()
    t.equal(await me(), 401, 'and is refused once revoked')
  })

  t.test('a webhook dead letter is retried', async (t) => {
    const fault = await seedFault(storage)
    await storage.vehicles.assignDealer(fault.vin, 'dealer-nord')
    const [alert] = await new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() }).raiseForFault(fault.faultId, 'prestage')
    // what twelve failed attempts leave behind
    await poolOf(storage).query("UPDATE webhook_deliveries SET state = 'dead', attempts = 12, dead_at = now(), last_status = 503, last_error = 'HTTP 503 Service Unavailable' WHERE alert_id = $1", [alert?.id])
    await page.getByRole('link', { name: 'Dead letters' }).click()
    const row = page.locator('tr', { hasText: `alert ${alert?.id as number}` })
    await row.waitFor()
    t.match(await row.textContent(), /dealer-nord.*dealer_alert\.created.*12.*HTTP 503/s)
    await c.screenshot('dead-letters')
    await row.getByRole('button', { name: 'Retry' }).click()
    await page.getByRole('status').filter({ hasText: 'is queued again' }).waitFor()
    await page.locator('tr', { hasText: `alert ${alert?.id as number}` }).waitFor({ state: 'detached' })
    t.pass('no longer listed as a dead letter')
    // the delivery worker may already have tried it again (the endpoint is down here): queued, its count started over
    const retried = (await storage.dealerAlerts.deliveries(alert?.id as number))[0]
    t.equal(retried?.state, 'pending', 'queued again')
    t.ok((retried?.attempts ?? 12) <= 1, `attempts counted from 0 again (${retried?.attempts ?? 'none'})`)
  })

  t.test('health refreshes by itself', async (t) => {
    await page.getByRole('link', { name: 'Health' }).click()
    const connected = page.locator('.m-card', { hasText: 'Connected vehicles' })
    await connected.waitFor()
    t.match(await connected.locator('.m-card-value').textContent(), '0')
    // the second reading (a few seconds on) has rates: their span shows under the PUBACK figure
    await page.locator('.m-card', { hasText: 'PUBACK latency' }).getByText(/last \d+ s/).waitFor()
    t.match(await page.locator('.m-card', { hasText: 'Webhook dead letters' }).locator('.m-card-value').textContent(), '0', 'the retried dead letter is no longer counted')
    await c.screenshot('health')
    // refusals the test asked for (400 webhook address, 401 revoked token) are logged by the browser as failed loads
    t.same(c.errors.filter((e) => !/status of 40[01]/.test(e)), [], 'no script errors or policy violations')
  })
})
