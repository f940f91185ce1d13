/**
 * All of Pitwall's settings in one place: a JSON schema with defaults, read
 * once at start from PITWALL_* environment variables (and DATABASE_URL), with
 * command-line flags on top. Nothing else reads process.env.
 */
import { Ajv } from 'ajv'
import { BATCH_LIMIT_NAMES, DEFAULT_BATCH_LIMITS, type BatchLimits } from '../decoders/batch-limits.js'
import { PitwallError } from '../runtime/errors.js'
import { DEFAULT_MAX_SUBSCRIPTIONS } from './broker/authorize-subscribe.js'

export interface GatewayConfig {
  /** MQTT over TCP */
  mqttHost: string
  mqttPort: number
  /** HTTP API, metrics, health and MQTT over WebSocket (path /mqtt) */
  httpHost: string
  httpPort: number
  /** PostgreSQL URL; unset means the embedded PGlite in dataDir */
  databaseUrl?: string | undefined
  dataDir: string
  /** largest MQTT packet accepted, fixed header included */
  maxPacketBytes: number
  /** MQTT subscriptions one connection may hold */
  maxSubscriptions: number
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
  dbPoolSize: number
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
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

/** The highest a cap per batch may be set: far past what a packet holds in practice, and still a bound. */
const MAX_ENTRIES = 100_000_000

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mqttHost: { type: 'string', default: '0.0.0.0' },
    mqttPort: { type: 'integer', minimum: 0, maximum: 65535, default: 1883 },
    httpHost: { type: 'string', default: '0.0.0.0' },
    httpPort: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    databaseUrl: { type: 'string', pattern: '^postgres(ql)?://' },
    dataDir: { type: 'string', minLength: 1, default: '.pitwall/data' },
    maxPacketBytes: { type: 'integer', minimum: 1024, maximum: 268435455, default: 1048576 },
    maxSubscriptions: { type: 'integer', minimum: 1, maximum: 10000, default: DEFAULT_MAX_SUBSCRIPTIONS },
    maxCanFramesPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.canFrames },
    maxSamplesPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.samples },
    maxGnssPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.gnss },
    maxDtcsPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.dtc },
    maxObdPerBatch: { type: 'integer', minimum: 0, maximum: MAX_ENTRIES, default: DEFAULT_BATCH_LIMITS.obd },
    maxFirmwareChars: { type: 'integer', minimum: 1, maximum: 1024, default: DEFAULT_BATCH_LIMITS.firmwareChars },
    maxGroupItems: { type: 'integer', minimum: 1, maximum: 100000, default: 2000 },
    dbPoolSize: { type: 'integer', minimum: 2, maximum: 200, default: 8 },
    canDbc: { type: 'string', pattern: '^$|^\\d+=[^,]+(,\\d+=[^,]+)*$', default: '' },
    sampleIntervalMs: { type: 'integer', minimum: 1, maximum: 3600000, default: 1000 },
    rulesPollMs: { type: 'integer', minimum: 100, maximum: 3600000, default: 2000 },
    maintenanceFile: { type: 'string', default: '' },
    maintenanceIntervalMs: { type: 'integer', minimum: 1000, maximum: 604800000, default: 3600000 },
    commandKeysDir: { type: 'string', default: '' },
    commandRetryMs: { type: 'integer', minimum: 100, maximum: 86400000, default: 30000 },
    fixCheckWindowMs: { type: 'integer', minimum: 1000, maximum: 2592000000, default: 1800000 },
    commandStallMs: { type: 'integer', minimum: 60000, maximum: 2592000000, default: 3600000 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }
  }
} as const

/** The environment variable behind each setting. */
export const ENV_NAMES: Record<keyof GatewayConfig, string> = {
  mqttHost: 'PITWALL_MQTT_HOST',
  mqttPort: 'PITWALL_MQTT_PORT',
  httpHost: 'PITWALL_HTTP_HOST',
  httpPort: 'PITWALL_HTTP_PORT',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'PITWALL_DATA_DIR',
  maxPacketBytes: 'PITWALL_MAX_PACKET_BYTES',
  maxSubscriptions: 'PITWALL_MAX_SUBSCRIPTIONS',
  maxCanFramesPerBatch: BATCH_LIMIT_NAMES.canFrames.setting,
  maxSamplesPerBatch: BATCH_LIMIT_NAMES.samples.setting,
  maxGnssPerBatch: BATCH_LIMIT_NAMES.gnss.setting,
  maxDtcsPerBatch: BATCH_LIMIT_NAMES.dtc.setting,
  maxObdPerBatch: BATCH_LIMIT_NAMES.obd.setting,
  maxFirmwareChars: BATCH_LIMIT_NAMES.firmwareChars.setting,
  maxGroupItems: 'PITWALL_MAX_GROUP_ITEMS',
  dbPoolSize: 'PITWALL_DB_POOL_SIZE',
  canDbc: 'PITWALL_CAN_DBC',
  sampleIntervalMs: 'PITWALL_SAMPLE_INTERVAL_MS',
  rulesPollMs: 'PITWALL_RULES_POLL_MS',
  maintenanceFile: 'PITWALL_MAINTENANCE_FILE',
  maintenanceIntervalMs: 'PITWALL_MAINTENANCE_INTERVAL_MS',
  commandKeysDir: 'PITWALL_COMMAND_KEYS_DIR',
  commandRetryMs: 'PITWALL_COMMAND_RETRY_MS',
  fixCheckWindowMs: 'PITWALL_FIX_CHECK_WINDOW_MS',
  commandStallMs: 'PITWALL_COMMAND_STALL_MS',
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
  return raw as unknown as GatewayConfig
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
