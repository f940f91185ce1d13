/**
 * Micro-benchmark of the storage writer on PostgreSQL against two baselines
 * measured in the same run, on the same rows, one connection each:
 * - Pitwall's BatchWriter, fed as the gateway feeds it (many writeBatch calls
 *   in flight, so groups form), with a pool of one and the default pool;
 * - plain `unnest`: one multi-row INSERT ... SELECT FROM unnest(...) per
 *   table, one transaction per group of the writer's group size;
 * - plain binary COPY (pg-copy-streams), one transaction per group.
 * Then narrow rows alone (signal_samples) through unnest and COPY, to compare
 * with the reference figure of the issue (≈ 270–300k rows/s on one connection).
 *
 * Rows: simulator batches of the demo vehicle decoded as the gateway does
 * (decodeBatch, telemetryRows, compiled DBC + 1 s sample thinning), with a DTC
 * every 16th batch, replayed under fresh (vehicle, seq) keys. Each candidate
 * writes to its own vehicles, so after the run the rows stored per candidate
 * are counted against what it was told was written: a candidate that loses
 * rows fails the bench. A fresh database per run, dropped at the end.
 */
import pg from 'pg'
import type { SampleBuffer } from '../../decoders/sample-buffer.js'
import type { GnssRow } from '../../decoders/telemetry-rows.js'
import { loadDefaultManifest } from '../../gateway/default-manifest.js'
import type { CompiledManifest } from '../../decoders/manifest/compile.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { TelemetryDecoder } from '../../gateway/telemetry-decoder.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { CONFIRMED_STATUS, encodeDtc } from '../../sim/dtc.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { BinaryCopy, copyIn } from '../../storage/binary-copy.js'
import { selectStoredSamples, StoredSignals } from '../../storage/sample-thinning.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import type { TelemetryRecord } from '../../storage/records.js'
import { spread } from '../measure.js'

const VIN = 'PWLBENCH000000001'
const TEMPLATES = 64
/** vehicles per candidate; a record's key is (its vehicle, the next seq of that vehicle) */
export const VEHICLES = 256
/** writeBatch calls in flight, as from 256 vehicles each waiting for its PUBACK */
const IN_FLIGHT = 256
const NARROW_GROUP_ROWS = 5000
/** no round writes more than this many batches (or narrow groups), whatever the time */
const MAX_BATCHES_PER_ROUND = 200_000
const T0 = 1_767_225_600_000_000 // 2026-01-01 UTC, microseconds

export interface WriterRate {
  name: string
  /** stored rows (sample + batch + GNSS + DTC rows) per second: median, lowest and highest round */
  median: number
  min: number
  max: number
  /** batches per second, median round (narrow: 0) */
  batchesPerS: number
  rounds: number
  /** items per transaction, median over the run (the writer's groups form by themselves) */
  groupItems: number
}

export interface StoredCheck {
  name: string
  written: RowCounts
  stored: RowCounts
}

interface RowCounts { batches: number, samples: number, gnss: number, dtcs: number }

export interface StorageWriterResult {
  postgres: string
  /** server settings that decide the cost of a commit */
  settings: Record<string, string>
  mode: 'quick' | 'full'
  rounds: number
  roundMs: number
  warmupMs: number
  rows: { payloadBytes: number, samplesPerBatch: number, gnssPerBatch: number, dtcsPerBatch: number, rowsPerBatch: number }
  inFlight: number
  /** the group size given to plain unnest and COPY: the projector's mean group (batches whose rows one statement writes), measured in its warm-up */
  groupBatches: number
  wide: WriterRate[]
  narrow: WriterRate[]
  narrowGroupRows: number
  checks: StoredCheck[]
  /** BatchWriter (one connection) / plain COPY, rows/s medians; the issue's target is ≥ 0.8 */
  writerVsCopy: number
  writerVsUnnest: number
  durationS: number
}

// ---- rows -------------------------------------------------------------------

/** One decoded simulator batch; records are it under another key and time. */
export interface Template { payload: Uint8Array, canFrames: number, baseTimeUs: number, timeUs: number[], signalId: number[], value: number[], gnss: GnssRow[], dtcs: TelemetryRecord['dtcs'] }

export function buildTemplates (): Template[] {
  const model = new VehicleModel({ seed: 1 })
  model.step(300)
  const builder = new BatchBuilder({ vin: VIN, model, seed: 2, startSeq: 1 })
  // decoded and thinned as ingest does
  const manifest = loadDefaultManifest(`0=${DEMO_DBC_FILE}`, 1) as CompiledManifest
  const decoder = new TelemetryDecoder(new SignalCatalog())
  const stored = new StoredSignals(manifest)
  const templates: Template[] = []
  for (let i = 0; i < TEMPLATES; i++) {
    const built = builder.build(T0 + i * 1_000_000, 1_000_000)
    const { batch, rows, canSamples } = decoder.decode(VIN, built.payload, T0 + 3600e6, manifest)
    selectStoredSamples(canSamples as SampleBuffer, stored, rows.samples)
    const dtcs = i % 16 === 0 ? [{ timeUs: batch.baseTimeUs + 500_000, ecu: 0x7e8, dtc: encodeDtc('P0301'), status: CONFIRMED_STATUS }] : rows.dtcs
    templates.push({ payload: built.payload, canFrames: batch.canFrames, baseTimeUs: batch.baseTimeUs, ...rows.samples, gnss: rows.gnss, dtcs })
  }
  return templates
}

const rowsOf = (r: TelemetryRecord): number => 1 + r.samples.signalId.length + r.gnss.length + r.dtcs.length

/** Records for one candidate: its own vehicles, each seq once. */
export class RecordSource {
  private k = 0
  readonly written: RowCounts = { batches: 0, samples: 0, gnss: 0, dtcs: 0 }

  constructor (private readonly templates: Template[], private readonly vehicleIds: number[]) {}

  next (): TelemetryRecord {
    const k = this.k++
    const seq = Math.floor(k / this.vehicleIds.length) + 1
    const t = this.templates[(k + seq) % TEMPLATES] as Template
    const shift = T0 + seq * 1_000_000 - t.baseTimeUs
    return {
      vehicleId: this.vehicleIds[k % this.vehicleIds.length] as number,
      seq,
      baseTimeUs: t.baseTimeUs + shift,
      canFrames: t.canFrames,
      payload: t.payload,
      samples: { timeUs: t.timeUs.map((x) => x + shift), signalId: t.signalId, value: t.value },
      gnss: t.gnss.map((g) => ({ ...g, timeUs: g.timeUs + shift })),
      dtcs: t.dtcs.map((d) => ({ ...d, timeUs: d.timeUs + shift }))
    }
  }

  count (r: TelemetryRecord): void {
    this.written.batches++
    this.written.samples += r.samples.signalId.length
    this.written.gnss += r.gnss.length
    this.written.dtcs += r.dtcs.length
  }
}

// ---- candidates -------------------------------------------------------------

interface RoundResult { rows: number, batches: number }

interface Candidate {
  name: string
  /** writes until `deadline` (performance.now() ms) or the count bound */
  round: (deadline: number) => Promise<RoundResult>
  groupItems: () => number
}

function writerCandidate (name: string, storage: Storage, groups: number[], source: RecordSource): Candidate {
  return {
    name,
    groupItems: () => median(groups),
    round: async (deadline) => await new Promise<RoundResult>((resolve, reject) => {
      let inFlight = 0
      let submitted = 0
      let failed = false
      const result = { rows: 0, batches: 0 }
      const submit = (): void => {
        while (!failed && inFlight < IN_FLIGHT && submitted < MAX_BATCHES_PER_ROUND && performance.now() < deadline) {
          const record = source.next()
          inFlight++
          submitted++
          storage.storeBatch(record).then((outcome) => {
            inFlight--
            if (outcome !== 'stored') throw new Error(`bench: batch ${record.vehicleId}:${record.seq} came back ${outcome}`)
            source.count(record)
            result.rows += rowsOf(record)
            result.batches++
            submit()
          }).catch((err: unknown) => { failed = true; reject(err as Error) })
        }
        // the round ends when its rows are written, not just archived: the projector's drain counts
        if (inFlight === 0) storage.projector.idle().then(() => { resolve(result) }, reject)
      }
      submit()
    })
  }
}

const ts = (col: string): string => `timestamptz 'epoch' + ${col} * interval '1 microsecond'`

/** Plain unnest: one INSERT per table, one transaction per group. */
function unnestCandidate (client: pg.Client, source: RecordSource, groupSize: () => number): Candidate {
  return {
    name: 'plain unnest (INSERT … SELECT FROM unnest, per table)',
    groupItems: groupSize,
    round: async (deadline) => await groupRounds(deadline, source, groupSize(), async (records) => {
      const b: [number[], number[], number[], number[], Buffer[]] = [[], [], [], [], []]
      const s: [number[], number[], number[], number[]] = [[], [], [], []]
      const g: [number[], number[], number[], number[], number[], number[], number[], number[], number[]] = [[], [], [], [], [], [], [], [], []]
      const d: [number[], number[], number[], number[], number[]] = [[], [], [], [], []]
      for (const r of records) {
        b[0].push(r.vehicleId); b[1].push(r.seq); b[2].push(r.baseTimeUs); b[3].push(r.canFrames); b[4].push(asBuffer(r.payload))
        const { timeUs, signalId, value } = r.samples
        for (let i = 0; i < signalId.length; i++) {
          s[0].push(timeUs[i] as number); s[1].push(r.vehicleId); s[2].push(signalId[i] as number); s[3].push(value[i] as number)
        }
        for (const f of r.gnss) {
          g[0].push(f.timeUs); g[1].push(r.vehicleId); g[2].push(f.lat); g[3].push(f.lon); g[4].push(f.speedMps)
          g[5].push(f.headingDeg); g[6].push(f.altM); g[7].push(f.hdop); g[8].push(f.satellites)
        }
        for (const e of r.dtcs) { d[0].push(e.timeUs); d[1].push(r.vehicleId); d[2].push(e.ecu); d[3].push(e.dtc); d[4].push(e.status) }
      }
      await client.query('BEGIN')
      await client.query(`INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload)
        SELECT v, q, ${ts('t')}, f, p FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::int[], $5::bytea[]) AS u(v, q, t, f, p)`, b)
      await client.query(`INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
        SELECT ${ts('t')}, v, s, x FROM unnest($1::bigint[], $2::int[], $3::int[], $4::float8[]) AS u(t, v, s, x)`, s)
      await client.query(`INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites)
        SELECT ${ts('t')}, v, la, lo, sp, hd, al, hp, sa
        FROM unnest($1::bigint[], $2::int[], $3::float8[], $4::float8[], $5::real[], $6::real[], $7::real[], $8::real[], $9::smallint[]) AS u(t, v, la, lo, sp, hd, al, hp, sa)`, g)
      if (d[0].length > 0) {
        await client.query(`INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
          SELECT ${ts('t')}, v, e, c, s FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::smallint[]) AS u(t, v, e, c, s)`, d)
      }
      await client.query('COMMIT')
    })
  }
}

/** Plain binary COPY: one COPY per table, one transaction per group. */
function copyCandidate (client: pg.Client, source: RecordSource, groupSize: () => number): Candidate {
  const b = new BinaryCopy()
  const s = new BinaryCopy()
  const g = new BinaryCopy()
  const d = new BinaryCopy()
  return {
    name: 'plain COPY (binary, per table)',
    groupItems: groupSize,
    round: async (deadline) => await groupRounds(deadline, source, groupSize(), async (records) => {
      b.start(); s.start(); g.start(); d.start()
      for (const r of records) {
        b.tuple(5).int4(r.vehicleId).int8(r.seq).timestamp(r.baseTimeUs).int4(r.canFrames).bytes(r.payload)
        const { timeUs, signalId, value } = r.samples
        for (let i = 0; i < signalId.length; i++) s.tuple(4).timestamp(timeUs[i] as number).int4(r.vehicleId).int4(signalId[i] as number).float8(value[i] as number)
        for (const f of r.gnss) {
          g.tuple(9).timestamp(f.timeUs).int4(r.vehicleId).float8(f.lat).float8(f.lon).float4(f.speedMps).float4(f.headingDeg).float4(f.altM).float4(f.hdop).int2(f.satellites)
        }
        for (const e of r.dtcs) d.tuple(5).timestamp(e.timeUs).int4(r.vehicleId).int4(e.ecu).int4(e.dtc).int2(e.status)
      }
      await client.query('BEGIN')
      await copyIn(client, 'COPY batches (vehicle_id, seq, base_time, can_frames, payload) FROM STDIN (FORMAT binary)', b)
      await copyIn(client, 'COPY signal_samples (time, vehicle_id, signal_id, value) FROM STDIN (FORMAT binary)', s)
      await copyIn(client, 'COPY gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites) FROM STDIN (FORMAT binary)', g)
      if (d.tuples > 0) await copyIn(client, 'COPY dtc_events (time, vehicle_id, ecu, dtc, status) FROM STDIN (FORMAT binary)', d)
      await client.query('COMMIT')
    })
  }
}

/** Runs `write` on groups of `size` records until the deadline. */
async function groupRounds (deadline: number, source: RecordSource, size: number, write: (records: TelemetryRecord[]) => Promise<void>): Promise<RoundResult> {
  const result = { rows: 0, batches: 0 }
  while (performance.now() < deadline && result.batches < MAX_BATCHES_PER_ROUND) {
    const records = Array.from({ length: size }, () => source.next())
    await write(records)
    for (const r of records) {
      source.count(r)
      result.rows += rowsOf(r)
    }
    result.batches += size
  }
  return result
}

/** Narrow rows (time, vehicle, signal, value): groups of NARROW_GROUP_ROWS from the templates' samples, times moved on per group. */
function narrowCandidate (kind: 'unnest' | 'copy', client: pg.Client, templates: Template[], vehicleId: number, written: RowCounts): Candidate {
  const time: number[] = []
  const signal: number[] = []
  const value: number[] = []
  for (let i = 0; time.length < NARROW_GROUP_ROWS; i++) {
    const t = templates[i % TEMPLATES] as Template
    for (let j = 0; j < t.signalId.length && time.length < NARROW_GROUP_ROWS; j++) {
      time.push(t.timeUs[j] as number + Math.floor(i / TEMPLATES) * 64e6)
      signal.push(t.signalId[j] as number)
      value.push(t.value[j] as number)
    }
  }
  const vehicles = new Array<number>(NARROW_GROUP_ROWS).fill(0)
  const copy = new BinaryCopy()
  let group = 0
  return {
    name: kind === 'unnest' ? 'narrow rows, plain unnest' : 'narrow rows, plain COPY (binary)',
    groupItems: () => NARROW_GROUP_ROWS,
    round: async (deadline) => {
      let rows = 0
      let groups = 0
      while (performance.now() < deadline && groups < MAX_BATCHES_PER_ROUND) {
        // each group: another vehicle, a later hour, so the index sees new keys
        const shift = ++group * 3600e6
        const v = vehicleId + (group % VEHICLES)
        vehicles.fill(v)
        const times = time.map((t) => t + shift)
        await client.query('BEGIN')
        if (kind === 'unnest') {
          await client.query(`INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
            SELECT ${ts('t')}, v, s, x FROM unnest($1::bigint[], $2::int[], $3::int[], $4::float8[]) AS u(t, v, s, x)`, [times, vehicles, signal, value])
        } else {
          copy.start()
          for (let i = 0; i < NARROW_GROUP_ROWS; i++) copy.tuple(4).timestamp(times[i] as number).int4(v).int4(signal[i] as number).float8(value[i] as number)
          await copyIn(client, 'COPY signal_samples (time, vehicle_id, signal_id, value) FROM STDIN (FORMAT binary)', copy)
        }
        await client.query('COMMIT')
        rows += NARROW_GROUP_ROWS
        written.samples += NARROW_GROUP_ROWS
        groups++
      }
      return { rows, batches: 0 }
    }
  }
}

// ---- measurement ------------------------------------------------------------

interface Sample { rows: number, batches: number }

/** Warm-up, then rounds in which every candidate writes for the same wall time in turn (A B C A B C ...). */
async function measureRounds (candidates: Candidate[], options: { rounds: number, roundMs: number, warmupMs: number }, afterWarmup: (c: Candidate) => void): Promise<WriterRate[]> {
  const timed = async (c: Candidate, ms: number): Promise<Sample> => {
    const start = performance.now()
    const r = await c.round(start + ms)
    const seconds = (performance.now() - start) / 1000
    return { rows: r.rows / seconds, batches: r.batches / seconds }
  }
  for (const c of candidates) {
    await timed(c, options.warmupMs)
    afterWarmup(c)
  }
  const samples = candidates.map(() => [] as Sample[])
  for (let r = 0; r < options.rounds; r++) {
    for (const [i, c] of candidates.entries()) samples[i]?.push(await timed(c, options.roundMs))
  }
  return candidates.map((c, i) => {
    const { median, min, max, count } = spread(samples[i] ?? [], (r) => r.rows, { rows: 0, batches: 0 })
    return { name: c.name, median: median.rows, min, max, batchesPerS: median.batches, rounds: count, groupItems: c.groupItems() }
  })
}

function median (xs: number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

// ---- the run ----------------------------------------------------------------

export async function runStorageWriterBench (options: { quick: boolean, databaseUrl: string }): Promise<StorageWriterResult> {
  const started = performance.now()
  const timing = options.quick ? { rounds: 3, roundMs: 150, warmupMs: 150 } : { rounds: 7, roundMs: 1000, warmupMs: 1000 }
  const name = `pitwall_bench_writer_${Date.now()}`
  const url = new URL(options.databaseUrl)
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`bench: the storage writer bench runs on loopback only, not ${url.hostname}`)
  const admin = new pg.Client({ connectionString: options.databaseUrl })
  await admin.connect()
  const opened: Array<{ close: () => Promise<void> }> = []
  try {
    await admin.query(`CREATE DATABASE ${name}`)
    url.pathname = `/${name}`
    const databaseUrl = url.toString()
    const templates = buildTemplates()
    const groups = { pool1: [] as number[], pooled: [] as number[] }
    // the rows' writer is the projector (after the PUBACK): its groups are the ones to compare plain unnest and COPY with
    const single = await openStorage({ databaseUrl, dataDir: '', poolSize: 1, projector: { onCommit: (s) => groups.pool1.push(s.batches) } })
    opened.push(single)
    const pooled = await openStorage({ databaseUrl, dataDir: '', projector: { onCommit: (s) => groups.pooled.push(s.batches) } })
    opened.push(pooled)
    const client = (): pg.Client => {
      const c = new pg.Client({ connectionString: databaseUrl })
      opened.push({ close: async () => { await c.end() } })
      return c
    }
    const plain = client()
    const copying = client()
    const narrowUnnest = client()
    const narrowCopy = client()
    await Promise.all([plain, copying, narrowUnnest, narrowCopy].map(async (c) => { await c.connect() }))

    // 4 candidates x VEHICLES vehicles: candidate i writes block i, so stored rows are counted per candidate
    const ids = (await poolOf(single).query<{ id: number }>(
      `INSERT INTO vehicles (vin, model) SELECT 'PWLBENCH' || lpad(i::text, 9, '0'), 'bench' FROM generate_series(1, $1) AS i RETURNING id`,
      [4 * VEHICLES])).rows.map((r) => r.id).sort((a, b) => a - b)
    const block = (c: number): number[] => ids.slice(c * VEHICLES, (c + 1) * VEHICLES)
    const sources = [0, 1, 2, 3].map((c) => new RecordSource(templates, block(c)))
    let groupBatches = 0
    const groupSize = (): number => groupBatches
    const wideCandidates = [
      writerCandidate('Pitwall (BatchWriter + projector), pool of 1', single, groups.pool1, sources[0] as RecordSource),
      unnestCandidate(plain, sources[1] as RecordSource, groupSize),
      copyCandidate(copying, sources[2] as RecordSource, groupSize),
      writerCandidate('Pitwall (BatchWriter + projector), default pool (8)', pooled, groups.pooled, sources[3] as RecordSource)
    ]
    // The plain candidates commit groups of the size the writer forms by itself.
    const wide = await measureRounds(wideCandidates, timing, (c) => { if (c === wideCandidates[0]) groupBatches = Math.max(1, Math.round(groups.pool1.reduce((a, b) => a + b, 0) / Math.max(1, groups.pool1.length))) })
    const narrowWritten = [{ batches: 0, samples: 0, gnss: 0, dtcs: 0 }, { batches: 0, samples: 0, gnss: 0, dtcs: 0 }]
    const NARROW_BASE = 1_000_000
    const narrowRates = await measureRounds([
      narrowCandidate('unnest', narrowUnnest, templates, NARROW_BASE, narrowWritten[0] as RowCounts),
      narrowCandidate('copy', narrowCopy, templates, NARROW_BASE + VEHICLES, narrowWritten[1] as RowCounts)
    ], timing, () => {})

    const checks = await countStored(poolOf(single), ids[0] as number, wide.map((w) => w.name), sources.map((s) => s.written),
      narrowRates.map((n) => n.name), narrowWritten, NARROW_BASE)
    const lost = checks.filter((c) => JSON.stringify(c.written) !== JSON.stringify(c.stored))
    if (lost.length > 0) throw new Error(`bench: stored rows differ from written: ${lost.map((c) => `${c.name}: wrote ${JSON.stringify(c.written)}, found ${JSON.stringify(c.stored)}`).join('; ')}`)

    const server = await poolOf(single).query<{ name: string, setting: string, unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'full_page_writes', 'shared_buffers', 'wal_level', 'max_wal_size') ORDER BY name`)
    const version = (await poolOf(single).query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown'
    const n = templates.length
    const sum = (f: (t: Template) => number): number => templates.reduce((a, t) => a + f(t), 0) / n
    const rows = {
      payloadBytes: sum((t) => t.payload.byteLength),
      samplesPerBatch: sum((t) => t.signalId.length),
      gnssPerBatch: sum((t) => t.gnss.length),
      dtcsPerBatch: sum((t) => t.dtcs.length),
      rowsPerBatch: sum((t) => 1 + t.signalId.length + t.gnss.length + t.dtcs.length)
    }
    const rate = (prefix: string): number => wide.find((w) => w.name.startsWith(prefix))?.median ?? 0
    return {
      postgres: version,
      settings: Object.fromEntries(server.rows.map((r) => [r.name, r.unit === null || r.unit === '' ? r.setting : `${r.setting} × ${r.unit}`])),
      mode: options.quick ? 'quick' : 'full',
      ...timing,
      rows,
      inFlight: IN_FLIGHT,
      groupBatches,
      wide,
      narrow: narrowRates,
      narrowGroupRows: NARROW_GROUP_ROWS,
      checks,
      writerVsCopy: rate('Pitwall (BatchWriter + projector), pool of 1') / rate('plain COPY'),
      writerVsUnnest: rate('Pitwall (BatchWriter + projector), pool of 1') / rate('plain unnest'),
      durationS: (performance.now() - started) / 1000
    }
  } finally {
    for (const o of opened.reverse()) await o.close().catch(() => {})
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    await admin.end()
  }
}

/** Rows stored per candidate, found by its block of vehicle ids. */
async function countStored (pool: pg.Pool, firstId: number, wideNames: string[], wideWritten: RowCounts[], narrowNames: string[], narrowWritten: RowCounts[], narrowBase: number): Promise<StoredCheck[]> {
  const counts = new Map<number, RowCounts>()
  const at = (c: number): RowCounts => {
    let r = counts.get(c)
    if (r === undefined) counts.set(c, r = { batches: 0, samples: 0, gnss: 0, dtcs: 0 })
    return r
  }
  // blocks 0..3 are the wide candidates' vehicles; narrow rows use ids from narrowBase, VEHICLES per candidate
  const bucket = `CASE WHEN vehicle_id >= ${narrowBase} THEN 10 + (vehicle_id - ${narrowBase}) / ${VEHICLES} ELSE (vehicle_id - ${firstId}) / ${VEHICLES} END`
  for (const [table, key] of [['batches', 'batches'], ['signal_samples', 'samples'], ['gnss_fixes', 'gnss'], ['dtc_events', 'dtcs']] as const) {
    const res = await pool.query<{ c: number, n: string }>(`SELECT ${bucket} AS c, count(*) AS n FROM ${table} GROUP BY 1`)
    for (const r of res.rows) at(r.c)[key] = Number(r.n)
  }
  return [
    ...wideNames.map((name, i) => ({ name, written: wideWritten[i] as RowCounts, stored: at(i) })),
    ...narrowNames.map((name, i) => ({ name, written: narrowWritten[i] as RowCounts, stored: at(10 + i) }))
  ]
}

// ---- report -----------------------------------------------------------------

const k = (x: number): string => Math.round(x / 1e3).toLocaleString('en-US')

export function renderStorageWriter (r: StorageWriterResult): string {
  const copy = r.wide.find((w) => w.name.startsWith('plain COPY'))?.median ?? 1
  const wideRows = r.wide.map((w) =>
    `| ${w.name} | ${k(w.median)} | ${k(w.min)}–${k(w.max)} | ${Math.round(w.batchesPerS).toLocaleString('en-US')} | ${w.groupItems} | ${(w.median / copy).toFixed(2)}× |`)
  const narrowCopy = r.narrow[r.narrow.length - 1]?.median ?? 1
  const narrowRows = r.narrow.map((w) =>
    `| ${w.name} | ${k(w.median)} | ${k(w.min)}–${k(w.max)} | ${(w.median / narrowCopy).toFixed(2)}× | ${(w.median / 285e3).toFixed(2)}× |`)
  const settings = Object.entries(r.settings).map(([key, v]) => `${key} ${v}`).join(', ')
  const checks = r.checks.map((c) => `${c.name}: ${c.stored.batches.toLocaleString('en-US')} batches, ${c.stored.samples.toLocaleString('en-US')} samples`).join('; ')
  const verdict = r.writerVsCopy >= 0.8 ? 'met' : 'missed'
  return `## Storage writer: batches → PostgreSQL rows, against plain unnest and COPY

PostgreSQL ${r.postgres} on loopback (${settings}), a fresh database per run. Rows: simulator batches of the
demo vehicle decoded as the gateway does (raw payload ${Math.round(r.rows.payloadBytes).toLocaleString('en-US')} B, ${r.rows.samplesPerBatch.toFixed(1)} samples, ${r.rows.gnssPerBatch.toFixed(1)} GNSS fix,
${r.rows.dtcsPerBatch.toFixed(2)} DTCs per batch: ${r.rows.rowsPerBatch.toFixed(1)} rows per batch with the batch row), replayed under fresh (vehicle, seq) keys.
Pitwall gets ${r.inFlight} storeBatch calls in flight (the BatchWriter archives the raw batches in groups it forms, the projector writes their rows after; a round ends when the rows are written); plain unnest (one INSERT … unnest per
table) and plain binary COPY (one COPY per table) commit groups of ${r.groupBatches} batches, the mean group of Pitwall's row writer (the projector, after the PUBACK),
one transaction each. ${r.mode} run: ${r.rounds} rounds of ${r.roundMs} ms per candidate after ${r.warmupMs} ms warm-up, interleaved.
Rows counted after the run matched what each candidate wrote (${checks}).

| candidate | k rows/s (median) | spread (min–max) | batches/s | batches per transaction | vs plain COPY |
|---|---:|---:|---:|---:|---:|
${wideRows.join('\n')}

Target: storage writer ≥ 0.8× plain COPY on the same rows, one connection: ${r.writerVsCopy.toFixed(2)}× (${verdict}); against plain unnest ${r.writerVsUnnest.toFixed(2)}×.

Narrow rows alone (signal_samples: time, vehicle, signal, value; ${r.narrowGroupRows.toLocaleString('en-US')} rows per transaction), against the
issue's reference of ≈ 270–300k rows/s on one connection (285k taken):

| candidate | k rows/s (median) | spread (min–max) | vs COPY | vs reference |
|---|---:|---:|---:|---:|
${narrowRows.join('\n')}
`
}
