/**
 * The console in a real browser: Debian's Chromium driven by playwright-core
 * against a test gateway (ephemeral ports; PostgreSQL when one answers, else
 * PGlite) serving the built console
 * (dist/web) and the API, with one token per role.
 *
 *   t.test('…', { skip: consoleSkip() }, async (t) => {
 *     const c = await openConsole(t)
 *     await c.signIn('engineer')
 *     await c.page.getByRole('link', { name: 'Faults' }).click()
 *     await c.screenshot('faults')
 *   })
 *
 * The browser and the gateway close when `t` ends, pass or fail. Every wait
 * is bounded (BROWSER_TIMEOUT_MS), so a page that never shows what a test
 * waits for fails the test instead of hanging it. Screenshots go to
 * test-artifacts/screenshots/ (git-ignored) for a reviewer to look at, and
 * a failed test leaves one of each of its pages there (failed-<test>-<n>.png).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Test } from 'tap'
import { consoleDir } from '../../gateway/console.js'
import type { GatewayConfig } from '../../gateway/config.js'
import { roleTokens } from './api-client.js'
import { postgresReachable, type Backend } from './backends.js'
import { startTestGateway, type TestGateway } from './gateway.js'

export const CHROMIUM = '/usr/bin/chromium'
/** the longest any one browser step may wait (a page load, a selector, a click) */
export const BROWSER_TIMEOUT_MS = 15_000
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots')

/** the discard port, closed on a test host: map tiles fail at once */
export const CLOSED_PORT = 9

export type ConsoleRole = 'engineer' | 'operator' | 'dealer'

/** Why browser tests cannot run here (for tap's `skip`), or false when they can. */
export function consoleSkip (): string | false {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`
  if (!existsSync(join(consoleDir(), 'assets', 'console.js'))) return `the console is not built in ${consoleDir()} (npm run build:web)`
  return false
}

export interface ConsoleBrowser {
  gateway: TestGateway
  /** http://127.0.0.1:<port> */
  baseUrl: string
  /** one API token per role: engineer "alice", operator "olaf", dealer "Autohaus Nord" of dealer-nord */
  tokens: Record<ConsoleRole, string>
  /** the first page, in its own browser context (its own cookies) */
  page: Page
  /** another page in a fresh context: a second user beside the first */
  newPage: () => Promise<Page>
  /** opens /#signin=<token> (a role's token, or any token) and waits for the signed-in shell */
  signIn: (who: ConsoleRole | { token: string }, page?: Page) => Promise<void>
  /** a full-page PNG under test-artifacts/screenshots/<name>.png; returns its path */
  screenshot: (name: string, page?: Page) => Promise<string>
  /** what pages logged as errors (uncaught exceptions, console.error, CSP violations), for tests to assert none */
  errors: string[]
}

export interface ConsoleOptions {
  /** default: postgres when reachable, else pglite */
  backend?: Backend
  /** gateway settings, e.g. consoleTileUrl (default: a closed local port, so tiles fail without reaching the internet) */
  overrides?: Partial<GatewayConfig>
}

export async function openConsole (t: Test, options: ConsoleOptions = {}): Promise<ConsoleBrowser> {
  // PostgreSQL when there is one: a gateway on it starts in about a second, on PGlite in several
  const backend = options.backend ?? (await postgresReachable() ? 'postgres' : 'pglite')
  // no test reaches the internet: tiles from a closed local port unless a test says otherwise
  const overrides = { consoleTileUrl: `http://127.0.0.1:${CLOSED_PORT}/{z}/{x}/{y}.png`, ...options.overrides }
  const gateway = await startTestGateway(backend, overrides)
  const tileOrigin = new URL(overrides.consoleTileUrl.replace('{s}', 'a')).origin
  let browser: Browser | undefined
  const pages: Page[] = []
  const errors: string[] = []
  t.teardown(async () => {
    // what the page showed when a test failed, for whoever reads the failure
    const failed = (i: number): string => join(SCREENSHOT_DIR, `failed-${t.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60)}-${i}.png`)
    if (!t.passing()) {
      if (errors.length > 0) t.comment(`the pages logged:\n${errors.join('\n')}`)
      for (const [i, p] of pages.entries()) await p.screenshot({ path: failed(i), fullPage: true, timeout: 5000 }).catch(() => {})
    } else {
      // a failure's pictures from an earlier run would mislead a reviewer
      for (let i = 0; i < pages.length; i++) rmSync(failed(i), { force: true })
    }
    await browser?.close().catch(() => {})
    await gateway.close()
  })
  const tokens = await roleTokens(gateway.gateway.storage.apiTokens)
  const baseUrl = `http://127.0.0.1:${gateway.gateway.httpPort}`
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: BROWSER_TIMEOUT_MS,
    // tests run as root, where Chromium's sandbox cannot start
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu']
  })
  const newPage = async (): Promise<Page> => {
    const context = await (browser as Browser).newContext({ baseURL: baseUrl, viewport: { width: 1400, height: 900 } })
    context.setDefaultTimeout(BROWSER_TIMEOUT_MS)
    context.setDefaultNavigationTimeout(BROWSER_TIMEOUT_MS)
    const page = await context.newPage()
    pages.push(page)
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
    page.on('console', (message) => {
      // tiles that do not load are expected here; the map's note says so on the page
      if (message.type() === 'error' && !message.location().url.startsWith(tileOrigin)) errors.push(`console: ${message.text()}`)
    })
    return page
  }
  const page = await newPage()
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  return {
    gateway,
    baseUrl,
    tokens,
    page,
    newPage,
    errors,
    signIn: async (who, on = page) => {
      const token = typeof who === 'string' ? tokens[who] : who.token
      await on.goto(`/#signin=${encodeURIComponent(token)}`)
      await on.locator('.shell').waitFor()
    },
    screenshot: async (name, on = page) => {
      const path = join(SCREENSHOT_DIR, `${name}.png`)
      // from the top: the sticky navigation stays where a reader expects it
      await on.evaluate('window.scrollTo(0, 0)')
      await on.screenshot({ path, fullPage: true, timeout: BROWSER_TIMEOUT_MS })
      return path
    }
  }
}
