/**
 * `pitwall-sim demo`: a gateway on the embedded database (or DATABASE_URL) and a
 * simulated fleet driving it, with live counts and a sign-in link to the
 * console per role. The fleet's credentials and the demo's API tokens are
 * kept in the data directory, and each vehicle continues after its highest
 * stored seq, so a second run adds to the first instead of being
 * deduplicated away.
 */
import { CaseBase } from '../actions/cases/case-base.js'
import { DEMO_CASE_PACK, loadCasePack } from '../actions/cases/pack.js'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startGateway, type Gateway } from '../gateway/app.js'
import type { GatewayConfig } from '../gateway/config.js'
import { verifySecret } from '../gateway/credentials.js'
import { createLogger } from '../gateway/logger.js'
import { provisionDevice } from '../gateway/provisioning.js'
import { loadManifestFile } from '../decoders/manifest/load.js'
import { addManifest } from '../gateway/manifests.js'
import { loadRuleFile } from '../rules/load.js'
import { parseCredentials, type VehicleCredential } from './credentials.js'
import type { FaultProbabilities } from './faults.js'
import { startFleet, type FleetSummary } from './fleet.js'
import { waitForStop } from './wait-for-stop.js'
import { ACTIVE_FAULT_STATES } from '../rules/fault-lifecycle.js'
import { demoDealers, demoSignIns, signInText } from './demo-sign-in.js'

/** The demo vehicle's rule pack (the build copies rules/packs beside the compiled rules). */
const DEMO_RULES_FILE = fileURLToPath(new URL('../rules/packs/demo-vehicle.yaml', import.meta.url))
/** The demo fleet's decoder manifest (beside the demo DBC it names; the build copies both). */
export const DEMO_MANIFEST_FILE = fileURLToPath(new URL('./demo-vehicle.manifest.yaml', import.meta.url))
/** Service intervals and trends for the demo fleet (`--maintenance-file`). */
export const DEMO_MAINTENANCE_FILE = fileURLToPath(new URL('../rules/packs/demo-maintenance.yaml', import.meta.url))

export interface DemoOptions {
  config: GatewayConfig
  vehicles: number
  rateHz: number
  /** the vehicles' time runs this many times faster than the wall clock (sim/time-lapse.ts); default 1 */
  speed?: number
  inject: FaultProbabilities
  seed: number
  /** seconds; undefined runs until SIGINT / SIGTERM */
  durationS?: number | undefined
  /** stops the demo as SIGINT would */
  signal?: AbortSignal
  /** where the demo's messages and live counts go; default stderr */
  output?: Writable & { isTTY?: boolean }
  onListening?: (mqttPort: number, httpPort: number) => void
}

export interface DemoSummary {
  storage: 'pglite' | 'postgres'
  vehicles: number
  /** how many times faster than the wall clock the vehicles lived */
  speed: number
  durationS: number
  batchesStored: number
  canFramesStored: number
  samplesStored: number
  deadLetters: number
  /** fault transitions the rules raised during the run */
  faultTransitions: number
  /** open (or acknowledged) faults at the end, by rule */
  openFaults: Record<string, number>
  batchesPerS: number
  canFramesPerS: number
  pubackMs: FleetSummary['pubackMs']
  fleet: FleetSummary
}

/** Demo VINs: ISO 3779 syntax, recognisably ours ("PWLDEM0" + ten digits). */
export function demoVin (i: number): string {
  return `PWLDEM0${String(i + 1).padStart(10, '0')}`
}

export async function runDemo (options: DemoOptions): Promise<DemoSummary> {
  const log = createLogger(options.config.logLevel)
  const out = options.output ?? process.stderr
  const gateway = await startGateway(options.config, log)
  options.onListening?.(gateway.mqttPort, gateway.httpPort)
  try {
    // The demo model's decoder manifest, stored and activated as an engineer would (the same file again adds no version).
    const manifest = await addManifest(gateway.storage.manifests, loadManifestFile(DEMO_MANIFEST_FILE), 'demo', true)
    out.write(`pitwall-sim demo: decoder manifest ${manifest.manifest.model}@${manifest.manifest.version} active (pitwall manifests show '${manifest.manifest.model}')\n`)
    // The demo vehicle's rule pack; the running gateway picks it up from the rules table.
    await gateway.storage.rules.apply(loadRuleFile(DEMO_RULES_FILE))
    // the known fixes the demo rules link to
    await new CaseBase(gateway.storage.cases).apply(loadCasePack(DEMO_CASE_PACK), 'demo')
    const credentials = await demoFleetCredentials(gateway, options.vehicles)
    await demoDealers(gateway.storage, credentials.map((c) => c.vin))
    const signIns = await demoSignIns(gateway.storage, demoFile(gateway, 'demo-tokens.json'))
    out.write(`\n${signInText(gateway.httpPort, signIns)}\n`)
    const speed = options.speed ?? 1
    if (speed !== 1) out.write(`pitwall-sim demo: the vehicles' time runs ${speed}x faster; their batches keep real times\n`)
    const last = await gateway.storage.vehicles.lastSeqs(credentials.map((c) => c.vin))
    const fleet = startFleet({
      url: `mqtt://127.0.0.1:${gateway.mqttPort}`,
      credentials,
      rateHz: options.rateHz,
      speed,
      seed: options.seed,
      inject: options.inject,
      // the simulated T-boxes trust the gateway's command keys, as provisioned ones would
      trustedKeys: gateway.commandKeys.publicKeys,
      startSeq: Object.fromEntries(credentials.map((c) => [c.vin, (last.get(c.vin) ?? 0) + 1]))
    })
    const started = Date.now()
    const totalsAtStart = await storedTotals(gateway)
    let previous = totalsAtStart
    const tty = out.isTTY === true
    const ticker = setInterval(() => {
      void storedTotals(gateway).then((now) => {
        const s = fleet.stats()
        const line = [
          `demo ${((Date.now() - started) / 1000).toFixed(0)}s`,
          `vehicles ${s.connected}/${s.vehicles} connected`,
          `stored ${now.batches - previous.batches} batches/s, ${now.canFrames - previous.canFrames} CAN frames/s, ${now.samples - previous.samples} samples/s`,
          `PUBACK p50 ${s.pubackMs.p50} ms p99 ${s.pubackMs.p99} ms`,
          `totals ${now.batches - totalsAtStart.batches} batches, ${now.faultEvents - totalsAtStart.faultEvents} fault transitions, ${now.deadLetters - totalsAtStart.deadLetters} dead letters, ${s.buffered} buffered on vehicles`
        ].join(' | ')
        previous = now
        out.write(tty ? `\r\x1b[K${line}` : `${line}\n`)
      })
    }, 1000)
    await waitForStop(options.durationS, options.signal)
    clearInterval(ticker)
    if (tty) out.write('\n')
    const fleetSummary = await fleet.stop()
    const durationS = (Date.now() - started) / 1000
    const end = await storedTotals(gateway)
    const batches = end.batches - totalsAtStart.batches
    const frames = end.canFrames - totalsAtStart.canFrames
    return {
      storage: gateway.storage.kind,
      vehicles: credentials.length,
      speed,
      durationS: round(durationS),
      batchesStored: batches,
      canFramesStored: frames,
      samplesStored: end.samples - totalsAtStart.samples,
      deadLetters: end.deadLetters - totalsAtStart.deadLetters,
      faultTransitions: end.faultEvents - totalsAtStart.faultEvents,
      openFaults: openFaultsByRule(await gateway.storage.faults.list({ state: ACTIVE_FAULT_STATES, limit: 10_000 })),
      batchesPerS: round(batches / durationS),
      canFramesPerS: round(frames / durationS),
      pubackMs: fleetSummary.pubackMs,
      fleet: fleetSummary
    }
  } finally {
    await gateway.close()
  }
}

/**
 * Reuses the credentials kept from an earlier run when the database still
 * accepts them; registers (or re-keys) the rest.
 */
async function demoFleetCredentials (gateway: Gateway, vehicles: number): Promise<VehicleCredential[]> {
  const file = demoFile(gateway, 'demo-fleet.json')
  let kept: VehicleCredential[] = []
  try {
    kept = parseCredentials(JSON.parse(readFileSync(file, 'utf8')), file)
  } catch {}
  const byVin = new Map(kept.map((c) => [c.vin, c.secret]))
  const store = gateway.storage.vehicles
  const fleet = await Promise.all(Array.from({ length: vehicles }, async (_, i): Promise<VehicleCredential> => {
    const vin = demoVin(i)
    const secret = byVin.get(vin)
    const stored = await store.credential(vin)
    if (secret !== undefined && stored !== undefined && await verifySecret(secret, stored.secretHash)) return { vin, secret }
    return await provisionDevice(store, { vin, model: 'Pitwall Demo PHEV', firmware: 'pitwall-sim/0.1.0' }, stored !== undefined)
  }))
  for (const c of fleet) byVin.set(c.vin, c.secret)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, JSON.stringify([...byVin].map(([vin, secret]) => ({ vin, secret })), null, 2), { mode: 0o600 })
  return fleet
}

/** A file the demo keeps between runs: in the data directory (with memory://, in .pitwall). */
function demoFile (gateway: Gateway, name: string): string {
  return join(gateway.config.dataDir === 'memory://' ? '.pitwall' : gateway.config.dataDir, name)
}

function openFaultsByRule (faults: Array<{ ruleId: string }>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const f of faults) out[f.ruleId] = (out[f.ruleId] ?? 0) + 1
  return out
}

interface StoredTotals {
  faultEvents: number
  batches: number
  canFrames: number
  samples: number
  deadLetters: number
}

async function storedTotals (gateway: Gateway): Promise<StoredTotals> {
  const m = gateway.metrics
  const sum = async (metric: { get: () => Promise<{ values: Array<{ value: number, labels: Record<string, unknown> }> }> }, outcome?: string): Promise<number> =>
    (await metric.get()).values.filter((v) => outcome === undefined || v.labels.outcome === outcome).reduce((a, v) => a + v.value, 0)
  return {
    faultEvents: await sum(m.faultEvents),
    batches: await sum(m.batches, 'stored'),
    canFrames: await sum(m.canFrames),
    samples: await sum(m.samples),
    deadLetters: await sum(m.deadLetters)
  }
}

function round (x: number): number {
  return Math.round(x * 10) / 10
}
