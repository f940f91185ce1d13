/**
 * The console's single-key shortcuts in Chromium: a key belongs to the
 * focused control when it has one (Enter on a rule's on/off switch presses
 * the switch, it does not open the selected rule; j typed in a field is
 * text), Escape leaves the control, and a key with a modifier is never a
 * shortcut. In the fleet search, Enter opens a VIN typed whole; its page
 * names the vehicle in the tab and marks Fleet in the navigation.
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadRuleFile } from '../../rules/load.js'
import { consoleSkip, openConsole } from '../helpers/browser.js'
import { until } from '../helpers/until.js'

const PACK = fileURLToPath(new URL('../../rules/packs/demo-vehicle.yaml', import.meta.url))

t.test('shortcuts leave focused controls and modified keys alone', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t)
  const { page } = c
  const { storage } = c.gateway.gateway
  await storage.rules.apply(loadRuleFile(PACK))
  await storage.vehicles.add({ vin: 'WPWKEYS0000000001', model: 'demo-ev' }, 'scrypt$x')
  await c.signIn('engineer')

  await page.goto('/#/rules')
  const selected = page.locator('tbody tr.selected')
  await selected.waitFor()
  const ids = await page.locator('tbody tr td:first-child .m-sub').allTextContents()
  const selectedId = async (): Promise<string | null | undefined> => (await selected.locator('.m-sub').textContent())?.trim()
  t.equal(await selectedId(), ids[0], 'the first rule is selected')
  await page.keyboard.press('j')
  t.equal(await selectedId(), ids[1], 'j moves down')

  t.test('Enter on a focused switch presses it and opens nothing', async (t) => {
    const id = ids[1] as string
    const toggle = page.getByRole('switch', { name: `${id} enabled` })
    await toggle.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('switch', { name: `${id} enabled`, checked: false }).waitFor()
    t.equal((await storage.rules.list()).find((r) => r.id === id)?.enabled, false, 'the rule was switched off')
    t.match(page.url(), /#\/rules$/, 'still on the list')

    await page.keyboard.press('j')
    t.equal(await selectedId(), id, 'j on the focused switch does not move the selection')
    await page.keyboard.press('Escape')
    t.equal(await page.evaluate('document.activeElement === document.body'), true, 'Escape leaves the switch')
    await page.keyboard.press('j')
    t.equal(await selectedId(), ids[2], 'then j moves again')

    await toggle.dblclick()
    await page.waitForLoadState('networkidle')
    t.match(page.url(), /#\/rules$/, 'a double click on the switch presses it and opens nothing')
  })

  t.test('keys with a modifier, and keys typed in a field, are not shortcuts', async (t) => {
    await page.keyboard.press('Escape')
    const before = await selectedId()
    for (const key of ['Control+j', 'Alt+j', 'Shift+ArrowDown', 'Shift+Enter', 'Control+Enter', 'Alt+Enter']) await page.keyboard.press(key)
    t.equal(await selectedId(), before, 'the selection did not move')
    t.match(page.url(), /#\/rules$/, 'nothing was opened')

    const filter = page.getByLabel('Filter rules')
    await page.keyboard.press('/')
    t.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), 'Filter rules', '/ goes to the filter')
    await page.keyboard.type('jk')
    t.equal(await filter.inputValue(), 'jk', 'j and k are text there')
    await page.keyboard.press('Enter')
    t.match(page.url(), /#\/rules$/, 'Enter in the filter opens nothing')
    await filter.fill('')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Enter')
    await page.locator('h1', { hasText: (await storage.rules.list()).find((r) => r.id === before)?.name ?? '' }).waitFor()
    t.match(page.url(), `#/rules/${before}`, 'out of the field, Enter opens the selected rule')
  })

  t.test('a VIN typed whole in the fleet search opens with Enter', async (t) => {
    await page.goto('/#/fleet')
    await page.locator('.fleet-table tbody tr').first().waitFor()
    await page.keyboard.press('/')
    await page.keyboard.type('wpwkeys0000000001')
    await page.keyboard.press('Enter')
    await page.locator('.vehicle .page-head', { hasText: 'WPWKEYS0000000001' }).waitFor()
    await until('the address to name the vehicle', async () => page.url().endsWith('#/vehicles/WPWKEYS0000000001') ? true : undefined)
    t.equal(await page.title(), 'Vehicle WPWKEYS0000000001 · Pitwall', 'the tab says which vehicle')
    t.equal(await page.locator('.nav a[aria-current=page]').textContent(), 'Fleet', 'the navigation shows where the vehicle belongs')
  })

  t.same(c.errors, [], 'no script errors or policy violations')
})
