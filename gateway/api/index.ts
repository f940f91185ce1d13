/**
 * The HTTP API for engineers, operators and dealers: bearer tokens
 * (./auth.ts), one module per group of routes, each in its own scope
 * (./scope.ts). Every route is under /api/v1 and names the roles it admits.
 */
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import { registerApiAuth } from './auth.js'
import { registerCampaignRoutes } from './campaigns.js'
import { registerCaseRoutes } from './cases.js'
import { registerCommandRoutes } from './commands.js'
import { registerOtaPackageRoutes } from './ota-packages.js'
import { registerDealerRoutes } from './dealers.js'
import { registerInboxRoutes } from './inbox.js'
import { registerTokenRoutes } from './tokens.js'
import { registerKpiRoutes } from './kpis.js'

export interface ApiDeps {
  storage: Storage
}

export function registerApi (app: FastifyInstance, deps: ApiDeps): void {
  const { storage } = deps
  registerApiAuth(app, { tokens: storage.apiTokens })
  registerCaseRoutes(app, { cases: storage.cases })
  registerCommandRoutes(app, { commands: storage.commands, otaPackages: storage.otaPackages })
  registerOtaPackageRoutes(app, { otaPackages: storage.otaPackages })
  registerCampaignRoutes(app, { campaigns: storage.campaigns, otaPackages: storage.otaPackages })
  registerInboxRoutes(app, { dealerAlerts: storage.dealerAlerts, maintenance: storage.maintenance, dealers: storage.dealers })
  registerDealerRoutes(app, { dealers: storage.dealers, dealerAlerts: storage.dealerAlerts })
  registerTokenRoutes(app, { apiTokens: storage.apiTokens, dealers: storage.dealers })
  registerKpiRoutes(app, { kpis: storage.kpis, dealers: storage.dealers })
}
