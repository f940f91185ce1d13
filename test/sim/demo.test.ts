import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import t, { type Test } from 'tap'
import { loadConfig } from '../../gateway/config.js'
import { freePort } from '../../runtime/free-port.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { DEMO_MAINTENANCE_FILE, demoVin, runDemo, type DemoSummary } from '../../sim/demo.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'

interface RunningDemo {
  /** what the demo printed before its fleet started */
  printed: string
  console: string
  links: Record<'engineer' | 'operator' | 'dealer', string>
  /** GET or DELETE on the demo's HTTP port with a bearer token */
  api: (token: string, path: string, method?: 'GET' | 'DELETE') => Promise<{ status: number, body: any }> // any: each route answers its own JSON
  stop: () => Promise<DemoSummary>
}

/** Starts `pitwall-sim demo` in this process on `dataDir` (and `databaseUrl`), three vehicles, and waits for its sign-in links. */
async function startDemo (dataDir: string, databaseUrl: string | undefined): Promise<RunningDemo> {
  const config = loadConfig({}, {
    mqttHost: '127.0.0.1',
    mqttPort: await freePort(),
    httpHost: '127.0.0.1',
    httpPort: 0,
    dataDir,
    databaseUrl,
    canDbc: `0=${DEMO_DBC_FILE}`,
    maintenanceFile: DEMO_MAINTENANCE_FILE,
    logLevel: 'silent'
  })
  const output = new PassThrough()
  let printed = ''
  output.on('data', (chunk: Buffer) => { printed += chunk.toString('utf8') })
  const stopping = new AbortController()
  let httpPort = 0
  const running = runDemo({ config, vehicles: 3, rateHz: 1, inject: {}, seed: 1, signal: stopping.signal, output, onListening: (_, port) => { httpPort = port } })
  running.catch(() => {})
  while (!/^API:/m.test(printed)) {
    await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 20))])
  }
  const link = (role: string): string => new RegExp(`^  ${role} +(\\S+)`, 'm').exec(printed)?.[1] ?? `no ${role} link`
  return {
    printed,
    console: /^Console: +(\S+)/m.exec(printed)?.[1] ?? 'no console address',
    links: { engineer: link('engineer'), operator: link('operator'), dealer: link('dealer') },
    api: async (token, path, method = 'GET') => {
      const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, { method, headers: { authorization: `Bearer ${token}` } })
      return { status: res.status, body: await res.json() }
    },
    stop: async () => {
      stopping.abort()
      return await running
    }
  }
}

/** The token a sign-in link carries in its fragment. */
function tokenOf (link: string): string {
  return new URLSearchParams(new URL(link).hash.slice(1)).get('signin') ?? `no token in ${link}`
}

async function demoBackend (t: Test, backend: Backend): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pitwall-demo-'))
  const db = backend === 'postgres' ? await createTestDatabase() : undefined
  t.teardown(async () => {
    rmSync(dataDir, { recursive: true, force: true })
    await db?.drop()
  })

  const first = await startDemo(dataDir, db?.url)
  const port = new URL(first.console).port
  t.equal(first.console, `http://127.0.0.1:${port}/`, 'prints the console address')
  for (const [role, link] of Object.entries(first.links)) {
    t.match(link, new RegExp(`^http://127\\.0\\.0\\.1:${port}/#signin=pwt_[A-Za-z0-9_-]{43}$`), `a ${role} sign-in link with the token in the fragment`)
  }
  t.match(first.printed, /^ {2}dealer +\S+ +\(Demo Autohaus München Nord\)$/m, 'the dealer link names its dealer')
  const tokens = { engineer: tokenOf(first.links.engineer), operator: tokenOf(first.links.operator), dealer: tokenOf(first.links.dealer) }

  const listed = await first.api(tokens.operator, '/api/v1/tokens')
  t.equal(listed.status, 200, 'the operator link signs in as an operator: it lists the tokens')
  t.match(listed.body.tokens, [
    { name: 'demo engineer', role: 'engineer', dealerId: null },
    { name: 'demo operator', role: 'operator', dealerId: null },
    { name: 'Demo Autohaus München Nord', role: 'dealer', dealerId: 'demo-muc-nord' }
  ])
  const asEngineer = await first.api(tokens.engineer, '/api/v1/tokens')
  t.equal(asEngineer.status, 403, 'the engineer link is no operator')
  t.match(asEngineer.body.message, /token "demo engineer" is an engineer token/)
  const fleet = await first.api(tokens.engineer, '/api/v1/vehicles')
  t.equal(fleet.status, 200)
  t.same(fleet.body.vehicles.map((v: { vin: string }) => v.vin), [0, 1, 2].map(demoVin), 'the engineer sees the whole demo fleet')

  const me = await first.api(tokens.dealer, '/api/v1/dealers/me')
  t.match(me, { status: 200, body: { id: 'demo-muc-nord', name: 'Demo Autohaus München Nord' } }, 'the dealer link signs in as the demo dealer')
  const customers = await first.api(tokens.dealer, '/api/v1/vehicles')
  t.same(customers.body.vehicles.map((v: { vin: string }) => v.vin), [demoVin(0), demoVin(2)], 'the dealer sees its demo customers, every other vehicle')
  const others = await first.api(tokens.dealer, '/api/v1/vehicles?dealer=demo-muc-west')
  t.equal(others.status, 403, 'and not the other demo dealer\'s')
  const otherOwn = await first.api(tokens.engineer, '/api/v1/vehicles?dealer=demo-muc-west')
  t.same(otherOwn.body.vehicles.map((v: { vin: string }) => v.vin), [demoVin(1)], 'the other workshop has the rest')

  const file = join(dataDir, 'demo-tokens.json')
  t.equal(statSync(file).mode & 0o777, 0o600, 'the tokens are kept in the data directory, readable by their owner only')

  // an operator revokes the engineer's token: the next run replaces it and keeps the others
  const engineerId = (listed.body.tokens as Array<{ id: number, name: string }>).find((k) => k.name === 'demo engineer')?.id
  t.equal((await first.api(tokens.operator, `/api/v1/tokens/${engineerId ?? 0}`, 'DELETE')).status, 200, 'revoked')
  const summary = await first.stop()
  t.equal(summary.vehicles, 3)

  const second = await startDemo(dataDir, db?.url)
  t.teardown(async () => { await second.stop() })
  t.equal(tokenOf(second.links.operator), tokens.operator, 'a second run reuses the operator link')
  t.equal(tokenOf(second.links.dealer), tokens.dealer, 'and the dealer link')
  t.not(tokenOf(second.links.engineer), tokens.engineer, 'the revoked engineer token is replaced')
  t.equal((await second.api(tokenOf(second.links.engineer), '/api/v1/vehicles')).status, 200, 'by one that signs in')
  t.equal(statSync(file).mode & 0o777, 0o600, 'the rewritten file is still private')
}

for (const backend of ['pglite', 'postgres'] as const) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    await t.test('the demo prints the console with a sign-in link per role, whose tokens act as that role', async (t) => {
      await demoBackend(t, backend)
    })
  })
}
