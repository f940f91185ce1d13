/**
 * Fault-injection scenarios (issue 20 item 3): real mqtt.js vehicles publish
 * QoS 1 batches to `pitwall start` processes while a fault is injected, and
 * afterwards every acknowledged batch is looked up in the database. For
 * each: batches made, acknowledged, stored, lost (acknowledged, not
 * stored: must be 0), duplicated (decoded rows stored twice: must be 0),
 * the gateways' peak RSS, and how long until PUBACKs came again and until
 * every batch made was acknowledged.
 *
 * Through every fault an engineer issues remote actions through the
 * gateways' API (./commands.ts) and the vehicles run them: each command the
 * API accepted must succeed, and none may run twice. The dealer scenarios
 * also raise one pre-staging alert per vehicle during the fault
 * (./dealers.ts) and count their webhooks.
 *
 * Loopback only, bounded in time. Databases are the bench's own: a fresh
 * database per scenario on the shared server, or, for the outage, a
 * private PostgreSQL cluster the scenario stops and starts (never the
 * shared one). The nodes share Redis under a prefix of their own, or, for
 * the Redis outage, a private redis-server the scenario stops and starts.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { generateCommandKey } from '../../actions/commands/keys.js'
import { openStorage } from '../../storage/index.js'
import { BenchDatabase, startPitwall, type PitwallProcess } from '../e2e/targets.js'
import { memoryMiB } from '../e2e/proc-stats.js'
import { countLost, sleep } from '../e2e/throughput-steps.js'
import { sharedSettings, startPrivatePostgres } from '../e2e/private-servers.js'
import { startPrivateRedis, type PrivateRedis } from '../e2e/private-redis.js'
import { registerBenchFleet } from '../scaling/bench-fleet.js'
import { freePort } from '../../runtime/free-port.js'
import { CommandIssuer, type CommandFigures } from './commands.js'
import { DealerScene, SLOW_MS, type DealerFigures, type EndpointFault } from './dealers.js'
import { ReliabilityFleet } from './fleet.js'
import { untilNone } from './until-none.js'
import { dropRedisPrefix } from './redis-keys.js'

export interface ScenarioPlan {
  vehicles: number
  ratePerS: number
  window: number
  /** load before the fault, and after it is over */
  faultAtMs: number
  afterFaultMs: number
  /** how long the database is away or held */
  outageMs: number
  /** longest wait for the fleet's backlog and the projection after the load (and for commands and webhooks) */
  drainMs: number
  /** an engineer issues a command this often through the load */
  commandEveryMs: number
}

export const PLANS: Record<'quick' | 'full', ScenarioPlan> = {
  // CI: seconds per scenario
  quick: { vehicles: 20, ratePerS: 10, window: 8, faultAtMs: 2_000, afterFaultMs: 4_000, outageMs: 3_000, drainMs: 30_000, commandEveryMs: 250 },
  // ≥ 10,000 batches per scenario: 100 vehicles × 5/s × (8 s + the fault + 15 s) ≥ 11,500
  full: { vehicles: 100, ratePerS: 5, window: 8, faultAtMs: 8_000, afterFaultMs: 15_000, outageMs: 30_000, drainMs: 120_000, commandEveryMs: 500 }
}

export type ScenarioName = 'gateway-sigkill' | 'node-killed' | 'database-stopped' | 'database-slow' | 'redis-restarted' | 'dealer-down' | 'dealer-slow' | 'dealer-500'

export interface ScenarioResult {
  name: ScenarioName
  /** what was done, in words */
  fault: string
  made: number
  acknowledged: number
  stored: number
  lost: number
  duplicated: number
  /** batches made but never acknowledged by the end of the drain */
  unacknowledged: number
  peakRssMiB: number
  /** the longest one vehicle went without a PUBACK (s): the outage as a vehicle saw it */
  longestGapS: number
  /**
   * fault over → the batches out (made, not acknowledged) back to what they
   * were in the second before the fault (s): the backlog worked off;
   * undefined: not within the load and the drain
   */
  recoveredS: number | undefined
  faultS: number
  elapsedS: number
  /** the commands issued through it */
  commands: CommandFigures
  /** the dealer scenarios' alerts and webhooks */
  dealers?: DealerFigures
}

interface Context {
  databaseUrl: string
  env: Record<string, string>
  nodes: PitwallProcess[]
  /** the scenario's own Redis, when it stops it */
  redis?: PrivateRedis
  /** the dealers' endpoints, in the dealer scenarios */
  dealers?: DealerScene
}

/** Peak RSS over the gateways as they come and go. */
class RssSampler {
  peakMiB = 0
  private readonly timer: NodeJS.Timeout
  constructor (nodes: () => readonly PitwallProcess[]) {
    this.timer = setInterval(() => {
      for (const n of nodes()) this.peakMiB = Math.max(this.peakMiB, memoryMiB(n.pid)?.rss ?? 0)
    }, 200)
  }

  stop (): void { clearInterval(this.timer) }
}

/**
 * Settings every scenario's gateways run with: left-behind batches looked
 * for every 2 s, not 30, and a command sent without an answer sent again
 * after 5 s, not 30, so what a fault leaves behind is made good within the
 * drain.
 */
const GATEWAY_ENV = { PITWALL_PROJECTION_RECOVERY_INTERVAL_MS: '2000', PITWALL_COMMAND_RETRY_MS: '5000' }

async function waitProjected (databaseUrl: string, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return await untilNone(client, 'SELECT count(*) AS n FROM unprojected_batches', [], timeoutMs)
  } finally {
    await client.end()
  }
}

/** Decoded samples stored more than once (each batch here has one sample at a time of its own). */
async function doubledSamples (databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const doubled = await client.query<{ n: string }>(`SELECT coalesce(sum(n - 1), 0) AS n FROM (
      SELECT count(*) AS n FROM signal_samples GROUP BY vehicle_id, signal_id, time HAVING count(*) > 1) d`)
    return Number(doubled.rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

interface Fault {
  fault: string
  /** node count */
  nodes: number
  /** Redis shared by the nodes: the shared server under a prefix of the scenario's own, or a private one the scenario stops */
  redis?: 'shared' | 'private'
  /** the dealer scenarios: which way the one endpoint fails */
  endpoint?: EndpointFault
  /** injects the fault and resolves when it is over */
  inject (ctx: Context, plan: ScenarioPlan, log: (s: string) => void): Promise<void>
}

const FAULTS: Record<Exclude<ScenarioName, 'database-stopped'>, Fault> = {
  'gateway-sigkill': {
    fault: 'the gateway killed with SIGKILL under load, then started again on the same port',
    nodes: 1,
    inject: async (ctx) => {
      const old = ctx.nodes[0] as PitwallProcess
      await old.kill()
      ctx.nodes[0] = await startPitwall(ctx.databaseUrl, { env: ctx.env, mqttPort: old.mqttPort })
    }
  },
  'node-killed': {
    fault: 'one of two nodes (sharing the database and Redis) killed with SIGKILL; its vehicles reconnect to the other',
    nodes: 2,
    redis: 'shared',
    inject: async (ctx) => {
      const victim = ctx.nodes.shift() as PitwallProcess
      await victim.kill()
    }
  },
  'database-slow': {
    fault: 'the batches table locked (ACCESS EXCLUSIVE) for the outage time: every commit waits',
    nodes: 1,
    inject: async (ctx, plan) => {
      const client = new pg.Client({ connectionString: ctx.databaseUrl })
      await client.connect()
      try {
        await client.query('BEGIN')
        await client.query('LOCK TABLE batches IN ACCESS EXCLUSIVE MODE')
        await sleep(plan.outageMs)
        await client.query('COMMIT')
      } finally {
        await client.end()
      }
    }
  },
  'redis-restarted': {
    fault: 'Redis, shared by two nodes, stopped for the outage time (SIGTERM; it keeps an append-only file, synced each second), then started again on its port',
    nodes: 2,
    redis: 'private',
    inject: async (ctx, plan) => {
      await ctx.redis?.stop()
      await sleep(plan.outageMs)
      await ctx.redis?.start()
    }
  },
  'dealer-down': dealerFault('down', 'down: its port refuses connections'),
  'dealer-slow': dealerFault('slow', `slow: it answers each request after ${SLOW_MS / 1000} s`),
  'dealer-500': dealerFault('error', 'answering 500 to every request')
}

function dealerFault (endpoint: EndpointFault, how: string): Fault {
  return {
    fault: `one of two dealers' webhook endpoints ${how} for the outage time, while a rule raises one pre-staging alert per vehicle across it`,
    nodes: 1,
    endpoint,
    inject: async (ctx, plan) => { await ctx.dealers?.inject(endpoint, plan.outageMs) }
  }
}

/** One scenario, from a fresh database to the counts. */
export async function runScenario (name: ScenarioName, plan: ScenarioPlan, adminDatabaseUrl: string, redisUrl: string, log: (s: string) => void = () => {}): Promise<ScenarioResult> {
  const started = performance.now()
  // the outage stops a cluster of the scenario's own, with the shared server's settings
  const privatePg = name === 'database-stopped' ? await startPrivatePostgres(undefined, await sharedSettings(adminDatabaseUrl)) : undefined
  const database = await BenchDatabase.create(privatePg?.adminUrl ?? adminDatabaseUrl)
  const prefix = `pitwall_reliability_${randomBytes(4).toString('hex')}`
  const keysDir = await mkdtemp(join(tmpdir(), 'pitwall-reliability-keys-'))
  const fault: Fault = name === 'database-stopped'
    ? {
        fault: `PostgreSQL stopped (fast shutdown) for ${plan.outageMs / 1000} s under load, then started again`,
        nodes: 1,
        inject: async (_ctx, p) => {
          await privatePg?.halt()
          await sleep(p.outageMs)
          await privatePg?.resume()
        }
      }
    : FAULTS[name]
  const ctx: Context = { databaseUrl: database.url, env: {}, nodes: [] }
  let fleet: ReliabilityFleet | undefined
  let issuer: CommandIssuer | undefined
  const rss = new RssSampler(() => ctx.nodes)
  try {
    if (fault.redis === 'private') ctx.redis = await startPrivateRedis({ appendOnly: true })
    const redis: Record<string, string> = fault.redis === 'shared' ? { PITWALL_REDIS_URL: redisUrl, PITWALL_REDIS_PREFIX: prefix } : ctx.redis !== undefined ? { PITWALL_REDIS_URL: ctx.redis.url } : {}
    // the nodes sign with one key, made before they start, as a T-box is provisioned with it
    const key = await generateCommandKey(keysDir)
    // a dealer endpoint's breaker waits as long as the outage lasts: the full plan keeps the default 30 s,
    // and the quick plan's 3 s outage is not followed by 27 s of waiting out a breaker sized for longer ones
    const breaker = { PITWALL_WEBHOOK_BREAKER_RESET_MS: String(plan.outageMs) }
    ctx.env = { ...GATEWAY_ENV, ...redis, ...breaker, PITWALL_COMMAND_KEYS_DIR: keysDir, ...(fault.endpoint === undefined ? {} : DealerScene.env) }
    const credentials = await registerBenchFleet(database.url, plan.vehicles)
    const storage = await openStorage({ databaseUrl: database.url, dataDir: 'memory://', poolSize: 2 })
    let token: string
    try {
      token = (await storage.apiTokens.create({ name: 'reliability engineer', role: 'engineer' })).token
      if (fault.endpoint !== undefined) ctx.dealers = await DealerScene.prepare(storage, plan.vehicles)
    } finally {
      await storage.close()
    }
    for (let i = 0; i < fault.nodes; i++) ctx.nodes.push(await startPitwall(database.url, { env: ctx.env, mqttPort: await freePort() }))
    fleet = await ReliabilityFleet.connect(credentials, ctx.nodes.map((n) => n.mqttPort), {
      ratePerS: plan.ratePerS, window: plan.window, commandKeys: new Map([[key.keyId, key.publicKey]]), extra: ctx.dealers?.extra
    })
    issuer = new CommandIssuer(() => ctx.nodes, token, fleet.vins, plan.commandEveryMs)
    // the fleet's batches out, every 50 ms: what "back to normal" is measured against
    const outstanding: Array<{ at: number, n: number }> = []
    const watched = fleet
    const watch = setInterval(() => outstanding.push({ at: performance.now(), n: watched.unacknowledged }), 50)
    fleet.start()
    issuer.start()
    await sleep(plan.faultAtMs)
    log(`${name}: ${fleet.acks} acknowledged before the fault; injecting it`)
    const faultAt = performance.now()
    await fault.inject(ctx, plan, log)
    const faultEnd = performance.now()
    const faultEndWall = Date.now()
    const faultS = (faultEnd - faultAt) / 1000
    await sleep(plan.afterFaultMs)
    fleet.stopPublishing()
    await issuer.stop()
    await fleet.drained(plan.drainMs)
    clearInterval(watch)
    await waitProjected(database.url, plan.drainMs)
    const before = Math.max(0, ...outstanding.filter((o) => o.at >= faultAt - 1000 && o.at <= faultAt).map((o) => o.n))
    const backAt = outstanding.find((o) => o.at >= faultEnd && o.n <= before)?.at
    const counts = await countLost(database.url, new Map([...fleet.acknowledged()].map(([vin, seqs]) => [vin, [...seqs]])))
    const duplicated = await doubledSamples(database.url)
    const commands = await issuer.settle(database.url, plan.drainMs, fleet.commands())
    const dealers = await ctx.dealers?.settle(database.url, plan.drainMs, faultEndWall)
    const result: ScenarioResult = {
      name,
      fault: fault.fault,
      made: fleet.made,
      acknowledged: fleet.acks,
      stored: counts.storedBatches,
      lost: counts.lost,
      duplicated,
      unacknowledged: fleet.unacknowledged,
      peakRssMiB: Math.round(rss.peakMiB),
      longestGapS: fleet.longestGapMs / 1000,
      recoveredS: backAt === undefined ? undefined : (backAt - faultEnd) / 1000,
      faultS,
      elapsedS: Math.round((performance.now() - started) / 1000),
      commands,
      ...(dealers === undefined ? {} : { dealers })
    }
    log(`${name}: ${result.made} made, ${result.acknowledged} acknowledged, ${result.stored} stored, ${result.lost} lost, ${result.duplicated} duplicated; ` +
      `commands ${commands.issued} issued, ${commands.succeeded} succeeded, ${commands.notFinished} not finished, ${commands.ranTwice} ran twice` +
      (dealers === undefined ? '' : `; alerts ${dealers.faulted.alerts}+${dealers.well.alerts}, delivered ${dealers.faulted.delivered}+${dealers.well.delivered}`))
    return result
  } finally {
    rss.stop()
    await issuer?.stop()
    await fleet?.close()
    for (const n of ctx.nodes) await n.stop().catch(() => {})
    await ctx.dealers?.close()
    await database.drop().catch(() => {})
    await privatePg?.stop()
    await ctx.redis?.close()
    if (fault.redis === 'shared') await dropRedisPrefix(prefix, redisUrl).catch(() => 0)
    await rm(keysDir, { recursive: true, force: true })
  }
}

export const SCENARIOS: readonly ScenarioName[] = ['gateway-sigkill', 'node-killed', 'database-stopped', 'database-slow', 'redis-restarted', 'dealer-down', 'dealer-slow', 'dealer-500']
