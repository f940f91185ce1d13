#!/usr/bin/env node
/**
 * The `pitwall` command. Subcommands that belong to the simulator load it
 * on demand, so the gateway itself never imports sim/.
 */
import { Command, InvalidArgumentError } from 'commander'
import { startGateway } from './app.js'
import { keysDirOf } from '../actions/gateway-keys.js'
import { registerActionCommands } from './cli-actions.js'
import { registerApiCommands } from './cli-api.js'
import { registerDealerCommands } from './cli-dealers.js'
import { modelVersion, printWarnings, registerManifestCommands } from './cli-manifests.js'
import { loadConfig, type GatewayConfig } from './config.js'
import { createLogger } from './logger.js'
import { provisionDevice } from './provisioning.js'
import { loadRuleFile } from '../rules/load.js'
import { FAULT_STATES, type Fault, type FaultState } from '../storage/faults.js'
import { openStorage, type Storage } from '../storage/index.js'
import { me } from './cli-values.js'
import { exitCodeOf } from '../runtime/errors.js'

const program = new Command()
program.name('pitwall').description('Connected-vehicle telemetry and remote-diagnostics gateway')

function integer (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not an integer`)
  return n
}

interface CommonFlags {
  dataDir?: string
  databaseUrl?: string
  logLevel?: GatewayConfig['logLevel']
}

function configFrom (flags: CommonFlags & Partial<GatewayConfig>): GatewayConfig {
  return loadConfig(process.env, {
    dataDir: flags.dataDir,
    databaseUrl: flags.databaseUrl,
    logLevel: flags.logLevel,
    mqttHost: flags.mqttHost,
    httpHost: flags.httpHost,
    mqttPort: flags.mqttPort,
    httpPort: flags.httpPort,
    maxPacketBytes: flags.maxPacketBytes,
    canDbc: flags.canDbc,
    maintenanceFile: flags.maintenanceFile,
    sampleIntervalMs: flags.sampleIntervalMs
  })
}

function storageFlags (cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'embedded database directory (PITWALL_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL instead of the embedded database (DATABASE_URL)')
}

storageFlags(program.command('start').description('run the gateway'))
  .option('--mqtt-port <port>', 'MQTT TCP port (PITWALL_MQTT_PORT)', integer)
  .option('--http-port <port>', 'HTTP port: API, metrics, MQTT over WebSocket (PITWALL_HTTP_PORT)', integer)
  .option('--max-packet-bytes <n>', 'largest MQTT packet accepted (PITWALL_MAX_PACKET_BYTES)', integer)
  .option('--can-dbc <bus=file,...>', 'CAN databases by bus, e.g. 0=sim/demo-vehicle.dbc (PITWALL_CAN_DBC)')
  .option('--sample-interval-ms <ms>', 'store at most one decoded CAN sample per signal per interval (PITWALL_SAMPLE_INTERVAL_MS)', integer)
  .option('--maintenance-file <file>', 'service intervals and trend rules, checked hourly (PITWALL_MAINTENANCE_FILE)')
  .option('--log-level <level>', 'pino log level (PITWALL_LOG_LEVEL)')
  .action(async (flags: CommonFlags & Partial<GatewayConfig>) => {
    const config = configFrom(flags)
    const log = createLogger(config.logLevel)
    const gateway = await startGateway(config, log)
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) {
        // A second signal: the operator will not wait for the database.
        log.warn({ signal }, 'exiting without waiting for pending commits (none of them was acknowledged)')
        process.exit(1)
      }
      stopping = true
      log.info({ signal }, 'shutting down')
      // Pending commits get 10 s (storage/batch-writer.ts); the rest of the
      // shutdown must not keep a supervisor waiting forever either.
      setTimeout(() => {
        log.error('shutdown did not finish within 30 s; exiting')
        process.exit(1)
      }, 30_000).unref()
      gateway.close().then(() => process.exit(0), (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      })
    }
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGTERM', () => stop('SIGTERM'))
  })

const device = program.command('device').description('manage vehicle credentials')

storageFlags(device.command('add').description('register a vehicle and print its secret (shown once)'))
  .argument('<vin>', 'the vehicle identification number (17 characters)')
  .option('--model <model>', 'vehicle model')
  .option('--firmware <version>', 'T-box firmware version')
  .option('--brand <brand>', 'make, e.g. BMW: dealer routing prefers dealers of this brand')
  .option('--rotate', 'replace the secret of an already registered vehicle')
  .option('--json', 'print {"vin","secret"} as JSON for scripts')
  .action(async (vin: string, flags: CommonFlags & { model?: string, firmware?: string, brand?: string, rotate?: boolean, json?: boolean }) => {
    // before anything is stored: a refused brand must not leave a vehicle whose secret was never shown
    if (flags.brand !== undefined && flags.brand.trim() === '') throw new InvalidArgumentError('--brand must not be empty')
    const config = configFrom({ ...flags, logLevel: 'silent' })
    const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      const creds = await provisionDevice(storage.vehicles, { vin, model: flags.model, firmware: flags.firmware }, flags.rotate === true)
      if (flags.brand !== undefined) await storage.dealers.setVehicleBrand(creds.vin, flags.brand)
      if (flags.json === true) {
        process.stdout.write(JSON.stringify(creds) + '\n')
      } else {
        process.stdout.write(`vehicle ${creds.vin} registered\n` +
          `MQTT client id and username: ${creds.vin}\n` +
          `MQTT password (device secret, shown only now): ${creds.secret}\n`)
      }
    } finally {
      await storage.close()
    }
  })

storageFlags(device.command('list').description('list registered vehicles'))
  .option('--json', 'JSON output')
  .action(async (flags: CommonFlags & { json?: boolean }) => {
    const config = configFrom({ ...flags, logLevel: 'silent' })
    const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
    try {
      const list = await storage.vehicles.list()
      if (flags.json === true) process.stdout.write(JSON.stringify(list) + '\n')
      else for (const v of list) process.stdout.write(`${v.vin}\t${v.model ?? '-'}\t${v.firmware ?? '-'}\t${v.manifest === null ? 'no manifest' : `manifest ${v.model ?? ''}@${v.manifest.version}`}\t${v.lastSeenAt?.toISOString() ?? 'never seen'}\n`)
    } finally {
      await storage.close()
    }
  })

/** Opens storage for one short CLI command and closes it whatever happens. */
async function withStorage<T> (flags: CommonFlags, work: (storage: Storage) => Promise<T>): Promise<T> {
  const config = configFrom({ ...flags, logLevel: 'silent' })
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
  try {
    return await work(storage)
  } finally {
    await storage.close()
  }
}

const print = (line: string): void => { process.stdout.write(line + '\n') }

const rules = program.command('rules').description('manage fault rules (applied without a gateway restart)')

storageFlags(rules.command('apply').description('add or update the rules of a YAML or JSON rule file'))
  .argument('<file>', 'rule file (.yaml, .yml or .json)')
  .option('--json', 'print {"added","changed","unchanged"} as JSON')
  .action(async (file: string, flags: CommonFlags & { json?: boolean }) => {
    // A bad file changes nothing: it is checked, against the signals the active manifests provide, before anything is stored.
    const { ruleSignals } = await import('./manifests.js')
    const result = await withStorage(flags, async (storage) => {
      const defs = loadRuleFile(file, await ruleSignals(storage.manifests))
      return await storage.rules.apply(defs)
    })
    if (flags.json === true) print(JSON.stringify(result))
    else for (const [what, ids] of Object.entries(result)) print(`${what}: ${ids.length === 0 ? '-' : ids.join(', ')}`)
  })

storageFlags(rules.command('list').description('list the stored rules'))
  .option('--json', 'JSON output (with each definition)')
  .action(async (flags: CommonFlags & { json?: boolean }) => {
    const list = await withStorage(flags, async (storage) => await storage.rules.list())
    if (flags.json === true) print(JSON.stringify(list))
    else for (const r of list) print(`${r.id}\t${r.version}\t${r.enabled ? 'enabled' : 'disabled'}\t${r.severity}\t${r.name}`)
  })

for (const enabled of [true, false]) {
  const verb = enabled ? 'enable' : 'disable'
  storageFlags(rules.command(verb).description(`${verb} a stored rule (no new version)`))
    .argument('<id>', 'rule id')
    .action(async (id: string, flags: CommonFlags) => {
      const changed = await withStorage(flags, async (storage) => await storage.rules.setEnabled(id, enabled))
      print(`rule ${id} ${changed ? '' : 'was already '}${verb}d`)
    })
}

/** An ISO 8601 time (or epoch milliseconds) -> Unix epoch microseconds. */
function timeUs (value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`"${value}" is not a time (ISO 8601, e.g. 2026-11-23T08:00:00Z)`)
  return ms * 1000
}

storageFlags(rules.command('backtest').description('run a draft rule file over stored batches and report the faults it would have raised'))
  .argument('<file>', 'rule file (.yaml, .yml or .json); need not be applied')
  .option('--vin <vin...>', 'only these vehicles (default: all)')
  .option('--from <time>', 'from this batch time (ISO 8601)', timeUs)
  .option('--to <time>', 'up to this batch time (ISO 8601)', timeUs)
  .option('--can-dbc <bus=file,...>', 'the default decoder for batches no stored manifest decoded, as for start (PITWALL_CAN_DBC)')
  .option('--manifest <model@version>', 'decode its model\'s batches with this stored manifest version instead of the one that decoded them', modelVersion)
  .option('--manifest-file <file>', 'decode its model\'s batches with this manifest file, not stored (try a new DBC on old data)')
  .option('--json', 'the whole report, evidence included, as JSON')
  .action(async (file: string, flags: CommonFlags & { vin?: string[], from?: number, to?: number, canDbc?: string, manifest?: { model: string, version?: number }, manifestFile?: string, json?: boolean }) => {
    if (flags.manifest !== undefined && flags.manifestFile !== undefined) throw new InvalidArgumentError('give --manifest or --manifest-file, not both')
    if (flags.manifest !== undefined && flags.manifest.version === undefined) throw new InvalidArgumentError(`--manifest ${flags.manifest.model} is not MODEL@VERSION`)
    const { runBacktest } = await import('./backtest.js')
    const { loadDefaultManifest } = await import('./default-manifest.js')
    const { StoredManifests, storedCatalog, trialManifest } = await import('./manifests.js')
    const config = configFrom({ ...flags, logLevel: 'silent' })
    const minIntervalS = config.sampleIntervalMs / 1000
    const fallback = loadDefaultManifest(config.canDbc, minIntervalS)
    const { report, defs } = await withStorage(flags, async (storage) => {
      let catalog = await storedCatalog(storage.manifests)
      const stored = new StoredManifests(storage.manifests, catalog, minIntervalS)
      let trial
      if (flags.manifestFile !== undefined) {
        const draft = trialManifest(flags.manifestFile, catalog, minIntervalS)
        printWarnings(draft.warnings, true)
        trial = draft.manifest
        catalog = draft.catalog
      } else if (flags.manifest !== undefined) {
        trial = await stored.get((await storage.manifests.get(flags.manifest)).id)
      }
      // a draft rule may read what the catalog has, trial additions included
      const names = new Set(catalog.entries().map((e) => e.name))
      const defs = loadRuleFile(file, { has: (n) => names.has(n), names: () => names, where: 'the catalog' })
      const report = await runBacktest(storage.archive, defs, { vins: flags.vin, fromUs: flags.from, toUs: flags.to },
        { catalog, stored: async (id) => await stored.get(id), fallback, trial })
      return { report, defs }
    })
    if (flags.json === true) {
      print(JSON.stringify(report))
      return
    }
    print(`${report.batches} batches of ${report.vehicles} vehicles (${report.skippedBatches} refused batches skipped); decoded with ${Object.entries(report.decodedWith).map(([m, n]) => `${m}: ${n}`).join(', ') || 'nothing'}`)
    for (const e of report.events) {
      print(`${new Date(e.timeUs / 1000).toISOString()}\t${e.vin}\t${e.ruleId}\t${e.type}\t#${e.occurrences}\t${e.evidence.length} evidence samples`)
    }
    for (const def of defs) print(`${def.id}: ${report.byRule[def.id] ?? 0} faults`)
  })

function faultStates (value: string): FaultState[] {
  const states = value.split(',')
  for (const s of states) {
    if (!(FAULT_STATES as readonly string[]).includes(s)) throw new InvalidArgumentError(`"${s}" is not a fault state (${FAULT_STATES.join(', ')})`)
  }
  return states as FaultState[]
}

function faultLine (f: Fault): string {
  return `${f.id}\t${f.vin}\t${f.ruleId}@${f.ruleVersion}\t${f.severity}\t${f.state}\t×${f.occurrences}\t` +
    `opened ${f.openedAt.toISOString()}\tlast ${f.lastOccurredAt.toISOString()}`
}

const faults = program.command('faults').description('faults raised by the rules')

storageFlags(faults.command('list').description('list faults, newest first'))
  .option('--vin <vin>', 'only this vehicle')
  .option('--state <states>', `only these states, comma-separated (${FAULT_STATES.join(', ')})`, faultStates)
  .option('--rule <id>', 'only this rule')
  .option('--limit <n>', 'at most this many', integer, 100)
  .option('--json', 'JSON output (with evidence)')
  .action(async (flags: CommonFlags & { vin?: string, state?: FaultState[], rule?: string, limit: number, json?: boolean }) => {
    const list = await withStorage(flags, async (storage) =>
      await storage.faults.list({ vin: flags.vin?.toUpperCase(), state: flags.state, ruleId: flags.rule, limit: flags.limit }))
    if (flags.json === true) print(JSON.stringify(list))
    else for (const f of list) print(faultLine(f))
  })

storageFlags(faults.command('show').description('a fault with its evidence and timeline'))
  .argument('<id>', 'fault id', integer)
  .option('--json', 'JSON output')
  .action(async (id: number, flags: CommonFlags & { json?: boolean }) => {
    const { fault, timeline } = await withStorage(flags, async (storage) =>
      ({ fault: await storage.faults.get(id), timeline: await storage.faults.timeline(id) }))
    if (flags.json === true) {
      print(JSON.stringify({ ...fault, timeline }))
      return
    }
    print(faultLine(fault))
    for (const s of fault.evidence) print(`  evidence\t${s.signal}\t${new Date(s.t * 1000).toISOString()}\t${s.value}`)
    for (const e of timeline) print(`  ${e.time.toISOString()}\t${e.type}${e.by === null ? '' : `\tby ${e.by}`}${e.detail === null ? '' : `\t${JSON.stringify(e.detail)}`}`)
  })

storageFlags(faults.command('ack').description('acknowledge an open fault'))
  .argument('<id>', 'fault id', integer)
  .option('--by <name>', 'who acknowledges it (default: the OS user)')
  .option('--json', 'print the fault as JSON')
  .action(async (id: number, flags: CommonFlags & { by?: string, json?: boolean }) => {
    const fault = await withStorage(flags, async (storage) => await storage.faults.acknowledge(id, me(flags.by)))
    print(flags.json === true ? JSON.stringify(fault) : `fault ${fault.id} acknowledged by ${fault.acknowledgedBy ?? '-'}`)
  })

storageFlags(faults.command('resolve').description('close a fault (open, acknowledged or auto-cleared)'))
  .argument('<id>', 'fault id', integer)
  .option('--by <name>', 'who resolves it (default: the OS user)')
  .option('--note <text>', 'what was done, for the case base and the timeline')
  .option('--json', 'print the fault as JSON')
  .action(async (id: number, flags: CommonFlags & { by?: string, note?: string, json?: boolean }) => {
    const fault = await withStorage(flags, async (storage) => await storage.faults.resolve(id, me(flags.by), flags.note))
    print(flags.json === true ? JSON.stringify(fault) : `fault ${fault.id} resolved by ${fault.resolvedBy ?? '-'}`)
  })

// The simulator is loaded only when one of its commands runs (production never imports sim/).
const maintenance = program.command('maintenance').description('service intervals and slow-trend rules: service reminders for the dealer')

storageFlags(maintenance.command('check').description('evaluate a maintenance file now and update the service reminders'))
  .argument('<file>', 'a rule file with a maintenance: section')
  .option('--json', 'the changes as JSON')
  .action(async (file: string, flags: CommonFlags & { json?: boolean }) => {
    const { loadMaintenanceFile } = await import('../rules/maintenance-load.js')
    const { runMaintenanceCheck } = await import('../storage/maintenance-job.js')
    const defs = loadMaintenanceFile(file)
    const changes = await withStorage(flags, async (storage) => await runMaintenanceCheck(storage, defs))
    if (flags.json === true) print(JSON.stringify(changes))
    else for (const c of changes) print(`${c.change}\t${c.reminder.vin}\t${c.reminder.ruleId}\t${c.reminder.kind}`)
  })

storageFlags(maintenance.command('service').description('record a service done on a vehicle (closes the reminders it covers)'))
  .argument('<vin>', 'the vehicle')
  .requiredOption('--covers <ids...>', 'maintenance item ids the service took care of')
  .option('--description <text>', 'what was done', '')
  .option('--odometer <km>', 'odometer at the service (default: the latest stored reading)', Number)
  .option('--hours <h>', 'engine hours at the service (default: the latest stored reading)', Number)
  .option('--by <name>', 'who records it (default: the OS user)')
  .action(async (vin: string, flags: CommonFlags & { covers: string[], description: string, odometer?: number, hours?: number, by?: string }) => {
    const result = await withStorage(flags, async (storage) => await storage.maintenance.recordService({
      vin, time: new Date(), odometerKm: flags.odometer, engineHours: flags.hours, covers: flags.covers, description: flags.description, by: me(flags.by)
    }))
    print(`service recorded for ${vin}; ${result.closedReminders} reminder(s) closed`)
  })

storageFlags(maintenance.command('reminders').description('list service reminders'))
  .option('--vin <vin>', 'one vehicle')
  .option('--state <state>', 'open, done or dismissed')
  .option('--json', 'JSON output')
  .action(async (flags: CommonFlags & { vin?: string, state?: string, json?: boolean }) => {
    const list = await withStorage(flags, async (storage) => await storage.maintenance.reminders({ vin: flags.vin, state: flags.state as 'open' | undefined }))
    if (flags.json === true) print(JSON.stringify(list))
    else for (const r of list) print(`${r.id}\t${r.vin}\t${r.ruleId}\t${r.kind}\t${r.state}\t${r.dueAt?.toISOString() ?? '-'}\t${r.dueKm ?? '-'} km`)
  })

registerActionCommands(program, {
  storageFlags,
  withStorage,
  print,
  defaultKeysDir: (flags) => { const c = configFrom({ ...flags, logLevel: 'silent' }); return keysDirOf(c.dataDir, c.commandKeysDir) }
})

registerApiCommands(program, { storageFlags, withStorage, print })
registerDealerCommands(program, { storageFlags, withStorage, print })
registerManifestCommands(program, { storageFlags, withStorage, print })

program.command('decode')
  .description('decode a candump -l log (with a DBC) or a ULog into timestamped signals, one per line')
  .option('--dbc <file>', 'CAN database for --candump')
  .option('--candump <log>', 'can-utils candump -l log: (seconds) iface id#data, CAN FD id##Fdata')
  .option('--strict', 'refuse a DBC that needs any assumption (names starting with a digit, a missing \';\', ...) instead of warning')
  .option('--ulog <file>', 'PX4 ULog (.ulg) file')
  .option('--order <order>', 'ULog: time (default; a topic whose timestamp stays put comes out flagged late) or file', 'time')
  .option('--topics', 'ULog: print each topic instance\'s message count and first/last timestamp (as pyulog counts) instead of samples')
  .option('--format <format>', 'jsonl or csv', 'jsonl')
  .action(async (flags: { dbc?: string, candump?: string, ulog?: string, format: string, strict?: boolean, order: string, topics?: boolean }) => {
    if (flags.format !== 'jsonl' && flags.format !== 'csv') throw new InvalidArgumentError(`--format must be jsonl or csv, got ${flags.format}`)
    if (flags.order !== 'time' && flags.order !== 'file') throw new InvalidArgumentError(`--order must be time or file, got ${flags.order}`)
    if ((flags.candump === undefined) === (flags.ulog === undefined)) throw new InvalidArgumentError('give one of --candump LOG (with --dbc FILE) or --ulog FILE')
    const { decodeCandump, decodeUlog, summarizeUlogTopics } = await import('./decode-command.js')
    if (flags.topics === true) {
      if (flags.ulog === undefined) throw new InvalidArgumentError('--topics goes with --ulog FILE')
      print(JSON.stringify(await summarizeUlogTopics(flags.ulog), null, 1))
      return
    }
    // `pitwall decode ... | head`: a reader that has seen enough is not an error
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0)
      throw err
    })
    let summary
    if (flags.candump !== undefined) {
      if (flags.dbc === undefined) throw new InvalidArgumentError('--candump needs --dbc FILE to know the signals')
      summary = await decodeCandump({
        dbc: flags.dbc, log: flags.candump, format: flags.format, out: process.stdout, strict: flags.strict, warn: (line) => process.stderr.write(`warning: ${line}\n`)
      })
    } else {
      summary = await decodeUlog({ file: flags.ulog as string, format: flags.format, out: process.stdout, order: flags.order })
    }
    process.stderr.write(`pitwall decode: ${JSON.stringify(summary)}\n`)
    if (summary.badLines > 0) process.exitCode = 2
  })

program.command('sim')
  .description('simulate a fleet of T-boxes against a gateway (pitwall sim --help)')
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .action(async (_flags: unknown, cmd: Command) => {
    const { runSimCli } = await import('../sim/cli.js')
    await runSimCli(cmd.args)
  })

storageFlags(program.command('demo').description('run the gateway with a simulated fleet and show live counts'))
  .option('--vehicles <n>', 'simulated vehicles', integer, 20)
  .option('--rate <hz>', 'batches per second per vehicle', Number, 1)
  .option('--inject <spec>', 'fault probability per vehicle, e.g. overheat=0.05,tyreleak=0.02', '')
  .option('--seed <n>', 'the same seed gives the same drives and faults', integer, 1)
  .option('--duration <s>', 'stop after this many seconds (default: Ctrl-C)', Number)
  .option('--mqtt-port <port>', 'MQTT TCP port (default: any free port)', integer, 0)
  .option('--http-port <port>', 'HTTP port (default: any free port)', integer, 0)
  .option('--can-dbc <bus=file,...>', 'CAN databases by bus (default: the demo vehicle\'s DBC on bus 0)')
  .option('--log-level <level>', 'pino log level', 'warn')
  .action(async (flags: CommonFlags & Partial<GatewayConfig> & { vehicles: number, rate: number, inject: string, seed: number, duration?: number }) => {
    const { runDemo } = await import('../sim/demo.js')
    const { parseFaultSpec } = await import('../sim/faults.js')
    const { DEMO_DBC_FILE } = await import('../sim/demo-ecu.js')
    const { DEMO_MAINTENANCE_FILE } = await import('../sim/demo.js')
    const config = configFrom({
      ...flags,
      canDbc: flags.canDbc ?? `0=${DEMO_DBC_FILE}`,
      maintenanceFile: flags.maintenanceFile ?? DEMO_MAINTENANCE_FILE,
      mqttHost: '127.0.0.1',
      httpHost: '127.0.0.1'
    })
    if (!(flags.rate > 0)) throw new InvalidArgumentError(`--rate must be a number > 0, got ${flags.rate}`)
    const summary = await runDemo({
      config,
      vehicles: flags.vehicles,
      rateHz: flags.rate,
      inject: flags.inject === '' ? {} : parseFaultSpec(flags.inject),
      seed: flags.seed,
      durationS: flags.duration,
      onListening: (mqttPort, httpPort) => process.stderr.write(
        `pitwall demo: MQTT on 127.0.0.1:${mqttPort}, metrics at http://127.0.0.1:${httpPort}/metrics, data in ${config.databaseUrl ?? config.dataDir}\n`)
    })
    process.stdout.write(JSON.stringify({ ...summary, fleet: undefined }, null, 2) + '\n')
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error & { code?: string }
  // commander's own codes (commander.invalidArgument) mean nothing to a user; ours are stable and searchable
  const code = e.code !== undefined && !e.code.startsWith('commander.') ? `[${e.code}] ` : ''
  process.stderr.write(`pitwall: ${code}${e.message}\n`)
  process.exit(exitCodeOf(err))
})
