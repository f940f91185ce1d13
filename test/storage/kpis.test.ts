/**
 * Service KPIs from stored timelines, on both backends. Faults, alerts and
 * commands go through their stores as the gateway writes them; then their
 * times are set to a known story (the stores stamp now(), and a KPI test
 * needs minutes and hours between steps), and the figures a service manager
 * reads are checked against it. Which period is asked for is the policy's:
 * test/actions/kpis/policy.test.ts.
 */
import t from 'tap'
import type { DealerAlert } from '../../actions/dealer-alerts/model.js'
import { alertMove } from '../../actions/dealer-alerts/policy.js'
import { poolOf, type Storage } from '../../storage/index.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { openTestStorage, PLACES, seedFault } from '../actions/dealer-fixtures.js'

const T0 = Date.parse('2026-03-02T08:00:00Z')
const at = (s: number): Date => new Date(T0 + s * 1000)
const period = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') }
const envelope = (a: DealerAlert, key: string): { event: string, body: string } => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) })

/** A fault opened at `openedS` with one prestage alert to `dealerId` raised at `raisedS`, its steps at the given seconds. */
async function alertStory (storage: Storage, story: {
  dealerId: string
  webhook: boolean
  openedS: number
  raisedS: number
  deliveredS?: number
  steps?: Array<{ status: 'acknowledged' | 'parts_staged' | 'appointment_booked' | 'repaired', s: number, firstTimeFix?: boolean }>
}): Promise<{ faultId: number, alert: DealerAlert }> {
  const fault = await seedFault(storage)
  await poolOf(storage).query('UPDATE faults SET opened_at = $2 WHERE id = $1', [fault.faultId, at(story.openedS)])
  const { alerts: [alert] } = await storage.dealerAlerts.create(fault.faultId, 'prestage',
    [{ dealerId: story.dealerId, routing: { via: 'own', distanceKm: null }, payload: { test: true }, webhook: story.webhook }], envelope)
  if (alert === undefined) throw new Error('no alert created')
  await poolOf(storage).query('UPDATE dealer_alerts SET created_at = $2 WHERE id = $1', [alert.id, at(story.raisedS)])
  if (story.deliveredS !== undefined) {
    await poolOf(storage).query("UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $2 WHERE alert_id = $1", [alert.id, at(story.deliveredS)])
  }
  for (const step of story.steps ?? []) {
    await storage.dealerAlerts.transition(story.dealerId, alert.id, alertMove(alert.id, step.status, { by: 'werkstatt', ...(step.firstTimeFix === undefined ? {} : { firstTimeFix: step.firstTimeFix }) }))
    await poolOf(storage).query('UPDATE dealer_alert_events SET time = $3 WHERE alert_id = $1 AND status = $2', [alert.id, step.status, at(step.s)])
  }
  return { faultId: fault.faultId, alert }
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)

    t.test('nothing stored yet: every count is 0 and no figure is made up', async (t) => {
      const k = await storage.kpis.serviceKpis(period)
      t.same(k.faultToAlert, { count: 0, meanS: null, p50S: null, p90S: null, undelivered: 0 })
      t.same(k.firstTimeFix, { count: 0, hits: 0, rate: null })
      t.same(k.otaSuccess, { count: 0, hits: 0, rate: null })
    })

    await storage.dealers.add({ id: 'inbox-only', name: 'Werkstatt Nord', ...PLACES.berlin })
    await storage.dealers.add({ id: 'with-hook', name: 'Autohaus Süd', ...PLACES.munich, webhookUrl: 'https://dms.example/hook' })

    // inbox-only dealer: the alert reached it when stored, 60 s after the fault
    await alertStory(storage, {
      dealerId: 'inbox-only', webhook: false, openedS: 0, raisedS: 60,
      steps: [{ status: 'acknowledged', s: 120 }, { status: 'parts_staged', s: 660 }, { status: 'appointment_booked', s: 900 }, { status: 'repaired', s: 4500, firstTimeFix: true }]
    })
    // webhook dealer: reached when delivered (180 s after the fault); booked and repaired on the second visit
    await alertStory(storage, {
      dealerId: 'with-hook', webhook: true, openedS: 1000, raisedS: 1030, deliveredS: 1180,
      steps: [{ status: 'parts_staged', s: 2830 }, { status: 'appointment_booked', s: 3000 }, { status: 'repaired', s: 10200, firstTimeFix: false }]
    })
    // webhook still failing: not delivered, so no fault → alert time for it
    await alertStory(storage, { dealerId: 'with-hook', webhook: true, openedS: 2000, raisedS: 2010 })
    // a fault of February: outside the period
    await alertStory(storage, { dealerId: 'with-hook', webhook: true, openedS: -86_400 * 5, raisedS: -86_400 * 5 + 10, deliveredS: -86_400 * 5 + 20 })

    t.test('dealer KPIs over the period, all dealers', async (t) => {
      const k = await storage.kpis.serviceKpis(period)
      t.same(k.faultToAlert, { count: 2, meanS: 120, p50S: 120, p90S: 168, undelivered: 1 }, '60 s and 180 s; p90 interpolated; the failing webhook counted apart')
      t.same(k.alertToPartsStaged, { count: 2, meanS: 1200, p50S: 1200, p90S: 1680 }, '600 s and 1,800 s after the alert was raised')
      t.same(k.firstTimeFix, { count: 2, hits: 1, rate: 0.5 })
      t.same(k.downtime, { count: 2, meanS: 6850, p50S: 6850, p90S: 8730 }, 'fault opened → repaired: 4,500 s and 9,200 s')
      t.same(k.repairTime, { count: 2, meanS: 5400, p50S: 5400, p90S: 6840 }, 'booked → repaired: 3,600 s and 7,200 s')
    })

    t.test("a dealer's KPIs cover its own alerts and nothing fleet-wide", async (t) => {
      const k = await storage.kpis.serviceKpis({ ...period, dealerId: 'with-hook' })
      t.equal(k.dealerId, 'with-hook')
      t.same(k.faultToAlert, { count: 1, meanS: 180, p50S: 180, p90S: 180, undelivered: 1 })
      t.same(k.firstTimeFix, { count: 1, hits: 0, rate: 0 })
      t.same([k.fixedRemotely, k.otaSuccess, k.remoteActionSuccess], [null, null, null])
      const feb = await storage.kpis.serviceKpis({ from: new Date('2026-02-01T00:00:00Z'), to: period.from, dealerId: 'with-hook' })
      t.same(feb.faultToAlert, { count: 1, meanS: 20, p50S: 20, p90S: 20, undelivered: 0 }, 'the February fault counts in February')
    })

    t.test('share of ended faults fixed remotely', async (t) => {
      const fixed = await seedFault(storage)
      const byEngineer = await seedFault(storage)
      await seedFault(storage) // still open: not ended, not counted
      await poolOf(storage).query(
        `UPDATE faults SET opened_at = $2, state = 'auto_cleared', cleared_at = $2 WHERE id = $1`, [fixed.faultId, at(5000)])
      await poolOf(storage).query("INSERT INTO fault_events (fault_id, time, type) VALUES ($1, $2, 'fixed_remotely')", [fixed.faultId, at(5100)])
      await storage.faults.resolve(byEngineer.faultId, 'eva', 'replaced the thermostat')
      const k = await storage.kpis.serviceKpis({ from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000) })
      t.same(k.fixedRemotely, { count: 1, hits: 0, rate: 0 }, 'this window holds the fault resolved by an engineer only')
      const march = await storage.kpis.serviceKpis(period)
      t.equal(march.fixedRemotely?.hits, 1, 'the remotely fixed fault of March')
      t.ok((march.fixedRemotely?.count ?? 0) >= 1)
    })

    t.test('OTA and remote-action success rates count finished commands only', async (t) => {
      const { vin } = await seedFault(storage)
      await storage.otaPackages.add({ package: 'bms-fw', version: '2.1.0', url: 'https://ota.example/bms-2.1.0.bin', sha256: 'a'.repeat(64), size: 1024, addedBy: 'eva' })
      const ota = { ota: { package: 'bms-fw', version: '2.1.0', url: 'https://ota.example/bms-2.1.0.bin', sha256: 'a'.repeat(64), size: 1024 } }
      const outcomes = ['succeeded', 'succeeded', 'succeeded', 'failed', 'rejected', 'cancelled', 'in_progress']
      for (const state of outcomes) {
        const c = await storage.commands.enqueue({ vin, body: ota, ttlMs: 3_600_000, requestedBy: 'eva' })
        await poolOf(storage).query('UPDATE commands SET state = $2 WHERE id = $1', [c.id, state])
      }
      const action = await storage.commands.enqueue({ vin, body: { action: { name: 'bms.rebalance', params: {} } }, ttlMs: 3_600_000, requestedBy: 'eva' })
      await poolOf(storage).query("UPDATE commands SET state = 'expired' WHERE id = $1", [action.id])
      const k = await storage.kpis.serviceKpis({ from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) })
      t.same(k.otaSuccess, { count: 5, hits: 3, rate: 0.6 }, 'cancelled and unfinished ones are not in it')
      t.same(k.remoteActionSuccess, { count: 1, hits: 0, rate: 0 }, 'an expired fix is a failed one')
    })
  })
}
