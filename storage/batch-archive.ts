/**
 * Reads the raw batch archive back, for backtests and replays: vehicle by
 * vehicle, in seq order (the order the vehicle sent them), a page at a time so
 * a long history never sits in memory at once.
 */
import type pg from 'pg'

export interface ArchivedBatch {
  vehicleId: number
  vin: string
  model: string | undefined
  seq: number
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

export class BatchArchive {
  constructor (private readonly pool: pg.Pool) {}

  async * read (query: ArchiveQuery = {}): AsyncGenerator<ArchivedBatch> {
    let after: [number, number] = [0, 0]
    for (;;) {
      // keyset pagination on the primary key (vehicle_id, seq): each page is one indexed range scan
      const res = await this.pool.query<{ vehicle_id: number, vin: string, model: string | null, seq: string, manifest_id: number | null, payload: Buffer }>(
        `SELECT b.vehicle_id, v.vin, v.model, b.seq, b.manifest_id, b.payload
           FROM batches b JOIN vehicles v ON v.id = b.vehicle_id
          WHERE (b.vehicle_id, b.seq) > ($1, $2)
            AND ($3::text[] IS NULL OR v.vin = ANY($3))
            AND ($4::double precision IS NULL OR b.base_time >= to_timestamp($4 / 1e6))
            AND ($5::double precision IS NULL OR b.base_time <= to_timestamp($5 / 1e6))
          ORDER BY b.vehicle_id, b.seq
          LIMIT ${PAGE}`,
        [after[0], after[1], query.vins ?? null, query.fromUs ?? null, query.toUs ?? null])
      for (const row of res.rows) {
        yield { vehicleId: row.vehicle_id, vin: row.vin, model: row.model ?? undefined, seq: Number(row.seq), manifestId: row.manifest_id ?? 0, payload: row.payload }
      }
      const last = res.rows[res.rows.length - 1]
      if (last === undefined || res.rows.length < PAGE) return
      after = [last.vehicle_id, Number(last.seq)]
    }
  }
}
