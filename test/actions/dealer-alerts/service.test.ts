/**
 * DealerAlertService on both backends: from a stored fault to the alert the
 * right dealer sees, with its webhook queued; idempotent however often the
 * fault is handed over; and the reasons a fault stays un-alerted.
 */
import t from 'tap'
import { DEALER_ALERT_SCHEMA, type CaseSummary } from '../../../actions/dealer-alerts/content.js'
import { DealerAlertService } from '../../../actions/dealer-alerts/service.js'
import { DealerAlertStore } from '../../../storage/dealer-alerts.js'
import { DealerStore } from '../../../storage/dealers.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../../helpers/backends.js'
import { openTestStorage, PLACES, recordingLog, seedFault, standingAt } from '../dealer-fixtures.js'
import { poolOf } from '../../../storage/index.js'

const PRESTAGE = { type: 'dealer_prestage' as const, parts: [{ number: '12138657273', description: 'ignition coil', quantity: 2 }], repairHours: 1.5, fix: 'Replace the ignition coil of cylinder 1' }
const PARIS = { lat: 48.8566, lon: 2.3522 }

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const dealers = new DealerStore(poolOf(storage))
    const alerts = new DealerAlertStore(poolOf(storage))
    await dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich, webhookUrl: 'https://dms.example/muc/hooks' })
    await dealers.add({ id: 'str', name: 'Autohaus Stuttgart', ...PLACES.stuttgart })
    await dealers.add({ id: 'ber', name: 'Autohaus Berlin', ...PLACES.berlin, webhookUrl: 'https://dms.example/ber/hooks' })
    await dealers.add({ id: 'ulm-closed', name: 'Werkstatt Ulm (closed)', ...PLACES.ulm })
    await dealers.deactivate('ulm-closed')
    const service = (log = recordingLog(), caseLookup?: (id: string) => Promise<CaseSummary | undefined>): DealerAlertService =>
      new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log, ...(caseLookup === undefined ? {} : { caseLookup }) })

    t.test("a pre-staging alert goes to the vehicle's own dealer, with what the dealer needs to stage the parts", async (t) => {
      const f = await seedFault(storage, {
        action: PRESTAGE,
        fixes: [{ s: 30, at: PLACES.garching, speedMps: 14 }, { s: 5, at: PLACES.munich, speedMps: 3.5 }],
        dtcs: [
          { s: 20, dtc: 0x03011a, status: 0x09, ecu: 0x7e8 },
          { s: 10, dtc: 0x03011a, status: 0x2f, ecu: 0x7e8 },
          { s: 15, dtc: 0x42a001, status: 0x08, ecu: 0x7e9 },
          { s: 3 * 86_400, dtc: 0x011600, status: 0x08, ecu: 0x7e8 }
        ]
      })
      await storage.vehicles.assignDealer(f.vin, 'ber')
      const [alert, ...more] = await service().raiseForFault(f.faultId, 'prestage')
      t.same(more, [])
      t.match(alert, { faultId: f.faultId, dealerId: 'ber', kind: 'prestage', vin: f.vin, status: 'new', firstTimeFix: null, routing: { via: 'own' } })
      t.ok(Math.abs((alert?.routing.distanceKm ?? 0) - 504) < 2, 'the distance from the last position (Munich) to Berlin')
      t.match(alert?.payload, {
        schema: DEALER_ALERT_SCHEMA,
        kind: 'prestage',
        vehicle: { vin: f.vin, model: 'demo-ev', lastPosition: { ...PLACES.munich, speedMps: 3.5 } },
        fault: { id: f.faultId, ruleName: /^Coolant overheat/, severity: 'major', openedAt: f.openedAt.toISOString(), occurrences: 1 },
        evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', value: 117 }],
        suggestion: { source: 'rule', fix: PRESTAGE.fix, parts: ['2 × ignition coil (12138657273)'], partItems: PRESTAGE.parts, repairHours: 1.5, case: null }
      })
      t.same((alert?.payload as { dtcs: unknown }).dtcs, [
        {
          code: 'P0301', text: 'P0301-1A', ecu: '0x7E8', status: ['testFailed', 'testFailedThisOperationCycle', 'pendingDTC', 'confirmedDTC', 'testFailedSinceLastClear'],
          firstSeenAt: new Date(f.openedAt.getTime() - 20_000).toISOString(), lastSeenAt: new Date(f.openedAt.getTime() - 10_000).toISOString(), reports: 2
        },
        {
          code: 'C02A0', text: 'C02A0-01', ecu: '0x7E9', status: ['confirmedDTC'],
          firstSeenAt: new Date(f.openedAt.getTime() - 15_000).toISOString(), lastSeenAt: new Date(f.openedAt.getTime() - 15_000).toISOString(), reports: 1
        }
      ], 'recent DTCs as text with the latest status in words; one from three days before is left out')

      const [delivery, ...others] = await alerts.deliveries(alert?.id as number)
      t.same(others, [])
      t.match(delivery, { dealerId: 'ber', state: 'pending', attempts: 0, event: 'dealer_alert.created', idempotencyKey: /^[0-9a-f-]{36}$/ })
      const body = JSON.parse(delivery?.body ?? '{}') as Record<string, unknown>
      t.match(body, { schema: DEALER_ALERT_SCHEMA, event: 'dealer_alert.created', alert: { id: alert?.id, dealerId: 'ber', routing: { via: 'own' } }, fault: { id: f.faultId } })
      t.same((await alerts.timeline('ber', alert?.id as number)).map((e) => [e.status, e.by]), [['new', 'pitwall']])
    })

    t.test('without an own dealer the nearest active one to the last position; no webhook URL means inbox only', async (t) => {
      const f = await seedFault(storage, { action: PRESTAGE, fixes: [{ s: 60, at: PLACES.ulm, speedMps: 0 }] })
      const [alert] = await service().raiseForFault(f.faultId, 'prestage')
      t.match(alert, { dealerId: 'str', routing: { via: 'nearest' } }, 'Stuttgart, not the closed workshop in Ulm itself')
      t.ok(Math.abs((alert?.routing.distanceKm ?? 0) - 72.4) < 0.5)
      t.same(await alerts.deliveries(alert?.id as number), [], 'Stuttgart has no webhook')
      t.same((await alerts.list('str')).map((a) => a.id).includes(alert?.id as number), true, 'in its inbox')

      const g = await seedFault(storage, { action: PRESTAGE, fixes: [{ s: 60, at: PLACES.garching, speedMps: 0 }] })
      await storage.vehicles.assignDealer(g.vin, 'ulm-closed')
      t.match(await service().raiseForFault(g.faultId, 'prestage'), [{ dealerId: 'muc', routing: { via: 'nearest' } }], 'an inactive own dealer is passed over')
    })

    t.test('raising again creates nothing new: one alert, one delivery', async (t) => {
      const f = await seedFault(storage, { action: PRESTAGE, fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }] })
      const first = await service().raiseForFault(f.faultId, 'prestage')
      // the vehicle moves to Berlin and gets an own dealer: the fault's alert stays where it went
      await poolOf(storage).query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps) VALUES (now(), $1, $2, $3, 0)', [f.vehicleId, PLACES.berlin.lat, PLACES.berlin.lon])
      await storage.vehicles.assignDealer(f.vin, 'ber')
      const second = await service().raiseForFault(f.faultId, 'prestage')
      t.same(second, first)
      t.match(first, [{ dealerId: 'muc' }])
      t.equal((await alerts.forFault(f.faultId)).length, 1)
      t.equal((await alerts.deliveries(first[0]?.id as number)).length, 1)

      const g = await seedFault(storage, { action: PRESTAGE, fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }] })
      const together = await Promise.all([1, 2, 3, 4].map(async () => await service().raiseForFault(g.faultId, 'prestage')))
      const ids = new Set(together.flat().map((a) => a.id))
      t.equal(ids.size, 1, 'four concurrent calls: one alert')
      const { rows } = await poolOf(storage).query<{ n: string }>(
        'SELECT count(*) AS n FROM webhook_deliveries w JOIN dealer_alerts a ON a.id = w.alert_id WHERE a.fault_id = $1', [g.faultId])
      t.equal(Number(rows[0]?.n), 1, 'and one delivery')
    })

    t.test('no dealer found: the fault stays un-alerted, with the reason thrown and logged', async (t) => {
      const f = await seedFault(storage, { action: PRESTAGE })
      const log = recordingLog()
      await t.rejects(service(log).raiseForFault(f.faultId, 'prestage'), {
        name: 'DealerAlertError',
        code: 'PITWALL_ERR_DEALER_NO_ROUTE',
        retryable: true,
        message: new RegExp(`^fault ${f.faultId} \\(dealer-test-\\d+, vehicle ${f.vin}\\): the vehicle has no own dealer and no position is known to find the nearest$`)
      })
      t.same(await alerts.forFault(f.faultId), [])
      t.match(log.lines, [{ level: 'warn', msg: 'fault left without a dealer alert', obj: { fault: f.faultId, code: 'PITWALL_ERR_DEALER_NO_ROUTE', reason: /no position/ } }])
      // a position arrives: handing the fault over again raises the alert
      await poolOf(storage).query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps) VALUES (now(), $1, $2, $3, 0)', [f.vehicleId, PLACES.garching.lat, PLACES.garching.lon])
      t.match(await service().raiseForFault(f.faultId, 'prestage'), [{ dealerId: 'muc' }])

      await t.rejects(service().raiseForFault(987_654_321, 'prestage'), { code: 'PITWALL_ERR_FAULT_UNKNOWN', message: 'no fault 987654321 (pitwall faults list shows the stored faults)' })
    })

    t.test("the linked case fills in when the rule names no fix; a case base that fails holds the alert back only then", async (t) => {
      const known: CaseSummary = { id: 'case-42', title: 'Thermostat stuck closed', steps: ['Check coolant level', 'Replace thermostat'], parts: [{ number: '11537549476', description: 'thermostat', quantity: 1 }] }
      const lookup = async (id: string): Promise<CaseSummary | undefined> => id === known.id ? known : undefined
      const f = await seedFault(storage, { caseId: 'case-42', fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }] })
      const [alert] = await service(recordingLog(), lookup).raiseForFault(f.faultId, 'prestage')
      t.same((alert?.payload as { suggestion: unknown }).suggestion,
        { source: 'case', fix: known.title, parts: ['thermostat (11537549476)'], partItems: known.parts, repairHours: null, case: { id: known.id, title: known.title, steps: known.steps } })

      const failing = async (): Promise<CaseSummary> => { throw new Error('case base unreachable') }
      const g = await seedFault(storage, { caseId: 'case-42', fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }] })
      await t.rejects(service(recordingLog(), failing).raiseForFault(g.faultId, 'prestage'),
        { code: 'PITWALL_ERR_CASE_LOOKUP', retryable: true, message: /case case-42 could not be read: case base unreachable/ })
      t.same(await alerts.forFault(g.faultId), [])
      const h = await seedFault(storage, { caseId: 'case-42', action: PRESTAGE, fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }] })
      const log = recordingLog()
      const [sent] = await service(log, failing).raiseForFault(h.faultId, 'prestage')
      t.match(sent?.payload, { suggestion: { source: 'rule', fix: PRESTAGE.fix, case: null } }, "the rule's own fix is enough")
      t.match(log.lines, [{ level: 'warn', msg: /case lookup failed/ }, { level: 'info', msg: 'dealer alert raised' }])

      const none = await seedFault(storage, { fixes: [{ s: 5, at: PLACES.garching, speedMps: 0 }] })
      t.match((await service().raiseForFault(none.faultId, 'prestage'))[0]?.payload, { suggestion: { source: 'none', fix: null, parts: [], partItems: [], repairHours: null } })
    })

    t.test('a critical fault on a standing vehicle raises a rescue request to every active dealer within 150 km', async (t) => {
      const f = await seedFault(storage, { severity: 'critical', fixes: [{ s: 400, at: PLACES.ulm, speedMps: 22 }, ...standingAt(PLACES.ulm) ?? []] })
      const raised = await service().raiseForFault(f.faultId, 'rescue')
      t.same(raised.map((a) => [a.dealerId, a.kind, a.routing.via, Math.round(a.routing.distanceKm ?? -1)]),
        [['str', 'rescue', 'rescue', 72], ['muc', 'rescue', 'rescue', 121]], 'Stuttgart and Munich; not Berlin, not the closed workshop')
      const deliveries = (await Promise.all(raised.map(async (a) => await alerts.deliveries(a.id)))).flat()
      t.same(deliveries.map((d) => [d.dealerId, d.event]), [['muc', 'rescue_request.created']], 'a webhook only where one is registered')
      t.same(await service().raiseForFault(f.faultId, 'rescue'), raised, 'idempotent too')
      t.same(await alerts.forFault(f.faultId, 'prestage'), [], 'a rescue is not a pre-staging alert')
    })

    t.test('an alert waits while the rows of the batches before its fault are still being written', async (t) => {
      // the fault opened from a batch whose positions are still in a projector's queue (written after the PUBACK)
      const f = await seedFault(storage, { severity: 'critical' })
      // archived as the batch writer archives: the batch, and its key among those whose rows are not written yet
      const batch = async (baseTime: Date, received: Date): Promise<void> => {
        await poolOf(storage).query(`WITH b AS (
            INSERT INTO batches (vehicle_id, seq, base_time, received_at, can_frames, payload)
            VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM batches WHERE vehicle_id = $1), $2, $3, 0, '\\x00') RETURNING vehicle_id, seq, base_time, received_at)
          INSERT INTO unprojected_batches (vehicle_id, seq, base_time, received_at) SELECT * FROM b`, [f.vehicleId, baseTime, received])
      }
      await batch(new Date(f.openedAt.getTime() - 30_000), new Date())
      await t.rejects(service().raiseForFault(f.faultId, 'rescue'),
        { code: 'PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING', retry: { afterMs: 500, counted: false }, message: /positions and DTCs of its vehicle's batches up to .* are still being written/ })
      await t.rejects(service().raiseForFault(f.faultId, 'prestage'), { code: 'PITWALL_ERR_DEALER_ALERT_PROJECTION_PENDING' }, 'a pre-staging alert names the last position and DTCs too')

      // the projector wrote its rows: the vehicle stands at Ulm
      await poolOf(storage).query('DELETE FROM unprojected_batches WHERE vehicle_id = $1', [f.vehicleId])
      for (const s of [-1, -60, -120, -180, -240]) {
        await poolOf(storage).query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps) VALUES ($1, $2, $3, $4, 0)', [new Date(f.openedAt.getTime() - s * 1000), f.vehicleId, PLACES.ulm.lat, PLACES.ulm.lon])
      }
      // neither a later batch nor one stored long ago and left to the recovery pass holds it back
      await batch(new Date(f.openedAt.getTime() + 60_000), new Date())
      await batch(new Date(f.openedAt.getTime() - 60_000), new Date(Date.now() - 3_600_000))
      t.same((await service().raiseForFault(f.faultId, 'rescue')).map((a) => a.dealerId), ['str', 'muc'], 'raised once the rows are there')
    })

    t.test('no rescue for a moving vehicle (yet), a fault that is not critical, or nobody in range', async (t) => {
      const moving = await seedFault(storage, { severity: 'critical', fixes: [{ s: -60, at: PLACES.ulm, speedMps: 0 }, { s: -200, at: PLACES.ulm, speedMps: 8 }] })
      const log = recordingLog()
      await t.rejects(service(log).raiseForFault(moving.faultId, 'rescue'),
        { code: 'PITWALL_ERR_RESCUE_NOT_STATIONARY', retryable: true, message: /moving at 8\.0 m\/s/ })
      t.match(log.lines, [{ level: 'info', msg: 'no rescue request yet' }], 'not a warning: the caller checks again later')

      const noFix = await seedFault(storage, { severity: 'critical' })
      await t.rejects(service().raiseForFault(noFix.faultId, 'rescue'), { code: 'PITWALL_ERR_RESCUE_NOT_STATIONARY', message: /no GNSS fix around the fault's opening/ })

      const major = await seedFault(storage, { severity: 'major', fixes: standingAt(PLACES.ulm) })
      await t.rejects(service().raiseForFault(major.faultId, 'rescue'),
        { code: 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', retryable: false, message: /is major; rescue requests are for critical faults/ })
      const asked = await seedFault(storage, { severity: 'major', action: { type: 'rescue' }, fixes: standingAt(PLACES.ulm) })
      t.same((await service().raiseForFault(asked.faultId, 'rescue')).map((x) => x.kind), ['rescue', 'rescue'],
        'a rule whose action is rescue gets one for its major fault too (Stuttgart and Munich are in range of Ulm)')

      const resolved = await seedFault(storage, { severity: 'critical', fixes: standingAt(PLACES.ulm) })
      await storage.faults.resolve(resolved.faultId, 'alice', 'towed already')
      await t.rejects(service().raiseForFault(resolved.faultId, 'rescue'), { code: 'PITWALL_ERR_DEALER_ALERT_NOT_NEEDED', message: /is resolved; no rescue needed/ })

      const paris = await seedFault(storage, { severity: 'critical', fixes: standingAt(PARIS) })
      await t.rejects(service().raiseForFault(paris.faultId, 'rescue'),
        { code: 'PITWALL_ERR_DEALER_NO_ROUTE', retryable: true, message: /no active dealer within 150 km of 48\.8566, 2\.3522/ })
      t.same(await alerts.forFault(paris.faultId), [])
      const wide = new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog(), rescueRadiusKm: 600 })
      t.same((await wide.raiseForFault(paris.faultId, 'rescue')).map((a) => a.dealerId), ['str'], 'a wider radius reaches Stuttgart (500 km), not Munich (684 km)')
    })
  })
}
