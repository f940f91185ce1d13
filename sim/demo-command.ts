/**
 * `pitwall-sim demo`: the gateway with a simulated fleet and live counts,
 * on the embedded database unless --database-url (or DATABASE_URL) names
 * one. It starts the gateway as `pitwall start` would, from the same flags.
 */
import { createServer } from 'node:net'
import { Command, InvalidArgumentError } from 'commander'
import type { GatewayConfig } from '../gateway/config.js'
import { configFrom, storageFlags, type CommonFlags } from '../gateway/cli/storage-flags.js'
import { integer } from '../gateway/cli/values.js'
import { freePort } from '../runtime/free-port.js'
import { DEMO_DBC_FILE } from './demo-ecu.js'
import { DEMO_MAINTENANCE_FILE, runDemo } from './demo.js'
import { parseFaultSpec } from './faults.js'
import { MAX_SPEED, speedFlag } from './time-lapse.js'

/** The console's usual address, so the sign-in links (whose tokens are kept) work again in the next run. */
const CONSOLE_PORT = 8080

type DemoFlags = CommonFlags & Partial<GatewayConfig> & { vehicles: number, rate: number, speed: number, inject: string, seed: number, duration?: number }

export function createDemoCommand (): Command {
  return storageFlags(new Command('demo').description('run the gateway with a simulated fleet and show live counts'))
    .option('--vehicles <n>', 'simulated vehicles', integer, 20)
    .option('--rate <hz>', 'batches per second per vehicle', Number, 1)
    .option('--speed <n>', `the vehicles' time runs n times faster (1 to ${MAX_SPEED}), so an injected fault opens within a minute at 20; batches keep real times and rate`, speedFlag, 1)
    .option('--inject <spec>', 'fault probability per vehicle, e.g. overheat=0.05,tyreleak=0.02', '')
    .option('--seed <n>', 'the same seed gives the same drives and faults', integer, 1)
    .option('--duration <s>', 'stop after this many seconds (default: Ctrl-C)', Number)
    .option('--mqtt-port <port>', 'MQTT TCP port (default: any free port)', integer)
    .option('--http-port <port>', `HTTP port: the console and the API (default: ${CONSOLE_PORT} when free, else any free port)`, integer)
    .option('--can-dbc <bus=file,...>', 'CAN databases by bus (default: the demo vehicle\'s DBC on bus 0)')
    .option('--log-level <level>', 'pino log level', 'warn')
    .action(async (flags: DemoFlags) => {
      const config = configFrom({
        ...flags,
        // the demo's fleet needs the plain listener: no port means any free one, never off
        mqttPort: flags.mqttPort === undefined || flags.mqttPort === 0 ? await freePort() : flags.mqttPort,
        httpPort: flags.httpPort ?? (await isFree(CONSOLE_PORT) ? CONSOLE_PORT : 0),
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
        speed: flags.speed,
        inject: flags.inject === '' ? {} : parseFaultSpec(flags.inject),
        seed: flags.seed,
        durationS: flags.duration,
        onListening: (mqttPort, httpPort) => process.stderr.write(
          `pitwall-sim demo: MQTT on 127.0.0.1:${mqttPort}, metrics at http://127.0.0.1:${httpPort}/metrics, data in ${config.databaseUrl ?? config.dataDir}\n`)
      })
      process.stdout.write(JSON.stringify({ ...summary, fleet: undefined }, null, 2) + '\n')
    })
}

/** Whether nothing listens on the loopback `port` now (a race with another process is unlikely and only costs a start error). */
async function isFree (port: number): Promise<boolean> {
  const server = createServer()
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
  if (listening) await new Promise((resolve) => server.close(resolve))
  return listening
}
