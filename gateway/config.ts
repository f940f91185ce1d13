/**
 * All of Pitwall's settings in one place: a JSON schema with defaults, read
 * once at start from PITWALL_* environment variables (and DATABASE_URL), with
 * command-line flags on top. Nothing else reads process.env but the embedded
 * database's template cache (storage/embedded-template.ts), which every
 * process opening it reads before any configuration exists.
 */
import { Ajv } from 'ajv'
import { RESCUE_RADIUS_KM } from '../actions/dealer-alerts/model.js'
import { DEFAULT_FTF_WINDOW_DAYS, MAX_FTF_WINDOW_DAYS } from '../actions/kpis/model.js'
import { WEBHOOK_ALLOW_SETTING } from '../actions/dealer-alerts/webhook-address.js'
import type { RetentionSettings } from '../storage/retention.js'
import { DEFAULT_LOG_RETENTION_DAYS, DEFAULT_LOG_UPLOAD_MAX_BYTES, DEFAULT_LOG_UPLOAD_WINDOW_MS, DEFAULT_LOG_UPLOADS_PER_VEHICLE, type LogUploadLimits } from '../actions/logs/model.js'
import { BATCH_LIMIT_NAMES, DEFAULT_BATCH_LIMITS, type BatchLimits } from '../decoders/batch-limits.js'
import { PitwallError } from '../runtime/errors.js'
import { DEFAULT_API_RATE_LIMIT, DEFAULT_AUTH_THROTTLE } from './auth-throttle.js'
import { DEFAULT_MAX_SUBSCRIPTIONS } from './broker/authorize-subscribe.js'
import { DEFAULT_ADMISSION, type AdmissionSettings } from './broker/connect-guard.js'
import { DEFAULT_SSE_STREAMS_PER_TOKEN } from './events/sse.js'

/** A century: beyond it a retention is a typo, not a policy. */
const MAX_RETENTION_DAYS = 36_500

export interface GatewayConfig {
  /** MQTT over TCP, in clear text; port 0 turns this listener off */
  mqttHost: string
  mqttPort: number
  /** MQTT over TLS (on mqttHost), when tlsCert and tlsKey are set; port 0 turns it off */
  mqttTlsPort: number
  /** HTTP API, metrics, health and MQTT over WebSocket (path /mqtt); HTTPS and WSS when tlsCert and tlsKey are set */
  httpHost: string
  httpPort: number
  /** the server's certificate chain (PEM): turns on MQTT over TLS and HTTPS */
  tlsCert?: string | undefined
  /** the server's private key (PEM), readable by the gateway's user only */
  tlsKey?: string | undefined
  /**
   * CA certificates (PEM) that issue vehicles' client certificates: with it, a
   * T-box may authenticate on the TLS port by a certificate naming its VIN
   */
  tlsCa?: string | undefined
  /** certificate revocation lists (PEM) of that CA */
  tlsCrl?: string | undefined
  /** how often the TLS files are checked for changes (they reload without a restart) */
  tlsReloadMs: number
  /** PostgreSQL URL; unset means the embedded PGlite in dataDir */
  databaseUrl?: string | undefined
  dataDir: string
  /**
   * Redis URL (redis:// or rediss://, a database index as its path): brokers of several gateway
   * nodes share their MQTT sessions, retained messages, last wills and takeovers through it
   * (gateway/broker/shared-state.ts); unset means one node, that state in its memory
   */
  redisUrl?: string | undefined
  /** names this cluster's keys (prefix:) and channels (prefix/) in Redis: clusters sharing one Redis need different ones */
  redisPrefix: string
  /** how often each node tells the others over Redis it is alive; silent for three of these, its vehicles' last wills are published */
  redisHeartbeatMs: number
  /** largest MQTT packet accepted, fixed header included */
  maxPacketBytes: number
  /** MQTT subscriptions one connection may hold */
  maxSubscriptions: number
  /**
   * Before authentication (gateway/broker/connect-guard.ts): the largest
   * packet (the CONNECT; maxPacketBytes applies once authenticated), how long
   * the CONNECT may take to arrive, and how many connections may be
   * unauthenticated at once, in all and from one address (more are closed)
   */
  maxConnectBytes: number
  connectTimeoutMs: number
  maxUnauthenticatedConnections: number
  maxUnauthenticatedPerAddress: number
  /**
   * Per vehicle, once authenticated (gateway/broker/ingest-rate.ts): PUBLISHes
   * and bytes per second, and seconds of either it may send at once; over
   * them the gateway stops reading that vehicle's socket until it is back
   * within its rate (nothing is dropped)
   */
  vehicleBatchesPerS: number
  vehicleBytesPerS: number
  vehicleBurstS: number
  /** PUBLISHes one vehicle may have awaiting their PUBACK before its socket is read no more (MQTT 5's Receive Maximum) */
  vehicleMaxInflight: number
  /**
   * Failed authentications (MQTT secrets by address and by VIN, API tokens by
   * address) answered normally before the back-off starts (gateway/auth-throttle.ts)
   */
  authFailuresBeforeBackoff: number
  /** the longest the back-off refuses an address or VIN (it doubles from 1 s up to this) */
  authMaxBackoffMs: number
  /** API requests one token may make per minute (/healthz, /readyz and /metrics are not limited) */
  apiRateLimit: number
  /** Server-Sent Events streams (fleet events, live signals) this gateway serves at once */
  maxSseStreams: number
  /** of those, the most one API token (all its console tabs) may hold */
  maxSseStreamsPerToken: number
  /**
   * This gateway's name in the vehicles' connection state (gateway/events/connection-state.ts);
   * empty: host:pid. Set a name that stays the same across restarts, and differs between the
   * gateways on one database, so a restart after a crash clears what the crashed process left at once.
   */
  nodeName: string
  /** the longest time range one telemetry history or track request may span, in days */
  apiMaxRangeDays: number
  /**
   * Caps per telemetry batch (decoders/batch-limits.ts): a batch over one is
   * dead-lettered whole, before any of its entries is decoded or stored.
   */
  maxCanFramesPerBatch: number
  maxSamplesPerBatch: number
  maxGnssPerBatch: number
  maxDtcsPerBatch: number
  maxObdPerBatch: number
  /** longest firmware version a batch may report (it is stored on the vehicle) */
  maxFirmwareChars: number
  /** most batches in one group commit */
  maxGroupItems: number
  /** decoded samples queued for writing past which ingest waits (the PUBACK pushes back) */
  projectionMaxPendingRows: number
  /** /readyz answers 503 while the oldest stored batch has waited longer than this for its decoded rows */
  projectionMaxLagMs: number
  /** how often (and after how long) batches left unprojected by a stopped node are decoded again from the archive */
  projectionRecoveryIntervalMs: number
  dbPoolSize: number
  /** named statements, planned once per connection (PostgreSQL); off behind a pooler that hands transactions to other sessions */
  dbPreparedStatements: boolean
  /**
   * The default decoder manifest, CAN databases by bus: "0=powertrain.dbc,1=chassis.dbc",
   * for vehicles whose model has no manifest of its own. Frames on a bus
   * without one are kept raw and counted as unknown.
   */
  canDbc: string
  /** stored decoded CAN samples: at most one per signal per this interval where a manifest sets none (rules see all) */
  sampleIntervalMs: number
  /** how often the gateway looks for changed rules and decoder manifests in the database */
  rulesPollMs: number
  /** service intervals and trend rules (a file with a maintenance: section); empty: none */
  maintenanceFile: string
  /** how often the maintenance check runs */
  maintenanceIntervalMs: number
  /** how often the per-minute signal rollup takes in what was stored (storage/signal-rollup.ts; TimescaleDB: storage/signal-aggregate.ts) */
  signalRollupIntervalMs: number
  /** a rescue request (a critical fault, vehicle standing) goes to every dealer within this many km */
  rescueRadiusKm: number
  /** a fault back on the vehicle within this many days of its repair makes the repair no first-time fix (the KPIs) */
  ftfWindowDays: number
  /**
   * Ed25519 command signing keys (actions/commands/keys.ts); empty: dataDir/command-keys,
   * or a key made for this run only when dataDir is memory://. Generated when the directory has none.
   */
  commandKeysDir: string
  /** an unanswered command is sent again after this long */
  commandRetryMs: number
  /** how long fresh data may take to clear a fault after its remote fix succeeded */
  fixCheckWindowMs: number
  /** a command the vehicle started but stopped reporting on fails after this long without a report */
  commandStallMs: number
  /** the largest vehicle log an upload may bring (larger: 413, nothing kept) */
  logUploadMaxBytes: number
  /** unfinished log uploads one vehicle may hold at once */
  logUploadsPerVehicle: number
  /** how long after its command's expiry an upload may still complete (a large log over a slow link) */
  logUploadWindowMs: number
  /** vehicle logs (and their files) are deleted this many days after they were asked for */
  logRetentionDays: number
  /**
   * Retention per kind of data, in whole days (storage/retention.ts): whole
   * days' partitions (or chunks) are dropped once older
   */
  retentionRawDays: number
  retentionSamplesDays: number
  retentionPositionsDays: number
  retentionDtcsDays: number
  retentionDeadLettersDays: number
  /** plain PostgreSQL and the embedded database: days ahead each table's daily partitions are made */
  partitionsAheadDays: number
  /** TimescaleDB: chunks older than this many days are compressed */
  compressAfterDays: number
  /** how often partitions are made and dropped (and, embedded TimescaleDB, its policies run) */
  storageMaintenanceIntervalMs: number
  /**
   * The URL vehicles reach this gateway's HTTP API at (https://pitwall.example.com), put in
   * log-upload commands; empty: the HTTP listener's own address (https when TLS is on)
   */
  publicUrl: string
  /**
   * Exceptions to the webhook address rule (actions/dealer-alerts/webhook-address.ts), for dealer
   * systems on premises: comma-separated host names, IP addresses and CIDRs ("dms.lan,10.20.0.0/16").
   * A listed name may be plain http and resolve to non-public addresses; a listed address or range may
   * be reached, and plain http to it is allowed when the URL names the address. Empty: webhooks are
   * https to public addresses only. A cloud metadata address is reached only when listed by itself.
   */
  webhookAllow: string
  /** how long a dealer endpoint's open circuit breaker waits before one probe request (the endpoint may be back) */
  webhookBreakerResetMs: number
  /** serve the console at / (and its sign-in routes, /api/v1/session); false: the API only */
  consoleEnabled: boolean
  /** how long a console sign-in lasts (never past its API token's expiry) */
  consoleSessionHours: number
  /** a console session unused for this long ends */
  consoleIdleMinutes: number
  /**
   * The console map's tile URL template (Leaflet's: {s} {z} {x} {y}); the only
   * outside resource the console loads. Its host goes into the console's
   * Content-Security-Policy, so it is fixed except a leading {s}. subdomain.
   */
  consoleTileUrl: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

/** The highest a cap per batch may be set: far past what a packet holds in practice, and still a bound. */
const MAX_ENTRIES = 100_000_000

/** PITWALL_API_MAX_RANGE_DAYS's default, here rather than in the telemetry routes: loading the settings must not load the API (and @fastify/swagger) */
export const DEFAULT_API_MAX_RANGE_DAYS = 31

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // loopback unless the operator says otherwise: a gateway is not put on a network by accident
    mqttHost: { type: 'string', minLength: 1, default: '127.0.0.1' },
    mqttPort: { type: 'integer', minimum: 0, maximum: 65535, default: 1883 },
    mqttTlsPort: { type: 'integer', minimum: 0, maximum: 65535, default: 8883 },
    httpHost: { type: 'string', minLength: 1, default: '127.0.0.1' },
    httpPort: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    tlsCert: { type: 'string', minLength: 1 },
    tlsKey: { type: 'string', minLength: 1 },
    tlsCa: { type: 'string', minLength: 1 },
    tlsCrl: { type: 'string', minLength: 1 },
    tlsReloadMs: { type: 'integer', minimum: 100, maximum: 86400000, default: 10000 },
    databaseUrl: { type: 'string', pattern: '^postgres(ql)?://' },
    dataDir: { type: 'string', minLength: 1, default: '.pitwall/data' },
    redisUrl: { type: 'string', maxLength: 2000, pattern: '^rediss?://[^\\s]+$' },
    // no glob or MQTT wildcard characters: the prefix goes into channel names that nodes PSUBSCRIBE with
    redisPrefix: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', default: 'pitwall' },
    redisHeartbeatMs: { type: 'integer', minimum: 200, maximum: 600000, default: 10000 },
    maxPacketBytes: { type: 'integer', minimum: 1024, maximum: 268435455, default: 1048576 },
    maxSubscriptions: { type: 'integer', minimum: 1, maximum: 10000, default: DEFAULT_MAX_SUBSCRIPTIONS },
    // at least an honest CONNECT with a 1 KB status will (gateway/broker/packet-limit.ts)
    maxConnectBytes: { type: 'integer', minimum: 2048, maximum: 268435455, default: DEFAULT_ADMISSION.maxConnectBytes },
    connectTimeoutMs: { type: 'integer', minimum: 1000, maximum: 300000, default: DEFAULT_ADMISSION.connectTimeoutMs },
    maxUnauthenticatedConnections: { type: 'integer', minimum: 1, maximum: 10000000, default: DEFAULT_ADMISSION.unauthenticated.total },
    maxUnauthenticatedPerAddress: { type: 'integer', minimum: 1, maximum: 10000000, default: DEFAULT_ADMISSION.unauthenticated.perAddress },
    vehicleBatchesPerS: { type: 'number', exclusiveMinimum: 0, maximum: 1000000, default: DEFAULT_ADMISSION.ingestRate.batchesPerS },
    vehicleBytesPerS: { type: 'integer', minimum: 1024, maximum: 10737418240, default: DEFAULT_ADMISSION.ingestRate.bytesPerS },
    vehicleBurstS: { type: 'number', exclusiveMinimum: 0, maximum: 3600, default: DEFAULT_ADMISSION.ingestRate.burstS },
    vehicleMaxInflight: { type: 'integer', minimum: 1, maximum: 65535, default: DEFAULT_ADMISSION.ingestRate.maxInflight },
    authFailuresBeforeBackoff: { type: 'integer', minimum: 1, maximum: 1000, default: DEFAULT_AUTH_THROTTLE.failuresBeforeBackoff },
    // at least the first back-off step (gateway/auth-throttle.ts FIRST_BACKOFF_MS)
    authMaxBackoffMs: { type: 'integer', minimum: 1000, maximum: 86400000, default: DEFAULT_AUTH_THROTTLE.maxBackoffMs },
    apiRateLimit: { type: 'integer', minimum: 1, maximum: 1000000, default: DEFAULT_API_RATE_LIMIT },
    maxSseStreams: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000 },
    maxSseStreamsPerToken: { type: 'integer', minimum: 1, maximum: 1000000, default: DEFAULT_SSE_STREAMS_PER_TOKEN },
    nodeName: { type: 'string', maxLength: 200, pattern: '^[^\\s]*$', default: '' },
    apiMaxRangeDays: { type: 'integer', minimum: 1, maximum: 3660, default: DEFAULT_API_MAX_RANGE_DAYS },
    maxCanFramesPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.canFrames },
    maxSamplesPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.samples },
    maxGnssPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.gnss },
    maxDtcsPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.dtc },
    maxObdPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.obd },
    maxFirmwareChars: { type: 'integer', minimum: 1, maximum: 1024, default: DEFAULT_BATCH_LIMITS.firmwareChars },
    maxGroupItems: { type: 'integer', minimum: 1, maximum: 100000, default: 2000 },
    projectionMaxPendingRows: { type: 'integer', minimum: 1000, maximum: 100000000, default: 500000 },
    projectionMaxLagMs: { type: 'integer', minimum: 1000, maximum: 3600000, default: 30000 },
    projectionRecoveryIntervalMs: { type: 'integer', minimum: 1000, maximum: 3600000, default: 30000 },
    dbPoolSize: { type: 'integer', minimum: 2, maximum: 200, default: 8 },
    dbPreparedStatements: { type: 'boolean', default: true },
    canDbc: { type: 'string', pattern: '^$|^\\d+=[^,]+(,\\d+=[^,]+)*$', default: '' },
    sampleIntervalMs: { type: 'integer', minimum: 1, maximum: 3600000, default: 1000 },
    rulesPollMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 2000 },
    maintenanceFile: { type: 'string', default: '' },
    maintenanceIntervalMs: { type: 'integer', minimum: 1000, maximum: 604800000, default: 3600000 },
    signalRollupIntervalMs: { type: 'integer', minimum: 1000, maximum: 600000, default: 20000 },
    rescueRadiusKm: { type: 'number', exclusiveMinimum: 0, maximum: 2000, default: RESCUE_RADIUS_KM },
    ftfWindowDays: { type: 'integer', minimum: 1, maximum: MAX_FTF_WINDOW_DAYS, default: DEFAULT_FTF_WINDOW_DAYS },
    commandKeysDir: { type: 'string', default: '' },
    commandRetryMs: { type: 'integer', minimum: 100, maximum: 86400000, default: 30000 },
    fixCheckWindowMs: { type: 'integer', minimum: 1000, maximum: 2592000000, default: 1800000 },
    commandStallMs: { type: 'integer', minimum: 60000, maximum: 2592000000, default: 3600000 },
    logUploadMaxBytes: { type: 'integer', minimum: 1024, maximum: 1099511627776, default: DEFAULT_LOG_UPLOAD_MAX_BYTES },
    logUploadsPerVehicle: { type: 'integer', minimum: 1, maximum: 1000, default: DEFAULT_LOG_UPLOADS_PER_VEHICLE },
    logUploadWindowMs: { type: 'integer', minimum: 60000, maximum: 604800000, default: DEFAULT_LOG_UPLOAD_WINDOW_MS },
    logRetentionDays: { type: 'integer', minimum: 1, maximum: 3660, default: DEFAULT_LOG_RETENTION_DAYS },
    retentionRawDays: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS, default: 90 },
    retentionSamplesDays: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS, default: 90 },
    retentionPositionsDays: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS, default: 90 },
    retentionDtcsDays: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS, default: 365 },
    retentionDeadLettersDays: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS, default: 30 },
    partitionsAheadDays: { type: 'integer', minimum: 1, maximum: 31, default: 3 },
    compressAfterDays: { type: 'integer', minimum: 1, maximum: MAX_RETENTION_DAYS, default: 2 },
    storageMaintenanceIntervalMs: { type: 'integer', minimum: 1000, maximum: 86400000, default: 3600000 },
    publicUrl: { type: 'string', maxLength: 2000, pattern: '^$|^https?://[^\\s/?#]+(/[^\\s?#]*)?$', default: '' },
    webhookAllow: { type: 'string', maxLength: 10000, default: '' },
    webhookBreakerResetMs: { type: 'integer', minimum: 1000, maximum: 3600000, default: 30000 },
    consoleEnabled: { type: 'boolean', default: true },
    consoleSessionHours: { type: 'integer', minimum: 1, maximum: 720, default: 12 },
    consoleIdleMinutes: { type: 'integer', minimum: 5, maximum: 43200, default: 120 },
    consoleTileUrl: { type: 'string', maxLength: 2000, pattern: '^https?://(\\{s\\}\\.)?[A-Za-z0-9.-]+(:[0-9]+)?/[^\\s"\'<>]*$', default: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png' },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }
  }
} as const

/** The environment variable behind each setting. */
export const ENV_NAMES: Record<keyof GatewayConfig, string> = {
  mqttHost: 'PITWALL_MQTT_HOST',
  mqttPort: 'PITWALL_MQTT_PORT',
  mqttTlsPort: 'PITWALL_MQTT_TLS_PORT',
  httpHost: 'PITWALL_HTTP_HOST',
  httpPort: 'PITWALL_HTTP_PORT',
  tlsCert: 'PITWALL_TLS_CERT',
  tlsKey: 'PITWALL_TLS_KEY',
  tlsCa: 'PITWALL_TLS_CA',
  tlsCrl: 'PITWALL_TLS_CRL',
  tlsReloadMs: 'PITWALL_TLS_RELOAD_MS',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'PITWALL_DATA_DIR',
  redisUrl: 'PITWALL_REDIS_URL',
  redisPrefix: 'PITWALL_REDIS_PREFIX',
  redisHeartbeatMs: 'PITWALL_REDIS_HEARTBEAT_MS',
  maxPacketBytes: 'PITWALL_MAX_PACKET_BYTES',
  maxSubscriptions: 'PITWALL_MAX_SUBSCRIPTIONS',
  maxConnectBytes: 'PITWALL_MAX_CONNECT_BYTES',
  connectTimeoutMs: 'PITWALL_CONNECT_TIMEOUT_MS',
  maxUnauthenticatedConnections: 'PITWALL_MAX_UNAUTHENTICATED_CONNECTIONS',
  maxUnauthenticatedPerAddress: 'PITWALL_MAX_UNAUTHENTICATED_PER_ADDRESS',
  vehicleBatchesPerS: 'PITWALL_VEHICLE_BATCHES_PER_S',
  vehicleBytesPerS: 'PITWALL_VEHICLE_BYTES_PER_S',
  vehicleBurstS: 'PITWALL_VEHICLE_BURST_S',
  vehicleMaxInflight: 'PITWALL_VEHICLE_MAX_INFLIGHT',
  authFailuresBeforeBackoff: 'PITWALL_AUTH_FAILURES_BEFORE_BACKOFF',
  authMaxBackoffMs: 'PITWALL_AUTH_MAX_BACKOFF_MS',
  apiRateLimit: 'PITWALL_API_RATE_LIMIT',
  maxSseStreams: 'PITWALL_MAX_SSE_STREAMS',
  maxSseStreamsPerToken: 'PITWALL_MAX_SSE_STREAMS_PER_TOKEN',
  nodeName: 'PITWALL_NODE_NAME',
  apiMaxRangeDays: 'PITWALL_API_MAX_RANGE_DAYS',
  maxCanFramesPerBatch: BATCH_LIMIT_NAMES.canFrames.setting,
  maxSamplesPerBatch: BATCH_LIMIT_NAMES.samples.setting,
  maxGnssPerBatch: BATCH_LIMIT_NAMES.gnss.setting,
  maxDtcsPerBatch: BATCH_LIMIT_NAMES.dtc.setting,
  maxObdPerBatch: BATCH_LIMIT_NAMES.obd.setting,
  maxFirmwareChars: BATCH_LIMIT_NAMES.firmwareChars.setting,
  maxGroupItems: 'PITWALL_MAX_GROUP_ITEMS',
  projectionMaxPendingRows: 'PITWALL_PROJECTION_MAX_PENDING_ROWS',
  projectionMaxLagMs: 'PITWALL_PROJECTION_MAX_LAG_MS',
  projectionRecoveryIntervalMs: 'PITWALL_PROJECTION_RECOVERY_INTERVAL_MS',
  dbPoolSize: 'PITWALL_DB_POOL_SIZE',
  dbPreparedStatements: 'PITWALL_DB_PREPARED_STATEMENTS',
  canDbc: 'PITWALL_CAN_DBC',
  sampleIntervalMs: 'PITWALL_SAMPLE_INTERVAL_MS',
  rulesPollMs: 'PITWALL_RULES_POLL_MS',
  maintenanceFile: 'PITWALL_MAINTENANCE_FILE',
  maintenanceIntervalMs: 'PITWALL_MAINTENANCE_INTERVAL_MS',
  signalRollupIntervalMs: 'PITWALL_SIGNAL_ROLLUP_INTERVAL_MS',
  rescueRadiusKm: 'PITWALL_RESCUE_RADIUS_KM',
  ftfWindowDays: 'PITWALL_FTF_WINDOW_DAYS',
  commandKeysDir: 'PITWALL_COMMAND_KEYS_DIR',
  commandRetryMs: 'PITWALL_COMMAND_RETRY_MS',
  fixCheckWindowMs: 'PITWALL_FIX_CHECK_WINDOW_MS',
  commandStallMs: 'PITWALL_COMMAND_STALL_MS',
  logUploadMaxBytes: 'PITWALL_LOG_UPLOAD_MAX_BYTES',
  logUploadsPerVehicle: 'PITWALL_LOG_UPLOADS_PER_VEHICLE',
  logUploadWindowMs: 'PITWALL_LOG_UPLOAD_WINDOW_MS',
  logRetentionDays: 'PITWALL_LOG_RETENTION_DAYS',
  retentionRawDays: 'PITWALL_RETENTION_RAW_DAYS',
  retentionSamplesDays: 'PITWALL_RETENTION_SAMPLES_DAYS',
  retentionPositionsDays: 'PITWALL_RETENTION_POSITIONS_DAYS',
  retentionDtcsDays: 'PITWALL_RETENTION_DTCS_DAYS',
  retentionDeadLettersDays: 'PITWALL_RETENTION_DEAD_LETTERS_DAYS',
  partitionsAheadDays: 'PITWALL_PARTITIONS_AHEAD_DAYS',
  compressAfterDays: 'PITWALL_COMPRESS_AFTER_DAYS',
  storageMaintenanceIntervalMs: 'PITWALL_STORAGE_MAINTENANCE_INTERVAL_MS',
  publicUrl: 'PITWALL_PUBLIC_URL',
  webhookAllow: WEBHOOK_ALLOW_SETTING,
  webhookBreakerResetMs: 'PITWALL_WEBHOOK_BREAKER_RESET_MS',
  consoleEnabled: 'PITWALL_CONSOLE_ENABLED',
  consoleSessionHours: 'PITWALL_CONSOLE_SESSION_HOURS',
  consoleIdleMinutes: 'PITWALL_CONSOLE_IDLE_MINUTES',
  consoleTileUrl: 'PITWALL_CONSOLE_TILE_URL',
  logLevel: 'PITWALL_LOG_LEVEL'
}

export class ConfigError extends PitwallError {
  constructor (message: string) {
    super('PITWALL_ERR_CONFIG', message)
  }
}

const validate = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true }).compile(configSchema)

/**
 * Builds the configuration from the environment and explicit overrides
 * (overrides win). Throws a ConfigError naming each bad setting.
 */
export function loadConfig (env: NodeJS.ProcessEnv = {}, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const raw: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name]
    if (value !== undefined && value !== '') raw[key] = value
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value
  }
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((e) => {
      const key = e.instancePath.slice(1) || String(e.params.additionalProperty ?? '')
      const source = key in ENV_NAMES ? ` (${ENV_NAMES[key as keyof GatewayConfig]})` : ''
      return `${key}${source} ${e.message ?? 'is invalid'}`
    })
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const config = raw as unknown as GatewayConfig
  const problems = [...tlsProblems(config), ...retentionProblems(config), ...redisProblems(config)]
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  return config
}

/** What the schema cannot say: settings that only make sense together. */
function tlsProblems (c: GatewayConfig): string[] {
  const problems: string[] = []
  const named = (key: keyof GatewayConfig): string => `${key} (${ENV_NAMES[key]})`
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) {
    problems.push(`${named('tlsCert')} and ${named('tlsKey')} go together: set both or neither`)
  }
  if (c.tlsCert === undefined) {
    if (c.tlsCa !== undefined) problems.push(`${named('tlsCa')} needs ${named('tlsCert')} and ${named('tlsKey')}: client certificates are checked on the TLS listener`)
    if (c.tlsCrl !== undefined) problems.push(`${named('tlsCrl')} needs ${named('tlsCa')}`)
  } else if (c.tlsCrl !== undefined && c.tlsCa === undefined) {
    problems.push(`${named('tlsCrl')} needs ${named('tlsCa')}`)
  }
  if (c.tlsCert !== undefined && c.mqttPort !== 0 && c.mqttPort === c.mqttTlsPort) {
    problems.push(`${named('mqttPort')} and ${named('mqttTlsPort')} are both ${c.mqttPort}`)
  }
  return problems
}

/** A Redis URL ioredis can take, for nodes that share a database as well as their brokers. */
function redisProblems (c: GatewayConfig): string[] {
  if (c.redisUrl === undefined) return []
  const named = `redisUrl (${ENV_NAMES.redisUrl})`
  let url: URL
  try {
    url = new URL(c.redisUrl)
  } catch {
    return [`${named} is not a URL`]
  }
  const problems: string[] = []
  if (!/^(\/\d{0,2})?$/.test(url.pathname)) problems.push(`${named} names database ${JSON.stringify(url.pathname.slice(1))}: a Redis database is a number (redis://host:6379/0)`)
  // every node keeps the telemetry, commands and connection states of its vehicles in the one database they share
  if (c.databaseUrl === undefined) problems.push(`${named} shares the broker between gateway nodes, which must share one PostgreSQL database too: set ${ENV_NAMES.databaseUrl} (each node's embedded database would hold a part of the fleet)`)
  return problems
}

/**
 * Compression after the data is dropped would never run: the raw archive
 * and the decoded rows must outlive PITWALL_COMPRESS_AFTER_DAYS.
 */
function retentionProblems (c: GatewayConfig): string[] {
  const named = (key: keyof GatewayConfig): string => `${ENV_NAMES[key]} (${c[key] as number} days)`
  return (['retentionRawDays', 'retentionSamplesDays', 'retentionPositionsDays', 'retentionDtcsDays'] as const)
    .filter((key) => c[key] <= c.compressAfterDays)
    .map((key) => `${named('compressAfterDays')} must be shorter than ${named(key)}: the data would be dropped before it is compressed`)
}

/** Kept decoded rows outliving the raw archive cannot be rebuilt (pitwall reproject) once it is gone: allowed (DTC history is worth keeping longer than the raw batches), and said at start. */
export function retentionNotes (c: GatewayConfig): string[] {
  return (['retentionSamplesDays', 'retentionPositionsDays', 'retentionDtcsDays'] as const)
    .filter((key) => c[key] > c.retentionRawDays)
    .map((key) => `${ENV_NAMES[key]} (${c[key]} days) is longer than ${ENV_NAMES.retentionRawDays} (${c.retentionRawDays} days): rows older than the raw archive cannot be rebuilt by pitwall reproject`)
}

/** Retention and partitioning settings, as storage takes them. */
export function retentionOf (config: GatewayConfig): RetentionSettings {
  return {
    retention: {
      raw: config.retentionRawDays,
      samples: config.retentionSamplesDays,
      positions: config.retentionPositionsDays,
      dtcs: config.retentionDtcsDays,
      deadLetters: config.retentionDeadLettersDays
    },
    aheadDays: config.partitionsAheadDays,
    compressAfterDays: config.compressAfterDays
  }
}

/** What a connection may do before and after it authenticates, as the broker takes it. */
export function admissionOf (config: GatewayConfig): AdmissionSettings {
  return {
    maxConnectBytes: config.maxConnectBytes,
    connectTimeoutMs: config.connectTimeoutMs,
    unauthenticated: { total: config.maxUnauthenticatedConnections, perAddress: config.maxUnauthenticatedPerAddress },
    ingestRate: { batchesPerS: config.vehicleBatchesPerS, bytesPerS: config.vehicleBytesPerS, burstS: config.vehicleBurstS, maxInflight: config.vehicleMaxInflight }
  }
}

/** The caps per telemetry batch, as the decoders take them. */
export function batchLimitsOf (config: GatewayConfig): BatchLimits {
  return {
    canFrames: config.maxCanFramesPerBatch,
    samples: config.maxSamplesPerBatch,
    gnss: config.maxGnssPerBatch,
    dtc: config.maxDtcsPerBatch,
    obd: config.maxObdPerBatch,
    firmwareChars: config.maxFirmwareChars
  }
}

/** The log-upload caps, as the uploads take them. */
export function logUploadLimitsOf (config: GatewayConfig): LogUploadLimits {
  return { maxBytes: config.logUploadMaxBytes, unfinishedPerVehicle: config.logUploadsPerVehicle, uploadWindowMs: config.logUploadWindowMs }
}
