/**
 * Decode cost against batch size: the same simulator CAN frames (demo
 * vehicle) re-encoded as batches of 10, 100 and 1,000 frames, through
 * decodeBatch alone, decodeBatch + the compiled DBC decoders, and the
 * hand-written column reader (the ceiling of bench/micro/batch-ceiling.ts).
 * Per-batch costs (envelope, validation set-up, buffer reuse) show up as a
 * lower frames/s at small sizes; per-frame costs as a flat line.
 */
import { decodeBatch } from '../../decoders/batch.js'
import { DEFAULT_BATCH_LIMITS } from '../../decoders/batch-limits.js'
import { CanFrameColumns } from '../../decoders/can-frames.js'
import { compileCanNetwork } from '../../decoders/can/compile.js'
import { SampleBuffer } from '../../decoders/sample-buffer.js'
import { pitwall } from '../../proto/index.js'
import { BatchBuilder } from '../../sim/batch-builder.js'
import { loadDemoDatabase } from '../../sim/demo-ecu.js'
import { VehicleModel } from '../../sim/vehicle-model.js'
import { measure, type Rate } from '../measure.js'
import { ceilingReadCan, type CeilingColumns } from '../micro/batch-ceiling.js'

const VIN = 'PWLBENCH000000001'
const SIZES = [10, 100, 1000]
/** distinct batches per size, cycled while timing (fewer at 1,000 frames: they are big enough not to stay hot in L1) */
const MAX_BATCHES = 64
/** ~76 simulated seconds of the demo vehicle's bus 0 */
const FRAME_POOL = 16_000

export interface BatchSizePoint {
  framesPerBatch: number
  /** mean encoded TelemetryBatch size */
  payloadBytes: number
  /** decoded DBC signal values per batch */
  signalsPerBatch: number
  /** frames/s: decodeBatch, decodeBatch + signal decode, ceiling (in that order) */
  rates: Rate[]
}

export interface BatchSizeResult {
  points: BatchSizePoint[]
}

interface FramePool {
  timeUs: number[]
  id: number[]
  len: number[]
  data: Uint8Array[]
}

/** The demo vehicle's CAN frames, one after another in time, from BatchBuilder output. */
function simulatorFrames (): FramePool {
  const model = new VehicleModel({ seed: 1 })
  model.step(300)
  const builder = new BatchBuilder({ vin: VIN, model, seed: 2, startSeq: 1 })
  const pool: FramePool = { timeUs: [], id: [], len: [], data: [] }
  const t0 = Date.now() * 1000 - 3600e6
  for (let w = 0; pool.id.length < FRAME_POOL; w++) {
    const built = builder.build(t0 + w * 1_000_000, 1_000_000)
    for (const block of built.batch.can ?? []) {
      if ((block.bus ?? 0) !== 0) throw new Error('bench: the demo vehicle has one CAN bus; got a block on another')
      const data = block.data ?? new Uint8Array(0)
      let offset = 0
      ;(block.id ?? []).forEach((id, i) => {
        const len = block.len?.[i] ?? 0
        pool.timeUs.push(built.baseTimeUs + (block.dtUs?.[i] ?? 0))
        pool.id.push(id)
        pool.len.push(len)
        pool.data.push(data.subarray(offset, offset + len))
        offset += len
      })
    }
  }
  return pool
}

/** Frames [first, first + n) of the pool as one TelemetryBatch of a single CAN block. */
function encodeSlice (pool: FramePool, first: number, n: number, seq: number): Uint8Array {
  const base = pool.timeUs[first] as number
  const dtUs: number[] = []
  const id: number[] = []
  const len: number[] = []
  const parts: Uint8Array[] = []
  for (let i = first; i < first + n; i++) {
    dtUs.push((pool.timeUs[i] as number) - base)
    id.push(pool.id[i] as number)
    len.push(pool.len[i] as number)
    parts.push(pool.data[i] as Uint8Array)
  }
  return pitwall.v1.TelemetryBatch.encode({ vin: VIN, seq, baseTimeUs: base, can: [{ bus: 0, dtUs, id, len, data: Buffer.concat(parts) }] }).finish()
}

export async function runBatchSizeScaling (options: { rounds: number, roundMs: number, warmupMs: number }): Promise<BatchSizeResult> {
  const pool = simulatorFrames()
  const network = compileCanNetwork([{ bus: 0, database: loadDemoDatabase() }])
  const ctx = { vin: VIN, nowUs: Date.now() * 1000 + 3600e6, limits: DEFAULT_BATCH_LIMITS }
  const frames = new CanFrameColumns()
  const samples = new SampleBuffer(16_384)
  const ceiling: CeilingColumns = { dt: new Uint32Array(4096), id: new Uint32Array(4096), len: new Uint8Array(4096), count: 0, dataStart: 0 }
  const points: BatchSizePoint[] = []
  for (const n of SIZES) {
    const count = Math.min(MAX_BATCHES, Math.floor(FRAME_POOL / n))
    const payloads = Array.from({ length: count }, (_, k) => encodeSlice(pool, k * n, n, k + 1))
    let signals = 0
    // Every candidate must read the same frames, or frames/s compares nothing.
    for (const p of payloads) {
      if (decodeBatch(p, ctx, frames).canFrames !== n) throw new Error(`bench: decodeBatch read a ${n}-frame batch wrong`)
      if (ceilingReadCan(p, ceiling) !== n || ceiling.id[n - 1] !== frames.id[n - 1]) throw new Error(`bench: the ceiling reads different frames at ${n} per batch`)
      samples.clear()
      network.decodeFrames(frames, samples)
      signals += samples.length
    }
    let next = 0
    const payload = (): Uint8Array => payloads[next++ % count] as Uint8Array
    const rates = measure([
      { name: 'decodeBatch', run: () => decodeBatch(payload(), ctx, frames).canFrames },
      {
        name: 'decodeBatch + compiled DBC decode',
        run: () => {
          const read = decodeBatch(payload(), ctx, frames).canFrames
          samples.clear()
          network.decodeFrames(frames, samples)
          return read
        }
      },
      { name: 'hand-written ceiling (CAN columns only)', run: () => ceilingReadCan(payload(), ceiling) }
    ], options)
    points.push({
      framesPerBatch: n,
      payloadBytes: payloads.reduce((a, p) => a + p.length, 0) / count,
      signalsPerBatch: signals / count,
      rates
    })
  }
  return { points }
}

const millions = (x: number): string => (x / 1e6).toFixed(1)

export function renderBatchSizeScaling (r: BatchSizeResult): string {
  const rows = r.points.map((p) => {
    const [plain, signals, ceiling] = p.rates as [Rate, Rate, Rate]
    const cell = (x: Rate): string => `${millions(x.median)} (${millions(x.min)}–${millions(x.max)})`
    return `| ${p.framesPerBatch.toLocaleString('en-US')} | ${Math.round(p.payloadBytes).toLocaleString('en-US')} | ${cell(plain)} | ${cell(signals)} | ` +
      `${Math.round(signals.callsPerS).toLocaleString('en-US')} | ${millions(signals.median * p.signalsPerBatch / p.framesPerBatch)} | ${cell(ceiling)} | ${(plain.median / ceiling.median).toFixed(2)}× |`
  })
  return `## Batch size: frames per batch 10 → 1,000

The demo vehicle's CAN frames from the simulator, re-encoded as batches of one CAN block with n frames each;
one core, candidates interleaved per size. M frames/s, median (min–max of the rounds).

| frames per batch | bytes per batch | decodeBatch | decodeBatch + DBC decode | batches/s (with DBC) | M signals/s | hand-written ceiling | decodeBatch vs ceiling |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`
}
