/**
 * Campaigns, rules, cases, KPIs, quality (engineers); the inbox and its
 * alerts (dealers); dealers, tokens, webhook dead letters and health
 * (operators). The pages are in ./more/. A role sees the pages of its work;
 * the API decides what each may read or do.
 */
import type { Page } from './page.js'
import { AlertPage } from './more/alert.js'
import { AssistancePage } from './more/assistance.js'
import { CampaignPage } from './more/campaign.js'
import { CampaignsPage } from './more/campaigns.js'
import { CasePage, CasesPage } from './more/cases.js'
import { DeadLettersPage } from './more/dead-letters.js'
import { DealersPage } from './more/dealers.js'
import { HealthPage } from './more/health.js'
import { InboxPage } from './more/inbox.js'
import { KpisPage } from './more/kpis.js'
import { QualityPage } from './more/quality.js'
import { RulePage } from './more/rule.js'
import { RulesPage } from './more/rules.js'
import { TokensPage } from './more/tokens.js'

export const morePages: Page[] = [
  { path: '/inbox', title: 'Inbox', roles: ['dealer'], nav: true, component: InboxPage },
  { path: '/inbox/alerts/:id', title: 'Alert', roles: ['dealer'], nav: false, component: AlertPage },
  { path: '/campaigns', title: 'Campaigns', roles: ['engineer'], nav: true, component: CampaignsPage },
  { path: '/campaigns/:id', title: 'Campaign', roles: ['engineer'], nav: false, component: CampaignPage },
  { path: '/rules', title: 'Rules', roles: ['engineer'], nav: true, component: RulesPage },
  { path: '/rules/:id', title: 'Rule', roles: ['engineer'], nav: false, component: RulePage },
  { path: '/assistance', title: 'Assistance', roles: ['engineer'], nav: true, component: AssistancePage },
  { path: '/cases', title: 'Cases', roles: ['engineer', 'dealer'], nav: true, component: CasesPage },
  { path: '/cases/:id', title: 'Case', roles: ['engineer', 'dealer'], nav: false, component: CasePage },
  { path: '/quality', title: 'Quality', roles: ['engineer', 'operator'], nav: true, component: QualityPage },
  { path: '/kpis', title: 'KPIs', roles: ['engineer', 'operator', 'dealer'], nav: true, component: KpisPage },
  { path: '/dealers', title: 'Dealers', roles: ['operator'], nav: true, component: DealersPage },
  { path: '/tokens', title: 'Tokens', roles: ['operator'], nav: true, component: TokensPage },
  { path: '/webhooks/dead-letters', title: 'Dead letters', roles: ['operator'], nav: true, component: DeadLettersPage },
  { path: '/health', title: 'Health', roles: ['operator'], nav: true, component: HealthPage }
]
