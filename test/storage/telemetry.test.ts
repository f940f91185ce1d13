/**
 * The telemetry reads on both backends: a vehicle's latest value per signal,
 * position and open DTCs; history in equal buckets with exact min, max, avg
 * and count; the track's first fix per bucket; DTC history and dead letters
 * of that vehicle only; and the dealer scope of the vehicle lookup.
 */
import t from 'tap'
import { openTestStorage, PLACES } from '../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { poolOf } from '../../storage/index.js'
import { parsedBuckets } from '../helpers/signal-buckets.js'

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0)
const at = (s: number): Date => new Date(T0 + s * 1000)
const SPEED = 1
const ECT = 3
const VOLTAGE = 4

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
    const a = await storage.vehicles.add({ vin: 'WPWTEL00000000001', model: 'demo-ev', firmware: '1.4.2' }, 'scrypt$x')
    const b = await storage.vehicles.add({ vin: 'WPWTEL00000000002', model: 'demo-ev' }, 'scrypt$x')
    await storage.vehicles.assignDealer('WPWTEL00000000001', 'muc')
    const sample = async (vehicle: number, signal: number, s: number, value: number): Promise<void> => {
      await pool.query('INSERT INTO signal_samples (time, vehicle_id, signal_id, value) VALUES ($1, $2, $3, $4)', [at(s), vehicle, signal, value])
    }
    // speed once a second for 10 s, then a gap, then at 20 s; coolant twice; the other vehicle later and faster
    for (let s = 0; s < 10; s++) await sample(a, SPEED, s, s)
    await sample(a, SPEED, 20, 100)
    await sample(a, ECT, 0, 90)
    await sample(a, ECT, 5, 118.5)
    await sample(b, SPEED, 30, 250)
    await sample(b, VOLTAGE, 30, 12.1)

    t.test('the vehicle, scoped to a dealer\'s own', async (t) => {
      t.match(await storage.telemetry.vehicle('WPWTEL00000000001'), { vehicleId: a, model: 'demo-ev', firmware: '1.4.2', dealerId: 'muc', connected: false, connectedNode: null })
      t.match(await storage.telemetry.vehicle('WPWTEL00000000001', 'muc'), { vehicleId: a })
      await t.rejects(storage.telemetry.vehicle('WPWTEL00000000002', 'muc'), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: /dealer muc has no vehicle WPWTEL00000000002/ })
      await t.rejects(storage.telemetry.vehicle('WPWTEL00000000009'), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN', message: /no vehicle WPWTEL00000000009/ })
    })

    t.test('the latest value of each signal the vehicle has, by name', async (t) => {
      t.same(await storage.telemetry.latestSignals(a), [
        { id: ECT, name: 'Vehicle.Powertrain.CombustionEngine.ECT', unit: 'degC', value: 118.5, time: at(5) },
        { id: SPEED, name: 'Vehicle.Speed', unit: 'km/h', value: 100, time: at(20) }
      ])
      t.same((await storage.telemetry.latestSignals(b)).map((s) => [s.id, s.value]), [[VOLTAGE, 12.1], [SPEED, 250]])
    })

    t.test('history in equal buckets from `from`, half-open, empty buckets left out', async (t) => {
      const range = { from: at(0), to: at(20) }
      const [speed, ect] = await storage.telemetry.signalBuckets(a, [SPEED, ECT], range, 4000).then((r) => parsedBuckets(r).sort((x, y) => x.signalId - y.signalId))
      t.same(speed, {
        signalId: SPEED,
        t: [T0, T0 + 4000, T0 + 8000],
        min: [0, 4, 8],
        max: [3, 7, 9],
        avg: [1.5, 5.5, 8.5],
        count: [4, 4, 2]
      }, 'the sample at `to` (20 s) is not in the range')
      t.same(ect, { signalId: ECT, t: [T0, T0 + 4000], min: [90, 118.5], max: [90, 118.5], avg: [90, 118.5], count: [1, 1] })
      t.same(await storage.telemetry.signalBuckets(a, [VOLTAGE], range, 4000), [], 'a signal without samples in the range has no row')
      const fine = parsedBuckets(await storage.telemetry.signalBuckets(a, [SPEED], { from: new Date(T0 + 500), to: at(3) }, 1000))
      t.same(fine[0]?.t, [T0 + 500, T0 + 1500], 'buckets start at `from`, not at whole seconds')
      t.same(fine[0]?.count, [1, 1])
    })

    t.test('position, track and DTCs', async (t) => {
      for (let s = 0; s < 7; s++) {
        await pool.query('INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg) VALUES ($1, $2, $3, $4, $5, $6)',
          [at(s), a, 48 + s / 100, 11 + s / 100, s === 6 ? null : s, 90])
      }
      t.same(await storage.telemetry.position(a), { time: at(6), lat: 48.06, lon: 11.06, speedMps: null, headingDeg: 90 })
      t.equal(await storage.telemetry.position(b), null)
      t.same(await storage.telemetry.track(a, { from: at(0), to: at(9) }, 3000), { t: [T0, T0 + 3000, T0 + 6000], lat: [48, 48.03, 48.06], lon: [11, 11.03, 11.06], speedMps: [0, 3, null] })
      t.same(await storage.telemetry.track(b, { from: at(0), to: at(9) }, 3000), { t: [], lat: [], lon: [], speedMps: [] })

      const dtc = async (s: number, ecu: number, code: number, status: number): Promise<void> => {
        await pool.query('INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status) VALUES ($1, $2, $3, $4, $5)', [at(s), a, ecu, code, status])
      }
      await dtc(0, 0x7e8, 0x021700, 0x09) // P0217: testFailed + confirmed, then confirmed only: open
      await dtc(10, 0x7e8, 0x021700, 0x08)
      await dtc(5, 0x7e8, 0x030100, 0x0d) // P0301: failed, then cleared (status 0)
      await dtc(20, 0x7e8, 0x030100, 0x00)
      await dtc(3, 0x7e9, 0x048000, 0x10) // testNotCompletedSinceLastClear only: not a failure
      await dtc(4, 0x7e9, 0x012300, 0x04) // pending
      t.same(await storage.telemetry.openDtcs(a), [
        { ecu: 0x7e8, dtc: 0x021700, status: 0x08, firstSeen: at(0), lastSeen: at(10) },
        { ecu: 0x7e9, dtc: 0x012300, status: 0x04, firstSeen: at(4), lastSeen: at(4) }
      ])
      t.same(await storage.telemetry.openDtcs(b), [])
      t.same((await storage.telemetry.dtcHistory(a, {}, 100)).map((r) => [r.time.getTime(), r.dtc, r.status]),
        [[at(20).getTime(), 0x030100, 0], [at(10).getTime(), 0x021700, 8], [at(5).getTime(), 0x030100, 0x0d], [at(4).getTime(), 0x012300, 4], [at(3).getTime(), 0x048000, 0x10], [at(0).getTime(), 0x021700, 9]],
        'newest first')
      t.same((await storage.telemetry.dtcHistory(a, { from: at(4), to: at(20) }, 2)).map((r) => r.time), [at(10), at(5)], 'in [from, to), at most limit')
    })

    t.test('dead letters of that VIN, newest first, without payload bytes', async (t) => {
      for (const [vin, topic, received] of [['WPWTEL00000000001', 'v1/WPWTEL00000000001/telemetry', at(1)], ['WPWTEL00000000002', 'v1/WPWTEL00000000002/telemetry', at(2)], ['WPWTEL00000000001', 'v1/WPWTEL00000000001/cmd/ack', at(3)]] as const) {
        await pool.query(`INSERT INTO dead_letters (received_at, vin, topic, reason_code, reason, payload_size, payload) VALUES ($1, $2, $3, 'PITWALL_ERR_MALFORMED_PROTOBUF', 'not a batch', 3, '\\x010203')`, [received, vin, topic])
      }
      const letters = await storage.telemetry.deadLetters('WPWTEL00000000001', 10)
      t.same(letters.map((l) => [l.topic, l.receivedAt]), [['v1/WPWTEL00000000001/cmd/ack', at(3)], ['v1/WPWTEL00000000001/telemetry', at(1)]])
      t.same(Object.keys(letters[0] ?? {}).sort(), ['id', 'payloadSize', 'reason', 'reasonCode', 'receivedAt', 'topic'])
      t.equal((await storage.telemetry.deadLetters('WPWTEL00000000001', 1)).length, 1)
    })

    t.test('the catalog by name, and names looked up', async (t) => {
      const catalog = await storage.telemetry.catalog()
      t.ok(catalog.length > 10)
      t.same(catalog.map((s) => s.name), [...catalog.map((s) => s.name)].sort((x, y) => x < y ? -1 : x > y ? 1 : 0), 'sorted by name')
      const found = await storage.telemetry.signalsByName(['Vehicle.Speed', 'Vehicle.Nope'])
      t.same([...found.values()], [{ id: SPEED, name: 'Vehicle.Speed', unit: 'km/h' }])
    })
  })
}
