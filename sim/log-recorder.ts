/**
 * What a simulated T-box keeps of its own CAN traffic, so that it can answer
 * a log-upload command: the batches it built over the last `keepS` seconds
 * (a T-box's ring buffer on flash), turned on request into a `candump -l`
 * log of a window, one line per frame, interface canN for bus N.
 */
import { formatCandumpLine } from '../decoders/can/candump.js'
import { pitwall } from '../proto/index.js'

const EXTENDED = 0x8000_0000
const FD = 1

interface Kept {
  startUs: number
  endUs: number
  payload: Uint8Array
}

export class CanLogRecorder {
  private readonly kept: Kept[] = []
  private readonly keepUs: number

  constructor (keepS: number) {
    if (!(keepS > 0)) throw new RangeError(`keepS must be above 0, got ${keepS}`)
    this.keepUs = keepS * 1e6
  }

  /** A batch the T-box built for [startUs, startUs + windowUs). */
  record (startUs: number, windowUs: number, payload: Uint8Array): void {
    const endUs = startUs + windowUs
    this.kept.push({ startUs, endUs, payload })
    while (this.kept.length > 0 && (this.kept[0] as Kept).endUs < endUs - this.keepUs) this.kept.shift()
  }

  /** The oldest time still kept, Unix ms; undefined when nothing is. */
  get oldestMs (): number | undefined {
    const first = this.kept[0]
    return first === undefined ? undefined : Math.floor(first.startUs / 1000)
  }

  /** The frames of [fromMs, toMs] as candump -l text, in time order; empty when none are kept. */
  candump (fromMs: number, toMs: number): Buffer {
    const fromUs = fromMs * 1000
    const toUs = toMs * 1000
    const lines: string[] = []
    for (const k of this.kept) {
      if (k.endUs <= fromUs || k.startUs > toUs) continue
      const batch = pitwall.v1.TelemetryBatch.decode(k.payload)
      const frames: Array<{ t: number, line: string }> = []
      // decoded messages carry every field (proto3 defaults), whatever ICanBlock allows
      for (const block of batch.can as pitwall.v1.CanBlock[]) {
        let at = 0
        for (let i = 0; i < block.id.length; i++) {
          const t = batch.baseTimeUs + (block.dtUs[i] as number)
          const len = block.len[i] as number
          const data = block.data.subarray(at, at + len)
          at += len
          if (t < fromUs || t > toUs) continue
          const id = block.id[i] as number
          const flags = block.flags[i] ?? 0
          const extended = (id & EXTENDED) !== 0
          frames.push({ t, line: formatCandumpLine({ timeUs: t, iface: `can${block.bus}`, id: extended ? id & 0x1fff_ffff : id, extended, data, fd: (flags & FD) !== 0, fdFlags: flags >> 1 }) })
        }
      }
      frames.sort((a, b) => a.t - b.t)
      for (const f of frames) lines.push(f.line)
    }
    return Buffer.from(lines.length === 0 ? '' : lines.join('\n') + '\n', 'latin1')
  }
}
