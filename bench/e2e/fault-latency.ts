/**
 * Publish -> fault latency, end to end: simulated vehicles publish batches
 * open-loop (on a fixed schedule, whatever the acknowledgements do, so a slow
 * PUBACK cannot hide later latency: no coordinated omission) to an in-process
 * gateway with a threshold rule. Every other batch of a "flapping" vehicle
 * crosses the threshold, so each raises a fault transition, and the gateway
 * stores transitions before the PUBACK: publish -> PUBACK of such a batch is
 * publish -> fault stored. "Steady" vehicles in the same run send batches
 * that raise nothing: the baseline. A warm-up round (not counted) lets the
 * JIT and the database's caches settle; then the run is split into rounds,
 * each drained before the next starts, so the spread between rounds shows.
 */
import mqtt from 'mqtt'
import { startGateway } from '../../gateway/app.js'
import { loadConfig } from '../../gateway/config.js'
import { createLogger } from '../../gateway/logger.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { parseRules } from '../../rules/load.js'
import { pitwall } from '../../proto/index.js'
import { freePort } from '../../runtime/free-port.js'
import { benchVins, latencySummary } from './latency.js'
import type { LatencySummary } from './throughput-model.js'


export interface FaultLatencyResult {
  storage: string
  vehicles: number
  rateHz: number
  /** whole run: rounds × roundS */
  durationS: number
  faultTransitions: number
  /** batches that raised a fault transition: scheduled publish -> fault stored (ms), all rounds pooled */
  withTransition: LatencySummary
  /** batches that raised none, same run (ms) */
  withoutTransition: LatencySummary
  /** each round on its own, in order */
  rounds: Array<{ withTransition: LatencySummary, withoutTransition: LatencySummary }>
}

const ECT = 3 // Vehicle.Powertrain.CombustionEngine.ECT in the catalog
const RULES = `rules:
  - id: bench-overheat
    severity: critical
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    clear: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '<', value: 100 }
    reopenWithin: 0s
`

function summarize (ms: number[]): LatencySummary {
  return latencySummary(ms.slice().sort((a, b) => a - b))
}

export async function runFaultLatency (options: { databaseUrl?: string | undefined, vehicles: number, rateHz: number, warmupS: number, rounds: number, roundS: number }): Promise<FaultLatencyResult> {
  const config = loadConfig({}, {
    mqttHost: '127.0.0.1', mqttPort: await freePort(), httpHost: '127.0.0.1', httpPort: 0, dataDir: 'memory://',
    databaseUrl: options.databaseUrl, logLevel: 'silent', rulesPollMs: 100
  })
  const gateway = await startGateway(config, createLogger('silent'))
  try {
    await gateway.storage.rules.apply(parseRules(RULES, 'bench.yaml'))
    await new Promise((resolve) => setTimeout(resolve, 300)) // the reloader's next poll
    const vins = benchVins('PWB', options.vehicles)
    const clients: mqtt.MqttClient[] = []
    for (const vin of vins) {
      const { secret } = await provisionDevice(gateway.storage.vehicles, { vin })
      clients.push(await mqtt.connectAsync({ host: '127.0.0.1', port: gateway.mqttPort, clientId: vin, username: vin, password: secret, protocolVersion: 4, reconnectPeriod: 0 }))
    }
    const withTransition: number[] = []
    const withoutTransition: number[] = []
    const rounds: FaultLatencyResult['rounds'] = []
    const periodMs = 1000 / options.rateHz
    let seq = 0
    // round -1 is the warm-up
    for (let round = -1; round < options.rounds; round++) {
      const batches = Math.floor((round < 0 ? options.warmupS : options.roundS) * options.rateHz)
      const firstSeq = seq + 1
      seq += batches
      const ofRound = { with: [] as number[], without: [] as number[] }
      const t0 = performance.now()
      await Promise.all(clients.map(async (client, v) => {
        const vin = vins[v] as string
        const flapping = v % 2 === 0
        const pending: Array<Promise<void>> = []
        for (let k = 0; k < batches; k++) {
          // open loop: each publish at its scheduled time, spread over the fleet;
          // latency runs from that time, so a late send counts against the gateway
          const due = t0 + k * periodMs + (v * periodMs) / clients.length
          const wait = due - performance.now()
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
          const ect = flapping ? (k % 2 === 0 ? 115 : 90) : 90
          const payload = pitwall.v1.TelemetryBatch.encode({
            vin, seq: firstSeq + k, baseTimeUs: Date.now() * 1000, signals: { dtUs: [0], signalId: [ECT], value: [ect] }
          }).finish()
          pending.push(client.publishAsync(`v1/${vin}/telemetry`, Buffer.from(payload), { qos: 1 }).then(() => {
            ;(flapping ? ofRound.with : ofRound.without).push(performance.now() - due)
          }))
        }
        await Promise.all(pending)
      }))
      if (round < 0) continue
      rounds.push({ withTransition: summarize(ofRound.with), withoutTransition: summarize(ofRound.without) })
      withTransition.push(...ofRound.with)
      withoutTransition.push(...ofRound.without)
    }
    const faultTransitions = (await gateway.metrics.faultEvents.get()).values.reduce((a, v) => a + v.value, 0)
    for (const c of clients) await c.endAsync()
    return {
      storage: gateway.storage.kind,
      vehicles: options.vehicles,
      rateHz: options.rateHz,
      durationS: options.rounds * options.roundS,
      faultTransitions,
      withTransition: summarize(withTransition),
      withoutTransition: summarize(withoutTransition),
      rounds
    }
  } finally {
    await gateway.close()
  }
}
