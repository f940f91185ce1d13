/**
 * The per-minute signal rollup on both backends: the batch writer marks
 * what it stores, a pass recomputes the marked minutes, and history in
 * buckets of whole minutes is exactly the samples' aggregate at any moment:
 * before the pass, after it, with a batch stored late for an old minute,
 * one spanning two minutes, a redelivered one, and another vehicle's
 * samples beside it.
 */
import t from 'tap'
import { openTestStorage } from '../actions/dealer-fixtures.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import { SignalRollupStore } from '../../storage/signal-rollup.js'
import type { TelemetryRecord } from '../../storage/records.js'
import type { SignalBucketColumns } from '../../storage/telemetry.js'
import { parsedBuckets } from '../helpers/signal-buckets.js'

const MINUTE = 60_000
const T0 = Date.UTC(2026, 10, 23, 8, 0, 0)
const SPEED = 1
const ECT = 3

interface Sample { vehicle: number, signal: number, ms: number, value: number }

/** What history must answer, computed from the samples themselves. */
function expected (samples: readonly Sample[], vehicle: number, signal: number, from: number, to: number, width: number): SignalBucketColumns {
  const origin = Math.floor(from / MINUTE) * MINUTE
  const buckets = new Map<number, number[]>()
  for (const s of samples) {
    if (s.vehicle !== vehicle || s.signal !== signal || s.ms < from || s.ms >= to) continue
    const start = origin + Math.floor((s.ms - origin) / width) * width
    buckets.set(start, [...(buckets.get(start) ?? []), s.value])
  }
  const starts = [...buckets.keys()].sort((a, b) => a - b)
  const values = starts.map((k) => buckets.get(k) as number[])
  return {
    t: starts.map((k) => Math.max(k, from)),
    min: values.map((v) => Math.min(...v)),
    max: values.map((v) => Math.max(...v)),
    avg: values.map((v) => v.reduce((a, b) => a + b, 0) / v.length),
    count: values.map((v) => v.length)
  }
}

function batch (vehicleId: number, seq: number, samples: readonly Sample[]): TelemetryRecord {
  return {
    vehicleId,
    seq,
    baseTimeUs: (samples[0]?.ms ?? T0) * 1000,
    canFrames: 0,
    payload: new Uint8Array([seq & 0xff, seq >> 8]),
    samples: { timeUs: samples.map((s) => s.ms * 1000), signalId: samples.map((s) => s.signal), value: samples.map((s) => s.value) },
    gnss: [],
    dtcs: []
  }
}

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const pool = poolOf(storage)
    const a = await storage.vehicles.add({ vin: 'WPWRLP00000000001', model: 'demo-ev' }, 'scrypt$x')
    const b = await storage.vehicles.add({ vin: 'WPWRLP00000000002', model: 'demo-ev' }, 'scrypt$x')
    const stored: Sample[] = []
    let seq = 0
    const store = async (vehicle: number, samples: Sample[], at = ++seq): Promise<string> => {
      const outcome = await storage.storeBatch(batch(vehicle, at, samples))
      await storage.projector.idle()
      if (outcome === 'stored') stored.push(...samples)
      return outcome
    }
    // a batch a second from 0:30 to 3:30, speed once and coolant twice each; the
    // other vehicle at the same times with other values
    for (let s = 30; s < 210; s++) {
      await store(a, [{ vehicle: a, signal: SPEED, ms: T0 + s * 1000, value: s % 97 }, { vehicle: a, signal: ECT, ms: T0 + s * 1000, value: 80 + (s % 7) }, { vehicle: a, signal: ECT, ms: T0 + s * 1000 + 500, value: 81 + (s % 5) }])
      await store(b, [{ vehicle: b, signal: SPEED, ms: T0 + s * 1000, value: 1000 + s }])
    }
    // one batch across the 2:00 boundary
    await store(a, [{ vehicle: a, signal: SPEED, ms: T0 + 119_700, value: 500 }, { vehicle: a, signal: SPEED, ms: T0 + 120_200, value: -500 }])

    const history = async (from: number, to: number, width: number, vehicle = a): Promise<Record<number, SignalBucketColumns>> => {
      const rows = await storage.telemetry.signalBuckets(vehicle, [SPEED, ECT], { from: new Date(from), to: new Date(to) }, width)
      return Object.fromEntries(parsedBuckets(rows).map(({ signalId, ...columns }) => [signalId, columns]))
    }
    const exact = (from: number, to: number, width: number, vehicle = a): Record<number, SignalBucketColumns> => {
      const answer: Record<number, SignalBucketColumns> = {}
      for (const signal of [SPEED, ECT]) {
        const e = expected(stored, vehicle, signal, from, to, width)
        if (e.t.length > 0) answer[signal] = e
      }
      return answer
    }
    const pending = async (): Promise<number> => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM signal_minutes_pending')).rows[0]?.n)
    const ranges: Array<[string, number, number, number]> = [
      ['minute buckets over a range cut mid-minute at both ends', T0 + 10_000, T0 + 200_500, MINUTE],
      ['two-minute buckets from a whole minute', T0, T0 + 240_000, 2 * MINUTE],
      ['a range inside one minute', T0 + 70_000, T0 + 100_000, MINUTE],
      ['a range ending at a whole minute', T0 + 45_000, T0 + 180_000, MINUTE]
    ]

    t.test('before any pass, every stored minute is marked and read from the samples', async (t) => {
      t.equal(await pending(), 180 * 2 + 2, 'a mark per batch and minute (the batch across 2:00 makes two)')
      for (const [name, from, to, width] of ranges) t.same(await history(from, to, width), exact(from, to, width), name)
      t.same(await history(T0, T0 + 240_000, MINUTE, b), exact(T0, T0 + 240_000, MINUTE, b), 'the other vehicle only its own')
    })

    t.test('a pass recomputes the marked minutes and takes the marks', async (t) => {
      const pass = await storage.signalRollup.pass()
      t.match(pass, { ran: true, marks: 362 })
      t.equal(pass.minutes, 12, 'each marked vehicle, signal and minute recomputed once, however many marks it has')
      t.equal(Number((await pool.query('SELECT count(*) AS n FROM signal_minutes')).rows[0].n), 4 * 2 + 4, 'vehicle a: speed and coolant in 4 minutes; b: speed in 4')
      t.equal(await pending(), 0)
      const row = await pool.query('SELECT min, max, sum, count FROM signal_minutes WHERE vehicle_id = $1 AND signal_id = $2 AND minute = $3', [a, SPEED, new Date(T0 + 2 * MINUTE)])
      const minute2 = stored.filter((s) => s.vehicle === a && s.signal === SPEED && s.ms >= T0 + 2 * MINUTE && s.ms < T0 + 3 * MINUTE).map((s) => s.value)
      t.same(row.rows, [{ min: Math.min(...minute2), max: Math.max(...minute2), sum: minute2.reduce((x, y) => x + y, 0), count: minute2.length }])
      for (const [name, from, to, width] of ranges) t.same(await history(from, to, width), exact(from, to, width), name)
      t.same(await storage.signalRollup.pass(), { ran: true, marks: 0, minutes: 0 }, 'nothing new: nothing to do')
    })

    t.test('a batch stored late for an old minute counts at once, and after the next pass', async (t) => {
      t.equal(await store(a, [{ vehicle: a, signal: SPEED, ms: T0 + 65_000, value: 9_999 }, { vehicle: a, signal: SPEED, ms: T0 + 66_000, value: -9_999 }]), 'stored')
      for (const [name, from, to, width] of ranges) t.same(await history(from, to, width), exact(from, to, width), `${name}, marked`)
      t.same(await storage.signalRollup.pass(), { ran: true, marks: 1, minutes: 1 })
      for (const [name, from, to, width] of ranges) t.same(await history(from, to, width), exact(from, to, width), `${name}, rolled up`)
    })

    t.test('a redelivered batch adds no samples and no mark', async (t) => {
      const again = batch(a, 5, stored.filter((s) => s.vehicle === a && s.ms === T0 + 32_000))
      t.equal(await storage.storeBatch(again), 'duplicate')
      t.equal(await pending(), 0)
      t.same(await history(T0, T0 + 240_000, MINUTE), exact(T0, T0 + 240_000, MINUTE))
    })

    t.test('a minute still filling keeps one mark, which no pass takes until it has ended', async (t) => {
      // ten minutes ahead (a T-box clock running fast): the same as the current minute, without racing the clock
      const minute = Math.floor(Date.now() / MINUTE) * MINUTE + 10 * MINUTE
      for (let s = 0; s < 5; s++) await store(a, [{ vehicle: a, signal: SPEED, ms: minute + s * 1000, value: s }])
      t.equal(await pending(), 1, 'the first batch of the minute marks it; the next four are covered')
      await store(a, [{ vehicle: a, signal: SPEED, ms: minute + 6000, value: 6 }, { vehicle: a, signal: ECT, ms: minute + 6000, value: 90 }])
      t.same((await pool.query('SELECT signal_ids FROM signal_minutes_pending ORDER BY cardinality(signal_ids)')).rows.map((r: { signal_ids: number[] }) => r.signal_ids), [[SPEED], [SPEED, ECT]],
        'a signal the mark does not name marks the minute again')
      t.same(await storage.signalRollup.pass(), { ran: true, marks: 0, minutes: 0 }, 'not taken: the minute has not ended')
      t.same(await history(minute, minute + MINUTE, MINUTE), exact(minute, minute + MINUTE, MINUTE), 'read from the samples')
      await pool.query('DELETE FROM signal_minutes_pending')
      stored.splice(0, stored.length, ...stored.filter((x) => x.ms < minute))
      await pool.query('DELETE FROM signal_samples WHERE time >= $1', [new Date(minute)])
    })

    t.test('a minute that ended long ago but still receives batches (a T-box sending what it buffered) is taken once its marks stop coming', async (t) => {
      const minute = T0 + 5 * MINUTE
      for (let s = 0; s < 3; s++) await store(a, [{ vehicle: a, signal: SPEED, ms: minute + s * 1000, value: 40 + s }])
      t.equal(await pending(), 3, 'a mark per batch: the minute is not the current one, so no mark covers the next')
      t.same(await storage.signalRollup.pass(undefined, 60_000), { ran: true, marks: 0, minutes: 0 }, 'not taken: its last mark is not a minute old')
      t.same(await history(minute, minute + MINUTE, MINUTE), exact(minute, minute + MINUTE, MINUTE), 'read from the samples meanwhile')
      await pool.query("UPDATE signal_minutes_pending SET marked_at = marked_at - interval '61 seconds'")
      await store(a, [{ vehicle: a, signal: SPEED, ms: minute + 3000, value: 43 }])
      t.same(await storage.signalRollup.pass(undefined, 60_000), { ran: true, marks: 0, minutes: 0 }, 'a batch came again: still not taken')
      await pool.query("UPDATE signal_minutes_pending SET marked_at = marked_at - interval '61 seconds'")
      t.same(await storage.signalRollup.pass(undefined, 60_000), { ran: true, marks: 4, minutes: 1 }, 'quiet for a minute: recomputed once, with every mark')
      t.same(await history(minute, minute + MINUTE, MINUTE), exact(minute, minute + MINUTE, MINUTE), 'rolled up')
    })

    t.test('a pass in chunks leaves the same rollup', async (t) => {
      await pool.query('TRUNCATE signal_minutes')
      await pool.query(`INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids)
        SELECT vehicle_id, date_bin('1 minute', time, 'epoch'), ARRAY[signal_id] FROM signal_samples`)
      const marks = await pending()
      const chunked = new SignalRollupStore(pool, 7)
      const pass = await chunked.pass()
      t.same(pass, { ran: true, marks, minutes: pass.minutes }, 'every mark taken')
      t.equal(await pending(), 0)
      for (const [name, from, to, width] of ranges) t.same(await history(from, to, width), exact(from, to, width), name)
      t.same(await history(T0, T0 + 240_000, MINUTE, b), exact(T0, T0 + 240_000, MINUTE, b))
    })

    t.test('a minute whose samples are gone loses its row at the next pass that takes it', async (t) => {
      await pool.query('DELETE FROM signal_samples WHERE vehicle_id = $1 AND time >= $2 AND time < $3', [b, new Date(T0 + 3 * MINUTE), new Date(T0 + 4 * MINUTE)])
      await pool.query('INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids) VALUES ($1, $2, $3)', [b, new Date(T0 + 3 * MINUTE), [SPEED]])
      t.same(await storage.signalRollup.pass(), { ran: true, marks: 1, minutes: 0 })
      const rows = await pool.query('SELECT minute FROM signal_minutes WHERE vehicle_id = $1 ORDER BY minute', [b])
      t.same(rows.rows.map((r: { minute: Date }) => r.minute.getTime()), [T0, T0 + MINUTE, T0 + 2 * MINUTE], 'minute 3 of vehicle b is gone')
    })
  })
}

t.test('on postgres, one pass at a time across nodes', { skip: !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
  const db = await createTestDatabase()
  const nodes: Storage[] = []
  t.teardown(async () => { for (const n of nodes) await n.close(); await db.drop() })
  for (let i = 0; i < 2; i++) nodes.push(await openStorage({ databaseUrl: db.url, dataDir: 'memory://' }))
  const [one, two] = nodes as [Storage, Storage]
  const v = await one.vehicles.add({ vin: 'WPWRLP00000000003', model: 'demo-ev' }, 'scrypt$x')
  await one.storeBatch(batch(v, 1, [{ vehicle: v, signal: SPEED, ms: T0, value: 1 }]))
  await one.projector.idle()
  // node one's pass is under way (it holds the lock) while node two's comes
  const holder = await poolOf(one).connect()
  await holder.query('BEGIN')
  await holder.query('SELECT pg_advisory_xact_lock(7250320)')
  t.same(await two.signalRollup.pass(), { ran: false, marks: 0, minutes: 0 }, 'the second leaves the marks to the first')
  await holder.query('ROLLBACK')
  holder.release()
  t.same(await two.signalRollup.pass(), { ran: true, marks: 1, minutes: 1 })
})
