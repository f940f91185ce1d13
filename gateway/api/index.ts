/**
 * The HTTP API for engineers, operators and dealers: bearer tokens
 * (./auth.ts), one module per group of routes, each in its own scope
 * (./scope.ts). Every route is under /api/v1 and names the roles it admits;
 * its schemas make the OpenAPI document and its UI (./openapi.ts).
 *
 * Each token may make `requestsPerMinute` requests (@fastify/rate-limit,
 * counted per token id after requireRole has authenticated it, so one
 * dealer's script cannot slow another's); past it 429
 * PITWALL_ERR_RATE_LIMITED with Retry-After. A route without a token (none
 * under /api today) would be counted by source address. /healthz, /readyz
 * and /metrics are outside /api and not limited: a load balancer's probes
 * and Prometheus come from few addresses, and a monitor that got 429s would
 * page for the wrong cause.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import { PitwallError } from '../../runtime/errors.js'
import { AuthThrottle, DEFAULT_API_RATE_LIMIT, sourceKey, type AuthThrottleSettings } from '../auth-throttle.js'
import type { GatewayConfig } from '../config.js'
import type { Metrics } from '../metrics.js'
import { registerApiAuth } from './auth.js'
import { registerCampaignRoutes } from './campaigns.js'
import { registerCaseRoutes } from './cases.js'
import { registerVehicleRoutes } from './vehicles.js'
import { registerFaultRoutes } from './faults.js'
import { registerCommandRoutes } from './commands.js'
import { registerLogRoutes, type LogRouteDeps } from './logs.js'
import { registerOtaPackageRoutes } from './ota-packages.js'
import { registerDealerRoutes } from './dealers.js'
import { registerInboxRoutes } from './inbox.js'
import { registerRescueRoutes } from './rescue.js'
import { registerAssistanceRoutes } from './assistance.js'
import { registerAlertNoticeRoutes } from './alert-notices.js'
import { registerTokenRoutes } from './tokens.js'
import { registerKpiRoutes } from './kpis.js'
import { registerSurveyRoutes } from './surveys.js'
import { registerQualityRoutes } from './quality.js'
import { registerManifestRoutes } from './manifests.js'
import { registerApiDocs, registerOpenApi } from './openapi.js'
import { DEFAULT_CONSOLE_SESSIONS, registerSessionRoutes, type ConsoleSessionSettings } from './session.js'
import { registerTelemetryRoutes } from './telemetry.js'
import { registerRuleRoutes, type IngestDecoding } from './rules.js'
import { registerHealthSummaryRoutes } from './health-summary.js'
import { registerEventRoutes } from './events.js'
import type { EventHub } from '../events/hub.js'
import type { WebhookAddressRule } from '../../actions/dealer-alerts/webhook-address.js'

export interface ApiLimits extends AuthThrottleSettings {
  /** requests one token may make per minute */
  requestsPerMinute: number
  /** the longest time range a telemetry history or track may span; absent: 31 days */
  maxRangeDays?: number
}

export interface ApiDeps {
  storage: Storage
  /** counts throttled requests; absent: not counted */
  metrics?: Metrics
  /** absent: the settings' defaults */
  limits?: ApiLimits
  /** where dealers' webhooks may point (PITWALL_WEBHOOK_ALLOW); absent: https to public addresses only */
  webhookAddresses?: WebhookAddressRule
  /** console sign-in (./session.ts); absent: the defaults; false: no console sessions */
  consoleSessions?: ConsoleSessionSettings | false
  /** the node's event hub (../events/hub.ts): the SSE routes; absent: none */
  events?: EventHub
  /** how ingest decodes (the --can-dbc default, the caps per batch), for backtests (./rules.ts); absent: no default decoder, default caps */
  decoding?: IngestDecoding
  /** a rule was saved, enabled or disabled: this node loads it now (the others at their next poll) */
  rulesChanged?: (() => Promise<void>) | undefined
  /** PITWALL_RESCUE_RADIUS_KM for a call centre's rescue requests (./rescue.ts); absent: the default */
  rescueRadiusKm?: number
  /** vehicle log uploads and replays (./logs.ts); absent: no log routes, and log-upload commands are refused */
  logs?: Pick<LogRouteDeps, 'uploads' | 'replayer'>
  /** PITWALL_FTF_WINDOW_DAYS for the KPIs (./kpis.ts); absent: 30 */
  ftfWindowDays?: number
}

export function apiLimitsOf (config: GatewayConfig): ApiLimits {
  return { failuresBeforeBackoff: config.authFailuresBeforeBackoff, maxBackoffMs: config.authMaxBackoffMs, requestsPerMinute: config.apiRateLimit, maxRangeDays: config.apiMaxRangeDays }
}

const MINUTE_MS = 60_000

export function registerApi (app: FastifyInstance, deps: ApiDeps): void {
  const { storage } = deps
  // first: it documents the routes added after it
  registerOpenApi(app)
  const consoleSessions = deps.consoleSessions ?? DEFAULT_CONSOLE_SESSIONS
  registerApiAuth(app, {
    tokens: storage.apiTokens,
    metrics: deps.metrics,
    ...(deps.limits === undefined ? {} : { throttle: new AuthThrottle(deps.limits) }),
    sessions: consoleSessions === false ? undefined : { store: storage.consoleSessions, idleMs: consoleSessions.idleMs }
  })
  void app.register(rateLimit, {
    // after requireRole (every API route's preValidation): the token's id is known
    hook: 'preHandler',
    max: deps.limits?.requestsPerMinute ?? DEFAULT_API_RATE_LIMIT,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => request.principal === null ? `source:${sourceKey(request.ip)}` : `token:${request.principal.id}`,
    allowList: (request) => !(request.routeOptions.url ?? '').startsWith('/api/'),
    errorResponseBuilder: (request, context) => {
      const retry = `retry in ${Math.ceil(context.ttl / 1000)} s`
      return new PitwallError('PITWALL_ERR_RATE_LIMITED', request.principal === null
        ? `more than ${context.max} requests a minute from this address; ${retry}`
        : `token ${JSON.stringify(request.principal.name)} made more than ${context.max} requests in a minute; ${retry}`)
    }
  })
  registerCaseRoutes(app, { cases: storage.cases })
  registerVehicleRoutes(app, { vehicles: storage.vehicles, dealers: storage.dealers })
  registerFaultRoutes(app, { faults: storage.faults, commands: storage.commands, dealerAlerts: storage.dealerAlerts, cases: storage.cases })
  registerCommandRoutes(app, { commands: storage.commands, otaPackages: storage.otaPackages, makerDids: async (vin) => await storage.manifests.makerDids(vin), logUploads: deps.logs?.uploads })
  if (deps.logs !== undefined) registerLogRoutes(app, { ...deps.logs, logs: storage.vehicleLogs, manifests: storage.manifests })
  registerOtaPackageRoutes(app, { otaPackages: storage.otaPackages })
  registerCampaignRoutes(app, { campaigns: storage.campaigns, otaPackages: storage.otaPackages })
  registerInboxRoutes(app, { dealerAlerts: storage.dealerAlerts, serviceReminders: storage.serviceReminders, dealers: storage.dealers })
  registerRescueRoutes(app, { rescueRequests: storage.rescueRequests, dealers: storage.dealers, rescueRadiusKm: deps.rescueRadiusKm })
  registerAssistanceRoutes(app, { assistance: storage.assistance, dealers: storage.dealers })
  registerAlertNoticeRoutes(app, { dealerNotices: storage.dealerNotices })
  registerDealerRoutes(app, { dealers: storage.dealers, dealerAlerts: storage.dealerAlerts, vehicles: storage.vehicles, webhookAddresses: deps.webhookAddresses })
  registerTokenRoutes(app, { apiTokens: storage.apiTokens, dealers: storage.dealers })
  registerKpiRoutes(app, { kpis: storage.kpis, dealers: storage.dealers, ftfWindowDays: deps.ftfWindowDays })
  registerSurveyRoutes(app, { surveys: storage.surveys })
  registerQualityRoutes(app, { quality: storage.quality })
  registerManifestRoutes(app, { manifests: storage.manifests })
  registerApiDocs(app)
  if (consoleSessions !== false) registerSessionRoutes(app, { sessions: storage.consoleSessions, lifetimeMs: consoleSessions.lifetimeMs })
  registerTelemetryRoutes(app, { telemetry: storage.telemetry, faults: storage.faults, commands: storage.commands, maxRangeDays: deps.limits?.maxRangeDays })
  registerRuleRoutes(app, { storage, decoding: deps.decoding, rulesChanged: deps.rulesChanged })
  if (deps.events !== undefined) registerEventRoutes(app, { hub: deps.events, vehicles: storage.vehicles })
  if (deps.metrics !== undefined) registerHealthSummaryRoutes(app, { metrics: deps.metrics, storage })
  // a misspelt route or method under /api answers like every other API error (fastify's own 404 has no code)
  void app.register(async (api) => {
    api.setNotFoundHandler(async (request) => {
      throw new PitwallError('PITWALL_ERR_NOT_FOUND', `no API route ${request.method} ${request.url.split('?')[0] ?? ''}`)
    })
  }, { prefix: '/api' })
}
