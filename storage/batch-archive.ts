/**
 * Reads the raw batch archive back, for backtests and replays: vehicle by
 * vehicle, in seq order (the order the vehicle sent them), a page at a time so
 * a long history never sits in memory at once.
 */
import type pg from 'pg'
import { EPOCH_US, US_OF } from './projector.js'

export interface ArchivedBatch {
  vehicleId: number
  vin: string
  model: string | undefined
  seq: number
  /** with vehicle and seq, the batch's key (migration 028) */
  baseTimeUs: number
  /** the decoder manifest that decoded it when it arrived; 0: the --can-dbc default, or none */
  manifestId: number
  payload: Uint8Array
}

export interface ArchiveQuery {
  /** only these vehicles; all when absent */
  vins?: readonly string[] | undefined
  /** base time range, Unix epoch microseconds, inclusive */
  fromUs?: number | undefined
  toUs?: number | undefined
}

const PAGE = 500

interface ArchiveRow { vehicle_id: number, vin: string, model: string | null, seq: string, base_us: number, manifest_id: number | null, payload: Buffer }
const ARCHIVE_COLUMNS = `b.vehicle_id, v.vin, v.model, b.seq, ${US_OF('b.base_time')} AS base_us, b.manifest_id, b.payload`

function archivedOf (row: ArchiveRow): ArchivedBatch {
  return { vehicleId: row.vehicle_id, vin: row.vin, model: row.model ?? undefined, seq: Number(row.seq), baseTimeUs: row.base_us, manifestId: row.manifest_id ?? 0, payload: row.payload }
}

/** What a read of the archive would cover, to bound it before it starts. */
export interface ArchiveExtent {
  /** the named VINs that are registered, or (none named) the vehicles with batches in the range, at most `maxVehicles` + 1 */
  vins: string[]
  /** named VINs no vehicle has */
  unknown: string[]
  /** batches of `vins` in the range */
  batches: number
}

export class BatchArchive {
  /**
   * `vacuums`: the engine runs no autovacuum (the embedded one, or a
   * PostgreSQL server with `autovacuum = off`), so vacuumQueues() does it
   * for the two queues every stored batch passes through: its unprojected
   * key and its rollup marks (migration 020) are each inserted and deleted
   * once, and without a vacuum both tables would grow by every batch ever
   * stored (on a server with autovacuum off, 200,000 dead rows in each
   * after 150 s at 1,325 batches/s), which each rollup pass's pick scans.
   */
  constructor (private readonly pool: pg.Pool, private readonly options: { vacuums?: boolean } = {}) {}

  /**
   * The vehicles and batch count a read of `query` would cover. Without
   * named VINs it stops at `maxVehicles` + 1 (one index probe per vehicle on
   * (vehicle_id, base_time)), so "too many" costs no more than "just enough".
   */
  async extent (query: ArchiveQuery, maxVehicles: number): Promise<ArchiveExtent> {
    const range = [query.fromUs ?? null, query.toUs ?? null]
    const inRange = `($2::double precision IS NULL OR b.base_time >= to_timestamp($2 / 1e6)) AND ($3::double precision IS NULL OR b.base_time <= to_timestamp($3 / 1e6))`
    let vins: string[]
    let unknown: string[] = []
    if (query.vins !== undefined) {
      const known = new Set((await this.pool.query<{ vin: string }>('SELECT vin FROM vehicles WHERE vin = ANY($1)', [query.vins])).rows.map((r) => r.vin))
      vins = query.vins.filter((v) => known.has(v))
      unknown = query.vins.filter((v) => !known.has(v))
    } else {
      vins = (await this.pool.query<{ vin: string }>(
        `SELECT v.vin FROM vehicles v WHERE EXISTS (SELECT 1 FROM batches b WHERE b.vehicle_id = v.id AND ${inRange}) ORDER BY v.id LIMIT $1`,
        [maxVehicles + 1, ...range])).rows.map((r) => r.vin)
    }
    const counted = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batches b JOIN vehicles v ON v.id = b.vehicle_id WHERE v.vin = ANY($1) AND ${inRange}`, [vins, ...range])
    return { vins, unknown, batches: counted.rows[0]?.n ?? 0 }
  }

  async * read (query: ArchiveQuery = {}): AsyncGenerator<ArchivedBatch> {
    yield * this.pages(
      `($4::text[] IS NULL OR v.vin = ANY($4))
            AND ($5::double precision IS NULL OR b.base_time >= to_timestamp($5 / 1e6))
            AND ($6::double precision IS NULL OR b.base_time <= to_timestamp($6 / 1e6))`,
      [query.vins ?? null, query.fromUs ?? null, query.toUs ?? null])
  }

  /**
   * The batches `where` picks (its parameters from $4), in (vehicle, seq)
   * order, a page at a time: keyset pagination on the primary key (vehicle,
   * seq, base time), each page one indexed range scan per partition.
   */
  private async * pages (where: string, params: unknown[]): AsyncGenerator<ArchivedBatch> {
    let after: [number, number, number] = [0, 0, 0]
    for (;;) {
      const res = await this.pool.query<ArchiveRow>(
        `SELECT ${ARCHIVE_COLUMNS}
           FROM batches b JOIN vehicles v ON v.id = b.vehicle_id
          WHERE (b.vehicle_id, b.seq, b.base_time) > ($1, $2, ${EPOCH_US('$3')})
            AND ${where}
          ORDER BY b.vehicle_id, b.seq, b.base_time
          LIMIT ${PAGE}`,
        [after[0], after[1], after[2], ...params])
      for (const row of res.rows) yield archivedOf(row)
      const last = res.rows[res.rows.length - 1]
      if (last === undefined || res.rows.length < PAGE) return
      after = [last.vehicle_id, Number(last.seq), last.base_us]
    }
  }

  /**
   * Batches stored at least `olderThanMs` ago whose decoded rows were never
   * written (their node stopped first), oldest first, at most `limit`.
   */
  async unprojected (olderThanMs: number, limit: number): Promise<ArchivedBatch[]> {
    const res = await this.pool.query<ArchiveRow>(
      `SELECT ${ARCHIVE_COLUMNS}
         FROM unprojected_batches p
         JOIN batches b ON b.vehicle_id = p.vehicle_id AND b.seq = p.seq AND b.base_time = p.base_time
         JOIN vehicles v ON v.id = b.vehicle_id
        WHERE NOT p.reprojecting AND p.received_at < now() - $1 * interval '1 millisecond'
        ORDER BY p.received_at
        LIMIT $2`, [olderThanMs, limit])
    return res.rows.map(archivedOf)
  }

  /**
   * Forgets the unprojected keys, older than `olderThanMs`, whose batch is
   * gone: retention dropped its partition (or chunk) before its rows were
   * written. Nothing could project them, and the recovery pass would step
   * over them for good. Returns how many.
   */
  async forgetGone (olderThanMs: number): Promise<number> {
    const res = await this.pool.query(
      `DELETE FROM unprojected_batches p WHERE p.received_at < now() - $1 * interval '1 millisecond'
          AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.vehicle_id = p.vehicle_id AND b.seq = p.seq AND b.base_time = p.base_time)`, [olderThanMs])
    return res.rowCount ?? 0
  }

  /** Where the engine runs no autovacuum, vacuums the batches' two queues (small tables: milliseconds); elsewhere nothing. */
  async vacuumQueues (): Promise<void> {
    if (this.options.vacuums === true) await this.pool.query('VACUUM unprojected_batches, signal_minutes_pending')
  }

  /**
   * Unprojects the batches of a time range for a rebuild (pitwall reproject):
   * deletes the decoded rows in [fromUs, toUs) of the vehicles (all when
   * `vins` is absent) and flags every projected batch that may hold such
   * rows (based up to `spanUs` before the range) `reprojecting`, in one
   * transaction.
   * Returns how many batches and rows.
   */
  async unproject (range: { fromUs: number, toUs: number, vins?: readonly string[] | undefined, spanUs: number }): Promise<{ batches: number, samples: number, gnss: number, dtcs: number }> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const args = [range.fromUs, range.toUs, range.vins ?? null]
      const vehicles = `(SELECT id FROM vehicles WHERE $3::text[] IS NULL OR vin = ANY($3))`
      const window = 'time >= to_timestamp($1::double precision / 1e6) AND time < to_timestamp($2::double precision / 1e6)'
      // the rollup recomputes the minutes the deleted samples were in (a minute left empty is dropped by the pass)
      const samples = await client.query<{ n: number }>(
        `WITH gone AS (DELETE FROM signal_samples WHERE vehicle_id IN ${vehicles} AND ${window} RETURNING vehicle_id, signal_id, time),
              marks AS (INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids)
                        SELECT vehicle_id, date_trunc('minute', time), array_agg(DISTINCT signal_id) FROM gone GROUP BY 1, 2)
         SELECT count(*)::int AS n FROM gone`, args)
      const gnss = await client.query(`DELETE FROM gnss_fixes WHERE vehicle_id IN ${vehicles} AND ${window}`, args)
      const dtcs = await client.query<{ v: number, e: number, d: number, n: number }>(
        `WITH gone AS (DELETE FROM dtc_events WHERE vehicle_id IN ${vehicles} AND ${window} RETURNING vehicle_id, ecu, dtc)
         SELECT vehicle_id AS v, ecu AS e, dtc AS d, count(*)::int AS n FROM gone GROUP BY 1, 2, 3`, args)
      await rebuildLatestDtcs(client, dtcs.rows)
      const batches = await client.query<{ n: number }>(
        // only batches whose rows were written: one still unprojected (in a projector's queue, or left by a stopped node) gets all its rows from there
        `WITH unprojected AS (
           INSERT INTO unprojected_batches (vehicle_id, seq, base_time, reprojecting)
           SELECT vehicle_id, seq, base_time, true FROM batches WHERE vehicle_id IN ${vehicles}
              AND base_time >= to_timestamp(($1::double precision - $4::double precision) / 1e6) AND base_time < to_timestamp($2::double precision / 1e6)
           ON CONFLICT (vehicle_id, seq, base_time) DO NOTHING
           RETURNING vehicle_id, seq, base_time
         ), retried AS (
           UPDATE batches b SET projection_error = NULL FROM unprojected u
            WHERE b.projection_error IS NOT NULL AND b.vehicle_id = u.vehicle_id AND b.seq = u.seq AND b.base_time = u.base_time
         )
         SELECT count(*)::int AS n FROM unprojected`, [...args, range.spanUs])
      await client.query('COMMIT')
      return { batches: batches.rows[0]?.n ?? 0, samples: samples.rows[0]?.n ?? 0, gnss: gnss.rowCount ?? 0, dtcs: dtcs.rows.reduce((n, r) => n + r.n, 0) }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }

  /** The batches unproject() flagged, of a vehicle set based in [fromUs - spanUs, toUs), in (vehicle, seq) order, a page at a time. */
  async * unprojectedIn (range: { fromUs: number, toUs: number, vins?: readonly string[] | undefined, spanUs: number }): AsyncGenerator<ArchivedBatch> {
    yield * this.pages(
      `EXISTS (SELECT 1 FROM unprojected_batches p WHERE p.vehicle_id = b.vehicle_id AND p.seq = b.seq AND p.base_time = b.base_time AND p.reprojecting)
            AND ($4::text[] IS NULL OR v.vin = ANY($4))
            AND b.base_time >= to_timestamp(($5::double precision - $7::double precision) / 1e6) AND b.base_time < to_timestamp($6::double precision / 1e6)`,
      [range.vins ?? null, range.fromUs, range.toUs, range.spanUs])
  }
}

/**
 * After reports were deleted for a rebuild: the latest and first report of
 * each (vehicle, ECU, DTC) they were of, from those left (migration 033's
 * table; the rebuilt reports' inserts update it again through its trigger).
 * A pair with no report left loses its row.
 */
async function rebuildLatestDtcs (client: pg.PoolClient, pairs: ReadonlyArray<{ v: number, e: number, d: number }>): Promise<void> {
  if (pairs.length === 0) return
  const keys = [pairs.map((p) => p.v), pairs.map((p) => p.e), pairs.map((p) => p.d)]
  const pair = 'unnest($1::int[], $2::int[], $3::int[]) AS k(v, e, d)'
  await client.query(`DELETE FROM dtc_latest_reports l USING ${pair} WHERE l.vehicle_id = k.v AND l.ecu = k.e AND l.dtc = k.d`, keys)
  await client.query(`
    INSERT INTO dtc_latest_reports (vehicle_id, ecu, dtc, first_at, last_at, status)
    SELECT DISTINCT ON (r.vehicle_id, r.ecu, r.dtc) r.vehicle_id, r.ecu, r.dtc, min(r.time) OVER p, r.time, r.status
    FROM ${pair} JOIN dtc_events r ON r.vehicle_id = k.v AND r.ecu = k.e AND r.dtc = k.d
    WINDOW p AS (PARTITION BY r.vehicle_id, r.ecu, r.dtc)
    ORDER BY r.vehicle_id, r.ecu, r.dtc, r.time DESC`, keys)
}
