/** `pitwall start`: the gateway, until SIGINT or SIGTERM. */
import type { Command } from 'commander'
import type { GatewayConfig } from '../config.js'
import { createLogger } from '../logger.js'
import { configFrom, storageFlags, type CommonFlags } from './storage-flags.js'
import { integer } from './values.js'

export function registerStartCommand (program: Command): void {
  storageFlags(program.command('start').description('run the gateway'))
    .option('--mqtt-host <address>', 'address the MQTT listeners bind to (PITWALL_MQTT_HOST; default 127.0.0.1)')
    .option('--mqtt-port <port>', 'MQTT in clear text; 0: off (PITWALL_MQTT_PORT)', integer)
    .option('--mqtt-tls-port <port>', 'MQTT over TLS, with --tls-cert and --tls-key; 0: off (PITWALL_MQTT_TLS_PORT; default 8883)', integer)
    .option('--http-host <address>', 'address the HTTP server binds to (PITWALL_HTTP_HOST; default 127.0.0.1)')
    .option('--http-port <port>', 'HTTP(S) port: API, metrics, MQTT over WebSocket (PITWALL_HTTP_PORT)', integer)
    .option('--tls-cert <file>', 'server certificate chain (PEM): turns on MQTT over TLS and HTTPS (PITWALL_TLS_CERT)')
    .option('--tls-key <file>', 'server private key (PEM, mode 0600) (PITWALL_TLS_KEY)')
    .option('--tls-ca <file>', 'CA certificates of vehicles\' client certificates (PEM): mutual TLS (PITWALL_TLS_CA)')
    .option('--tls-crl <file>', 'revocation lists of that CA (PEM) (PITWALL_TLS_CRL)')
    .option('--redis-url <url>', 'Redis shared by several gateway nodes on one database: MQTT sessions, retained status, last wills, takeovers (PITWALL_REDIS_URL; default: one node, in memory)')
    .option('--max-packet-bytes <n>', 'largest MQTT packet accepted (PITWALL_MAX_PACKET_BYTES)', integer)
    .option('--can-dbc <bus=file,...>', 'CAN databases by bus, e.g. 0=sim/demo-vehicle.dbc (PITWALL_CAN_DBC)')
    .option('--sample-interval-ms <ms>', 'store at most one decoded CAN sample per signal per interval (PITWALL_SAMPLE_INTERVAL_MS)', integer)
    .option('--maintenance-file <file>', 'service intervals and trend rules, checked hourly (PITWALL_MAINTENANCE_FILE)')
    .option('--log-level <level>', 'pino log level (PITWALL_LOG_LEVEL)')
    .action(async (flags: CommonFlags & Partial<GatewayConfig>) => {
      const config = configFrom(flags)
      const log = createLogger(config.logLevel)
      // loaded here, not at the top: every other command needs storage only, and the broker,
      // HTTP server and action workers made each of them start a second or more later
      const { startGateway } = await import('../app.js')
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
}
