/**
 * Wires one gateway: storage, ingest, broker on TCP and WebSocket, HTTP.
 * Closing reverses it: stop accepting, disconnect vehicles, drain pending
 * commits, close storage.
 */
import type { AddressInfo, Server } from 'node:net'
import { dbcSignalSources, obdSignalSources } from '../decoders/catalog-sources.js'
import { openStorage, type Storage } from '../storage/index.js'
import { createBroker, listenTcp } from './broker/index.js'
import { loadCanDecoding } from './can-network.js'
import type { GatewayConfig } from './config.js'
import { createHttpServer } from './http.js'
import { TelemetryIngest } from './ingest.js'
import { MaintenanceScheduler } from './maintenance-scheduler.js'
import { RuleReloader } from './rule-reloader.js'
import { loadMaintenanceFile } from '../rules/maintenance-load.js'
import { RuleEngine } from '../rules/engine.js'
import { createLogger, type Logger } from './logger.js'
import { createMetrics, type Metrics } from './metrics.js'

export interface Gateway {
  readonly config: GatewayConfig
  readonly storage: Storage
  readonly metrics: Metrics
  readonly log: Logger
  /** the bound ports (useful when the configured ones were 0) */
  readonly mqttPort: number
  readonly httpPort: number
  close (): Promise<void>
}

export async function startGateway (config: GatewayConfig, log: Logger = createLogger(config.logLevel)): Promise<Gateway> {
  const metrics = createMetrics()
  // before storage opens: a bad DBC should stop the start at once
  const can = loadCanDecoding(config.canDbc)
  const maintenance = config.maintenanceFile === '' ? [] : loadMaintenanceFile(config.maintenanceFile)
  if (can !== undefined) log.info({ databases: can.sources, channels: can.network.channels.length }, 'CAN databases compiled')
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    signalSources: [...obdSignalSources(), ...(can === undefined ? [] : dbcSignalSources(can.network, can.catalogIds))],
    writer: {
      maxGroupItems: config.maxGroupItems,
      onCommit: (s) => {
        metrics.commitDuration.observe(s.durationMs / 1000)
        metrics.groupSize.observe(s.items)
        metrics.writerDepth.set(s.queued)
      },
      onError: (err, attempt, groupSize) => {
        metrics.storageErrors.inc()
        log.error({ err: err.message, attempt, groupSize }, 'group commit failed')
      }
    }
  })
  const engine = new RuleEngine()
  const reloader = new RuleReloader(storage.rules, engine, log.child({ module: 'rules' }))
  try {
    await reloader.start(config.rulesPollMs)
  } catch (err) {
    await storage.close()
    throw err
  }
  const scheduler = new MaintenanceScheduler(storage, maintenance, log.child({ module: 'maintenance' }))
  scheduler.start(config.maintenanceIntervalMs)
  const ingest = new TelemetryIngest({
    writer: storage.writer,
    metrics,
    log: log.child({ module: 'ingest' }),
    can,
    sampleIntervalMs: config.sampleIntervalMs,
    rules: { engine, record: async (events) => await storage.faults.record(events) }
  })
  const broker = await createBroker({ vehicles: storage.vehicles, ingest, metrics, log, maxPacketBytes: config.maxPacketBytes })
  let tcp: Server | undefined
  let http: Awaited<ReturnType<typeof createHttpServer>> | undefined
  try {
    tcp = await listenTcp(broker, config.mqttHost, config.mqttPort)
    http = await createHttpServer({ broker, pool: storage.pool, metrics, log, maxPacketBytes: config.maxPacketBytes })
    await http.listen({ host: config.httpHost, port: config.httpPort })
  } catch (err) {
    tcp?.close()
    await http?.close()
    await broker.close()
    await reloader.stop()
    await scheduler.stop()
    await storage.close()
    throw err
  }
  const mqttPort = (tcp.address() as AddressInfo).port
  const httpPort = (http.server.address() as AddressInfo).port
  log.info({ mqttPort, httpPort, storage: storage.kind }, 'pitwall gateway listening')
  const tcpServer = tcp
  const httpServer = http
  return {
    config,
    storage,
    metrics,
    log,
    mqttPort,
    httpPort,
    close: async () => {
      tcpServer.close()
      log.debug('closing http')
      await httpServer.close()
      log.debug('closing broker')
      await broker.close()
      log.debug('closing storage')
      await reloader.stop()
      await scheduler.stop()
      await storage.close()
      log.info('pitwall gateway stopped')
    }
  }
}
