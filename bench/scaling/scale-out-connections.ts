/**
 * Connections per node (issue 20 item 4): a fleet (10,000 vehicles; quick:
 * 1,000) connects to 3 `pitwall start` nodes sharing a fresh PostgreSQL
 * database and Redis, spread round robin as a TCP load balancer would
 * (connection-load.ts, two load processes), with clean sessions as the
 * connections section's fleet. Per node: the vehicles it took (its
 * pitwall_mqtt_connected_vehicles), its RSS (/proc, no forced GC) and the
 * CPU it spent on the wave. Then what Redis pays for connections, where a
 * cluster's Redis cost is (telemetry never crosses it): a sample of T-boxes
 * (sim/tbox.ts's sessions: persistent, will, status, command subscription)
 * in four phases, each with its commands per vehicle (INFO commandstats
 * deltas, PING and INFO left out) and the gateways' CPU:
 * - connect: new sessions;
 * - takeover: each connects again to another node while still connected
 *   there (a T-box whose old connection died unseen) [MQTT-3.1.4-2];
 * - disconnect: each leaves as a T-box does (retained offline status,
 *   DISCONNECT);
 * - resume: they come back (to a third node), their sessions kept in Redis.
 */
import { randomBytes } from 'node:crypto'
import { cpuSeconds, memoryMiB } from '../e2e/proc-stats.js'
import { BenchDatabase, startPitwall, type PitwallProcess } from '../e2e/targets.js'
import { sleep } from '../e2e/throughput-steps.js'
import { commandsBetween, dropRedisPrefix, redisCommandCalls, redisUsedMemory } from '../reliability/redis-keys.js'
import { registerBenchFleet } from './bench-fleet.js'
import { ConnectionLoad } from './connection-load.js'

/** One phase: how long, and what it cost Redis and the gateways. */
export interface ConnectionPhase {
  /** vehicles that connected, left or moved in the phase */
  vehicles: number
  /** from the first CONNECT (or DISCONNECT) to the nodes' connected gauges settled */
  ms: number
  /** Redis commands run over the phase, by name (PING and INFO left out; the nodes' heartbeats are in) */
  commands: Record<string, number>
  /** CPU seconds each node spent over the phase (whoever held the vehicles) */
  gatewayCpuS: number[]
  /** CONNACKs with session present: the session was found in Redis */
  resumed?: number
  failed?: number
}

export interface NodeConnections {
  node: string
  /** its pitwall_mqtt_connected_vehicles with the fleet connected */
  vehicles: number
  /** RSS before the fleet connected and with it connected, MiB */
  rssBeforeMiB: number
  rssMiB: number
}

export interface ConnectionSpreadResult {
  vehicles: number
  nodes: number
  /** T-boxes of the four session phases (besides the fleet) */
  sample: number
  /** how long registering the vehicles took (not part of the figures) */
  registerMs: number
  /** the fleet's connections open once it had connected */
  open: number
  firstError?: string
  perNode: NodeConnections[]
  /** Redis used_memory added per connection: the fleet's clean sessions, and the T-boxes' sessions */
  redisBytesPerCleanSession: number
  redisBytesPerTboxSession: number
  fleetConnect: ConnectionPhase
  connect: ConnectionPhase
  takeover: ConnectionPhase
  disconnect: ConnectionPhase
  resume: ConnectionPhase
  /** from creating the database to dropping it */
  elapsedS: number
}

export interface ConnectionSpreadOptions {
  vehicles: number
  nodes: number
  sample: number
  connectTimeoutMs: number
  adminDatabaseUrl: string
  redisUrl: string
  log: (line: string) => void
}

const CONNECTED = 'pitwall_mqtt_connected_vehicles'

async function gauges (nodes: readonly PitwallProcess[]): Promise<number[]> {
  return await Promise.all(nodes.map(async (n) => (await n.metrics())[CONNECTED] ?? 0))
}

/** Waits (up to `timeoutMs`) until the nodes' connected gauges add up to `expected`. */
async function settled (nodes: readonly PitwallProcess[], expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await gauges(nodes)).reduce((a, b) => a + b, 0) !== expected && Date.now() < deadline) await sleep(100)
}

/** `work`, timed until the nodes' gauges settle at `expected`, with the Redis commands run and the nodes' CPU spent meanwhile. */
async function phase (redisUrl: string, nodes: readonly PitwallProcess[], vehicles: number, expected: () => number, work: () => Promise<Partial<ConnectionPhase>>): Promise<ConnectionPhase> {
  const before = await redisCommandCalls(redisUrl)
  const cpu = (): number[] => nodes.map((n) => cpuSeconds(n.pid) ?? NaN)
  const cpuBefore = cpu()
  const t0 = performance.now()
  const extra = await work()
  await settled(nodes, expected(), 10_000)
  const ms = Math.round(performance.now() - t0)
  // what a node does after its gauge moved (an offline status, the old node closing a taken-over connection) lands too
  await sleep(300)
  const gatewayCpuS = cpu().map((s, i) => Math.round((s - (cpuBefore[i] ?? NaN)) * 100) / 100)
  return { vehicles, ms, commands: Object.fromEntries(commandsBetween(before, await redisCommandCalls(redisUrl))), gatewayCpuS, ...extra }
}

export async function runConnectionSpread (o: ConnectionSpreadOptions): Promise<ConnectionSpreadResult> {
  const started = performance.now()
  const result = await spread(o)
  return { ...result, elapsedS: Math.round((performance.now() - started) / 1000) }
}

async function spread (o: ConnectionSpreadOptions): Promise<Omit<ConnectionSpreadResult, 'elapsedS'>> {
  const database = await BenchDatabase.create(o.adminDatabaseUrl)
  const prefix = `pitwall_scaleout_${randomBytes(4).toString('hex')}`
  const nodes: PitwallProcess[] = []
  let load: ConnectionLoad | undefined
  try {
    const t = Date.now()
    const registered = await registerBenchFleet(database.url, o.vehicles + o.sample)
    const registerMs = Date.now() - t
    o.log(`${registered.length} vehicles registered in ${registerMs} ms`)
    const fleet = registered.slice(0, o.vehicles)
    const sample = registered.slice(o.vehicles)
    const env = { PITWALL_REDIS_URL: o.redisUrl, PITWALL_REDIS_PREFIX: prefix }
    for (let i = 0; i < o.nodes; i++) nodes.push(await startPitwall(database.url, { env: { ...env, PITWALL_NODE_NAME: `scale-out-${i + 1}` }, raiseOpenFiles: true }))
    const ports = nodes.map((n) => n.mqttPort)
    load = await ConnectionLoad.start()
    const l = load
    const rssBefore = nodes.map((n) => memoryMiB(n.pid)?.rss ?? NaN)
    const emptyMemory = await redisUsedMemory(o.redisUrl)
    let open = 0
    let firstError: string | undefined
    const fleetConnect = await phase(o.redisUrl, nodes, o.vehicles, () => open, async () => {
      const outcome = await l.connect(ports, fleet, o.connectTimeoutMs)
      open = outcome.open
      firstError = outcome.firstError
      return { failed: outcome.failed }
    })
    const perNode = (await gauges(nodes)).map((vehicles, i) => ({ node: `scale-out-${i + 1}`, vehicles, rssBeforeMiB: Math.round(rssBefore[i] ?? NaN), rssMiB: Math.round(memoryMiB(nodes[i]?.pid ?? 0)?.rss ?? NaN) }))
    const fleetMemory = await redisUsedMemory(o.redisUrl)
    o.log(`${open} of ${o.vehicles} connected in ${fleetConnect.ms} ms; per node ${perNode.map((n) => `${n.vehicles} (${n.rssMiB} MiB)`).join(', ')}`)
    const tboxes = async (offset: number): Promise<Partial<ConnectionPhase>> => {
      const outcome = await l.connect(ports, sample, o.connectTimeoutMs, { session: 'tbox', offset })
      return { resumed: outcome.resumed, failed: outcome.failed }
    }
    const connect = await phase(o.redisUrl, nodes, sample.length, () => open + sample.length, async () => await tboxes(0))
    const redisBytesPerTboxSession = ((await redisUsedMemory(o.redisUrl)) - fleetMemory) / sample.length
    // each to the next node round: another node than the one it is connected to
    const takeover = await phase(o.redisUrl, nodes, sample.length, () => open + sample.length, async () => await tboxes(1))
    // the fleet's clean sessions leave too; only the T-boxes' phase is counted
    const disconnect = await phase(o.redisUrl, nodes, sample.length, () => open, async () => { await l.disconnect('tbox'); return {} })
    const resume = await phase(o.redisUrl, nodes, sample.length, () => open + sample.length, async () => await tboxes(2))
    o.log(`Redis commands per vehicle: clean connect ${perVehicle(fleetConnect).toFixed(1)}; T-box connect ${perVehicle(connect).toFixed(1)}, takeover ${perVehicle(takeover).toFixed(1)}, ` +
      `disconnect ${perVehicle(disconnect).toFixed(1)}, resume ${perVehicle(resume).toFixed(1)}`)
    return {
      vehicles: o.vehicles,
      nodes: o.nodes,
      sample: sample.length,
      registerMs,
      open,
      ...(firstError === undefined ? {} : { firstError }),
      perNode,
      redisBytesPerCleanSession: open === 0 ? NaN : (fleetMemory - emptyMemory) / open,
      redisBytesPerTboxSession,
      fleetConnect,
      connect,
      takeover,
      disconnect,
      resume
    }
  } finally {
    await load?.close()
    for (const n of nodes) await n.stop().catch(() => {})
    await database.drop().catch(() => {})
    await dropRedisPrefix(prefix, o.redisUrl).catch(() => 0)
  }
}

/** Commands of a phase per vehicle it concerned. */
export function perVehicle (p: ConnectionPhase): number {
  const total = Object.values(p.commands).reduce((a, b) => a + b, 0)
  return p.vehicles === 0 ? NaN : total / p.vehicles
}
