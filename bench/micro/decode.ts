/**
 * Micro-benchmarks of the decode hot path on one core, each against a
 * hand-written ceiling over the same bytes, measured in the same run:
 * - batch decode: TelemetryBatch bytes -> CAN columns (ours: envelope by
 *   protobufjs + validated column reader) vs protobufjs alone vs the ceiling;
 * - signal decode: CAN columns -> samples (compiled DBC) vs hand-written.
 * Input: simulator batches of the demo vehicle (1 s each, ~210 frames).
 */
import { decodeBatch } from '../../decoders/batch.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { compileCanNetwork } from '../../decoders/can/compile.js'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { pitwall } from '../../proto/index.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { loadDemoDatabase } from '../../sim/demo-ecu.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { bytesPerCall } from '../allocation.js'
import { measure, type Rate } from '../measure.js'
import { ceilingReadCan, type CeilingColumns } from './batch-ceiling.js'
import { ceilingDecodeDemo, type CeilingSamples, type DemoChannels } from './signal-ceiling.js'

const VIN = 'PWLBENCH000000001'
const BATCHES = 64

export interface DecodeBenchResult {
  framesPerBatch: number
  signalsPerBatch: number
  /** what else a demo batch carries besides CAN frames */
  demoBatchExtras: string
  /** batches of CAN frames only: the envelope is vin, seq and time */
  batchDecodeCanOnly: Rate[]
  /** the simulator's batches as sent: CAN plus OBD-II responses, GNSS and edge signals, all decoded by protobufjs */
  batchDecodeDemo: Rate[]
  signalDecode: Rate[]
  /** heap bytes allocated per batch (no per-frame or per-sample objects: these stay flat as frames grow) */
  allocation: { decodeBatchCanOnly: number, decodeBatchDemo: number, decodeFrames: number }
}

/** The same batches with only the envelope and the CAN blocks. */
function canOnly (payloads: Uint8Array[]): Uint8Array[] {
  return payloads.map((p) => {
    const b = pitwall.v1.TelemetryBatch.decode(p)
    return pitwall.v1.TelemetryBatch.encode({ vin: b.vin, seq: b.seq, baseTimeUs: b.baseTimeUs, can: b.can }).finish()
  })
}

type Options = { rounds: number, roundMs: number, warmupMs: number }

function batchDecodeRates (payloads: Uint8Array[], ctx: { vin: string, nowUs: number }, options: Options): Rate[] {
  const frames = new CanFrameColumns()
  const ceiling: CeilingColumns = { dt: new Uint32Array(4096), id: new Uint32Array(4096), len: new Uint8Array(4096), count: 0, dataStart: 0 }
  // The ceiling must read the same frames as ours, or the comparison means nothing.
  for (const p of payloads) {
    const n = decodeBatch(p, ctx, frames).canFrames
    if (ceilingReadCan(p, ceiling) !== n || ceiling.id[n - 1] !== frames.id[n - 1]) throw new Error('bench: the batch ceiling reads different frames')
  }
  let next = 0
  return measure([
    { name: 'protobufjs TelemetryBatch.decode', run: () => pitwall.v1.TelemetryBatch.decode(payloads[next++ & (BATCHES - 1)] as Uint8Array).can.reduce((n, b) => n + (b.id?.length ?? 0), 0) },
    { name: 'Pitwall decodeBatch (envelope + columns + validation)', run: () => decodeBatch(payloads[next++ & (BATCHES - 1)] as Uint8Array, ctx, frames).canFrames },
    { name: 'hand-written ceiling (CAN columns only)', run: () => ceilingReadCan(payloads[next++ & (BATCHES - 1)] as Uint8Array, ceiling) }
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
  const ctx = { vin: VIN, nowUs: Date.now() * 1000 + 3600e6 }
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
    signals += compiledOut.length
    totalFrames += c.count
  }
  const signalDecode = measure([
    { name: 'Pitwall compiled DBC decoders', run: () => { compiledOut.clear(); network.decodeFrames(columns[next++ & (BATCHES - 1)] as CanFrameColumns, compiledOut); return compiledOut.length } },
    { name: 'hand-written ceiling (demo DBC by hand)', run: () => { ceilingDecodeDemo(columns[next++ & (BATCHES - 1)] as CanFrameColumns, channels, ceilingOut); return ceilingOut.length } }
  ], options)
  const canOnlyPayloads = canOnly(payloads)
  const frames = new CanFrameColumns()
  const allocation = {
    decodeBatchCanOnly: bytesPerCall(() => { decodeBatch(canOnlyPayloads[next++ & (BATCHES - 1)] as Uint8Array, ctx, frames) }),
    decodeBatchDemo: bytesPerCall(() => { decodeBatch(payloads[next++ & (BATCHES - 1)] as Uint8Array, ctx, frames) }),
    decodeFrames: bytesPerCall(() => { compiledOut.clear(); network.decodeFrames(columns[next++ & (BATCHES - 1)] as CanFrameColumns, compiledOut) })
  }
  return { framesPerBatch: totalFrames / BATCHES, signalsPerBatch: signals / BATCHES, demoBatchExtras, batchDecodeCanOnly, batchDecodeDemo, signalDecode, allocation }
}
