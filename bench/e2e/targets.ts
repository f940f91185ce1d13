/**
 * The brokers the throughput bench loads, each as a process of its own so
 * the load generator, the broker and PostgreSQL are measured apart:
 * - Pitwall: `pitwall start` (compiled) on a fresh PostgreSQL database with
 *   the demo DBC and the demo rule pack, vehicles provisioned beforehand;
 * - raw aedes: raw-aedes.ts, no pipeline;
 * - Mosquitto: the system one, when it takes anonymous clients.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import pg from 'pg'
import { provisionDevice } from '../../gateway/provisioning.js'
import { loadRuleFile } from '../../rules/load.js'
import type { RuleDefinition } from '../../rules/model.js'
import type { VehicleCredential } from '../../sim/credentials.js'
import { freePort } from '../../runtime/free-port.js'
import { openStorage, type Storage } from '../../storage/index.js'
import { endsWithUs } from './ends-with-us.js'
import { onCpu } from './pinning.js'
import { processesNamed } from './proc-stats.js'

// compiled (npm run bench), or from source under tsx (the reliability scenarios' tests)
const FROM_SOURCE = import.meta.url.endsWith('.ts')
const CLI = fileURLToPath(new URL(`../../gateway/cli/index.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url))
const DEMO_DBC = fileURLToPath(new URL('../../sim/demo-vehicle.dbc', import.meta.url))
const DEMO_RULES = fileURLToPath(new URL('../../rules/packs/demo-vehicle.yaml', import.meta.url))
const RAW_AEDES = fileURLToPath(new URL('./raw-aedes.js', import.meta.url))

/** Stops `child` by its PID: `signal`, then SIGKILL after `graceMs`. */
export async function stopChild (child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** A database of its own per run: created here, dropped by drop(). */
export class BenchDatabase {
  readonly url: string
  private constructor (private readonly adminUrl: string, readonly name: string) {
    const url = new URL(adminUrl)
    url.pathname = '/' + name
    this.url = url.toString()
  }

  static async create (adminUrl: string): Promise<BenchDatabase> {
    const db = new BenchDatabase(adminUrl, `pitwall_bench_${Date.now()}_${process.pid}`)
    await db.admin(`CREATE DATABASE ${db.name}`)
    return db
  }

  async drop (): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`)
  }

  private async admin (sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.adminUrl })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
}

/** Migrates the bench database, applies the demo rule pack and provisions `vins`, through the storage API (one process, not one CLI run per vehicle). */
export async function preparePitwallDatabase (databaseUrl: string, vins: readonly string[]): Promise<{ credentials: VehicleCredential[], rules: number }> {
  const storage = await openStorage({ databaseUrl, dataDir: 'memory://' })
  try {
    const defs = await applyDemoRules(storage)
    const credentials: VehicleCredential[] = []
    let next = 0
    // a few at a time: each is a scrypt hash and a transaction
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (next < vins.length) {
        const vin = vins[next++] as string
        credentials.push(await provisionDevice(storage.vehicles, { vin, model: 'demo' }))
      }
    }))
    credentials.sort((a, b) => (a.vin < b.vin ? -1 : 1))
    return { credentials, rules: defs.length }
  } finally {
    await storage.close()
  }
}

/** The demo rule pack, applied through `storage` (or a storage opened on `databaseUrl`, migrating it); returns its rules. */
export async function applyDemoRules (storage: Storage | string): Promise<RuleDefinition[]> {
  const opened = typeof storage === 'string' ? await openStorage({ databaseUrl: storage, dataDir: 'memory://' }) : storage
  try {
    const defs = loadRuleFile(DEMO_RULES)
    await opened.rules.apply(defs)
    return defs
  } finally {
    if (opened !== storage) await opened.close()
  }
}

export interface PitwallProcess {
  pid: number
  mqttPort: number
  httpPort: number
  /**
   * Counters and gauges from the gateway's /metrics, by metric name, label
   * sets summed (histograms left out); pitwall_batches_total's stored
   * outcome also under `pitwall_batches_total:stored`
   */
  metrics (): Promise<Record<string, number>>
  stop (): Promise<void>
  /** SIGKILL, as a crash or the OOM killer ends it */
  kill (): Promise<void>
}

export interface PitwallStartOptions {
  /** e.g. ['--cpu-prof'] */
  nodeArgs?: string[]
  /** settings (PITWALL_*) beside the bench's own */
  env?: Record<string, string>
  /** run on this CPU alone (taskset) */
  cpu?: number
  /** listen for MQTT here (a restarted gateway where its vehicles reconnect); default a free port */
  mqttPort?: number
  /**
   * Run with the soft open-files limit raised to the hard one, as
   * scaling/server-process.ts does: thousands of connections need as many
   * descriptors (sh execs the gateway, so the PID is still Node's)
   */
  raiseOpenFiles?: boolean
}

/** `pitwall start` on `databaseUrl`, compiled, with the demo DBC on bus 0. */
export async function startPitwall (databaseUrl: string, options: PitwallStartOptions = {}): Promise<PitwallProcess> {
  const args = [...options.nodeArgs ?? [], ...(FROM_SOURCE ? ['--import', 'tsx'] : []), CLI, 'start', '--database-url', databaseUrl, '--mqtt-port', String(options.mqttPort ?? await freePort()), '--http-port', '0',
    '--can-dbc', `0=${DEMO_DBC}`, '--log-level', 'info']
  const pinned = options.cpu === undefined ? { command: process.execPath, args } : onCpu(options.cpu, process.execPath, args)
  const { command, args: argv } = options.raiseOpenFiles === true
    ? { command: 'sh', args: ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', pinned.command, ...pinned.args] }
    : pinned
  const child = endsWithUs(spawn(command, argv, {
    env: { ...process.env, ...options.env, PITWALL_MQTT_HOST: '127.0.0.1', PITWALL_HTTP_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit']
  }))
  // PITWALL_BENCH_LOG_DIR: each gateway's log kept whole, for a run to be read afterwards
  const logDir = process.env.PITWALL_BENCH_LOG_DIR
  if (logDir !== undefined && logDir !== '') child.stdout?.pipe(createWriteStream(join(logDir, `pitwall-${child.pid ?? 'unknown'}.log`), { flags: 'a' }))
  const ports = await new Promise<{ mqttPort: number, httpPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pitwall start: not listening within 60 s')), 60_000)
    // read every line for the whole run: a full pipe would stall the gateway
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string, mqttPort?: number, httpPort?: number }
        if (entry.msg === 'pitwall gateway listening' && typeof entry.mqttPort === 'number' && typeof entry.httpPort === 'number') {
          clearTimeout(timer)
          resolve({ mqttPort: entry.mqttPort, httpPort: entry.httpPort })
        }
      } catch {}
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`pitwall start exited with ${code ?? 'a signal'} before listening`)) })
  })
  return {
    pid: child.pid as number,
    ...ports,
    metrics: async () => {
      const text = await (await fetch(`http://127.0.0.1:${ports.httpPort}/metrics`)).text()
      const out: Record<string, number> = {}
      for (const line of text.split('\n')) {
        const m = /^(pitwall_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line)
        if (m === null || /_(bucket|sum|count)$/.test(m[1] as string)) continue
        const key = (m[1] as string) + (m[2]?.includes('outcome="stored"') === true ? ':stored' : '')
        out[key] = (out[key] ?? 0) + Number(m[3])
      }
      return out
    },
    // SIGTERM: the gateway drains its commits and exits, writing a --cpu-prof profile on the way
    stop: async () => { await stopChild(child, 'SIGTERM', 40_000) },
    kill: async () => { await stopChild(child, 'SIGKILL', 0) }
  }
}

export interface RawAedesProcess {
  pid: number
  port: number
  /** publishes authorized so far */
  publishes (): Promise<number>
  stop (): Promise<void>
}

export async function startRawAedes (): Promise<RawAedesProcess> {
  const child = endsWithUs(fork(RAW_AEDES, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string, port: number }) => resolve(m.port))
    child.once('exit', (code) => reject(new Error(`raw aedes exited with ${code ?? 'a signal'} before listening`)))
  })
  return {
    pid: child.pid as number,
    port,
    publishes: async () => await new Promise<number>((resolve) => {
      const on = (m: { type: string, publishes: number }): void => {
        if (m.type !== 'count') return
        child.off('message', on)
        resolve(m.publishes)
      }
      child.on('message', on)
      child.send({ type: 'count' })
    }),
    stop: async () => {
      if (child.connected) child.send({ type: 'exit' })
      await stopChild(child, 'SIGTERM', 5_000)
    }
  }
}

/** The system Mosquitto on 127.0.0.1:1883 when it takes an anonymous client; else why not. */
export async function probeMosquitto (): Promise<{ url: string, pid: number | undefined } | { skipped: string }> {
  const url = 'mqtt://127.0.0.1:1883'
  try {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `pitwall-bench-probe-${process.pid}`, reconnectPeriod: 0, connectTimeout: 3000 })
    await client.endAsync()
  } catch (err) {
    return { skipped: `no anonymous MQTT connection to ${url}: ${(err as Error).message}` }
  }
  // for its CPU and RSS only: the bench never signals a process it did not start
  const found = processesNamed('mosquitto')
  return { url, pid: found.length === 1 ? found[0]?.pid : undefined }
}
