/**
 * Signing in and out of the console in Chromium: a sign-in link's token is
 * exchanged for the session cookie and leaves the address bar; the cookie is
 * out of script's reach; a bad token's message shows in place; sign-out ends
 * the session on the server, so the old cookie opens nothing.
 */
import t from 'tap'
import { provisionDevice } from '../../gateway/provisioning.js'
import { consoleSkip, openConsole } from '../helpers/browser.js'

t.test('sign in by link, see who is signed in, sign out', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t)
  const { page } = c
  await c.signIn('engineer')
  t.notMatch(page.url(), /signin|pwt_/, 'the token left the address bar')
  t.match(await page.locator('.who').textContent(), 'alice · engineer')
  t.equal(await page.evaluate('document.cookie'), '', 'the session cookie is HttpOnly')
  const cookies = await page.context().cookies()
  t.match(cookies, [{ name: 'pitwall_session', httpOnly: true, sameSite: 'Strict', path: '/' }])
  await page.reload()
  await page.locator('.shell').waitFor()
  t.pass('a reload keeps the session')

  const old = cookies[0]?.value as string
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.locator('form input[name=token]').waitFor()
  const replay = await fetch(`${c.baseUrl}/api/v1/session`, { headers: { cookie: `pitwall_session=${old}` } })
  t.equal(replay.status, 401, 'the old cookie is refused after sign-out')
  t.same(c.errors.filter((e) => !/401/.test(e)), [], 'no script errors or policy violations')
})

t.test('a wrong token is refused in place with the API\'s message', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t)
  const { page } = c
  await page.goto('/')
  await page.locator('input[name=token]').fill('pwt_' + 'x'.repeat(43))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').waitFor()
  t.match(await page.getByRole('alert').textContent(), 'the API token is not valid (unknown, revoked or expired)')
  await c.screenshot('sign-in-refused')
  await page.locator('input[name=token]').fill(c.tokens.operator)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('.shell').waitFor()
  t.match(await page.locator('.who').textContent(), 'olaf · operator')
})

t.test('a link followed just as the sign-in lands opens where it leads, not the home page', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t)
  const { page } = c
  await provisionDevice(c.gateway.gateway.storage.vehicles, { vin: 'WPWSGNL0000000001', model: 'Demo EV' })
  // the moment the signed-in shell is on the page, before its effects run (they wait for the paint): a click on a link, say
  await page.addInitScript(`new MutationObserver((_, observer) => {
    if (document.querySelector('.shell') === null) return
    observer.disconnect()
    location.hash = '#/vehicles/WPWSGNL0000000001'
  }).observe(document, { childList: true, subtree: true })`)
  await page.goto(`/#signin=${encodeURIComponent(c.tokens.operator)}`)
  await page.locator('#vehicle-commands').waitFor()
  t.match(page.url(), /#\/vehicles\/WPWSGNL0000000001$/, 'the vehicle\'s page, and the address says so')
  t.same(c.errors, [], 'no script errors or policy violations')
})
