/**
 * The data the API section reads, written in bulk (generated in SQL, or
 * small tables sent as arrays through unnest) into the bench's own database
 * after its migrations:
 * - a fleet of vehicles of four models on nine firmware versions, two brands,
 *   each (but a few) with one of the brand's dealers; last seen over 30 days;
 * - one vehicle online the whole last day: every signal the demo DBC maps to
 *   the catalog stored at the demo rate (--can-dbc with the default
 *   PITWALL_SAMPLE_INTERVAL_MS: one sample per signal per second, no
 *   deadband, storage/sample-thinning.ts; every message of the demo DBC
 *   repeats within 1 s), a GNSS fix a second, two active
 *   DTCs and an open fault: the worst case for its state and history;
 * - DTC episodes and faults across the fleet over two report windows (the
 *   report's and the previous one, for the trend). An active DTC is
 *   reported every 10 s while the vehicle drives, as the simulator does
 *   (sim/batch-builder.ts DTC_REPEAT_US), for 1–5 days of 30–90 minutes'
 *   driving. Faults are the demo rules', a few still open or acknowledged.
 * Rows go in in time order, as ingest would have written them, through the
 * same triggers (the quality report's DTC rollup). Then VACUUM ANALYZE, as
 * autovacuum leaves an append-mostly table.
 */
import pg from 'pg'
import { loadDefaultManifest } from '../../gateway/default-manifest.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { encodeDtc } from '../../sim/dtc.js'
import { openStorage } from '../../storage/index.js'

export interface SeedPlan {
  vehicles: number
  dealers: number
  /** the history vehicle's stored signals and GNSS, up to now */
  historyHours: number
  /** the quality report's window; DTCs and faults are seeded over twice that */
  windowDays: number
}

export interface SeedVolume {
  vehicles: number
  dealers: number
  models: number
  firmwareVersions: number
  /** signals stored for the history vehicle, and its rows of each table */
  historySignals: number
  historySamples: number
  historyFixes: number
  dtcEpisodes: number
  dtcEvents: number
  /** of them, in the report's window */
  dtcEventsInWindow: number
  faults: number
  faultsInWindow: number
  openFaults: number
  faultEvents: number
  /** the whole bench database after seeding, MiB */
  databaseMiB: number
  seedS: number
}

export interface SeededFleet {
  volume: SeedVolume
  historyVin: string
  /** catalog ids and names of every signal stored for the history vehicle, in id order */
  storedSignals: Array<{ id: number, name: string }>
  /** the newest seeded time (epoch ms): the history and the report's window end here */
  at: number
}

interface Model { model: string, brand: string, share: number, firmware: string[] }

const MODELS: Model[] = [
  { model: 'NV-E5', brand: 'Nordvolt', share: 0.3, firmware: ['5.2.0', '5.3.1', '5.4.0'] },
  { model: 'NV-E7', brand: 'Nordvolt', share: 0.2, firmware: ['7.0.4', '7.1.0'] },
  { model: 'KS-300', brand: 'Kestrel', share: 0.3, firmware: ['3.8.2', '3.9.0'] },
  { model: 'KS-500', brand: 'Kestrel', share: 0.2, firmware: ['1.4.0', '1.5.2'] }
]

/** SAE J2012 codes and how often each starts an episode; a model listed is five times as likely to have it. */
const DTCS: Array<{ code: string, weight: number, models?: string[] }> = [
  { code: 'P0300', weight: 8, models: ['KS-300'] },
  { code: 'P0301', weight: 6, models: ['KS-300', 'KS-500'] },
  { code: 'P0128', weight: 6, models: ['KS-300'] },
  { code: 'P0171', weight: 5 },
  { code: 'P0420', weight: 4, models: ['KS-500'] },
  { code: 'P0A80', weight: 4, models: ['NV-E5'] },
  { code: 'P0AA6', weight: 3, models: ['NV-E7'] },
  { code: 'U0100', weight: 3 },
  { code: 'U0293', weight: 2, models: ['NV-E5', 'NV-E7'] },
  { code: 'C0035', weight: 2 },
  { code: 'B1325', weight: 1 },
  { code: 'P0455', weight: 1, models: ['KS-300', 'KS-500'] }
]
const ECUS = [0x7e8, 0x7e9, 0x7ea]
/** DTC episodes per vehicle per 30 days, and faults per vehicle per 30 days */
const EPISODE_RATE = 0.075
const FAULT_RATE = 0.15
/** ISO 14229-1 D.2 status bytes the simulator reports: pending, then confirmed with the MIL requested */
const PENDING = 0x27
const CONFIRMED = 0xaf
const DAY_MS = 86_400_000

/** mulberry32: the same fleet every run */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function pick<T> (rnd: () => number, items: readonly T[], weight: (x: T) => number): T {
  const total = items.reduce((a, x) => a + weight(x), 0)
  let r = rnd() * total
  for (const x of items) {
    r -= weight(x)
    if (r < 0) return x
  }
  return items[items.length - 1] as T
}

/** VINs the fleet list sorts as seeded; vehicle 1 is the history vehicle */
const vinOf = (i: number): string => `PWAFL${String(i).padStart(12, '0')}`

/**
 * Every seeded row moved to its day's partition, as in a database a gateway
 * has kept all along: bulk rows land in the DEFAULT partitions, and a gateway
 * started on them spent the measured minutes moving them (its partition pass,
 * 31 days at a time), the readers meanwhile stepping over rows moved out.
 */
async function partitionSeeded (databaseUrl: string): Promise<void> {
  const storage = await openStorage({ databaseUrl, dataDir: 'memory://' })
  try {
    const keepAll = { raw: 3650, samples: 3650, positions: 3650, dtcs: 3650, deadLetters: 3650 }
    for (;;) {
      const pass = await storage.retention.maintain({ retention: keepAll, aheadDays: 3, compressAfterDays: 3650 })
      if (pass.failures.length > 0) throw new Error(`seeded rows not partitioned: ${pass.failures.map((f) => `${f.table} ${f.action}: ${f.error.message}`).join('; ')}`)
      if (!pass.created.some((c) => c.movedRows > 0)) return
    }
  } finally {
    await storage.close()
  }
}

export async function seedApiFleet (databaseUrl: string, plan: SeedPlan): Promise<SeededFleet> {
  const started = performance.now()
  const rnd = random(17)
  const now = Date.now()
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const dealers = Array.from({ length: plan.dealers }, (_, i) => ({
      id: `dealer-${String(i + 1).padStart(3, '0')}`,
      brand: i % 3 === 2 ? undefined : (MODELS[i % 2 === 0 ? 0 : 2] as Model).brand,
      lat: 47.5 + rnd() * 7,
      lon: 6 + rnd() * 9
    }))
    await client.query(`INSERT INTO dealers (id, name, lat, lon, brands)
      SELECT id, 'Autohaus ' || initcap(replace(id, '-', ' ')), lat, lon, CASE WHEN brand IS NULL THEN '{}' ELSE ARRAY[brand] END
      FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) AS d (id, brand, lat, lon)`,
    [dealers.map((d) => d.id), dealers.map((d) => d.brand ?? null), dealers.map((d) => d.lat), dealers.map((d) => d.lon)])

    const fleet = Array.from({ length: plan.vehicles }, (_, k) => {
      const m = pick(rnd, MODELS, (x) => x.share)
      // the newest firmware is on the fewest vehicles (a rollout under way)
      const firmware = pick(rnd, m.firmware, (f) => m.firmware.length - m.firmware.indexOf(f))
      const own = dealers.filter((d) => d.brand === undefined || d.brand === m.brand)
      const dealer = rnd() < 0.05 ? undefined : own[Math.floor(rnd() * own.length)]
      // most vehicles drove today; the rest within the last 30 days
      const lastSeen = k === 0 ? now : rnd() < 0.7 ? now - rnd() * DAY_MS : now - rnd() * 30 * DAY_MS
      return { vin: vinOf(k + 1), model: m.model, brand: m.brand, firmware, dealer: dealer?.id, lastSeen }
    })
    const ids = await client.query<{ id: number }>(`INSERT INTO vehicles (vin, model, firmware, brand, dealer_id, created_at, last_seen_at)
      SELECT vin, model, firmware, brand, dealer, to_timestamp(seen / 1000.0) - interval '400 days' * random(), to_timestamp(seen / 1000.0)
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[]) WITH ORDINALITY AS v (vin, model, firmware, brand, dealer, seen, n)
      ORDER BY n RETURNING id`,
    [fleet.map((v) => v.vin), fleet.map((v) => v.model), fleet.map((v) => v.firmware), fleet.map((v) => v.brand), fleet.map((v) => v.dealer ?? null), fleet.map((v) => v.lastSeen)])
    const vehicleIds = ids.rows.map((r) => r.id)
    const historyId = vehicleIds[0] as number

    // the history vehicle: every stored demo signal, one sample a second, time-major as ingest writes a batch
    const manifest = loadDefaultManifest(`0=${DEMO_DBC_FILE}`, 1)
    const signalIds = [...new Set((manifest?.sources ?? []).map((x) => x.signalId))].sort((a, b) => a - b)
    const seconds = plan.historyHours * 3600
    const historyStart = now - seconds * 1000
    await client.query(`INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
      SELECT to_timestamp($1 / 1000.0) + s * interval '1 second', $2, id, 50 + 40 * sin(s / 600.0 + id) + 2 * random()
      FROM generate_series(0, $3 - 1) s CROSS JOIN unnest($4::int[]) id ORDER BY s, id`, [historyStart, historyId, seconds, signalIds])
    // and its per-minute rollup, as the gateway's rollup pass leaves it (migration 020)
    await client.query(`INSERT INTO signal_minutes (vehicle_id, signal_id, minute, min, max, sum, count)
      SELECT vehicle_id, signal_id, date_bin('1 minute', time, 'epoch'), min(value), max(value), sum(value), count(*)
      FROM signal_samples WHERE vehicle_id = $1 GROUP BY 1, 2, 3`, [historyId])
    await client.query(`INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites)
      SELECT to_timestamp($1 / 1000.0) + s * interval '1 second', $2, 48.1 + 0.2 * sin(s / 5000.0), 11.5 + 0.3 * cos(s / 5000.0),
        15 + 10 * sin(s / 300.0), (s / 10) % 360, 520, 0.9, 11
      FROM generate_series(0, $3 - 1) s`, [historyStart, historyId, seconds])

    // DTC episodes over two windows, model-biased codes; the history vehicle has two active now
    const spanMs = 2 * plan.windowDays * DAY_MS
    const episodes = Math.round(plan.vehicles * EPISODE_RATE * (2 * plan.windowDays) / 30)
    const ep = { vehicle: [] as number[], ecu: [] as number[], dtc: [] as number[], start: [] as number[], days: [] as number[], reports: [] as number[] }
    const addEpisode = (vehicle: number, code: string, start: number, days: number, minutes: number): void => {
      ep.vehicle.push(vehicleIds[vehicle] as number)
      ep.ecu.push(ECUS[Math.floor(rnd() * ECUS.length)] as number)
      ep.dtc.push(encodeDtc(code))
      ep.start.push(start)
      ep.days.push(days)
      ep.reports.push(minutes * 6)
    }
    addEpisode(0, 'P0A80', now - 2 * DAY_MS, 3, 90)
    addEpisode(0, 'U0293', now - DAY_MS / 2, 1, 90)
    for (let e = 0; e < episodes; e++) {
      const k = Math.floor(rnd() * plan.vehicles)
      const model = (fleet[k] as { model: string }).model
      const code = pick(rnd, DTCS, (d) => d.weight * (d.models?.includes(model) === true ? 5 : 1)).code
      addEpisode(k, code, now - rnd() * spanMs, 1 + Math.floor(rnd() * 5), 30 + Math.floor(rnd() * 61))
    }
    // pending for the first five minutes of an episode, confirmed after; nothing reported after now
    await client.query(`INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
      SELECT t, vehicle_id, ecu, dtc, CASE WHEN d = 0 AND r < 30 THEN $7::int ELSE $8::int END
      FROM unnest($1::int[], $2::int[], $3::int[], $4::float8[], $5::int[], $6::int[]) AS e (vehicle_id, ecu, dtc, start, days, reports)
      CROSS JOIN LATERAL generate_series(0, e.days - 1) d
      CROSS JOIN LATERAL generate_series(0, e.reports - 1) r
      CROSS JOIN LATERAL (SELECT to_timestamp(e.start / 1000.0) + d * interval '1 day' + r * interval '10 seconds' AS t) x
      WHERE t <= now()
      ORDER BY t`, [ep.vehicle, ep.ecu, ep.dtc, ep.start, ep.days, ep.reports, PENDING, CONFIRMED])

    // faults of the demo rules; at most one open or acknowledged per vehicle and rule
    const rules = (await client.query<{ id: string, version: string, severity: string }>(
      "SELECT id, version, definition->>'severity' AS severity FROM rules ORDER BY id")).rows
    const faultCount = Math.round(plan.vehicles * FAULT_RATE * (2 * plan.windowDays) / 30)
    const active = new Set<string>()
    const f = { vehicle: [] as number[], rule: [] as string[], version: [] as string[], severity: [] as string[], state: [] as string[], opened: [] as number[], closed: [] as number[], occurrences: [] as number[] }
    for (let i = 0; i < faultCount; i++) {
      const k = i === 0 ? 0 : Math.floor(rnd() * plan.vehicles)
      const rule = rules[Math.floor(rnd() * rules.length)] as { id: string, version: string, severity: string }
      const opened = i === 0 ? now - 3_600_000 : now - rnd() * spanMs
      const recent = now - opened < 5 * DAY_MS
      let state = recent && rnd() < 0.6 ? (rnd() < 0.7 ? 'open' : 'acknowledged') : rnd() < 0.6 ? 'auto_cleared' : 'resolved'
      if (i === 0) state = 'open'
      const key = `${k}:${rule.id}`
      if ((state === 'open' || state === 'acknowledged') && active.has(key)) state = 'auto_cleared'
      if (state === 'open' || state === 'acknowledged') active.add(key)
      f.vehicle.push(vehicleIds[k] as number)
      f.rule.push(rule.id)
      f.version.push(rule.version)
      f.severity.push(rule.severity)
      f.state.push(state)
      f.opened.push(opened)
      f.closed.push(Math.min(now, opened + (1 + rnd() * 72) * 3_600_000))
      f.occurrences.push(1 + Math.floor(rnd() * rnd() * 6))
    }
    await client.query(`INSERT INTO faults (vehicle_id, rule_id, rule_version, severity, state, opened_at, last_occurred_at, occurrences,
        cleared_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, evidence)
      SELECT vehicle_id, rule_id, version, severity, state, to_timestamp(opened / 1000.0), to_timestamp(opened / 1000.0), occurrences,
        CASE WHEN state = 'auto_cleared' THEN to_timestamp(closed / 1000.0) END,
        CASE WHEN state IN ('acknowledged', 'resolved') THEN to_timestamp((opened + closed) / 2000.0) END,
        CASE WHEN state IN ('acknowledged', 'resolved') THEN 'bench' END,
        CASE WHEN state = 'resolved' THEN to_timestamp(closed / 1000.0) END,
        CASE WHEN state = 'resolved' THEN 'bench' END,
        -- a freeze frame of 30 s of one signal, as the rule engine keeps
        (SELECT jsonb_agg(jsonb_build_object('signal', 'Vehicle.Powertrain.CombustionEngine.ECT', 't', opened * 1000 - (30 - s) * 1000000, 'value', 100 + s / 2.0))
           FROM generate_series(0, 29) s)
      FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::int[])
        AS f (vehicle_id, rule_id, version, severity, state, opened, closed, occurrences)
      ORDER BY opened`, [f.vehicle, f.rule, f.version, f.severity, f.state, f.opened, f.closed, f.occurrences])
    await client.query(`INSERT INTO fault_events (fault_id, time, type, by, detail)
      SELECT id, time, type, by, jsonb_build_object('ruleVersion', rule_version, 'occurrences', occurrences) FROM (
        SELECT id, opened_at AS time, 'opened' AS type, NULL AS by, rule_version, occurrences FROM faults
        UNION ALL SELECT id, acknowledged_at, 'acknowledged', 'bench', rule_version, occurrences FROM faults WHERE acknowledged_at IS NOT NULL
        UNION ALL SELECT id, cleared_at, 'cleared', NULL, rule_version, occurrences FROM faults WHERE cleared_at IS NOT NULL
        UNION ALL SELECT id, resolved_at, 'resolved', 'bench', rule_version, occurrences FROM faults WHERE resolved_at IS NOT NULL
      ) e ORDER BY time`)

    await partitionSeeded(databaseUrl)
    // every table: the rollups that triggers keep beside dtc_events too
    await client.query('VACUUM ANALYZE')
    // the seed's dirty pages written out now, not in a measured window
    await client.query('CHECKPOINT')
    const windowStart = new Date(now - plan.windowDays * DAY_MS)
    const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0)
    const names = await client.query<{ id: number, name: string }>('SELECT id, name FROM signal_catalog WHERE id = ANY($1::int[]) ORDER BY id', [signalIds])
    const volume: SeedVolume = {
      vehicles: plan.vehicles,
      dealers: plan.dealers,
      models: MODELS.length,
      firmwareVersions: MODELS.reduce((n, m) => n + m.firmware.length, 0),
      historySignals: signalIds.length,
      historySamples: await count('SELECT count(*) AS n FROM signal_samples'),
      historyFixes: await count('SELECT count(*) AS n FROM gnss_fixes'),
      dtcEpisodes: ep.vehicle.length,
      dtcEvents: await count('SELECT count(*) AS n FROM dtc_events'),
      dtcEventsInWindow: await count('SELECT count(*) AS n FROM dtc_events WHERE time >= $1', [windowStart]),
      faults: faultCount,
      faultsInWindow: await count('SELECT count(*) AS n FROM faults WHERE opened_at >= $1', [windowStart]),
      openFaults: await count("SELECT count(*) AS n FROM faults WHERE state IN ('open', 'acknowledged')"),
      faultEvents: await count('SELECT count(*) AS n FROM fault_events'),
      databaseMiB: Math.round(await count('SELECT pg_database_size(current_database()) AS n') / 2 ** 20),
      seedS: Math.round((performance.now() - started) / 100) / 10
    }
    return { volume, historyVin: vinOf(1), storedSignals: names.rows, at: now }
  } finally {
    await client.end()
  }
}
