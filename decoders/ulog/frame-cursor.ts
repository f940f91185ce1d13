import { ChunkedReader } from '@foxglove/ulog'
import type { ByteSource } from './byte-source.js'

/** ULog message header: uint16 msg_size, uint8 msg_type, then msg_size bytes. */
export const FRAME_HEADER_SIZE = 3

/** What `next()` found: a whole message, the end of the range, or a message cut by it. */
export const FRAME = 0
export const END = 1
export const PARTIAL = 2
export type Step = typeof FRAME | typeof END | typeof PARTIAL

/**
 * Walks ULog messages one at a time through @foxglove/ulog's ChunkedReader,
 * which keeps one window of the file (256 KB by default) and hands out views
 * into it. The current message is described in place (no object per message);
 * its body is `view` bytes [bodyOffset, bodyOffset + size).
 *
 * We frame messages ourselves rather than through the library's
 * readRawMessage: that one is not exported, and it turns every failure
 * (truncation included) into `undefined`, which would make a cut file look
 * complete.
 */
export class FrameCursor {
  readonly reader: ChunkedReader
  /** Offset of the current message's header. */
  offset = 0
  type = 0
  size = 0
  view: DataView = new DataView(new ArrayBuffer(0))
  bodyOffset = 0
  /** After PARTIAL: bytes the message needs and bytes that were left. */
  needed = 0
  available = 0

  constructor (source: ByteSource, windowSize?: number) {
    this.reader = new ChunkedReader(source, windowSize)
  }

  position (): number {
    return this.reader.position()
  }

  seekTo (offset: number): void {
    this.reader.seekTo(offset)
  }

  /** The type byte of the next message, or -1 when fewer than 3 bytes are left before `end`. */
  async peekType (end: number): Promise<number> {
    if (end - this.reader.position() < FRAME_HEADER_SIZE) return -1
    return await this.reader.peekUint8(2)
  }

  /** Reads the next message that ends at or before `end`. */
  async next (end: number): Promise<Step> {
    const reader = this.reader
    const offset = reader.position()
    this.offset = offset
    const left = end - offset
    if (left === 0) return END
    if (left < FRAME_HEADER_SIZE) return this.partial(FRAME_HEADER_SIZE, left)
    const size = await reader.readUint16()
    const type = await reader.readUint8()
    if (size > left - FRAME_HEADER_SIZE) {
      this.type = type
      this.size = size
      return this.partial(FRAME_HEADER_SIZE + size, left)
    }
    const body = await reader.readBytes(size)
    const view = reader.view()
    if (view === undefined) throw new Error('ChunkedReader returned bytes without a view')
    this.type = type
    this.size = size
    this.view = view
    this.bodyOffset = body.byteOffset - view.byteOffset
    return FRAME
  }

  private partial (needed: number, available: number): Step {
    this.needed = needed
    this.available = available
    return PARTIAL
  }
}
