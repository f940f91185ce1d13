/**
 * Wires one gateway: storage, ingest, broker on TCP and WebSocket, HTTP.
 * Closing reverses it: stop accepting, disconnect vehicles, drain pending
 * commits, close storage.
 */
import type { AddressInfo, Server } from 'node:net'
import { CampaignRunner } from '../actions/campaign-runner.js'
import { CommandDispatcher } from '../actions/command-dispatcher.js'
import { CommandSigner } from '../actions/command-signing.js'
import { DealerAlertError, DealerAlertService } from '../actions/dealer-alerts.js'
import { backoffMs, FaultActionProcessor, type FaultActionHandler } from '../actions/fault-action-processor.js'
import { openGatewayKeys, type GatewayKeys } from '../actions/gateway-keys.js'
import { remoteFixHandler } from '../actions/remote-fix.js'
import { WebhookDeliveryWorker } from '../actions/webhook-delivery.js'
import { obdSignalSources } from '../decoders/catalog-sources.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { openStorage, type Storage } from '../storage/index.js'
import { BrokerCommandTransport } from './broker/command-transport.js'
import { createBroker, listenTcp } from './broker/index.js'
import { DecoderRegistry } from './decoder-registry.js'
import { loadDefaultManifest } from './default-manifest.js'
import { ManifestReloader } from './manifest-reloader.js'
import type { GatewayConfig } from './config.js'
import { createHttpServer } from './http.js'
import { TelemetryIngest } from './ingest.js'
import { MaintenanceScheduler } from './maintenance-scheduler.js'
import { RuleReloader } from './rule-reloader.js'
import { loadMaintenanceFile } from '../rules/maintenance-load.js'
import { RuleEngine } from '../rules/engine.js'
import { createLogger, type Logger } from './logger.js'
import { createMetrics, registerBacklogGauges, type Metrics } from './metrics.js'

export interface Gateway {
  readonly config: GatewayConfig
  readonly storage: Storage
  readonly metrics: Metrics
  readonly log: Logger
  /** the bound ports (useful when the configured ones were 0) */
  readonly mqttPort: number
  readonly httpPort: number
  /** the command signing keys: `active` signs, `publicKeys` is what T-boxes must trust */
  readonly commandKeys: GatewayKeys
  readonly commands: CommandDispatcher
  readonly faultActions: FaultActionProcessor
  readonly campaigns: CampaignRunner
  close (): Promise<void>
}

/** What a lenient DBC parse assumed, the first few one per line (pitwall manifests check --all-warnings lists all). */
function logDbcWarnings (log: Logger, warnings: CompiledManifest['warnings']): void {
  for (const w of warnings.slice(0, 20)) log.warn({ kind: w.kind }, w.text)
  if (warnings.length > 20) log.warn({ more: warnings.length - 20 }, 'more DBC warnings: pitwall decode --dbc FILE prints each')
}

export async function startGateway (config: GatewayConfig, log: Logger = createLogger(config.logLevel)): Promise<Gateway> {
  const metrics = createMetrics()
  // before storage opens: a bad DBC should stop the start at once
  const defaultManifest = loadDefaultManifest(config.canDbc, config.sampleIntervalMs / 1000)
  const maintenance = config.maintenanceFile === '' ? [] : loadMaintenanceFile(config.maintenanceFile)
  if (defaultManifest !== undefined) {
    log.info({ databases: config.canDbc, channels: defaultManifest.network.channels.length, dbcWarnings: defaultManifest.warnings.length }, 'default decoder manifest (--can-dbc) compiled')
    logDbcWarnings(log, defaultManifest.warnings)
  }
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    signalSources: [...obdSignalSources(), ...(defaultManifest?.sources ?? [])],
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
  let keys: GatewayKeys
  try {
    keys = await openGatewayKeys(config)
  } catch (err) {
    await storage.close()
    throw err
  }
  log.info({ keyId: keys.active.keyId, dir: keys.dir, generated: keys.generated }, keys.generated ? 'command signing key generated: provision T-boxes with its public key (pitwall keys export)' : 'command signing key loaded')
  const catalog = new SignalCatalog()
  const decoders = new DecoderRegistry(defaultManifest)
  const manifests = new ManifestReloader({
    store: storage.manifests, registry: decoders, catalog, defaultMinIntervalS: config.sampleIntervalMs / 1000, log: log.child({ module: 'manifests' }), metrics
  })
  const engine = new RuleEngine({ catalog })
  // one poll for both: manifests first, so the catalog has every signal a rule names
  const reloader = new RuleReloader(storage.rules, engine, log.child({ module: 'rules' }), async () => { await manifests.check() })
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
    decoders,
    catalog,
    firmwareReported: async (vehicleId, firmware) => { await storage.vehicles.setFirmware(vehicleId, firmware) },
    rules: {
      engine,
      record: async (events) => {
        await storage.faults.record(events)
        // the opened faults' actions are in the outbox now
        if (events.some((e) => e.type === 'opened')) faultActions.kick()
      }
    }
  })
  // the dispatcher needs the broker (transport) and the broker the dispatcher (acks): bound after both exist
  let commands: CommandDispatcher | undefined
  const broker = await createBroker({
    vehicles: storage.vehicles,
    ingest,
    metrics,
    log,
    maxPacketBytes: config.maxPacketBytes,
    commands: { acknowledge: async (vehicleId, payload) => await (commands as CommandDispatcher).acknowledge(vehicleId, payload) }
  })
  const actionsLog = log.child({ module: 'actions' })
  const campaigns: CampaignRunner = new CampaignRunner({ campaigns: storage.campaigns, queued: (v) => { dispatcher.notify(v) }, log: actionsLog })
  const dispatcher = new CommandDispatcher({
    store: storage.commands,
    signer: new CommandSigner(keys.active),
    transport: new BrokerCommandTransport(broker.aedes, (v) => { dispatcher.notify(v) }),
    log: actionsLog,
    retryMs: config.commandRetryMs,
    fixCheckWindowMs: config.fixCheckWindowMs,
    stallMs: config.commandStallMs,
    onFinal: (c) => { if (c.campaignId !== null) campaigns.kick() }
  })
  commands = dispatcher
  const webhooks = new WebhookDeliveryWorker({ store: storage.dealerAlerts, log: actionsLog, registry: metrics.registry })
  registerBacklogGauges(metrics.registry, async () => await storage.readActionBacklog(),
    (err) => { actionsLog.warn({ err: err.message }, 'action backlog not read for /metrics; its gauges keep their last values') })
  const dealerAlerts = new DealerAlertService({
    alerts: storage.dealerAlerts,
    dealers: storage.dealers,
    log: actionsLog,
    caseLookup: async (caseId) => await storage.cases.get(caseId).then((c) => ({ id: c.id, title: c.title, steps: c.steps, parts: c.parts }), (err: { code?: string }) => {
      if (err.code === 'PITWALL_ERR_CASE_UNKNOWN') return undefined
      throw err
    })
  })
  const dealerHandler = (kind: 'prestage' | 'rescue'): FaultActionHandler => async (action) => {
    try {
      const alerts = await dealerAlerts.raiseForFault(action.faultId, kind)
      webhooks.kick()
      return { done: true, note: alerts.map((a) => `alert ${a.id} to ${a.dealerId}`).join(', ') }
    } catch (err) {
      if (!(err instanceof DealerAlertError)) throw err
      if (!err.retryable) return { done: true, note: `${err.code}: ${err.message}` }
      // a vehicle still moving is checked again each minute (until the processor gives up, ~20 min)
      return { done: false, retryInMs: err.code === 'PITWALL_ERR_RESCUE_NOT_STATIONARY' ? 60_000 : backoffMs(action.attempts), reason: `${err.code}: ${err.message}` }
    }
  }
  const faultActions: FaultActionProcessor = new FaultActionProcessor({
    store: storage.faultActions,
    handlers: {
      remote_fix: remoteFixHandler({ faults: storage.faults, commands: storage.commands, packages: storage.otaPackages, queued: (v) => { dispatcher.notify(v) } }),
      dealer_prestage: dealerHandler('prestage'),
      rescue: dealerHandler('rescue')
    },
    log: actionsLog
  })
  webhooks.start()
  dispatcher.start()
  faultActions.start()
  campaigns.start()
  const stopActions = async (): Promise<void> => {
    await faultActions.stop()
    await campaigns.stop()
    await dispatcher.stop()
    await webhooks.stop()
    await keys.close()
  }
  let tcp: Server | undefined
  let http: Awaited<ReturnType<typeof createHttpServer>> | undefined
  try {
    tcp = await listenTcp(broker, config.mqttHost, config.mqttPort)
    http = await createHttpServer({ broker, storage, metrics, log, maxPacketBytes: config.maxPacketBytes, api: { storage } })
    await http.listen({ host: config.httpHost, port: config.httpPort })
  } catch (err) {
    tcp?.close()
    await http?.close()
    await broker.close()
    await stopActions()
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
    commandKeys: keys,
    commands: dispatcher,
    faultActions,
    campaigns,
    close: async () => {
      tcpServer.close()
      log.debug('closing http')
      await httpServer.close()
      log.debug('closing broker')
      await broker.close()
      log.debug('closing storage')
      await stopActions()
      await reloader.stop()
      await scheduler.stop()
      await storage.close()
      log.info('pitwall gateway stopped')
    }
  }
}
