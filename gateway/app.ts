/**
 * Starts one gateway: storage, the signing keys, rules and decoder manifests,
 * service reminders, the broker and ingest, the action workers, then the MQTT
 * and HTTP listeners. Every part goes through one Lifecycle, so stopping (or a
 * start that fails halfway) undoes it in reverse: stop accepting, stop the
 * workers, disconnect vehicles, drain pending commits, close storage.
 */
import type { AddressInfo } from 'node:net'
import type { CommandDispatcher } from '../actions/commands/dispatcher.js'
import { openGatewayKeys, type GatewayKeys } from '../actions/commands/gateway-keys.js'
import type { CampaignRunner } from '../actions/campaigns/runner.js'
import type { FaultActionProcessor } from '../actions/fault-actions/processor.js'
import { obdSignalSources } from '../decoders/catalog-sources.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { ManifestSource } from '../decoders/manifest/model.js'
import { SignalCatalog } from '../decoders/signal-catalog.js'
import { RuleEngine } from '../rules/engine.js'
import { loadReminderDefinitions } from '../rules/service-reminders/load.js'
import { Lifecycle } from '../runtime/lifecycle.js'
import { openStorage, type Storage } from '../storage/index.js'
import { createActionWorkers, type ActionWorkers } from './action-workers.js'
import { createBroker } from './broker/index.js'
import { listenTcp, listenTls } from './broker/listeners.js'
import { SharedBrokerState } from './broker/shared-state.js'
import { apiLimitsOf } from './api/index.js'
import { consoleSessionsOf } from './api/session.js'
import { admissionOf, batchLimitsOf, logUploadLimitsOf, retentionNotes, retentionOf, type GatewayConfig } from './config.js'
import { PitwallError } from '../runtime/errors.js'
import { DecoderRegistry } from './decoder-registry.js'
import { compileDefaultManifest, DEFAULT_MANIFEST_MODEL, defaultManifestSource, resolveDefaultManifest } from './default-manifest.js'
import { ConnectionStates, nodeNameOf } from './events/connection-state.js'
import { EventHub } from './events/hub.js'
import { createHttpServer } from './http.js'
import { TelemetryIngest } from './ingest.js'
import { createLogger, type Logger } from './logger.js'
import { LogFiles } from './log-files.js'
import { LogReplayer } from './log-replayer.js'
import { LogRetention } from './log-retention.js'
import { listenerUrl, LogUploads } from './log-uploads.js'
import { ManifestReloader } from './manifest-reloader.js'
import { ProjectionRecovery } from './archive-projection.js'
import { StoredManifests } from './manifests.js'
import { createMetrics, projectorMetrics, writerMetrics, type Metrics } from './metrics.js'
import { RuleReloader } from './rule-reloader.js'
import { RuleStateResume } from './rule-resume.js'
import { ServiceReminderCheck } from './service-reminders.js'
import { SignalRollup } from './signal-rollup.js'
import { StorageMaintenance } from './storage-maintenance.js'
import { readTlsMaterial, tlsFilesOf, TlsReloader, type SecureContextTarget } from './tls.js'

export interface Gateway {
  readonly config: GatewayConfig
  readonly storage: Storage
  readonly metrics: Metrics
  readonly log: Logger
  /** the bound ports (the HTTP one is useful when the configured one was 0); an MQTT listener turned off is 0 */
  readonly mqttPort: number
  readonly mqttTlsPort: number
  readonly httpPort: number
  /** this gateway's name in the vehicles' connection state (PITWALL_NODE_NAME, else host:pid) */
  readonly nodeName: string
  /** fleet events and live signals across nodes (./events/hub.ts) */
  readonly events: EventHub
  /** the command signing keys: `active` signs, `publicKeys` is what T-boxes must trust */
  readonly commandKeys: GatewayKeys
  readonly commands: CommandDispatcher
  readonly faultActions: FaultActionProcessor
  readonly campaigns: CampaignRunner
  /** the rules in force: `refresh()` loads changes now instead of at the next PITWALL_RULES_POLL_MS */
  readonly rules: Pick<RuleReloader, 'refresh'>
  close (): Promise<void>
}

/** What a lenient DBC parse assumed, the first few one per line (pitwall manifests check --all-warnings lists all). */
function logDbcWarnings (log: Logger, warnings: CompiledManifest['warnings']): void {
  for (const w of warnings.slice(0, 20)) log.warn({ kind: w.kind }, w.text)
  if (warnings.length > 20) log.warn({ more: warnings.length - 20 }, 'more DBC warnings: pitwall decode --dbc FILE prints each')
}

const LOOPBACK = /^(127\.|::1$|localhost$)/

/** Secrets in clear text on a network are worth a warning at every start. */
function warnIfExposed (log: Logger, config: GatewayConfig, tls: boolean): void {
  if (config.mqttPort !== 0 && !LOOPBACK.test(config.mqttHost)) {
    log.warn({ host: config.mqttHost, port: config.mqttPort }, 'MQTT in clear text on a network address: T-box secrets and commands cross it unencrypted; set PITWALL_TLS_CERT/PITWALL_TLS_KEY and PITWALL_MQTT_PORT=0')
  }
  if (!tls && !LOOPBACK.test(config.httpHost)) {
    log.warn({ host: config.httpHost, port: config.httpPort }, 'HTTP in clear text on a network address: API tokens cross it unencrypted; set PITWALL_TLS_CERT/PITWALL_TLS_KEY or put a TLS reverse proxy in front')
  }
}

/**
 * Imports this start's --can-dbc as the default manifest every node on the
 * database decodes with: stored as model DEFAULT_MANIFEST_MODEL's next
 * version (or found, when a start imported the same files before) and
 * activated. Once per start, never on a poll: the last start's file wins,
 * and the other nodes follow it at their next manifest poll.
 */
async function importDefaultManifest (storage: Storage, source: ManifestSource, node: string, log: Logger): Promise<void> {
  const before = (await storage.manifests.list({ model: DEFAULT_MANIFEST_MODEL, active: true }))[0]
  const { manifest, created, activated } = await storage.manifests.add(resolveDefaultManifest(source), `${node} (--can-dbc)`, true)
  const fields = { model: DEFAULT_MANIFEST_MODEL, version: manifest.version, created, ...(before === undefined ? {} : { was: before.version }) }
  if (activated && before !== undefined) log.warn(fields, 'this start\'s --can-dbc replaces the default decoder manifest of every node on the database')
  else log.info(fields, activated ? 'default decoder manifest (--can-dbc) stored for every node on the database' : 'default decoder manifest (--can-dbc) already in force')
}

export async function startGateway (config: GatewayConfig, log: Logger = createLogger(config.logLevel)): Promise<Gateway> {
  const metrics = createMetrics()
  // files first: a bad DBC or reminder file stops the start before anything opens
  const defaultSource = defaultManifestSource(config.canDbc)
  const defaultManifest = defaultSource === undefined ? undefined : compileDefaultManifest(defaultSource, new SignalCatalog(), config.sampleIntervalMs / 1000)
  const reminderDefinitions = config.maintenanceFile === '' ? [] : loadReminderDefinitions(config.maintenanceFile)
  const tlsFiles = tlsFilesOf(config)
  const tls = tlsFiles === undefined ? undefined : new TlsReloader(tlsFiles, readTlsMaterial(tlsFiles), { log: log.child({ module: 'tls' }), metrics, intervalMs: config.tlsReloadMs })
  if (defaultManifest !== undefined) {
    log.info({ databases: config.canDbc, channels: defaultManifest.network.channels.length, dbcWarnings: defaultManifest.warnings.length }, 'default decoder manifest (--can-dbc) compiled')
    logDbcWarnings(log, defaultManifest.warnings)
  }
  const parts = new Lifecycle(log)
  try {
    const storage = await parts.open('storage', async () => await openStorage({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.dbPoolSize,
      preparedStatements: config.dbPreparedStatements,
      // the default manifest's are its stored version's, written when it is activated
      signalSources: obdSignalSources(),
      writer: { maxGroupItems: config.maxGroupItems, ...writerMetrics(metrics, log) },
      projector: { maxPendingRows: config.projectionMaxPendingRows, ...projectorMetrics(metrics, log) }
    }), async (s) => { await s.close() })
    metrics.projection.source = storage.projector
    const keys = await parts.open('command keys', async () => await openGatewayKeys(config), async (k) => { await k.close() })
    log.info({ keyId: keys.active.keyId, dir: keys.dir, generated: keys.generated }, keys.generated ? 'command signing key generated: provision T-boxes with its public key (pitwall keys export)' : 'command signing key loaded')

    if (defaultSource !== undefined) await importDefaultManifest(storage, defaultSource, nodeNameOf(config.nodeName), log)
    const catalog = new SignalCatalog()
    // the default is the stored one, set by the reloader's first check before anything decodes
    const decoders = new DecoderRegistry(undefined)
    const engine = new RuleEngine({ catalog })
    const manifests = new ManifestReloader({
      store: storage.manifests, registry: decoders, catalog, defaultMinIntervalS: config.sampleIntervalMs / 1000, log: log.child({ module: 'manifests' }), metrics
    })
    // one poll for both: manifests first, so the catalog has every signal a rule names
    const rules = await parts.start('rules', new RuleReloader(storage.rules, engine, log.child({ module: 'rules' }), config.rulesPollMs, async () => { await manifests.check() }))
    // listening before the broker and the API: nothing committed after the start goes unheard
    const events = await parts.start('events', new EventHub({ store: storage.events, catalog, metrics, log: log.child({ module: 'events' }), maxStreams: config.maxSseStreams, maxStreamsPerToken: config.maxSseStreamsPerToken }))
    // stopped after the broker: its last disconnections are written, then the node's vehicles go offline
    const connectionStates = await parts.start('connection state', new ConnectionStates({ vehicles: storage.vehicles, node: nodeNameOf(config.nodeName), log: log.child({ module: 'connections' }) }))
    for (const note of retentionNotes(config)) log.info(note)
    await parts.start('storage maintenance', new StorageMaintenance(storage.retention, retentionOf(config), config.storageMaintenanceIntervalMs, metrics, log.child({ module: 'storage' })))
    await parts.start('signal rollup', new SignalRollup(storage.signalRollup, config.signalRollupIntervalMs, metrics, log.child({ module: 'rollup' })))
    // once per interval across the nodes on the database, not once per node
    await parts.start('service reminders', new ServiceReminderCheck(storage.serviceReminders, reminderDefinitions, config.maintenanceIntervalMs, log.child({ module: 'maintenance' }),
      { jobs: storage.jobRuns, node: connectionStates.node }))
    // vehicle logs: files beside the embedded database's, replayed through the rules once complete, kept PITWALL_LOG_RETENTION_DAYS
    const logLog = log.child({ module: 'logs' })
    const logFiles = await parts.open('vehicle log files', async () => await LogFiles.open(config.dataDir), async (f) => { await f.close() })
    const logReplayer = await parts.start('log replays', new LogReplayer({
      store: storage.vehicleLogs, files: logFiles, rules: storage.rules, manifests: storage.manifests, get defaultManifest () { return decoders.fallback }, limits: batchLimitsOf(config), log: logLog, registry: metrics.registry
    }))
    await parts.start('log retention', new LogRetention({ store: storage.vehicleLogs, files: logFiles, retentionDays: config.logRetentionDays, log: logLog }))
    let httpUrl: string | undefined
    const logUploads = new LogUploads({
      store: storage.vehicleLogs,
      commands: storage.commands,
      files: logFiles,
      limits: logUploadLimitsOf(config),
      publicUrl: () => {
        if (config.publicUrl !== '') return config.publicUrl.replace(/\/+$/, '')
        if (httpUrl === undefined) throw new PitwallError('PITWALL_ERR_LOG_UNAVAILABLE', 'the HTTP listener is not up yet: no upload URL to give a vehicle')
        return httpUrl
      },
      log: logLog,
      registry: metrics.registry,
      completed: () => { logReplayer.kick() }
    })

    // the broker hands vehicles' acknowledgements to the command dispatcher, which needs the broker to send: bound once both exist
    let actions: ActionWorkers | undefined
    const ingest = new TelemetryIngest({
      store: storage.storeBatch,
      writer: storage.writer,
      projector: storage.projector,
      metrics,
      log: log.child({ module: 'ingest' }),
      decoders,
      catalog,
      batchLimits: batchLimitsOf(config),
      firmwareReported: async (vehicleId, firmware) => { await storage.vehicles.setFirmware(vehicleId, firmware) },
      live: events.tap,
      rules: {
        engine,
        record: async (events) => {
          await storage.faults.record(events)
          // the opened faults' actions are in the outbox now
          if (events.some((e) => e.type === 'opened')) actions?.faultActions.kick()
        }
      }
    })
    const ruleResume = new RuleStateResume(storage.faults, engine)
    // before the broker, closed after it: its connections carry the broker's last publishes (statuses, wills)
    const redisUrl = config.redisUrl
    const shared = redisUrl === undefined
      ? undefined
      : await parts.open('Redis', async () => await SharedBrokerState.open({ url: redisUrl, prefix: config.redisPrefix, heartbeatMs: config.redisHeartbeatMs }, { log: log.child({ module: 'redis' }), registry: metrics.registry }), async (s) => { await s.close() })
    const broker = await parts.open('broker', async () => await createBroker({
      vehicles: storage.vehicles,
      ingest,
      metrics,
      log,
      maxPacketBytes: config.maxPacketBytes,
      maxSubscriptions: config.maxSubscriptions,
      authThrottle: { failuresBeforeBackoff: config.authFailuresBeforeBackoff, maxBackoffMs: config.authMaxBackoffMs },
      admission: admissionOf(config),
      commands: { acknowledge: async (vehicleId, payload) => { await (actions as ActionWorkers).commands.acknowledge(vehicleId, payload) } },
      connectionStates,
      shared,
      // the rules' state follows a vehicle across nodes and restarts: resumed from its faults before its CONNACK
      sessionStarting: async (session) => { await ruleResume.resume(session.vehicleId, { model: session.model, firmware: session.firmware }) }
    }), async (b) => { await b.close() })
    actions = createActionWorkers({ storage, keys, aedes: broker.aedes, config, log: log.child({ module: 'actions' }), metrics, grantUpload: async (logId) => await logUploads.grant(logId), sharedState: shared })
    for (const [name, worker] of actions.order) await parts.start(name, worker)
    // batches a stopped node archived without writing their rows: decoded again from the archive
    const storedManifests = new StoredManifests(storage.manifests, catalog, config.sampleIntervalMs / 1000)
    await parts.start('projection recovery', new ProjectionRecovery({
      archive: storage.archive,
      projector: storage.projector,
      decoders: { catalog, stored: async (id) => await storedManifests.get(id), get fallback () { return decoders.fallback }, limits: batchLimitsOf(config) },
      intervalMs: config.projectionRecoveryIntervalMs,
      log: log.child({ module: 'projection' }),
      recovered: (n) => { metrics.projectionRecovered.inc(n) }
    }))
    // a command queued on any node (API, approval, campaign wave) goes out now from the node its vehicle is connected to
    const dispatcher = actions.commands
    let unsubscribeQueued: (() => void) | undefined
    await parts.start('command wake-ups', {
      start: () => { unsubscribeQueued = events.fleet.subscribe((m) => { if (m.type === 'event' && m.event.kind === 'command' && m.event.state === 'queued') dispatcher.queued(m.event.vin) }) },
      stop: () => { unsubscribeQueued?.() }
    })

    const tcp = config.mqttPort === 0 ? undefined : await parts.open('MQTT listener', async () => await listenTcp(broker, config.mqttHost, config.mqttPort), (server) => { server.close() })
    const mqtts = tls === undefined || config.mqttTlsPort === 0
      ? undefined
      : await parts.open('MQTT TLS listener', async () => await listenTls(broker, config.mqttHost, config.mqttTlsPort,
        { ...tls.material.options, clientCertificates: config.tlsCa !== undefined }, { metrics, log }), (server) => { server.close() })
    if (mqtts !== undefined) tls?.serve(mqtts)
    const http = await parts.open('HTTP server', async () => {
      const server = await createHttpServer({ broker, storage, metrics, log, sharedState: shared, maxPacketBytes: config.maxPacketBytes, maxProjectionLagMs: config.projectionMaxLagMs, api: { storage, metrics, limits: apiLimitsOf(config), webhookAddresses: actions.webhookAddresses, consoleSessions: consoleSessionsOf(config), events, decoding: { get defaultManifest () { return decoders.fallback }, batchLimits: batchLimitsOf(config) }, rulesChanged: async () => { await rules.refresh() }, logs: { uploads: logUploads, replayer: logReplayer }, ftfWindowDays: config.ftfWindowDays, rescueRadiusKm: config.rescueRadiusKm }, https: tls?.material.options,
        console: config.consoleEnabled ? { tileUrl: config.consoleTileUrl } : undefined })
      try {
        await server.listen({ host: config.httpHost, port: config.httpPort })
      } catch (err) {
        await server.close()
        throw err
      }
      return server
    }, async (server) => { await server.close() })

    if (tls !== undefined) {
      tls.serve(http.server as unknown as SecureContextTarget)
      await parts.start('TLS reloader', tls)
    }
    const mqttPort = tcp === undefined ? 0 : (tcp.address() as AddressInfo).port
    const mqttTlsPort = mqtts === undefined ? 0 : (mqtts.address() as AddressInfo).port
    const httpPort = (http.server.address() as AddressInfo).port
    httpUrl = listenerUrl(config.httpHost, httpPort, tls !== undefined)
    warnIfExposed(log, config, tls !== undefined)
    log.info({ mqttPort, mqttTlsPort, httpPort, https: tls !== undefined, clientCertificates: mqtts !== undefined && config.tlsCa !== undefined, storage: storage.kind }, 'pitwall gateway listening')
    return {
      config,
      storage,
      metrics,
      log,
      mqttPort,
      mqttTlsPort,
      httpPort,
      nodeName: connectionStates.node,
      events,
      commandKeys: keys,
      commands: actions.commands,
      faultActions: actions.faultActions,
      campaigns: actions.campaigns,
      rules,
      close: async () => {
        await parts.stop()
        log.info('pitwall gateway stopped')
      }
    }
  } catch (err) {
    await parts.stop()
    throw err
  }
}
