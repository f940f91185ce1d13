/**
 * The HTTP API for engineers, operators and dealers: bearer tokens
 * (./auth.ts), one module per group of routes, each in its own scope
 * (./scope.ts). Every route is under /api/v1 and names the roles it admits.
 */
import type { FastifyInstance } from 'fastify'
import type { Storage } from '../../storage/index.js'
import { PitwallError } from '../../runtime/errors.js'
import { registerApiAuth } from './auth.js'
import { registerCampaignRoutes } from './campaigns.js'
import { registerCaseRoutes } from './cases.js'
import { registerVehicleRoutes } from './vehicles.js'
import { registerFaultRoutes } from './faults.js'
import { registerCommandRoutes } from './commands.js'
import { registerOtaPackageRoutes } from './ota-packages.js'
import { registerDealerRoutes } from './dealers.js'
import { registerInboxRoutes } from './inbox.js'
import { registerTokenRoutes } from './tokens.js'
import { registerKpiRoutes } from './kpis.js'
import { registerManifestRoutes } from './manifests.js'

export interface ApiDeps {
  storage: Storage
}

export function registerApi (app: FastifyInstance, deps: ApiDeps): void {
  const { storage } = deps
  registerApiAuth(app, { tokens: storage.apiTokens })
  registerCaseRoutes(app, { cases: storage.cases })
  registerVehicleRoutes(app, { vehicles: storage.vehicles, dealers: storage.dealers })
  registerFaultRoutes(app, { faults: storage.faults, commands: storage.commands, dealerAlerts: storage.dealerAlerts })
  registerCommandRoutes(app, { commands: storage.commands, otaPackages: storage.otaPackages })
  registerOtaPackageRoutes(app, { otaPackages: storage.otaPackages })
  registerCampaignRoutes(app, { campaigns: storage.campaigns, otaPackages: storage.otaPackages })
  registerInboxRoutes(app, { dealerAlerts: storage.dealerAlerts, serviceReminders: storage.serviceReminders, dealers: storage.dealers })
  registerDealerRoutes(app, { dealers: storage.dealers, dealerAlerts: storage.dealerAlerts, vehicles: storage.vehicles })
  registerTokenRoutes(app, { apiTokens: storage.apiTokens, dealers: storage.dealers })
  registerKpiRoutes(app, { kpis: storage.kpis, dealers: storage.dealers })
  registerManifestRoutes(app, { manifests: storage.manifests })
  // a misspelt route or method under /api answers like every other API error (fastify's own 404 has no code)
  void app.register(async (api) => {
    api.setNotFoundHandler(async (request) => {
      throw new PitwallError('PITWALL_ERR_NOT_FOUND', `no API route ${request.method} ${request.url.split('?')[0] ?? ''}`)
    })
  }, { prefix: '/api' })
}
