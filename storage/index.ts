/**
 * Opens Pitwall's storage: PostgreSQL when a URL is given, else the embedded
 * PGlite host; applies migrations and seeds the signal catalog either way, so
 * both paths run the same SQL through the same driver.
 */
import pg from 'pg'
import type { SignalSource } from '../decoders/catalog-sources.js'
import { ApiTokenStore } from './api-tokens.js'
import { readActionBacklog, type ActionBacklog } from './backlog.js'
import { BatchArchive } from './batch-archive.js'
import { BatchWriter, type BatchWriterOptions } from './batch-writer.js'
import { SampleProjector, type ProjectorOptions } from './projector.js'
import type { BatchOutcome, TelemetryRecord } from './records.js'
import { CampaignStore } from './campaigns.js'
import { CaseStore } from './cases.js'
import { AssistanceStore } from './assistance.js'
import { DealerAlertStore } from './dealer-alerts.js'
import { DealerNoticeStore } from './dealer-notices.js'
import { DealerStore } from './dealers.js'
import { CommandStore } from './commands.js'
import { ConsoleSessionStore } from './console-sessions.js'
import { openEmbedded } from './embedded.js'
import { EventStore } from './events.js'
import { FaultActionStore } from './fault-actions.js'
import { FaultStore } from './faults.js'
import { JobRuns } from './job-runs.js'
import { KpiStore } from './kpis.js'
import { SurveyStore } from './surveys.js'
import { ManifestStore } from './manifests.js'
import { migrate } from './migrate.js'
import { OtaPackageStore } from './ota-packages.js'
import { prepareStatements } from './prepared.js'
import { QualityStore } from './quality.js'
import { RescueRequestStore } from './rescue-requests.js'
import { RetentionStore } from './retention.js'
import { RuleStore } from './rules.js'
import { ServiceReminderStore } from './service-reminders.js'
import { SignalAggregateStore } from './signal-aggregate.js'
import { SignalRollupStore, type MinuteRollup } from './signal-rollup.js'
import { TelemetryStore } from './telemetry.js'
import { Timescale } from './timescale.js'
import { VehicleStore } from './vehicles.js'
import { VehicleLogStore } from './vehicle-logs.js'

export interface StorageOptions {
  /** postgres:// URL; when absent, the embedded PGlite in dataDir */
  databaseUrl?: string | undefined
  /** embedded data directory, or 'memory://' */
  dataDir: string
  poolSize?: number
  /**
   * Name the statements run most, so PostgreSQL plans each once per
   * connection (./prepared.ts); default true. False behind a pooler that
   * hands transactions to other sessions. The embedded engine never does.
   */
  preparedStatements?: boolean
  writer?: BatchWriterOptions
  projector?: ProjectorOptions
  /** written to signal_sources, replacing what an earlier start wrote */
  signalSources?: readonly SignalSource[]
}

export interface Storage {
  readonly kind: 'postgres' | 'pglite'
  /** the raw batch archive and dead letters, group-committed: what a PUBACK waits for */
  readonly writer: BatchWriter
  /** the stored batches' decoded rows, written after (off the PUBACK path) */
  readonly projector: SampleProjector
  /**
   * Archives a batch (resolving once it is durable) and, when it is new,
   * queues its decoded rows for the projector: what ingest does per batch.
   * Await `projector.idle()` to read the rows back.
   */
  storeBatch (record: TelemetryRecord): Promise<BatchOutcome>
  readonly vehicles: VehicleStore
  readonly rules: RuleStore
  readonly faults: FaultStore
  /** service records and reminders; gateway/service-reminders.ts runs the check */
  readonly serviceReminders: ServiceReminderStore
  /** periodic jobs run once per interval across the nodes on this database (the service reminder check) */
  readonly jobRuns: JobRuns
  /** the outbox from faults to actions */
  readonly faultActions: FaultActionStore
  readonly commands: CommandStore
  readonly campaigns: CampaignStore
  readonly otaPackages: OtaPackageStore
  /** known faults and fixes, full-text searchable */
  readonly cases: CaseStore
  /** role-scoped HTTP API tokens (hashed) */
  readonly apiTokens: ApiTokenStore
  /** console sign-ins: a token exchanged for an HttpOnly cookie's session */
  readonly consoleSessions: ConsoleSessionStore
  /** dealer registry (locations, brands, webhook endpoints) */
  readonly dealers: DealerStore
  /** pre-diagnosis alerts, the dealer inbox and the webhook outbox */
  readonly dealerAlerts: DealerAlertStore
  /** rescue requests (a fault's or a call centre's) with their own states; their dealer copies are dealer alerts */
  readonly rescueRequests: RescueRequestStore
  /** dealers' questions to the engineers on their alerts, and the answers */
  readonly assistance: AssistanceStore
  /** what dealers are told after an alert (its fault's updates) and of service reminders, before it becomes a webhook */
  readonly dealerNotices: DealerNoticeStore
  /** service KPIs from the stored timelines */
  readonly kpis: KpiStore
  /** customer survey answers per repaired alert, for CSI and NPS */
  readonly surveys: SurveyStore
  /** the fleet quality report: DTCs and faults per model and firmware, against the previous window */
  readonly quality: QualityStore
  /** decoder manifests per vehicle model, their DBC files, and the catalog signals they added */
  readonly manifests: ManifestStore
  /** a vehicle's telemetry read back: last known state, downsampled history and track, DTCs, dead letters */
  readonly telemetry: TelemetryStore
  /**
   * the per-minute signal rollup that downsampled history reads (migration
   * 020), kept by a periodic pass; on TimescaleDB a continuous aggregate the
   * pass refreshes (migration 029)
   */
  readonly signalRollup: MinuteRollup
  /** the continuous aggregates present (TimescaleDB, migration 029); empty on the other shape */
  readonly aggregates: readonly string[]
  /** the telemetry tables' daily partitions (or TimescaleDB chunks) and their retention; gateway/storage-maintenance.ts runs it */
  readonly retention: RetentionStore
  /** LISTEN/NOTIFY between gateway nodes: fleet events, watched vehicles, live values */
  readonly events: EventStore
  /** resolves when the database answers; rejects as the database does when it cannot (for /readyz) */
  ping (): Promise<void>
  /** the raw batch archive, read back for backtests and replays */
  readonly archive: BatchArchive
  /** vehicle logs (ULog, candump) uploaded for log-upload commands or by engineers: rows, progress, replay reports */
  readonly vehicleLogs: VehicleLogStore
  /** what the actions layer still has to do, for /metrics */
  readActionBacklog (): Promise<ActionBacklog>
  /** drains the writer, then closes connections and the embedded host */
  close (): Promise<void>
}

// The gateway's code reaches the database through the stores only; tests and
// the bench inspect tables through poolOf.
const pools = new WeakMap<Storage, pg.Pool>()

/** The connection pool behind a Storage: for tests and the bench, which read tables directly. Production code uses the stores. */
export function poolOf (storage: Storage): pg.Pool {
  const pool = pools.get(storage)
  if (pool === undefined) throw new Error('poolOf: not a Storage made by openStorage')
  return pool
}

const PROJECTION_LINGER_MS = 50

export async function openStorage (options: StorageOptions): Promise<Storage> {
  const embedded = options.databaseUrl === undefined ? await openEmbedded(options.dataDir) : undefined
  const url = options.databaseUrl ?? (embedded as { url: string }).url
  const pool = new pg.Pool({
    connectionString: url,
    types: { getTypeParser: typeParser },
    max: options.poolSize ?? 8,
    connectionTimeoutMillis: 10_000,
    // A server that vanished without a reset (network partition) is found by
    // TCP keepalive instead of leaving a commit hanging for hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000
  })
  // A connection losing its server (restart, failover) must not crash the
  // process: idle ones report on the pool, checked-out ones on the client,
  // and the query in flight is rejected either way (which callers handle).
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const manifests = new ManifestStore(pool)
  let aggregates: string[]
  let embeddedEngine: boolean
  let vacuumsItself: boolean
  try {
    // The embedded host refuses COPY FROM STDIN (./pglite-host.ts), and a URL may
    // lead to it too (a second process, `--database-url` at its socket): the
    // server says what it is. Both embedded engines are builds of emcc (Emscripten).
    const server = (await pool.query<{ v: string, autovacuum: string }>("SELECT version() AS v, current_setting('autovacuum') AS autovacuum")).rows[0]
    embeddedEngine = /emscripten/i.test(server?.v ?? '')
    vacuumsItself = embeddedEngine || server?.autovacuum === 'off'
    if (!embeddedEngine && options.preparedStatements !== false) prepareStatements(pool)
    await migrate(pool)
    await manifests.seedBuiltIns()
    if (options.signalSources !== undefined) await manifests.replaceStartSources(options.signalSources)
    // the readers' SQL is the same either way (the aggregates carry the tables' names); who keeps signal_minutes is not
    aggregates = await new Timescale(pool).aggregates()
  } catch (err) {
    await pool.end()
    await embedded?.close()
    throw err
  }
  const writer = new BatchWriter(pool, options.writer)
  // PostgreSQL: a group waits up to 50 ms for more batches. Steady 1,325 batches/s, 4 runs of 10 s
  // each way: database CPU 55-68 % -> 41-56 %, PUBACK p50 3.4 -> 2.4 ms (fewer, larger claims, COPYs
  // and commits). The embedded engine holds every connection for a statement, so its groups stay short.
  const projector = new SampleProjector(pool, { copy: !embeddedEngine, lingerMs: embeddedEngine ? 0 : PROJECTION_LINGER_MS, ...options.projector })
  const storage: Storage = {
    kind: embedded === undefined ? 'postgres' : 'pglite',
    writer,
    projector,
    storeBatch: async (record) => {
      const outcome = await writer.writeBatch(record)
      if (outcome === 'stored') projector.add(record)
      return outcome
    },
    vehicles: new VehicleStore(pool),
    rules: new RuleStore(pool),
    faults: new FaultStore(pool),
    serviceReminders: new ServiceReminderStore(pool),
    jobRuns: new JobRuns(pool),
    faultActions: new FaultActionStore(pool),
    commands: new CommandStore(pool),
    campaigns: new CampaignStore(pool),
    otaPackages: new OtaPackageStore(pool),
    cases: new CaseStore(pool),
    apiTokens: new ApiTokenStore(pool),
    consoleSessions: new ConsoleSessionStore(pool),
    dealers: new DealerStore(pool),
    dealerAlerts: new DealerAlertStore(pool),
    rescueRequests: new RescueRequestStore(pool),
    assistance: new AssistanceStore(pool),
    dealerNotices: new DealerNoticeStore(pool),
    kpis: new KpiStore(pool),
    surveys: new SurveyStore(pool),
    quality: new QualityStore(pool),
    manifests,
    telemetry: new TelemetryStore(pool, embedded === undefined),
    signalRollup: aggregates.includes('signal_minutes') ? new SignalAggregateStore(pool) : new SignalRollupStore(pool),
    aggregates,
    retention: new RetentionStore(pool),
    events: new EventStore(pool),
    // the embedded engine runs no autovacuum, and a server may have it turned off
    archive: new BatchArchive(pool, { vacuums: vacuumsItself }),
    vehicleLogs: new VehicleLogStore(pool),
    readActionBacklog: async () => await readActionBacklog(pool),
    ping: async () => { await pool.query('SELECT 1') },
    close: async () => {
      await writer.close()
      // what the projector cannot write in time stays unprojected: the recovery pass rebuilds it
      await projector.close()
      await pool.end()
      await embedded?.close()
    }
  }
  pools.set(storage, pool)
  return storage
}

/**
 * bigint (int8) as a number: Pitwall's bigint columns are serial ids, counts
 * and byte sizes, all far below 2^53, and with numbers a query's rows can be
 * the domain's records as they are (columns aliased to camelCase) instead of
 * passing through a mapper that converts each id.
 */
const INT8_OID = 20
function typeParser (oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID && format !== 'binary') return Number
  return pg.types.getTypeParser(oid, format) as (value: string) => unknown
}
