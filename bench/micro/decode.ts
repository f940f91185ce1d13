/**
 * Micro-benchmarks of the decode hot path on one core, each against a
 * hand-written ceiling over the same bytes, measured in the same run:
 * - batch decode: TelemetryBatch bytes -> CAN columns (ours: envelope by
 *   protobufjs + validated column reader) vs protobufjs alone vs the ceiling;
 * - signal decode: CAN columns -> samples (compiled DBC) vs hand-written,
 *   and the compiled DBC again as a mixed fleet runs it: 20 models' decoder
 *   manifests in a DecoderRegistry, looked up per batch (issue 14).
 * Input: simulator batches of the demo vehicle (1 s each, ~210 frames).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeBatch, type BatchContext } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { compileCanNetwork } from '../../decoders/can/compile.js'
import { compileManifest, type CompiledManifest } from '../../decoders/manifest/compile.js'
import { dbcOf } from '../../decoders/manifest/load.js'
import type { ManifestDbc } from '../../decoders/manifest/model.js'
import { resolveManifest } from '../../decoders/manifest/resolve.js'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { SignalCatalog } from '../../decoders/signal-catalog.js'
import { DecoderRegistry } from '../../gateway/decoder-registry.js'
import { pitwall } from '../../proto/index.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { DEMO_DBC_FILE, loadDemoDatabase } from '../../sim/demo-ecu.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { bytesPerCall } from '../allocation.js'
import { measure, type Rate } from '../measure.js'
import { ceilingEntries, ceilingReadAll, ceilingReadCan, type CeilingColumns } from './batch-ceiling.js'
import { ceilingDecodeDemo, type CeilingSamples, type DemoChannels } from './signal-ceiling.js'

const VIN = 'PWLBENCH000000001'
const BATCHES = 64
const FLEET_MODELS = 20
const FLEET_BUSES = 3
/** The signal-decode candidate that looks up each batch's model in a DecoderRegistry (the targets table finds it by name). */
export const FLEET_CANDIDATE = `Pitwall, ${FLEET_MODELS} models × ${FLEET_BUSES} buses loaded (registry lookup per batch)`
/** Real DBC files for the fleet's other buses: the test fixtures beside the checkout (this path is from dist/bench/micro/). */
const FIXTURE_DBC_DIR = fileURLToPath(new URL('../../../../shared/fixtures/dbc/', import.meta.url))

/** The demo mix's ceiling: every entry read into columns, as decodeBatch does, without validation. */
export const WHOLE_BATCH_CEILING = 'hand-written ceiling (every entry into columns)'

export interface DecodeBenchResult {
  framesPerBatch: number
  signalsPerBatch: number
  /** what else a demo batch carries besides CAN frames */
  demoBatchExtras: string
  /** batches of CAN frames only: the envelope is vin, seq and time */
  batchDecodeCanOnly: Rate[]
  /** the simulator's batches as sent: CAN plus OBD-II responses, GNSS and edge signals, all decoded by protobufjs */
  batchDecodeDemo: Rate[]
  /** ours on one network, ours with the fleet's registry ({@link FLEET_CANDIDATE}), the ceiling last */
  signalDecode: Rate[]
  /** the manifests behind {@link FLEET_CANDIDATE} */
  fleet: FleetManifests
  /** heap bytes allocated per batch (no per-frame or per-sample objects: these stay flat as frames grow) */
  allocation: { decodeBatchCanOnly: number, decodeBatchDemo: number, decodeFrames: number }
}

export interface FleetManifests {
  models: number
  busesPerModel: number
  /** what buses 1 and 2 carry: which real DBC files, or the demo DBC when the fixtures are absent */
  otherBuses: string
  /** compiled channels (DBC signals) over all models and buses */
  channels: number
  /** reading the DBC bytes not included */
  parseResolveCompileMs: number
  /** heap the registry and its manifests retain after a full GC, before any of them decoded a frame */
  heapBytes: number
}

interface Fleet extends FleetManifests {
  registry: DecoderRegistry
  /** vehicle model names, in the order the batches take them */
  names: string[]
}

/** Every .dbc of the fixtures, sorted; none when they are absent. */
function fixtureDbcFiles (): string[] {
  return [FIXTURE_DBC_DIR, FIXTURE_DBC_DIR + 'opendbc/'].filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.dbc')).sort().map((f) => dir + f))
}

/**
 * model-00..model-19, each a manifest of 3 buses: the demo DBC on bus 0 (the
 * one the simulator's frames are on) and, on buses 1 and 2, the next two
 * files of the real DBC corpus, so the models carry different databases and
 * each compiles a network of its own, as a mixed fleet's do.
 */
function buildFleet (): Fleet {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('bench: the manifests\' heap figure needs node --expose-gc')
  const demo = dbcOf('demo-vehicle.dbc', readFileSync(DEMO_DBC_FILE))
  const files = fixtureDbcFiles()
  const corpus: ManifestDbc[] = files.map((f) => dbcOf(relative(FIXTURE_DBC_DIR, f), readFileSync(f)))
  const used = Math.min(corpus.length, FLEET_MODELS * (FLEET_BUSES - 1))
  const otherBuses = corpus.length === 0
    ? `the demo DBC again (no DBC fixtures in ${FIXTURE_DBC_DIR})`
    : `${used} of the ${corpus.length} real DBC files in ../shared/fixtures/dbc (opendbc and others), two per model`
  if (corpus.length === 0) process.stderr.write(`bench: no DBC fixtures in ${FIXTURE_DBC_DIR}: the fleet's models carry the demo DBC on every bus\n`)
  const pool = corpus.length === 0 ? [demo] : corpus
  // the demo DBC on three buses would feed each of its VssSignal names three times, which a manifest refuses
  const vssAttribute = corpus.length > 0
  const names = Array.from({ length: FLEET_MODELS }, (_, m) => `model-${String(m).padStart(2, '0')}`)
  // the gateway holds one catalog; the default manifest's way of resolving without storage
  const catalog = new SignalCatalog()
  const registry = new DecoderRegistry(undefined)
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const started = process.hrtime.bigint()
  registry.replace(names.map((model, m) => {
    const dbcs = [demo, ...Array.from({ length: FLEET_BUSES - 1 }, (_, j) => pool[(m * (FLEET_BUSES - 1) + j) % pool.length] as ManifestDbc)]
    const source = {
      origin: `bench ${model}`,
      spec: { model, strict: false, vssAttribute, buses: dbcs.map((d, bus) => ({ bus, dbc: d.name })), signals: [], catalog: [], defaults: {} },
      dbcs: new Map(dbcs.map((d) => [d.name, d]))
    }
    return compileManifest(resolveManifest(source, catalog, { allowAdditions: false }), catalog, { id: m + 1, model, version: 1 }, 1)
  }))
  const parseResolveCompileMs = Number(process.hrtime.bigint() - started) / 1e6
  gc()
  const heapBytes = process.memoryUsage().heapUsed - heapBefore
  const channels = registry.manifests.reduce((n, m) => n + m.network.channels.length, 0)
  return { registry, names, models: FLEET_MODELS, busesPerModel: FLEET_BUSES, otherBuses, channels, parseResolveCompileMs, heapBytes }
}

/** The same batches with only the envelope and the CAN blocks. */
function canOnly (payloads: Uint8Array[]): Uint8Array[] {
  return payloads.map((p) => {
    const b = pitwall.v1.TelemetryBatch.decode(p)
    return pitwall.v1.TelemetryBatch.encode({ vin: b.vin, seq: b.seq, baseTimeUs: b.baseTimeUs, can: b.can }).finish()
  })
}

type Options = { rounds: number, roundMs: number, warmupMs: number }

function batchDecodeRates (payloads: Uint8Array[], ctx: BatchContext, options: Options): Rate[] {
  const frames = new CanFrameColumns()
  const ceiling: CeilingColumns = { dt: new Uint32Array(4096), id: new Uint32Array(4096), len: new Uint8Array(4096), count: 0, dataStart: 0 }
  const entries = ceilingEntries(1024)
  let extras = false
  // The ceilings must read the same frames (and entries) as ours, or the comparison means nothing.
  for (const p of payloads) {
    const b = decodeBatch(p, ctx, frames)
    const n = b.canFrames
    if (ceilingReadCan(p, ceiling) !== n || ceiling.id[n - 1] !== frames.id[n - 1]) throw new Error('bench: the batch ceiling reads different frames')
    ceilingReadAll(p, ceiling, entries)
    const same = ceiling.count === n && entries.obd.count === b.obd.count && entries.dtc.count === b.dtc.count && entries.gnss.count === b.gnss.count &&
      entries.signals.count === b.signals.count && entries.obd.pid[b.obd.count - 1] === b.obd.pid[b.obd.count - 1] &&
      entries.gnss.lat[b.gnss.count - 1] === b.gnss.latE7[b.gnss.count - 1] && Object.is(entries.signals.value[b.signals.count - 1], b.signals.value[b.signals.count - 1])
    if (!same) throw new Error('bench: the whole-batch ceiling reads different entries')
    extras ||= b.obd.count + b.dtc.count + b.gnss.count + b.signals.count > 0
  }
  let next = 0
  return measure([
    { name: 'protobufjs TelemetryBatch.decode', run: () => pitwall.v1.TelemetryBatch.decode(payloads[next++ & (BATCHES - 1)] as Uint8Array).can.reduce((n, b) => n + (b.id?.length ?? 0), 0) },
    { name: 'Pitwall decodeBatch (envelope + columns + validation)', run: () => decodeBatch(payloads[next++ & (BATCHES - 1)] as Uint8Array, ctx, frames).canFrames },
    { name: 'hand-written ceiling (CAN columns only)', run: () => ceilingReadCan(payloads[next++ & (BATCHES - 1)] as Uint8Array, ceiling) },
    // last: the one the ratio is taken against, doing what ours does (every entry into columns) without the checks
    ...(extras ? [{ name: WHOLE_BATCH_CEILING, run: () => ceilingReadAll(payloads[next++ & (BATCHES - 1)] as Uint8Array, ceiling, entries) }] : [])
  ], options)
}

function simulatorBatches (): Uint8Array[] {
  const model = new VehicleModel({ seed: 1 })
  model.step(300)
  const builder = new BatchBuilder({ vin: VIN, model, seed: 2, startSeq: 1 })
  const t0 = Date.now() * 1000
  return Array.from({ length: BATCHES }, (_, i) => builder.build(t0 + i * 1_000_000, 1_000_000).payload)
}

export async function runDecodeBench (options: Options): Promise<DecodeBenchResult> {
  const payloads = simulatorBatches()
  const ctx = { vin: VIN, nowUs: Date.now() * 1000 + 3600e6, limits: DEFAULT_BATCH_LIMITS }
  const sample = pitwall.v1.TelemetryBatch.decode(payloads[0] as Uint8Array)
  const demoBatchExtras = `${sample.obd.length} OBD-II responses, ${sample.gnss.length} GNSS fix, ${sample.signals?.signalId?.length ?? 0} edge signals, ${sample.dtc.length} DTCs`
  const batchDecodeCanOnly = batchDecodeRates(canOnly(payloads), ctx, options)
  const batchDecodeDemo = batchDecodeRates(payloads, ctx, options)
  let next = 0
  let totalFrames = 0

  // Signal decode over pre-read columns, one per batch.
  const network = compileCanNetwork([{ bus: 0, database: loadDemoDatabase() }])
  const first = (name: string): number => network.channels.find((c) => c.message.name === name)?.channel ?? -1
  const channels: DemoChannels = {
    engine: first('ECM_EngineData'), speed: first('ESC_VehicleSpeed'), gear: first('TCM_GearStatus'), temps: first('ECM_EngineTemps'),
    pack: first('BMS_PackStatus'), cells: first('BMS_CellStats'), power: first('BCM_PowerSupply'), diag: first('ECM_Diagnostics'),
    odo: first('IC_Odometer'), pads: first('ESC_BrakePadWear'), tpms: first('TPMS_TyreStatus')
  }
  const columns = payloads.map((p) => { const c = new CanFrameColumns(); decodeBatch(p, ctx, c); return c })
  const compiledOut = new SampleBuffer(8192)
  const ceilingOut: CeilingSamples = { timeUs: new Float64Array(8192), signal: new Uint32Array(8192), value: new Float64Array(8192), length: 0 }
  const fleetOut = new SampleBuffer(8192)
  const { registry, names, ...fleet } = buildFleet()
  let signals = 0
  for (const c of columns) {
    compiledOut.clear()
    network.decodeFrames(c, compiledOut)
    ceilingDecodeDemo(c, channels, ceilingOut)
    if (ceilingOut.length !== compiledOut.length) throw new Error(`bench: ceiling decoded ${ceilingOut.length} samples, compiled ${compiledOut.length}`)
    for (let i = 0; i < compiledOut.length; i++) {
      if (ceilingOut.signal[i] !== compiledOut.signal[i] || !Object.is(ceilingOut.value[i], compiledOut.value[i])) {
        throw new Error(`bench: sample ${i} differs: channel ${ceilingOut.signal[i]}=${ceilingOut.value[i]} vs ${compiledOut.signal[i]}=${compiledOut.value[i]}`)
      }
    }
    // every model decodes the batch into the same values as the single network (its channel numbers are its own)
    for (const manifest of registry.manifests) {
      fleetOut.clear()
      manifest.network.decodeFrames(c, fleetOut)
      if (fleetOut.length !== compiledOut.length) throw new Error(`bench: ${manifest.label} decoded ${fleetOut.length} samples, the single network ${compiledOut.length}`)
      for (let i = 0; i < compiledOut.length; i++) {
        if (!Object.is(fleetOut.value[i], compiledOut.value[i]) || fleetOut.timeUs[i] !== compiledOut.timeUs[i]) {
          throw new Error(`bench: ${manifest.label} sample ${i} differs: ${fleetOut.value[i]} vs ${compiledOut.value[i]}`)
        }
      }
    }
    signals += compiledOut.length
    totalFrames += c.count
  }
  const fleetCandidate = {
    // each batch from the next model in turn: the decode call site sees every model's network, as with a mixed fleet
    name: FLEET_CANDIDATE,
    run: () => {
      const i = next++
      const manifest = registry.forModel(names[i % FLEET_MODELS]) as CompiledManifest
      fleetOut.clear()
      manifest.network.decodeFrames(columns[i & (BATCHES - 1)] as CanFrameColumns, fleetOut)
      return fleetOut.length
    }
  }
  // Each model's network is its own generated code, optimized on its own: each gets the single network's warm-up, or
  // the fleet is timed half cold (on the 2-core bench machine, about 0.5 s of fleet decoding before all 20 run optimized).
  measure([fleetCandidate], { rounds: 0, roundMs: 0, warmupMs: (FLEET_MODELS - 1) * options.warmupMs })
  const signalDecode = measure([
    { name: 'Pitwall compiled DBC decoders', run: () => { compiledOut.clear(); network.decodeFrames(columns[next++ & (BATCHES - 1)] as CanFrameColumns, compiledOut); return compiledOut.length } },
    fleetCandidate,
    { name: 'hand-written ceiling (demo DBC by hand)', run: () => { ceilingDecodeDemo(columns[next++ & (BATCHES - 1)] as CanFrameColumns, channels, ceilingOut); return ceilingOut.length } }
  ], options)
  const canOnlyPayloads = canOnly(payloads)
  const frames = new CanFrameColumns()
  const allocation = {
    decodeBatchCanOnly: bytesPerCall(() => { decodeBatch(canOnlyPayloads[next++ & (BATCHES - 1)] as Uint8Array, ctx, frames) }),
    decodeBatchDemo: bytesPerCall(() => { decodeBatch(payloads[next++ & (BATCHES - 1)] as Uint8Array, ctx, frames) }),
    decodeFrames: bytesPerCall(() => { compiledOut.clear(); network.decodeFrames(columns[next++ & (BATCHES - 1)] as CanFrameColumns, compiledOut) })
  }
  return { framesPerBatch: totalFrames / BATCHES, signalsPerBatch: signals / BATCHES, demoBatchExtras, batchDecodeCanOnly, batchDecodeDemo, signalDecode, fleet, allocation }
}
