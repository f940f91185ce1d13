/**
 * A log (candump frames, ULog samples mapped to catalog signals) as the
 * TelemetryBatch payloads a T-box would have sent for it, one per window of
 * time: CAN frames in columnar CanBlocks per bus, samples in the edge-decoded
 * SignalBlock. A replay decodes these exactly as live ingest decodes a batch
 * (gateway/telemetry-decoder.ts), so the rules see a log as they saw the
 * vehicle; nothing here decodes a signal.
 *
 * A batch closes when the window has passed, when it holds `maxItems`, or
 * when a time goes back before its base (dt_us is unsigned): memory is one
 * batch, whatever the log's size.
 */
import { pitwall } from '../proto/index.js'

export interface LogBatcherOptions {
  vin: string
  /** a batch's span; default 1 s, as the simulated T-box sends */
  windowUs?: number
  /** frames plus samples per batch; default 20,000 (below the gateway's caps per batch) */
  maxItems?: number
}

/** CanBlock id column: bit 31 marks a 29-bit id (SocketCAN's CAN_EFF_FLAG). */
export const EXTENDED_ID_FLAG = 0x8000_0000
/** CanBlock flags: bit 0 FD frame, bit 1 bit-rate switch, bit 2 error state indicator (proto/telemetry.proto). */
const FD_FLAG = 1

interface BlockColumns {
  dtUs: number[]
  id: number[]
  len: number[]
  data: Buffer[]
  flags: number[]
  fd: boolean
}

export class LogBatcher {
  private readonly windowUs: number
  private readonly maxItems: number
  private seq = 0
  private baseUs = -1
  private items = 0
  private blocks = new Map<number, BlockColumns>()
  private signals = { dtUs: [] as number[], signalId: [] as number[], value: [] as number[] }

  /** `emit` gets each batch's payload as it closes. */
  constructor (private readonly options: LogBatcherOptions, private readonly emit: (payload: Uint8Array) => void) {
    this.windowUs = options.windowUs ?? 1_000_000
    this.maxItems = options.maxItems ?? 20_000
  }

  /** Batches emitted so far. */
  get batches (): number {
    return this.seq
  }

  /** One CAN frame: `id` with EXTENDED_ID_FLAG for a 29-bit id; `fdFlags` as candump's (bit 0 BRS, bit 1 ESI) for a CAN FD frame. */
  frame (timeUs: number, bus: number, id: number, data: Uint8Array, fd = false, fdFlags = 0): void {
    const dt = this.place(timeUs)
    let block = this.blocks.get(bus)
    if (block === undefined) {
      block = { dtUs: [], id: [], len: [], data: [], flags: [], fd: false }
      this.blocks.set(bus, block)
    }
    block.dtUs.push(dt)
    block.id.push(id >>> 0)
    block.len.push(data.length)
    block.data.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    block.flags.push(fd ? FD_FLAG | (fdFlags & 0x3) << 1 : 0)
    if (fd) block.fd = true
    this.items++
  }

  /** One sample of catalog signal `signalId`. */
  sample (timeUs: number, signalId: number, value: number): void {
    const dt = this.place(timeUs)
    this.signals.dtUs.push(dt)
    this.signals.signalId.push(signalId)
    this.signals.value.push(value)
    this.items++
  }

  /** Emits the batch being filled, if it holds anything. */
  flush (): void {
    if (this.items === 0) return
    const can = [...this.blocks].map(([bus, b]) => ({
      bus, dtUs: b.dtUs, id: b.id, len: b.len, data: Buffer.concat(b.data), ...(b.fd ? { flags: b.flags } : {})
    }))
    const signals = this.signals.dtUs.length === 0 ? undefined : this.signals
    this.seq++
    const payload = pitwall.v1.TelemetryBatch.encode({ vin: this.options.vin, seq: this.seq, baseTimeUs: this.baseUs, can, ...(signals === undefined ? {} : { signals }) }).finish()
    this.blocks = new Map()
    this.signals = { dtUs: [], signalId: [], value: [] }
    this.items = 0
    this.baseUs = -1
    this.emit(payload)
  }

  /** The offset of `timeUs` in the current batch, closing it first when the item does not belong to it. */
  private place (timeUs: number): number {
    const t = Math.round(timeUs)
    if (this.baseUs >= 0 && (t < this.baseUs || t - this.baseUs >= this.windowUs || this.items >= this.maxItems)) this.flush()
    if (this.baseUs < 0) this.baseUs = t
    return t - this.baseUs
  }
}
