/**
 * The fleet quality report on both backends, over a fleet whose DTC reports
 * went through the batch writer (so the rollup migration 018 keeps is what
 * is read) and whose faults went through FaultStore: what R&D reads per
 * model and firmware, the previous window, first seen, filters and limits.
 */
import t from 'tap'
import { trendOf, type QualityQuery } from '../../storage/quality.js'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { PREVIOUS_FROM, seedQualityFleet, WINDOW } from '../helpers/quality-fleet.js'

const query = (over: Partial<QualityQuery> = {}): QualityQuery => ({ ...WINDOW, kinds: ['dtc', 'fault'], limit: 20, ...over })
const key = (r: { kind: string, code: string, model: string | null, firmware: string | null }): string => `${r.kind} ${r.code} ${r.model ?? '-'}/${r.firmware ?? '-'}`

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)

    t.test('nothing reported yet: an empty report, with its windows', async (t) => {
      t.same(await storage.quality.report(query()), { ...WINDOW, previousFrom: PREVIOUS_FROM, rows: [] })
    })

    await seedQualityFleet(storage)

    t.test('top DTCs and faults per model and firmware, most vehicles first', async (t) => {
      const report = await storage.quality.report(query())
      t.same(report.previousFrom, PREVIOUS_FROM, 'the previous window is as long as the window, just before it')
      t.same(report.rows.map(key), [
        'dtc P0217 ev-a/1.0',
        'fault coolant-hot ev-a/1.0',
        'dtc P0217 ev-a/1.1',
        'dtc P0A80 ev-a/1.1',
        'dtc U0100 ev-b/-',
        'fault battery-low ev-b/-'
      ])
      t.same(report.rows[0], {
        kind: 'dtc',
        code: 'P0217',
        name: null,
        severity: null,
        model: 'ev-a',
        firmware: '1.0',
        // a1, a2, a3 (failure type 1C counts as P0217) and a6 (at `from`); not a4 (test not completed), nor a5 (at `to`)
        vehiclesAffected: 4,
        // a1 on two days however many reports, the others on one each
        occurrences: 5,
        fleetSize: 8,
        ratePer1000: 500,
        previousVehiclesAffected: 1,
        previousRatePer1000: 125,
        rateDelta: 375,
        trend: 'steady',
        firstSeenAt: new Date('2026-02-10T09:00:00Z')
      })
      t.same(report.rows[1], {
        kind: 'fault',
        code: 'coolant-hot',
        name: 'Coolant too hot',
        severity: 'critical',
        model: 'ev-a',
        firmware: '1.0',
        vehiclesAffected: 2,
        occurrences: 3,
        fleetSize: 8,
        ratePer1000: 250,
        previousVehiclesAffected: 1,
        previousRatePer1000: 125,
        rateDelta: 125,
        trend: 'steady',
        firstSeenAt: new Date('2026-03-02T10:00:00Z')
      })
      t.match(report.rows[2], { code: 'P0217', fleetSize: 2, ratePer1000: 500, trend: 'new', firstSeenAt: new Date('2026-03-13T09:30:00Z') },
        'first seen is per cohort: P0217 is new on firmware 1.1')
      t.match(report.rows[4], { code: 'U0100', model: 'ev-b', firmware: null, fleetSize: 2, previousVehiclesAffected: 0, trend: 'new' },
        'vehicles without a firmware are a cohort of their own')
    })

    t.test('a window that does not start on the hour counts the reports inside it, not the hour', async (t) => {
      // a1 reported P0217 at 08:00:00, 08:00:10 and 08:00:20; the window starts between them
      const from = new Date('2026-03-09T08:00:15Z')
      const report = await storage.quality.report(query({ from, to: new Date('2026-03-09T09:00:15Z'), kinds: ['dtc'] }))
      t.same(report.rows.map((r) => [key(r), r.vehiclesAffected, r.previousVehiclesAffected]), [['dtc P0217 ev-a/1.0', 1, 1]])
      const later = await storage.quality.report(query({ from: new Date('2026-03-09T08:00:21Z'), to: new Date('2026-03-09T09:00:21Z'), kinds: ['dtc'] }))
      t.same(later.rows, [], 'nothing after the last report of the hour')
    })

    t.test('filters narrow the vehicles, and the cohort the rates are over', async (t) => {
      t.same((await storage.quality.report(query({ model: 'ev-b' }))).rows.map(key), ['dtc U0100 ev-b/-', 'fault battery-low ev-b/-'])
      t.same((await storage.quality.report(query({ firmware: '1.1' }))).rows.map(key), ['dtc P0217 ev-a/1.1', 'dtc P0A80 ev-a/1.1'])
      const brand = await storage.quality.report(query({ brand: 'Nordwind', kinds: ['dtc'] }))
      t.same(brand.rows.map(key), ['dtc P0217 ev-a/1.0', 'dtc P0217 ev-a/1.1', 'dtc P0A80 ev-a/1.1'])
      t.match(brand.rows[0], { vehiclesAffected: 4, fleetSize: 7, ratePer1000: 571.429 }, "a8 is another brand's")
      t.same((await storage.quality.report(query({ kinds: ['fault'] }))).rows.map(key), ['fault coolant-hot ev-a/1.0', 'fault battery-low ev-b/-'])
      t.same((await storage.quality.report(query({ limit: 1 }))).rows.map(key), ['dtc P0217 ev-a/1.0'])
      t.same((await storage.quality.report(query({ model: 'ev-z' }))).rows, [])
    })

    t.test('reports stored later count at once', async (t) => {
      const before = await storage.quality.report(query({ model: 'ev-b', kinds: ['dtc'] }))
      t.equal(before.rows[0]?.vehiclesAffected, 1)
      await storage.storeBatch({
        vehicleId: (await storage.vehicles.credential('WPTRPT000000000C2'))?.vehicleId as number,
        seq: 1,
        baseTimeUs: Date.parse('2026-03-10T19:00:00Z') * 1000,
        canFrames: 0,
        payload: new Uint8Array([1]),
        samples: { timeUs: [], signalId: [], value: [] },
        gnss: [],
        dtcs: [{ timeUs: Date.parse('2026-03-10T19:00:00Z') * 1000, ecu: 0x7e8, dtc: 0xc10000, status: 0x08 }]
      })
      await storage.projector.idle()
      t.match((await storage.quality.report(query({ model: 'ev-b', kinds: ['dtc'] }))).rows[0], { code: 'U0100', vehiclesAffected: 2, ratePer1000: 1000 })
    })
  })
}

t.test('the trend moves only past what chance would give', async (t) => {
  t.equal(trendOf(4, 1), 'steady', '3 more vehicles of 5 is noise')
  t.equal(trendOf(5, 0), 'rising')
  t.equal(trendOf(100, 60), 'rising')
  t.equal(trendOf(40, 30), 'steady')
  t.equal(trendOf(1, 8), 'falling')
  t.equal(trendOf(0, 0), 'steady')
})
