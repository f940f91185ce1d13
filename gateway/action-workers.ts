/**
 * The actions layer's background workers, wired to one gateway's storage,
 * broker and signing key: command delivery, campaigns, the fault outbox
 * (remote fixes, dealer pre-diagnosis and rescue alerts), what dealers are
 * told after an alert and of service reminders, and webhook delivery. Each is a PeriodicPass underneath; the gateway starts them in
 * `order` and stops them in reverse (gateway/app.ts).
 */
import type { Aedes } from 'aedes'
import { CampaignRunner } from '../actions/campaigns/runner.js'
import { CommandDispatcher, type CommandDispatcherOptions } from '../actions/commands/dispatcher.js'
import type { GatewayKeys } from '../actions/commands/gateway-keys.js'
import { CommandSigner } from '../actions/commands/signing.js'
import { serviceReminderHandler } from '../actions/fault-actions/service-reminder.js'
import { dealerAlertHandler } from '../actions/dealer-alerts/fault-handler.js'
import { DealerAlertService } from '../actions/dealer-alerts/service.js'
import { DealerNoticeProcessor } from '../actions/dealer-notices/processor.js'
import { WebhookAddressRule } from '../actions/dealer-alerts/webhook-address.js'
import { WebhookDeliveryWorker } from '../actions/dealer-alerts/webhook-delivery.js'
import { FaultActionProcessor } from '../actions/fault-actions/processor.js'
import { remoteFixHandler } from '../actions/fault-actions/remote-fix.js'
import type { Storage } from '../storage/index.js'
import { BrokerCommandTransport } from './broker/command-transport.js'
import type { SharedBrokerState } from './broker/shared-state.js'
import type { GatewayConfig } from './config.js'
import type { Logger } from './logger.js'
import { registerBacklogGauges, type Metrics } from './metrics.js'

export interface ActionWorkers {
  readonly commands: CommandDispatcher
  readonly campaigns: CampaignRunner
  readonly faultActions: FaultActionProcessor
  readonly webhooks: WebhookDeliveryWorker
  /** alerts' fault updates and service reminders, told to dealers (inbox timeline and webhook) */
  readonly dealerNotices: DealerNoticeProcessor
  /** where webhooks may point (PITWALL_WEBHOOK_ALLOW): the API checks URLs as they are set with the same rule */
  readonly webhookAddresses: WebhookAddressRule
  /** start order: deliverers before the workers that feed them */
  readonly order: ReadonlyArray<readonly [string, { start: () => void, stop: () => Promise<void> }]>
}

export interface ActionWorkerDeps {
  storage: Storage
  keys: GatewayKeys
  aedes: Aedes
  config: Pick<GatewayConfig, 'commandRetryMs' | 'fixCheckWindowMs' | 'commandStallMs' | 'webhookAllow' | 'webhookBreakerResetMs' | 'rescueRadiusKm'>
  log: Logger
  metrics: Metrics
  /** issues each delivery of a log-upload command its upload URL and token (../log-uploads.ts); absent: none */
  grantUpload?: CommandDispatcherOptions['grantUpload']
  /** the cluster's broker state on Redis; absent: the embedded single node */
  sharedState?: SharedBrokerState
}

export function createActionWorkers ({ storage, keys, aedes, config, log, metrics, grantUpload, sharedState }: ActionWorkerDeps): ActionWorkers {
  // the dispatcher and the campaign runner wake each other: a wave queues commands, a final command advances its campaign
  const notify = (vehicleId: number): void => { commands.notify(vehicleId) }
  const campaigns = new CampaignRunner({ campaigns: storage.campaigns, queued: notify, log })
  const commands: CommandDispatcher = new CommandDispatcher({
    store: storage.commands,
    faults: storage.faults,
    signer: new CommandSigner(keys.active),
    transport: new BrokerCommandTransport(aedes, notify, sharedState),
    log,
    retryMs: config.commandRetryMs,
    fixCheckWindowMs: config.fixCheckWindowMs,
    stallMs: config.commandStallMs,
    onFinal: (c) => { if (c.campaignId !== null) campaigns.kick() },
    grantUpload
  })
  // an allow list that does not parse stops the gateway here (PITWALL_ERR_CONFIG), before anything starts
  const addresses = new WebhookAddressRule({ allow: config.webhookAllow })
  const webhooks = new WebhookDeliveryWorker({ store: storage.dealerAlerts, log, registry: metrics.registry, addresses, breaker: { resetTimeoutMs: config.webhookBreakerResetMs } })
  const alerts = new DealerAlertService({
    alerts: storage.dealerAlerts,
    dealers: storage.dealers,
    log,
    rescueRadiusKm: config.rescueRadiusKm,
    // the alert carries what the dealer needs of the case, not its authoring history
    caseLookup: async (caseId) => await storage.cases.find(caseId).then((c) => c === undefined ? undefined : { id: c.id, title: c.title, steps: c.steps, parts: c.parts })
  })
  const raised = (): void => { webhooks.kick() }
  const dealerNotices = new DealerNoticeProcessor({ store: storage.dealerNotices, log, queued: raised, registry: metrics.registry })
  const faultActions = new FaultActionProcessor({
    store: storage.faultActions,
    handlers: {
      remote_fix: remoteFixHandler({ faults: storage.faults, commands: storage.commands, packages: storage.otaPackages, queued: notify }),
      dealer_prestage: dealerAlertHandler({ alerts, raised }, 'prestage'),
      service_reminder: serviceReminderHandler({ faults: storage.faults, reminders: storage.serviceReminders }),
      rescue: dealerAlertHandler({ alerts, raised }, 'rescue')
    },
    log
  })
  registerBacklogGauges(metrics.registry, async () => await storage.readActionBacklog(),
    (err) => { log.warn({ err: err.message }, 'action backlog not read for /metrics; its gauges keep their last values') })
  return {
    commands,
    campaigns,
    faultActions,
    webhooks,
    dealerNotices,
    webhookAddresses: addresses,
    order: [['webhook delivery', webhooks], ['dealer notices', dealerNotices], ['command delivery', commands], ['fault actions', faultActions], ['campaigns', campaigns]]
  }
}
