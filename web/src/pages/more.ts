/** Campaigns, rules, cases, KPIs, quality, the dealer inbox and the operator pages. */
import type { Page } from './page.js'

export const morePages: Page[] = []
