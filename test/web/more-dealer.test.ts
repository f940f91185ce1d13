/**
 * A dealer's console in Chromium: the inbox lists its alert with the parts
 * to stage; the alert's page shows the evidence, DTCs and suggested fix and
 * offers only the states after the current one; the dealer works it to
 * repaired (first-time fix asked for) and the store has each step, signed by
 * the dealer's token. A freeze frame of one sample is a dot mid-chart.
 * Another dealer's alert, opened by URL, is not found, and the API answers
 * 404.
 */
import t from 'tap'
import { CaseBase } from '../../actions/cases/case-base.js'
import { DEMO_CASE_PACK, loadCasePack } from '../../actions/cases/pack.js'
import { DealerAlertService } from '../../actions/dealer-alerts/service.js'
import { PLACES, recordingLog, seedFault, standingAt } from '../actions/dealer-fixtures.js'
import { postgresReachable } from '../helpers/backends.js'
import { consoleSkip, openConsole } from '../helpers/browser.js'
import { until } from '../helpers/until.js'
import { poolOf } from '../../storage/index.js'

/**
 * In the page: the pixels of the first chart drawn in its first series' colour
 * (CHART_COLORS[0], #1f6feb), and where they are across the plotting area (0: its left edge, 1: its right).
 */
const SERIES_PIXELS = `(() => {
  const chart = document.querySelector('.chart')
  const canvas = chart.querySelector('canvas')
  const over = chart.querySelector('.u-over').getBoundingClientRect()
  const box = canvas.getBoundingClientRect()
  const scale = canvas.width / box.width
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
  let pixels = 0
  let sumX = 0
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 31) < 24 && Math.abs(data[i + 1] - 111) < 24 && Math.abs(data[i + 2] - 235) < 24 && data[i + 3] > 200) {
      pixels++
      sumX += (i / 4) % canvas.width
    }
  }
  return { pixels, at: pixels === 0 ? -1 : (box.left + sumX / pixels / scale - over.left) / over.width }
})()`

t.test('a dealer works an alert to repaired and cannot open another dealer\'s', { skip: consoleSkip() }, async (t) => {
  const c = await openConsole(t, { backend: await postgresReachable() ? 'postgres' : 'pglite' })
  const { page } = c
  const { storage } = c.gateway.gateway
  // the dealer token of openConsole is dealer-nord's
  await storage.dealers.add({ id: 'dealer-nord', name: 'Autohaus Nord', ...PLACES.munich })
  await storage.dealers.add({ id: 'dealer-sued', name: 'Autohaus Süd', ...PLACES.stuttgart })
  await new CaseBase(storage.cases).apply(loadCasePack(DEMO_CASE_PACK), 'test')
  const alerts = new DealerAlertService({
    alerts: storage.dealerAlerts,
    dealers: storage.dealers,
    log: recordingLog(),
    caseLookup: async (id) => await storage.cases.find(id)
  })
  const raise = async (dealerId: string): Promise<{ id: number, vin: string }> => {
    const fault = await seedFault(storage, { caseId: 'case-cooling-fan', fixes: standingAt(PLACES.garching), dtcs: [{ s: 30, dtc: 0x021700, status: 0x09, ecu: 0x7e0 }] })
    // a freeze frame of one sample a second before the fault opened, in µs as the rule engine keeps it (rules/vehicle-signals.ts)
    await poolOf(storage).query('UPDATE faults SET evidence = $2 WHERE id = $1',
      [fault.faultId, JSON.stringify([{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: (fault.openedAt.getTime() - 1000) * 1000, value: 117 }])])
    await storage.vehicles.assignDealer(fault.vin, dealerId)
    const [alert] = await alerts.raiseForFault(fault.faultId, 'prestage')
    return { id: alert?.id as number, vin: fault.vin }
  }
  const own = await raise('dealer-nord')
  const other = await raise('dealer-sued')

  await c.signIn('dealer')
  t.same(await page.locator('.nav a').allTextContents(), ['Inbox', 'Cases', 'KPIs'], 'a dealer\'s navigation')
  await page.getByRole('link', { name: 'Inbox' }).click()
  const row = page.locator('tr', { hasText: own.vin })
  await row.waitFor()
  t.match(await row.textContent(), /new.*radiator fan assembly/s, 'the alert is new and names the parts to stage')
  t.equal(await page.locator('tr', { hasText: other.vin }).count(), 0, 'another dealer\'s alert is not listed')
  await c.screenshot('inbox')

  await row.getByRole('link', { name: `#${own.id}` }).click()
  await page.locator('.m-work').waitFor()
  t.match(await page.locator('.m-fix').textContent(), /radiator fan assembly.*From case Engine overheats in slow traffic/s, 'the suggested fix and parts from the case')
  t.match(await page.locator('table', { hasText: 'P0217' }).textContent(), /P0217.*0x7E0/s, 'the DTC with its ECU')
  await page.locator('.chart canvas').first().waitFor()
  // the one sample is a dot in the middle of the chart's minute, not on the edge of a day
  const dot = await until('the freeze frame\'s one sample to be drawn', async () => {
    const found = await page.evaluate<{ pixels: number, at: number }>(SERIES_PIXELS)
    return found.pixels > 0 ? found : undefined
  })
  t.ok(dot.pixels >= 20, `the lone sample is drawn as a dot (${dot.pixels} pixels)`)
  t.ok(dot.at > 0.4 && dot.at < 0.6, `in the middle of the time axis (at ${dot.at.toFixed(2)} of its width)`)
  const moves = async (): Promise<string[]> => await page.locator('.m-moves button').allTextContents()
  t.same(await moves(), ['Acknowledge', 'Parts staged', 'Appointment booked', 'Repaired', 'Close'], 'every later state, none before')
  await c.screenshot('alert')

  for (const [button, status] of [['Acknowledge', 'acknowledged'], ['Parts staged', 'parts staged'], ['Appointment booked', 'appointment booked']]) {
    await page.locator('.m-moves').getByRole('button', { name: button }).click()
    await page.locator('h1 .badge', { hasText: status }).waitFor()
  }
  t.same(await moves(), ['Repaired', 'Close'], 'only what follows the booked appointment')
  await page.getByRole('button', { name: 'Repaired' }).click()
  t.match(await page.getByRole('alert').textContent(), 'Say whether it was fixed at the first visit', 'repaired asks for the first-time fix first')
  await page.getByLabel('yes').check()
  await page.getByLabel('Note').fill('fan relay replaced')
  await page.getByRole('button', { name: 'Repaired' }).click()
  await page.locator('h1 .badge', { hasText: 'repaired' }).waitFor()
  t.same(await moves(), ['Close'])
  const stored = await storage.dealerAlerts.get('dealer-nord', own.id)
  t.match(stored, { status: 'repaired', firstTimeFix: true }, 'stored as repaired at the first visit')
  const timeline = await storage.dealerAlerts.timeline('dealer-nord', own.id)
  t.same(timeline.slice(1).map((e) => [e.status, e.by]), [['acknowledged', 'Autohaus Nord'], ['parts_staged', 'Autohaus Nord'], ['appointment_booked', 'Autohaus Nord'], ['repaired', 'Autohaus Nord']],
    'each step after new, signed by the dealer\'s token')
  t.match(timeline[4]?.detail, { firstTimeFix: true, note: 'fan relay replaced' })
  await c.screenshot('alert-repaired')

  await page.goto(`/#/inbox/alerts/${other.id}`)
  await page.locator('.m-not-found').waitFor()
  t.match(await page.locator('.m-not-found').textContent(), `No alert ${other.id} in your inbox.`)
  const api = await page.request.get(`/api/v1/inbox/alerts/${other.id}`)
  t.equal(api.status(), 404, 'the API answers 404 to the same cookie')
  t.equal((await api.json()).code, 'PITWALL_ERR_DEALER_ALERT_UNKNOWN')
  t.equal(await page.locator('.m-moves button').count(), 0, 'nothing to move')

  await page.getByRole('link', { name: 'KPIs' }).click()
  await page.locator('.m-card', { hasText: 'First-time fix' }).waitFor()
  t.match(await page.locator('.m-card', { hasText: 'First-time fix' }).textContent(), '100 %', 'its own first-time fix rate')
  t.equal(await page.getByText('OTA success').count(), 0, 'no fleet-wide figures for a dealer')
  await c.screenshot('kpis-dealer')
  t.same(c.errors.filter((e) => !/status of 404/.test(e)), [], 'no script errors or policy violations (the other dealer\'s alert is a 404)')
})
