/**
 * Sustained ingest with the storage jobs running (issue 19 item 6).
 * Pitwall's full pipeline (`pitwall start` on a PostgreSQL database of its
 * own, demo DBC and rules) takes a fixed open-loop QoS 1 load for 10
 * minutes (quick: 30 s): N vehicles of the demo batch, one batch per second
 * each, N about 65 % of the end-to-end maximum measured earlier in the same
 * run (else a fixed rate). Its storage maintenance runs every slice (a
 * minute; quick: 10 s) instead of hourly, with 3-day retention, and has a
 * drop to do on each pass: before the load, the bench attaches to
 * signal_samples one filled partition per slice, each expiring as its slice
 * begins, as a day's partition expires at midnight. The slices run back to
 * back, each a load-generator run of its own, and the first and last are
 * compared for degradation.
 */
import { loadavg } from 'node:os'
import pg from 'pg'
import type { LatencySummary } from '../e2e/throughput-model.js'
import { latencySummary } from '../e2e/latency.js'
import { LoadGenerator } from '../e2e/load-generator.js'
import { cpuSeconds, memoryMiB, postgresCpu, ProcessGroupCpu } from '../e2e/proc-stats.js'
import { applyDemoRules, BenchDatabase, startPitwall, type PitwallProcess } from '../e2e/targets.js'
import { countLost, sleep } from '../e2e/throughput-steps.js'
import { registerBenchFleet } from './bench-fleet.js'

export interface SustainedSlice {
  /** seconds from the first slice's start to this one's end */
  endS: number
  /** PUBACKs in the slice's window, per second */
  ackedPerS: number
  /** the gateway's counters over the slice: batches stored, decoded sample rows written (projected) */
  storedPerS: number
  rowsPerS: number
  /** scheduled send -> PUBACK of the publishes scheduled in the slice */
  puback: LatencySummary | undefined
  /** publishes unacknowledged when the slice's drain ended (of which waiting on their vehicles, its window full), and failed */
  pending: number
  vehicleBacklog: number
  errors: number
  /** pitwall_projection_lag_seconds: highest of the samples taken in the slice, and at its end */
  projectionLagMaxS: number
  projectionLagEndS: number
  projectionPendingEnd: number
  gatewayCpuPct: number
  databaseCpuPct: number
  gatewayRssMiB: number
  databaseMiB: number
  partitionsDropped: number
  partitionsCreated: number
  partitionFailures: number
}

export interface SustainedResult {
  mode: 'quick' | 'full'
  vehicles: number
  offeredPerS: number
  /** how the rate was chosen */
  rateFrom: string
  sliceS: number
  vehicleWindow: number
  maintenanceIntervalS: number
  retentionDays: number
  /** partitions the bench planted in signal_samples, one expiring per slice; 0 when the tables are not plain partitions */
  planted: { partitions: number, rowsEach: number }
  slices: SustainedSlice[]
  loss: { checked: number, lost: number, storedBatches: number }
  /** what got worse from the first slice to the last (criteria in DEGRADED); empty: nothing */
  degraded: string[]
  notes: string[]
  elapsedS: number
}

interface Plan {
  slices: number
  sliceMs: number
  warmupMs: number
  lagSampleMs: number
  plantRows: number
  /** time allowed to plant one partition (measured: ~0.7 s for 200,000 rows on a busy 2-core machine); slack extends the warm-up */
  plantAllowanceMs: number
  fixedRate: number
}

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { slices: 3, sliceMs: 10_000, warmupMs: 2_000, lagSampleMs: 2_000, plantRows: 20_000, plantAllowanceMs: 500, fixedRate: 300 },
  full: { slices: 10, sliceMs: 60_000, warmupMs: 10_000, lagSampleMs: 5_000, plantRows: 200_000, plantAllowanceMs: 2_000, fixedRate: 1_000 }
}

/** Of the end-to-end maximum: below the knee, where p99 is still low, as a fleet would be run. */
const SHARE_OF_MAX = 0.65
const RETENTION_DAYS = 3
/** First slice -> last slice: these changes count as degradation. */
const DEGRADED = { minAcceptedShare: 0.95, p99Growth: 2, p99GrowthMs: 20, lagEndS: 10, rssGrowth: 1.5 }
/**
 * Each vehicle has at most this many batches unacknowledged, as a T-box
 * does; what falls due meanwhile waits on the vehicle (its store-and-forward
 * backlog) and its latency counts from when it fell due. Without a window
 * an open-loop mqtt.js client past what the gateway sustains queues without
 * end in its own socket, its PINGREQs behind its PUBLISHes, and the run
 * measures the generator's queue rather than the gateway.
 */
const VEHICLE_WINDOW = 8
/** Publishes still unacknowledged this long after a slice's schedule ends are reported as pending. */
const DRAIN_MS = 5_000

export interface SustainedOptions {
  quick: boolean
  /** PostgreSQL server URL whose database the bench may CREATE and DROP beside */
  adminDatabaseUrl: string
  /** Pitwall's maximum QoS 1 batches/s from the end-to-end section of the same run, when it ran */
  maxPerS?: number | undefined
}

/**
 * Attaches `count` partitions of `rows` sample rows each to signal_samples,
 * partition k covering the slice of time that expires (retention) at
 * `t0Ms` + k slices; false when signal_samples is not range-partitioned.
 */
async function plantExpiring (client: pg.Client, t0Ms: number, plan: Plan): Promise<boolean> {
  const partitioned = await client.query("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = 'signal_samples'")
  if (partitioned.rowCount === 0) return false
  for (let k = 0; k < plan.slices; k++) {
    const to = t0Ms + k * plan.sliceMs - RETENTION_DAYS * 86_400_000
    const from = to - plan.sliceMs
    const name = `signal_samples_bench_expiring_${k}`
    await client.query(`CREATE TABLE ${name} (LIKE signal_samples INCLUDING DEFAULTS)`)
    await client.query(`INSERT INTO ${name} (time, vehicle_id, signal_id, value)
      SELECT to_timestamp(($1::float8 + i * ($2::float8 - $1) / $3) / 1000), v.ids[1 + i % cardinality(v.ids)], 1 + i % 40, i % 1000
        FROM generate_series(0, $3 - 1) AS i, (SELECT array_agg(id) AS ids FROM vehicles) AS v`, [from, to, plan.plantRows])
    await client.query(`ALTER TABLE signal_samples ATTACH PARTITION ${name} FOR VALUES FROM ('${new Date(from).toISOString()}') TO ('${new Date(to).toISOString()}')`)
  }
  return true
}

interface Edge { atMs: number, metrics: Record<string, number>, gatewayCpuS: number, databaseCpu: Map<number, number> }

function degradation (slices: SustainedSlice[], offeredPerS: number, lost: number): string[] {
  const first = slices[0]
  const last = slices[slices.length - 1]
  if (first === undefined || last === undefined) return ['no slice ran']
  const out: string[] = []
  if (last.ackedPerS < DEGRADED.minAcceptedShare * offeredPerS) out.push(`the last slice acknowledged ${Math.round(last.ackedPerS)} of ${offeredPerS} batches/s offered`)
  const p99First = first.puback?.p99 ?? 0
  const p99Last = last.puback?.p99 ?? Infinity
  if (p99Last > DEGRADED.p99Growth * p99First && p99Last > p99First + DEGRADED.p99GrowthMs) out.push(`PUBACK p99 grew from ${p99First} ms to ${p99Last} ms`)
  if (last.projectionLagEndS > DEGRADED.lagEndS) out.push(`projection lag ${last.projectionLagEndS.toFixed(1)} s at the end`)
  if (last.gatewayRssMiB > DEGRADED.rssGrowth * first.gatewayRssMiB) out.push(`gateway RSS grew from ${first.gatewayRssMiB} to ${last.gatewayRssMiB} MiB`)
  const errors = slices.reduce((n, s) => n + s.errors, 0)
  if (errors > 0) out.push(`${errors} publishes failed`)
  const failures = slices.reduce((n, s) => n + s.partitionFailures, 0)
  if (failures > 0) out.push(`${failures} partition changes failed`)
  if (lost > 0) out.push(`${lost} acknowledged batches are not in the database`)
  return out
}

export async function runSustained (options: SustainedOptions): Promise<SustainedResult> {
  const mode = options.quick ? 'quick' : 'full'
  const plan = PLANS[mode]
  const started = performance.now()
  const log = (s: string): void => { process.stderr.write(`bench: sustained: ${s}\n`) }
  const fromMax = options.maxPerS !== undefined && options.maxPerS > 0
  const offeredPerS = fromMax ? Math.max(50, Math.round((SHARE_OF_MAX * (options.maxPerS as number)) / 50) * 50) : plan.fixedRate
  const rateFrom = fromMax
    ? `${Math.round(SHARE_OF_MAX * 100)} % of Pitwall's maximum in the end-to-end section of this run (${Math.round(options.maxPerS as number).toLocaleString('en-US')} batches/s)`
    : 'a fixed rate, as the end-to-end section did not run before it'
  const notes = [`load average when the section started: ${loadavg().map((x) => x.toFixed(2)).join(', ')} (1, 5, 15 min)`]
  const database = await BenchDatabase.create(options.adminDatabaseUrl)
  const client = new pg.Client({ connectionString: database.url })
  let pitwall: PitwallProcess | undefined
  let gen: LoadGenerator | undefined
  try {
    // one batch per vehicle per second, as T-boxes send them
    const fleet = await registerBenchFleet(database.url, offeredPerS)
    await applyDemoRules(database.url)
    await client.connect()
    pitwall = await startPitwall(database.url, {
      env: {
        PITWALL_STORAGE_MAINTENANCE_INTERVAL_MS: String(plan.sliceMs),
        PITWALL_COMPRESS_AFTER_DAYS: '1',
        ...Object.fromEntries(['RAW', 'SAMPLES', 'POSITIONS', 'DTCS'].map((kind) => [`PITWALL_RETENTION_${kind}_DAYS`, String(RETENTION_DAYS)]))
      }
    })
    gen = await LoadGenerator.start(2)
    await gen.connect(`mqtt://127.0.0.1:${pitwall.mqttPort}`, fleet)
    // the first slice starts when the first planted partition expires: the bounds are set before planting, so planting gets an allowance
    const t0Ms = Date.now() + plan.slices * plan.plantAllowanceMs + plan.warmupMs
    const planted = await plantExpiring(client, t0Ms, plan)
    if (!planted) notes.push('signal_samples is not range-partitioned here (TimescaleDB): no partitions planted; its retention and compression policies run as set')
    else notes.push('compression: none on plain PostgreSQL (TimescaleDB compresses chunks; it is not installed on this server), so the storage jobs here are partition creation, retention drops and the DEFAULT partitions\' checks')
    log(`${offeredPerS} vehicles at 1 batch/s for ${plan.slices} × ${plan.sliceMs / 1000} s; ${planted ? plan.slices : 0} partitions of ${plan.plantRows} rows planted to expire one per slice`)
    await gen.run({ qos: 1, ratePerS: offeredPerS, warmupMs: Math.max(plan.warmupMs, t0Ms - Date.now()), measureMs: 0, drainMs: DRAIN_MS, vehicleWindow: VEHICLE_WINDOW })
    // partition k expires at t0 + k slices; the warm-up ends at t0 give or take its drain
    const late = Date.now() - t0Ms - DRAIN_MS
    const early = late <= 0 ? 0 : Math.min(plan.slices, Math.floor(late / plan.sliceMs) + 1)
    if (planted && early > 0) notes.push(`planting took longer than its allowance: ${early} planted partitions expired before the first slice and were dropped during the warm-up`)

    const pid = pitwall.pid
    const databaseCpu = postgresCpu(database.name)
    const readEdge = async (): Promise<Edge> => ({ atMs: performance.now(), metrics: await (pitwall as PitwallProcess).metrics(), gatewayCpuS: cpuSeconds(pid) ?? 0, databaseCpu: databaseCpu.read() })
    const slices: SustainedSlice[] = []
    const firstStart = performance.now()
    for (let k = 0; k < plan.slices; k++) {
      const a = await readEdge()
      const lags: number[] = []
      const sampler = setInterval(() => {
        (pitwall as PitwallProcess).metrics().then((m) => lags.push(m.pitwall_projection_lag_seconds ?? 0), () => {})
      }, plan.lagSampleMs)
      const report = await gen.run({ qos: 1, ratePerS: offeredPerS, warmupMs: 0, measureMs: plan.sliceMs, drainMs: DRAIN_MS, vehicleWindow: VEHICLE_WINDOW })
      clearInterval(sampler)
      const b = await readEdge()
      const seconds = (b.atMs - a.atMs) / 1000
      const delta = (name: string): number => (b.metrics[name] ?? 0) - (a.metrics[name] ?? 0)
      const size = await client.query<{ bytes: number }>('SELECT pg_database_size(current_database())::float8 AS bytes')
      const slice: SustainedSlice = {
        endS: Math.round((b.atMs - firstStart) / 1000),
        ackedPerS: report.completedInWindow / (plan.sliceMs / 1000),
        storedPerS: delta('pitwall_batches_total:stored') / seconds,
        rowsPerS: delta('pitwall_signal_samples_total') / seconds,
        puback: report.latenciesMs.length === 0 ? undefined : latencySummary(report.latenciesMs),
        pending: report.pending,
        vehicleBacklog: report.backlog,
        errors: report.errors,
        projectionLagMaxS: Math.max(0, ...lags, b.metrics.pitwall_projection_lag_seconds ?? 0),
        projectionLagEndS: b.metrics.pitwall_projection_lag_seconds ?? 0,
        projectionPendingEnd: b.metrics.pitwall_projection_pending_batches ?? 0,
        gatewayCpuPct: (100 * (b.gatewayCpuS - a.gatewayCpuS)) / seconds,
        databaseCpuPct: (100 * ProcessGroupCpu.between(a.databaseCpu, b.databaseCpu)) / seconds,
        gatewayRssMiB: Math.round(memoryMiB(pid)?.rss ?? 0),
        databaseMiB: Math.round((size.rows[0]?.bytes ?? 0) / 2 ** 20),
        partitionsDropped: delta('pitwall_partitions_dropped_total'),
        partitionsCreated: delta('pitwall_partitions_created_total'),
        partitionFailures: delta('pitwall_partition_failures_total')
      }
      slices.push(slice)
      log(`slice ${k + 1}/${plan.slices}: ${Math.round(slice.ackedPerS)} acked/s, ${Math.round(slice.rowsPerS)} rows/s, p99 ${slice.puback?.p99 ?? '-'} ms, ` +
        `lag max ${slice.projectionLagMaxS.toFixed(2)} s, ${slice.pending} pending (${slice.vehicleBacklog} on vehicles), RSS ${slice.gatewayRssMiB} MiB, ${slice.partitionsDropped} partitions dropped`)
    }
    await sleep(500)
    const loss = await countLost(database.url, await gen.ackedSeqs())
    log(`${loss.checked} acknowledged batches looked up, ${loss.lost} missing`)
    return {
      mode,
      vehicles: offeredPerS,
      offeredPerS,
      rateFrom,
      sliceS: plan.sliceMs / 1000,
      vehicleWindow: VEHICLE_WINDOW,
      maintenanceIntervalS: plan.sliceMs / 1000,
      retentionDays: RETENTION_DAYS,
      planted: { partitions: planted ? plan.slices : 0, rowsEach: planted ? plan.plantRows : 0 },
      slices,
      loss,
      degraded: degradation(slices, offeredPerS, loss.lost),
      notes,
      elapsedS: Math.round((performance.now() - started) / 1000)
    }
  } finally {
    await gen?.close().catch(() => {})
    await pitwall?.stop().catch(() => {})
    await client.end().catch(() => {})
    await database.drop().catch((err: unknown) => log(`could not drop ${database.name}: ${(err as Error).message}`))
  }
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US')
const ms = (x: number | undefined): string => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1))

export function renderSustained (r: SustainedResult): string {
  const rows = r.slices.map((s) => `| ${s.endS} | ${int(s.ackedPerS)} | ${int(s.storedPerS)} | ${int(s.rowsPerS)} | ${ms(s.puback?.p50)} / ${ms(s.puback?.p99)} | ` +
    `${s.projectionLagMaxS.toFixed(2)} / ${s.projectionLagEndS.toFixed(2)} | ${int(s.projectionPendingEnd)} | ${int(s.pending)} (${int(s.vehicleBacklog)}) | ${int(s.gatewayCpuPct)} % | ${int(s.databaseCpuPct)} % | ` +
    `${s.gatewayRssMiB} | ${int(s.databaseMiB)} | ${s.partitionsDropped} / ${s.partitionsCreated}${s.partitionFailures > 0 ? ` (${s.partitionFailures} failed)` : ''} |`)
  const n = r.slices.length
  const mean = (f: (s: SustainedSlice) => number): number => (n === 0 ? 0 : r.slices.reduce((a, s) => a + f(s), 0) / n)
  const dropped = r.slices.reduce((a, s) => a + s.partitionsDropped, 0)
  const minutes = (n * r.sliceS) / 60
  return `## Sustained ingest with the storage jobs running (issue 19)

Pitwall's full pipeline (\`pitwall start\` on a PostgreSQL database of its own, demo DBC and rules) under a fixed
open-loop QoS 1 load: ${int(r.vehicles)} vehicles, one demo batch a second each: ${int(r.offeredPerS)} batches/s offered, ${r.rateFrom};
each vehicle keeps at most ${r.vehicleWindow} batches unacknowledged, as a T-box does (what falls due meanwhile waits on the vehicle, and its PUBACK latency counts from when it fell due);
for ${n} slices of ${r.sliceS} s back to back (${minutes >= 1 ? `${minutes.toFixed(minutes % 1 === 0 ? 0 : 1)} minutes` : `${n * r.sliceS} s`}), each its own load-generator run. Storage maintenance ran every
${r.maintenanceIntervalS} s (PITWALL_STORAGE_MAINTENANCE_INTERVAL_MS; hourly by default) with ${r.retentionDays}-day retention, and had a drop to do on
each pass: before the load the bench attached ${r.planted.partitions} partitions of ${int(r.planted.rowsEach)} rows to signal_samples, each expiring as its
slice begins, as a day's partition expires at midnight (a real day's partition holds far more rows; dropping it
unlinks more files but takes the same locks). Mode: ${r.mode}; ${r.elapsedS} s.

${r.notes.map((x) => `- ${x}`).join('\n')}

Over the run: ${int(mean((s) => s.ackedPerS))} batches/s acknowledged and ${int(mean((s) => s.rowsPerS))} decoded sample rows/s stored on average, ${dropped} expired
partitions dropped, ${int(r.loss.checked)} acknowledged batches looked up and ${r.loss.lost} missing. Degraded from the first slice to the last:
${r.degraded.length === 0 ? `no (acknowledged ≥ ${DEGRADED.minAcceptedShare * 100} % of offered, PUBACK p99 within ${DEGRADED.p99Growth}× or +${DEGRADED.p99GrowthMs} ms, projection lag ≤ ${DEGRADED.lagEndS} s at the end, gateway RSS within ${DEGRADED.rssGrowth}×, no errors, nothing lost)` : `yes: ${r.degraded.join('; ')}`}.

| end of slice (s) | batches/s acknowledged | batches/s stored | sample rows/s stored | PUBACK p50 / p99 ms | projection lag max / end s | projection pending at end | PUBACKs pending after drain (waiting on the vehicle) | gateway CPU | database CPU | gateway RSS MiB | database MiB | partitions dropped / created |
|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}
`
}
