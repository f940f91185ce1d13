/**
 * ISO 15765-2 (ISO-TP) reassembly of the frames one ECU sends into complete
 * diagnostic messages (service 09 VIN, DTC lists, UDS 0x59 records).
 * One reassembler per ECU response id: frames of two ECUs interleave on the bus.
 *
 * The first nibble of each frame is the N_PCI type (ISO 15765-2 9.6):
 *   0 single frame  [0L] data…            (CAN FD: [00 LL] data…)
 *   1 first frame   [1L LL] data…         (FF_DL 0: [10 00 LL LL LL LL] data…)
 *   2 consecutive   [2N] data…            (N = sequence number, 1, 2 … F, 0, 1 …)
 *   3 flow control, sent by the tester, never by the ECU.
 */
import { DiagnosticError, hexBytes } from './diagnostic-error.js'

export interface IsoTpHandlers {
  /** a complete message, owned by the receiver */
  readonly message: (data: Uint8Array) => void
  /** a frame or reception that failed; the reassembler has already recovered */
  readonly error: (err: DiagnosticError) => void
}

export interface IsoTpOptions {
  /**
   * Largest message accepted, which bounds the memory one reception holds.
   * Default 4095, the most a classic-CAN first frame can announce.
   */
  readonly maxLength?: number
  /** N_Cr: longest wait for the next consecutive frame, µs. ISO 15765-2 9.7: 1000 ms. */
  readonly nCrUs?: number
}

const CLASSIC_MAX_LENGTH = 4095
const N_CR_US = 1_000_000
const CLASSIC_FRAME = 8

export class IsoTpReassembler {
  /** consecutive frames that arrived with no reception under way (ISO 15765-2 9.8.3: ignored) */
  ignoredFrames = 0
  private readonly maxLength: number
  private readonly nCrUs: number
  private buffer: Uint8Array | null = null
  private received = 0
  private nextSn = 0
  /** length of the first frame: every consecutive frame but the last is as long */
  private frameLength = 0
  private lastTimeUs = Number.NaN

  constructor (private readonly on: IsoTpHandlers, options: IsoTpOptions = {}) {
    this.maxLength = options.maxLength ?? CLASSIC_MAX_LENGTH
    this.nCrUs = options.nCrUs ?? N_CR_US
  }

  /** true while a first frame has arrived and its consecutive frames have not all */
  get receiving (): boolean {
    return this.buffer !== null
  }

  /** Feeds one CAN frame's data bytes; `timeUs` (optional) enables the N_Cr timeout. */
  push (frame: Uint8Array, timeUs = Number.NaN): void {
    if (this.buffer !== null && timeUs - this.lastTimeUs > this.nCrUs) {
      this.abort('PITWALL_ERR_ISOTP_INCOMPLETE', `no consecutive frame for ${Math.round((timeUs - this.lastTimeUs) / 1000)} ms (N_Cr ${this.nCrUs / 1000} ms)`)
    }
    if (frame.length === 0) return this.fail('PITWALL_ERR_ISOTP_FRAME', 'empty CAN frame')
    switch ((frame[0] as number) >> 4) {
      case 0: return this.singleFrame(frame)
      case 1: return this.firstFrame(frame, timeUs)
      case 2: return this.consecutiveFrame(frame, timeUs)
      case 3: return this.fail('PITWALL_ERR_ISOTP_FRAME', `flow control frame ${hexBytes(frame)} comes from the tester, not the ECU: feed one direction per reassembler`)
      default: return this.fail('PITWALL_ERR_ISOTP_FRAME', `frame ${hexBytes(frame)}: N_PCI type ${(frame[0] as number) >> 4} is not defined by ISO 15765-2`)
    }
  }

  // ISO 15765-2 9.6.2: SF_DL in the low nibble, 1..7; on CAN FD frames over 8 bytes the nibble is 0 and byte 1 holds SF_DL.
  private singleFrame (frame: Uint8Array): void {
    let length = (frame[0] as number) & 0x0f
    let offset = 1
    if (length === 0 && frame.length > CLASSIC_FRAME) {
      length = frame[1] as number
      offset = 2
    }
    if (length === 0) return this.fail('PITWALL_ERR_ISOTP_LENGTH', `single frame ${hexBytes(frame)} announces 0 bytes`)
    if (offset + length > frame.length) {
      return this.fail('PITWALL_ERR_ISOTP_LENGTH', `single frame ${hexBytes(frame)} announces ${length} bytes but carries ${frame.length - offset}`)
    }
    // ISO 15765-2 9.8.3: a single frame during a reception ends that reception and is itself delivered.
    this.abortIfReceiving('a single frame arrived')
    this.on.message(frame.slice(offset, offset + length))
  }

  // ISO 15765-2 9.6.3: FF_DL in 12 bits; 0 escapes to a 32-bit FF_DL in bytes 2..5.
  private firstFrame (frame: Uint8Array, timeUs: number): void {
    if (frame.length < CLASSIC_FRAME) {
      return this.fail('PITWALL_ERR_ISOTP_FRAME', `first frame ${hexBytes(frame)} is ${frame.length} bytes; a first frame fills its CAN frame (8 or more)`)
    }
    let length = (((frame[0] as number) & 0x0f) << 8) | (frame[1] as number)
    let offset = 2
    if (length === 0) {
      length = (frame[2] as number) * 0x1000000 + (((frame[3] as number) << 16) | ((frame[4] as number) << 8) | (frame[5] as number))
      offset = 6
    }
    // A message that fits a single frame must be sent as one (ISO 15765-2 9.6.3.1).
    const shortest = frame.length === CLASSIC_FRAME ? CLASSIC_FRAME : frame.length - 1
    this.abortIfReceiving('a new first frame arrived')
    if (length < shortest) {
      return this.fail('PITWALL_ERR_ISOTP_LENGTH', `first frame ${hexBytes(frame)} announces ${length} bytes, which fit a single frame (a first frame needs at least ${shortest})`)
    }
    if (length > this.maxLength) {
      return this.fail('PITWALL_ERR_ISOTP_LENGTH', `first frame ${hexBytes(frame)} announces ${length} bytes, more than the ${this.maxLength} accepted`)
    }
    this.buffer = new Uint8Array(length)
    this.buffer.set(frame.subarray(offset))
    this.received = frame.length - offset
    this.frameLength = frame.length
    this.nextSn = 1
    this.lastTimeUs = timeUs
  }

  // ISO 15765-2 9.6.4: SN counts 1..F then wraps to 0; the last frame may be padded past the message.
  private consecutiveFrame (frame: Uint8Array, timeUs: number): void {
    const buffer = this.buffer
    if (buffer === null) {
      this.ignoredFrames++
      return
    }
    const sn = (frame[0] as number) & 0x0f
    if (sn !== this.nextSn) {
      return this.abort('PITWALL_ERR_ISOTP_SEQUENCE', `consecutive frame ${hexBytes(frame)} has sequence number ${sn}, expected ${this.nextSn}: a frame was lost or reordered`)
    }
    const remaining = buffer.length - this.received
    const take = Math.min(frame.length - 1, remaining)
    if (take < Math.min(this.frameLength - 1, remaining)) {
      return this.abort('PITWALL_ERR_ISOTP_LENGTH', `consecutive frame ${hexBytes(frame)} carries ${frame.length - 1} bytes; ${remaining} are still missing and only the last frame may be shorter than the first (${this.frameLength} bytes)`)
    }
    buffer.set(frame.subarray(1, 1 + take), this.received)
    this.received += take
    this.nextSn = (this.nextSn + 1) & 0x0f
    this.lastTimeUs = timeUs
    if (this.received === buffer.length) {
      this.buffer = null
      this.on.message(buffer)
    }
  }

  private abortIfReceiving (why: string): void {
    if (this.buffer !== null) this.abort('PITWALL_ERR_ISOTP_INCOMPLETE', `${why} before the message was complete`)
  }

  private abort (code: 'PITWALL_ERR_ISOTP_INCOMPLETE' | 'PITWALL_ERR_ISOTP_SEQUENCE' | 'PITWALL_ERR_ISOTP_LENGTH', why: string): void {
    const got = `${this.received} of ${this.buffer?.length ?? 0} bytes received`
    this.buffer = null
    this.on.error(new DiagnosticError(code, `ISO-TP reception dropped, ${got}: ${why}`))
  }

  private fail (code: 'PITWALL_ERR_ISOTP_FRAME' | 'PITWALL_ERR_ISOTP_LENGTH', why: string): void {
    this.on.error(new DiagnosticError(code, `ISO-TP: ${why}`))
  }
}
