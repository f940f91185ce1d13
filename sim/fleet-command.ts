/**
 * `pitwall-sim fleet`: drive a simulated fleet against a broker.
 *
 *   pitwall-sim fleet --url mqtt://127.0.0.1:1883 --credentials fleet.json \
 *     --vehicles 100 --rate 1 --duration 60 --inject overheat=0.05,mil=0.1 --seed 7 --speed 10
 *
 * A one-line status goes to stderr every second, the final summary as JSON to
 * stdout. Without --duration it runs until SIGINT / SIGTERM.
 */
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { loadCredentials } from './credentials.js'
import { FaultSpecError, parseFaultSpec, type FaultProbabilities } from './faults.js'
import { startFleet, type FleetStats, type FleetSummary } from './fleet.js'
import { MAX_SPEED, speedFlag } from './time-lapse.js'
import { waitForStop } from './wait-for-stop.js'

interface FleetCommandOptions {
  url: string
  ca?: string
  credentials: string
  vehicles?: number
  rate: number
  speed: number
  duration?: number
  inject: FaultProbabilities
  seed: number
  startSeq: number
  buffer: number
  maxInFlight: number
  staggerMs?: number
}

const positiveInteger = (name: string) => (value: string): number => {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`)
  return n
}

const nonNegativeInteger = (name: string) => (value: string): number => {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer >= 0, got '${value}'`)
  return n
}

const positiveNumber = (name: string) => (value: string): number => {
  const n = Number(value)
  if (value.trim() === '' || !(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number > 0, got '${value}'`)
  return n
}

function faultSpec (value: string): FaultProbabilities {
  try {
    return parseFaultSpec(value)
  } catch (error) {
    if (error instanceof FaultSpecError) throw new InvalidArgumentError(error.message)
    throw error
  }
}

/** The `fleet` command, ready to add to the `pitwall-sim` program (or to run alone through runFleetCommand). */
export function createFleetCommand (): Command {
  return new Command('fleet')
    .description('simulate a fleet of T-boxes streaming telemetry over MQTT')
    .requiredOption('--credentials <file>', 'JSON array of {"vin", "secret"} as provisioned by the gateway')
    .option('--url <url>', 'broker URL: mqtt://, mqtts:// (TLS), ws:// or wss://', 'mqtt://127.0.0.1:1883')
    .option('--ca <file>', 'CA certificate (PEM) to trust for mqtts:// and wss://, e.g. a private CA\'s')
    .option('--vehicles <n>', 'vehicles to simulate (default: one per credential)', positiveInteger('--vehicles'))
    .option('--rate <hz>', 'batches per second per vehicle', positiveNumber('--rate'), 1)
    .option('--speed <n>', `the vehicles' time runs n times faster (1 to ${MAX_SPEED}); batches keep real times and rate`, speedFlag, 1)
    .option('--duration <s>', 'stop after this many seconds (default: until interrupted)', positiveNumber('--duration'))
    .addOption(new Option('--inject <spec>', 'fault probability per vehicle, e.g. overheat=0.05,battery12v=0.02 ' +
      '(faults: overheat, battery12v, cellimbalance, tyreleak, brakewear, mil)').argParser(faultSpec).default({}, 'no faults'))
    .option('--seed <n>', 'seed: the same seed gives the same drives and faults', nonNegativeInteger('--seed'), 1)
    .option('--start-seq <n>', 'seq of each vehicle\'s first batch (continue after a restart)', positiveInteger('--start-seq'), 1)
    .option('--buffer <batches>', 'store-and-forward buffer per vehicle', positiveInteger('--buffer'), 3600)
    .option('--max-in-flight <n>', 'unacknowledged QoS 1 batches per vehicle', positiveInteger('--max-in-flight'), 16)
    .option('--stagger-ms <ms>', 'spread connects over this long (default: 10 ms per vehicle, at most 5 s)', nonNegativeInteger('--stagger-ms'))
    .action(async (options: FleetCommandOptions) => {
      await runFleet(options)
    })
}

/**
 * Parses `args` (the words after `fleet`) and runs the simulation; resolves with
 * the summary it printed. A usage error or --help rejects with commander's
 * CommanderError (already reported on stderr; its exitCode is the status to
 * exit with) instead of exiting the process.
 */
export async function runFleetCommand (args: readonly string[]): Promise<FleetSummary> {
  let summary: FleetSummary | undefined
  const command = createFleetCommand().exitOverride().action(async (options: FleetCommandOptions) => {
    summary = await runFleet(options)
  })
  await command.parseAsync([...args], { from: 'user' })
  if (summary === undefined) throw new Error('fleet: the command did not run')
  return summary
}

async function runFleet (options: FleetCommandOptions): Promise<FleetSummary> {
  const credentials = await loadCredentials(options.credentials)
  const fleet = startFleet({
    url: options.url,
    ca: options.ca === undefined ? undefined : readFileSync(options.ca),
    credentials,
    vehicles: options.vehicles,
    rateHz: options.rate,
    speed: options.speed,
    seed: options.seed,
    inject: options.inject,
    startSeq: options.startSeq,
    bufferCapacity: options.buffer,
    maxInFlight: options.maxInFlight,
    staggerMs: options.staggerMs
  })
  const started = Date.now()
  const tty = process.stderr.isTTY
  const status = setInterval(() => {
    const line = statusLine((Date.now() - started) / 1000, fleet.stats())
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`)
  }, 1000)

  await waitForStop(options.duration)

  clearInterval(status)
  if (tty) process.stderr.write('\n')
  const summary = await fleet.stop()
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  return summary
}

function statusLine (elapsedS: number, s: FleetStats): string {
  return [
    `sim ${elapsedS.toFixed(0)}s`,
    `connected ${s.connected}/${s.vehicles}`,
    `published ${s.published} acked ${s.acked} in-flight ${s.inFlight}`,
    `buffered ${s.buffered} dropped ${s.dropped}`,
    `CAN frames ${s.canFrames}`,
    `PUBACK p50 ${s.pubackMs.p50} ms p99 ${s.pubackMs.p99} ms`
  ].join(' | ')
}
