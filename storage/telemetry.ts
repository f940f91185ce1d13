/**
 * A vehicle's telemetry read back for people: its last known state, signal
 * history and GNSS track downsampled on the server, DTC history and dead
 * letters. Reads only; ingest writes these tables (batch-writer.ts). Every
 * query walks an index of the vehicle's own rows, so its cost follows the
 * time range and the number of points asked for, never the fleet's history.
 */
import type pg from 'pg'
import { FAILED_STATUS_MASK } from '../actions/cases/model.js'
import { PitwallError } from '../runtime/errors.js'
import { Statement } from './prepared.js'
import { inTransaction } from './transaction.js'
import type { VehicleSummary } from './vehicles.js'

const MINUTE_MS = 60_000

/** A vehicle as the telemetry routes name it: its id for the queries, and what the state shows. */
export interface TelemetryVehicle extends Omit<VehicleSummary, 'manifest'> {
  vehicleId: number
  /** a gateway node holds its MQTT connection (kept by the broker, migration 013) */
  connected: boolean
  connectionChangedAt: Date | null
  connectedNode: string | null
}

export interface CatalogSignalRef {
  id: number
  name: string
  unit: string
}

export interface LatestSignal extends CatalogSignalRef {
  value: number
  time: Date
}

export interface PositionFix {
  time: Date
  lat: number
  lon: number
  speedMps: number | null
  headingDeg: number | null
}

/** One ECU's DTC whose latest report still shows it failed. */
export interface OpenDtc {
  ecu: number
  /** the 3-byte UDS DTC */
  dtc: number
  /** ISO 14229-1 D.2 status byte of the latest report */
  status: number
  /** its first report, ever */
  firstSeen: Date
  lastSeen: Date
}

export interface DtcReport {
  time: Date
  ecu: number
  dtc: number
  status: number
}

/** Equal-width buckets of one signal, as columns: bucket start (epoch ms), min, max, avg, sample count. */
export interface SignalBucketColumns {
  t: number[]
  min: number[]
  max: number[]
  avg: number[]
  count: number[]
}

/**
 * One signal's buckets with their columns (SignalBucketColumns) as the JSON
 * object text the database built: 24 h of 5 signals is 36,000 numbers, and
 * parsing them only for the API to serialize them again took half of that
 * request's gateway CPU (17 ms a request, measured).
 */
export interface SignalBuckets {
  signalId: number
  columnsJson: string
}

/** One fix per bucket, as columns. */
export interface TrackColumns {
  t: number[]
  lat: number[]
  lon: number[]
  speedMps: Array<number | null>
}

export interface VehicleDeadLetter {
  id: number
  receivedAt: Date
  topic: string
  reasonCode: string
  reason: string
  payloadSize: number
}

export interface TimeRange {
  from: Date
  to: Date
}

// Latest value of each signal the vehicle has: a skip scan over
// signal_samples_vehicle_signal_time finds its signal ids one index descent
// each, then one backward probe per signal reads the latest sample. DISTINCT
// ON over the vehicle's rows would read its whole history.
const LATEST_SIGNALS = new Statement('pitwall_latest_signals', `
WITH RECURSIVE ids AS (
  (SELECT signal_id FROM signal_samples WHERE vehicle_id = $1 ORDER BY signal_id LIMIT 1)
  UNION ALL
  SELECT (SELECT s.signal_id FROM signal_samples s WHERE s.vehicle_id = $1 AND s.signal_id > ids.signal_id ORDER BY s.signal_id LIMIT 1)
  FROM ids WHERE ids.signal_id IS NOT NULL
)
SELECT c.id, c.name, c.unit, l.value, l.time
FROM ids JOIN signal_catalog c ON c.id = ids.signal_id
CROSS JOIN LATERAL (
  SELECT s.value, s.time FROM signal_samples s WHERE s.vehicle_id = $1 AND s.signal_id = ids.signal_id ORDER BY s.time DESC LIMIT 1
) l
ORDER BY c.name COLLATE "C"`)

// Open: the latest report has testFailed, pendingDTC or confirmedDTC set
// (ISO 14229-1 D.2); a T-box reports a cleared DTC with status 0, as the
// rule engine reads it. One index range of the table migration 033 keeps.
const OPEN_DTCS = new Statement('pitwall_open_dtcs', `
SELECT ecu, dtc, status, first_at AS "firstSeen", last_at AS "lastSeen" FROM dtc_latest_reports
WHERE vehicle_id = $1 AND status & $2 <> 0
ORDER BY last_at DESC, ecu, dtc`)

// every telemetry request: its vehicle, within the dealer's customers for a dealer ($2)
const VEHICLE = new Statement('pitwall_telemetry_vehicle',
  `SELECT v.id AS "vehicleId", v.vin, v.model, v.firmware, v.brand, v.dealer_id AS "dealerId", v.last_seen_at AS "lastSeenAt",
     v.connected, v.connection_changed_at AS "connectionChangedAt", v.connected_node AS "connectedNode"
   FROM vehicles v WHERE v.vin = $1 AND ($2::text IS NULL OR v.dealer_id = $2)`)

const LATEST_POSITION = new Statement('pitwall_latest_position',
  `SELECT time, lat, lon, speed_mps AS "speedMps", heading_deg AS "headingDeg" FROM gnss_fixes
   WHERE vehicle_id = $1 ORDER BY time DESC LIMIT 1`)

// Bucket k of each signal is [$3 + k * $5 ms, the next bucket's start or
// $4), one index-only aggregate per bucket (signal_samples_vehicle_signal_time
// carries the value, migration 016). Measured on PostgreSQL, 24 h of 5
// signals at 1 Hz into 2,000 buckets each: 71 ms of server CPU, where one
// GROUP BY over date_bin() took 84 ms (it hashes each of the 432,000 rows;
// the 10,000 probes cost ~40 ms of the 71). sum / count, not avg():
// avg(float8) also sums the squares. Columns are built as JSON arrays in the
// database, one row per signal ($7 is `from` in epoch ms: bucket k starts
// at $7 + k * $5), by array_to_json(array_agg()): json_agg() writes ", "
// between elements, 7 % of a 24 h answer's bytes.
const SIGNAL_BUCKETS = `
WITH buckets AS (
  SELECT k, $3::timestamptz + k * $5::float8 * interval '1 millisecond' AS start,
    least($4::timestamptz, $3::timestamptz + (k + 1) * $5::float8 * interval '1 millisecond') AS stop
  FROM generate_series(0, $6::int - 1) k
)
SELECT sig AS "signalId", json_build_object('t', array_to_json(array_agg($7::float8 + b.k * $5::float8 ORDER BY b.k)), 'min', array_to_json(array_agg(a.min ORDER BY b.k)),
  'max', array_to_json(array_agg(a.max ORDER BY b.k)), 'avg', array_to_json(array_agg(a.sum / a.count ORDER BY b.k)), 'count', array_to_json(array_agg(a.count ORDER BY b.k)))::text AS "columnsJson"
FROM unnest($2::int[]) sig CROSS JOIN buckets b
CROSS JOIN LATERAL (
  SELECT min(s.value) AS min, max(s.value) AS max, sum(s.value) AS sum, count(*)::int AS count FROM signal_samples s
  WHERE s.vehicle_id = $1 AND s.signal_id = sig AND s.time >= b.start AND s.time < b.stop
) a
WHERE a.count > 0
GROUP BY sig`

// The same buckets from the per-minute rollup (migration 020; on TimescaleDB
// the continuous aggregate of migration 029, same name and columns, whose
// marked minutes are as stale as the table's), for buckets
// of whole minutes on a grid from the minute `from` falls in: whole minutes
// from signal_minutes, except those with a pending mark (stored since the
// rollup's last pass), which are read from the samples as are the partial
// minutes at either end. Measured on PostgreSQL, 24 h of 5 signals at 1 Hz:
// 7,200 rollup rows and a few hundred samples, where SIGNAL_BUCKETS
// aggregates 432,000 samples.
// $3 from, $4 the first whole minute, $5 the minute `to` falls in, $6 to,
// $7 the grid's origin, $8 the bucket width, $9 `from` in epoch ms. The
// first bucket starts at `from`, not at the grid's origin before it. A
// bucket's start is whole seconds, so date_part()'s float8 is exact, and
// 3 ms cheaper than extract()'s numeric over 7,200 buckets.
const ROLLUP_BUCKETS = `
WITH marked AS (
  SELECT DISTINCT p.minute FROM signal_minutes_pending p WHERE p.vehicle_id = $1 AND p.minute >= $4::timestamptz AND p.minute < $5::timestamptz
), parts AS (
  SELECT m.signal_id AS sig, m.minute AS t, m.min, m.max, m.sum, m.count FROM signal_minutes m
  WHERE m.vehicle_id = $1 AND m.signal_id = ANY ($2::int[]) AND m.minute >= $4::timestamptz AND m.minute < $5::timestamptz
    AND m.minute NOT IN (SELECT minute FROM marked)
  UNION ALL
  SELECT s.signal_id, s.time, s.value, s.value, s.value, 1 FROM marked k JOIN signal_samples s
    ON s.vehicle_id = $1 AND s.signal_id = ANY ($2::int[]) AND s.time >= k.minute AND s.time < k.minute + interval '1 minute'
  UNION ALL
  SELECT s.signal_id, s.time, s.value, s.value, s.value, 1 FROM signal_samples s
  WHERE s.vehicle_id = $1 AND s.signal_id = ANY ($2::int[]) AND s.time >= $3::timestamptz AND s.time < least($4::timestamptz, $6::timestamptz)
  UNION ALL
  SELECT s.signal_id, s.time, s.value, s.value, s.value, 1 FROM signal_samples s
  WHERE s.vehicle_id = $1 AND s.signal_id = ANY ($2::int[]) AND s.time >= greatest($4::timestamptz, $5::timestamptz) AND s.time < $6::timestamptz
), grouped AS (
  SELECT sig, date_bin($8::float8 * interval '1 millisecond', t, $7::timestamptz) AS bucket,
    min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(count)::int AS count
  FROM parts GROUP BY 1, 2 ORDER BY 1, 2
)
SELECT sig AS "signalId", json_build_object('t', array_to_json(array_agg(greatest(date_part('epoch', bucket) * 1000, $9::float8))), 'min', array_to_json(array_agg(min)),
  'max', array_to_json(array_agg(max)), 'avg', array_to_json(array_agg(sum / count)), 'count', array_to_json(array_agg(count)))::text AS "columnsJson"
FROM grouped GROUP BY sig`

// The first fix of each bucket: one index probe per bucket whatever the fix
// rate, and a position the vehicle was really at (an average of positions
// would cut corners).
const TRACK = `
SELECT json_agg((extract(epoch FROM f.time) * 1000)::float8 ORDER BY k) AS t,
  json_agg(f.lat ORDER BY k) AS lat, json_agg(f.lon ORDER BY k) AS lon, json_agg(f.speed_mps ORDER BY k) AS "speedMps"
FROM generate_series(0, $5::int - 1) k
CROSS JOIN LATERAL (
  SELECT g.time, g.lat, g.lon, g.speed_mps FROM gnss_fixes g
  WHERE g.vehicle_id = $1 AND g.time >= $2::timestamptz + k * $4::float8 * interval '1 millisecond'
    AND g.time < least($3::timestamptz, $2::timestamptz + (k + 1) * $4::float8 * interval '1 millisecond')
  ORDER BY g.time LIMIT 1
) f`

export class TelemetryStore {
  /** @param serverJit the database may JIT-compile plans (PostgreSQL; the embedded PGlite has no JIT) */
  constructor (private readonly pool: pg.Pool, private readonly serverJit = false) {}

  /**
   * The vehicle with this VIN; with `dealerId`, only if that dealer looks
   * after it (else the same 404 as for an unknown VIN, so a dealer cannot
   * tell another dealer's vehicle from none).
   */
  async vehicle (vin: string, dealerId?: string): Promise<TelemetryVehicle> {
    const res = await this.pool.query<TelemetryVehicle>(VEHICLE.on(this.pool, [vin, dealerId ?? null]))
    const row = res.rows[0]
    if (row === undefined) {
      throw new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', dealerId === undefined
        ? `no vehicle ${vin} (GET /api/v1/vehicles lists them)`
        : `dealer ${dealerId} has no vehicle ${vin}`)
    }
    return row
  }

  /** The latest sample of every catalog signal the vehicle has samples of, by name. */
  async latestSignals (vehicleId: number): Promise<LatestSignal[]> {
    return (await this.pool.query<LatestSignal>(LATEST_SIGNALS.on(this.pool, [vehicleId]))).rows
  }

  /** The latest GNSS fix; null: none stored. */
  async position (vehicleId: number): Promise<PositionFix | null> {
    const res = await this.pool.query<PositionFix>(LATEST_POSITION.on(this.pool, [vehicleId]))
    return res.rows[0] ?? null
  }

  /** DTCs whose latest report shows a failed test, most recently reported first. */
  async openDtcs (vehicleId: number): Promise<OpenDtc[]> {
    return (await this.pool.query<OpenDtc>(OPEN_DTCS.on(this.pool, [vehicleId, FAILED_STATUS_MASK]))).rows
  }

  /** DTC reports in [from, to) (either bound may be absent), newest first. */
  async dtcHistory (vehicleId: number, range: Partial<TimeRange>, limit: number): Promise<DtcReport[]> {
    const res = await this.pool.query<DtcReport>(
      `SELECT time, ecu, dtc, status FROM dtc_events
       WHERE vehicle_id = $1 AND ($2::timestamptz IS NULL OR time >= $2) AND ($3::timestamptz IS NULL OR time < $3)
       ORDER BY time DESC LIMIT $4`, [vehicleId, range.from ?? null, range.to ?? null, limit])
    return res.rows
  }

  /** Catalog signals by name; names the catalog lacks are absent from the map. */
  async signalsByName (names: readonly string[]): Promise<Map<string, CatalogSignalRef>> {
    const res = await this.pool.query<CatalogSignalRef>('SELECT id, name, unit FROM signal_catalog WHERE name = ANY ($1::text[])', [names])
    return new Map(res.rows.map((r) => [r.name, r]))
  }

  /** The whole catalog, by name. */
  async catalog (): Promise<CatalogSignalRef[]> {
    return (await this.pool.query<CatalogSignalRef>('SELECT id, name, unit FROM signal_catalog ORDER BY name COLLATE "C"')).rows
  }

  /**
   * Min, max, avg and count of each signal's samples in [from, to), in
   * buckets of `bucketMs` starting at `from`; buckets without samples are
   * left out. Buckets of whole minutes come from the per-minute rollup and
   * lie on a grid of whole minutes: the first starts at `from` and ends
   * where the grid's next bucket begins. One statement for all signals. Signals without a sample in the
   * range are absent from the result.
   */
  async signalBuckets (vehicleId: number, signalIds: readonly number[], range: TimeRange, bucketMs: number): Promise<SignalBuckets[]> {
    const from = range.from.getTime()
    if (bucketMs % MINUTE_MS === 0) {
      const to = range.to.getTime()
      const origin = Math.floor(from / MINUTE_MS) * MINUTE_MS
      const firstWhole = Math.ceil(from / MINUTE_MS) * MINUTE_MS
      const lastWhole = Math.floor(to / MINUTE_MS) * MINUTE_MS
      const res = await this.pool.query<SignalBuckets>(ROLLUP_BUCKETS,
        [vehicleId, signalIds, range.from, new Date(firstWhole), new Date(lastWhole), range.to, new Date(origin), bucketMs, from])
      return res.rows
    }
    const buckets = Math.ceil((range.to.getTime() - from) / bucketMs)
    return (await this.withoutJit<SignalBuckets>(SIGNAL_BUCKETS, [vehicleId, signalIds, range.from, range.to, bucketMs, buckets, from])).rows
  }

  /** The first GNSS fix of each bucket of `bucketMs` in [from, to), from `from`; empty buckets are left out. */
  async track (vehicleId: number, range: TimeRange, bucketMs: number): Promise<TrackColumns> {
    const buckets = Math.ceil((range.to.getTime() - range.from.getTime()) / bucketMs)
    const res = await this.pool.query<{ [K in keyof TrackColumns]: TrackColumns[K] | null }>(TRACK, [vehicleId, range.from, range.to, bucketMs, buckets])
    const row = res.rows[0]
    // json_agg over no rows is NULL
    return { t: row?.t ?? [], lat: row?.lat ?? [], lon: row?.lon ?? [], speedMps: row?.speedMps ?? [] }
  }

  /**
   * A query of thousands of index probes, with JIT off on PostgreSQL: the
   * planner prices each probe's range at hundreds of rows (it cannot see the
   * bucket bounds), so the plan passes jit_above_cost and compiling it cost
   * more than it saved (24 h of 5 signals into 2,000 buckets each: 104 ms of
   * server CPU with JIT, 87 ms without). SET LOCAL needs a transaction, so
   * two more round trips; the setting ends with it.
   */
  private async withoutJit<R extends pg.QueryResultRow> (text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (!this.serverJit) return await this.pool.query<R>(text, values)
    return await inTransaction(this.pool, async (client) => await client.query<R>(text, values), { local: { jit: 'off' } })
  }

  /** Payloads refused from this VIN, newest first, without their bytes. */
  async deadLetters (vin: string, limit: number): Promise<VehicleDeadLetter[]> {
    const res = await this.pool.query<VehicleDeadLetter>(
      `SELECT id, received_at AS "receivedAt", topic, reason_code AS "reasonCode", reason, payload_size AS "payloadSize"
       FROM dead_letters WHERE vin = $1 ORDER BY received_at DESC, id DESC LIMIT $2`, [vin, limit])
    return res.rows
  }
}
