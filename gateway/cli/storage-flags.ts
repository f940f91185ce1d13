/**
 * What almost every command shares: where the database is (--data-dir,
 * --database-url, else the environment, as `pitwall start` resolves it), and
 * storage opened for one short command.
 */
import type { Command } from 'commander'
import { keysDirOf } from '../../actions/commands/gateway-keys.js'
import { openStorage, type Storage } from '../../storage/index.js'
import { loadConfig, type GatewayConfig } from '../config.js'

export interface StorageFlags {
  dataDir?: string
  databaseUrl?: string
}

export interface CommonFlags extends StorageFlags {
  logLevel?: GatewayConfig['logLevel']
}

/** The configuration `pitwall start` would run with, the flags given overriding the environment. */
export function configFrom (flags: CommonFlags & Partial<GatewayConfig>): GatewayConfig {
  return loadConfig(process.env, {
    dataDir: flags.dataDir,
    databaseUrl: flags.databaseUrl,
    logLevel: flags.logLevel,
    mqttHost: flags.mqttHost,
    httpHost: flags.httpHost,
    mqttPort: flags.mqttPort,
    mqttTlsPort: flags.mqttTlsPort,
    httpPort: flags.httpPort,
    tlsCert: flags.tlsCert,
    tlsKey: flags.tlsKey,
    tlsCa: flags.tlsCa,
    tlsCrl: flags.tlsCrl,
    redisUrl: flags.redisUrl,
    maxPacketBytes: flags.maxPacketBytes,
    canDbc: flags.canDbc,
    maintenanceFile: flags.maintenanceFile,
    sampleIntervalMs: flags.sampleIntervalMs
  })
}

export function storageFlags (cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'embedded database directory (PITWALL_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded database (DATABASE_URL)')
}

/** Opens storage for one short CLI command and closes it whatever happens. */
export async function withStorage<T> (flags: StorageFlags, work: (storage: Storage) => Promise<T>): Promise<T> {
  // the storage flags alone: a command's other flags (device cert's --tls-ca) are not gateway settings here
  const config = configFrom({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl, logLevel: 'silent' })
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
  try {
    return await work(storage)
  } finally {
    await storage.close()
  }
}

/** The directory command-signing keys live in when --dir is not given (as the gateway resolves it). */
export function defaultKeysDir (flags: { dataDir?: string }): string {
  const config = configFrom({ ...flags, logLevel: 'silent' })
  return keysDirOf(config.dataDir, config.commandKeysDir)
}
