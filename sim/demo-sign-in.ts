/**
 * The demo's way into the console: two workshops beside the demo route in
 * Munich with the demo vehicles shared between them, and an API token per
 * role printed as a sign-in link. The console reads the token from the
 * link's fragment (never sent to the server, so never in a log), trades it
 * for a session cookie and drops it from the address bar.
 *
 * The tokens are kept in the data directory beside the fleet's credentials
 * (mode 0600) and reused while the database still accepts them, so the links
 * of an earlier run keep working and tokens do not pile up run after run.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { ApiRole } from '../actions/api-tokens/model.js'
import { tokenGrant } from '../actions/api-tokens/policy.js'
import { isPitwallError } from '../runtime/errors.js'
import type { Storage } from '../storage/index.js'

/** Inbox only (no webhook), so their alerts wait in the console and the API. */
export const DEMO_DEALERS = [
  { id: 'demo-muc-nord', name: 'Demo Autohaus München Nord', lat: 48.1850, lon: 11.5750 },
  { id: 'demo-muc-west', name: 'Demo Werkstatt München West', lat: 48.1400, lon: 11.5100 }
] as const

/** The dealer the demo's dealer token belongs to: it gets every other demo vehicle, the first among them. */
export const DEMO_DEALER = DEMO_DEALERS[0]

/** A new token lasts this long; a kept one is reused until it expires or is revoked, then replaced. */
const TOKEN_LIFETIME_MS = 30 * 86_400_000

export interface DemoSignIn {
  role: ApiRole
  /** whose token it is: the dealer's name for a dealer token */
  name: string
  dealerId?: string
  token: string
}

/**
 * Registers the demo dealers (kept from an earlier run) and makes each demo
 * vehicle without a dealer a customer of one of them, alternately, so the
 * dealer token sees vehicles and the alerts of half the fleet. A dealer an
 * operator chose for a vehicle since stays.
 */
export async function demoDealers (storage: Pick<Storage, 'dealers' | 'vehicles'>, vins: readonly string[]): Promise<void> {
  for (const d of DEMO_DEALERS) {
    try {
      await storage.dealers.add({ ...d })
    } catch (err) {
      if (!isPitwallError(err, 'PITWALL_ERR_DEALER_EXISTS')) throw err
    }
  }
  const dealerOf = new Map((await storage.vehicles.list()).map((v) => [v.vin, v.dealerId]))
  for (const [i, vin] of vins.entries()) {
    if (dealerOf.get(vin) === null) await storage.vehicles.assignDealer(vin, DEMO_DEALERS[(i % 2) as 0 | 1].id)
  }
}

/**
 * An engineer, an operator and a DEMO_DEALER token: the ones kept in `file`
 * that still authenticate as what they were made for, new ones for the rest
 * (and the file rewritten).
 */
export async function demoSignIns (storage: Pick<Storage, 'apiTokens' | 'dealers'>, file: string): Promise<DemoSignIn[]> {
  const dealer = await storage.dealers.get(DEMO_DEALER.id)
  const wanted: Array<Omit<DemoSignIn, 'token'>> = [
    { role: 'engineer', name: 'demo engineer' },
    { role: 'operator', name: 'demo operator' },
    { role: 'dealer', name: dealer.name, dealerId: dealer.id }
  ]
  const kept = readKept(file)
  const signIns: DemoSignIn[] = []
  let changed = false
  for (const want of wanted) {
    const old = kept.find((k) => k.role === want.role && k.dealerId === want.dealerId)
    const principal = old === undefined ? undefined : await storage.apiTokens.authenticate(old.token)
    if (old !== undefined && principal?.role === want.role && principal.dealerId === (want.dealerId ?? null)) {
      signIns.push({ ...want, token: old.token })
      continue
    }
    const grant = tokenGrant({ ...want, expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS) })
    signIns.push({ ...want, token: (await storage.apiTokens.create(grant)).token })
    changed = true
  }
  if (changed) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    writeFileSync(file, JSON.stringify(signIns, null, 2) + '\n', { mode: 0o600 })
  }
  // a file written by an older demo (or copied) may be readable by others: it holds live tokens
  chmodSync(file, 0o600)
  return signIns
}

/** What the demo prints: the console's address and a sign-in link per role. */
export function signInText (httpPort: number, signIns: readonly DemoSignIn[]): string {
  const base = `http://127.0.0.1:${httpPort}/`
  return [
    `Console:  ${base}   sign in as`,
    ...signIns.map((s) => `  ${s.role.padEnd(8)}  ${base}#signin=${s.token}${s.role === 'dealer' ? `  (${s.name})` : ''}`),
    `API:      ${base}api/v1   (Authorization: Bearer <the token after #signin=>)`
  ].join('\n') + '\n'
}

/** The tokens kept in `file`; none when it is missing or unreadable (new ones replace them). */
function readKept (file: string): DemoSignIn[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return []
  }
  if (!Array.isArray(parsed)) return []
  return parsed.filter((e): e is DemoSignIn => typeof e === 'object' && e !== null &&
    typeof (e as DemoSignIn).role === 'string' && typeof (e as DemoSignIn).token === 'string')
}
