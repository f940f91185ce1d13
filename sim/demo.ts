/**
 * `pitwall-sim demo`: a gateway on the embedded database (or DATABASE_URL) and a
 * simulated fleet driving it, with live counts. The fleet's credentials are
 * kept in the data directory, and each vehicle continues after its highest
 * stored seq, so a second run adds to the first instead of being
 * deduplicated away.
 */
import { CaseBase } from '../actions/cases/case-base.js'
import { DEMO_CASE_PACK, loadCasePack } from '../actions/cases/pack.js'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
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
import { isPitwallError } from '../runtime/errors.js'
import { ACTIVE_FAULT_STATES } from '../rules/fault-lifecycle.js'

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
  inject: FaultProbabilities
  seed: number
  /** seconds; undefined runs until SIGINT / SIGTERM */
  durationS?: number | undefined
  onListening?: (mqttPort: number, httpPort: number) => void
}

export interface DemoSummary {
  storage: 'pglite' | 'postgres'
  vehicles: number
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
  const gateway = await startGateway(options.config, log)
  options.onListening?.(gateway.mqttPort, gateway.httpPort)
  try {
    // The demo model's decoder manifest, stored and activated as an engineer would (the same file again adds no version).
    const manifest = await addManifest(gateway.storage.manifests, loadManifestFile(DEMO_MANIFEST_FILE), 'demo', true)
    process.stderr.write(`pitwall-sim demo: decoder manifest ${manifest.manifest.model}@${manifest.manifest.version} active (pitwall manifests show '${manifest.manifest.model}')\n`)
    // The demo vehicle's rule pack; the running gateway picks it up from the rules table.
    await gateway.storage.rules.apply(loadRuleFile(DEMO_RULES_FILE))
    // the known fixes the demo rules link to
    await new CaseBase(gateway.storage.cases).apply(loadCasePack(DEMO_CASE_PACK), 'demo')
    const api = await demoDealersAndTokens(gateway)
    process.stderr.write(`pitwall-sim demo: API at http://127.0.0.1:${gateway.httpPort}/api/v1 (tokens valid 24 h):\n` +
      `  engineer  ${api.engineer}\n  dealer ${DEMO_DEALERS[0].id}  ${api.dealer}\n` +
      `  e.g. curl -H 'Authorization: Bearer ${api.dealer}' http://127.0.0.1:${gateway.httpPort}/api/v1/inbox/alerts\n`)
    const credentials = await demoFleetCredentials(gateway, options.vehicles)
    const last = await gateway.storage.vehicles.lastSeqs(credentials.map((c) => c.vin))
    const fleet = startFleet({
      url: `mqtt://127.0.0.1:${gateway.mqttPort}`,
      credentials,
      rateHz: options.rateHz,
      seed: options.seed,
      inject: options.inject,
      // the simulated T-boxes trust the gateway's command keys, as provisioned ones would
      trustedKeys: gateway.commandKeys.publicKeys,
      startSeq: Object.fromEntries(credentials.map((c) => [c.vin, (last.get(c.vin) ?? 0) + 1]))
    })
    const started = Date.now()
    const totalsAtStart = await storedTotals(gateway)
    let previous = totalsAtStart
    const tty = process.stderr.isTTY
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
        process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`)
      })
    }, 1000)
    await waitForStop(options.durationS)
    clearInterval(ticker)
    if (tty) process.stderr.write('\n')
    const fleetSummary = await fleet.stop()
    const durationS = (Date.now() - started) / 1000
    const end = await storedTotals(gateway)
    const batches = end.batches - totalsAtStart.batches
    const frames = end.canFrames - totalsAtStart.canFrames
    return {
      storage: gateway.storage.kind,
      vehicles: credentials.length,
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

/** Two workshops beside the demo route in Munich; inbox only (no webhook), so alerts wait in the API. */
const DEMO_DEALERS = [
  { id: 'demo-muc-nord', name: 'Demo Autohaus München Nord', lat: 48.1850, lon: 11.5750 },
  { id: 'demo-muc-west', name: 'Demo Werkstatt München West', lat: 48.1400, lon: 11.5100 }
] as const

/**
 * The demo's dealers (kept from an earlier run) and, for this run, an
 * engineer token and a token of the first dealer, so the API can be tried
 * at once. They expire after a day rather than pile up as live credentials.
 */
async function demoDealersAndTokens (gateway: Gateway): Promise<{ engineer: string, dealer: string }> {
  for (const d of DEMO_DEALERS) {
    try {
      await gateway.storage.dealers.add({ ...d })
    } catch (err) {
      if (!isPitwallError(err, 'PITWALL_ERR_DEALER_EXISTS')) throw err
    }
  }
  const expiresAt = new Date(Date.now() + 86_400_000)
  const engineer = await gateway.storage.apiTokens.create({ name: 'demo engineer', role: 'engineer', expiresAt })
  const dealer = await gateway.storage.apiTokens.create({ name: DEMO_DEALERS[0].name, role: 'dealer', dealerId: DEMO_DEALERS[0].id, expiresAt })
  return { engineer: engineer.token, dealer: dealer.token }
}

/**
 * Reuses the credentials kept from an earlier run when the database still
 * accepts them; registers (or re-keys) the rest.
 */
async function demoFleetCredentials (gateway: Gateway, vehicles: number): Promise<VehicleCredential[]> {
  const file = join(gateway.config.dataDir === 'memory://' ? '.pitwall' : gateway.config.dataDir, 'demo-fleet.json')
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
