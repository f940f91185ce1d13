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

  /**
   * Moves just past the next occurrence of `pattern` that ends at or before
   * `end` and returns that offset; -1, with the cursor at `end`, when there is
   * none. Reads one window at a time, never the rest of the file at once.
   */
  async seekPast (pattern: readonly number[], end: number): Promise<number> {
    const reader = this.reader
    // at least two patterns long, so that each step moves on however small the reader's window
    const window = Math.max(reader.chunkSize, 2 * pattern.length)
    let from = reader.position()
    while (end - from >= pattern.length) {
      const length = Math.min(window, end - from)
      const hit = indexOf(await reader.readBytes(length), pattern)
      if (hit >= 0) {
        const after = from + hit + pattern.length
        reader.seekTo(after)
        return after
      }
      if (from + length === end) break
      // The pattern may straddle two windows: the next starts just before this one ends.
      from += length - pattern.length + 1
      reader.seekTo(from)
    }
    reader.seekTo(end)
    return -1
  }

  private partial (needed: number, available: number): Step {
    this.needed = needed
    this.available = available
    return PARTIAL
  }
}

/** Where `pattern` starts in `bytes`; -1 when it does not occur. */
export function indexOf (bytes: Uint8Array, pattern: readonly number[]): number {
  const last = bytes.length - pattern.length
  for (let i = bytes.indexOf(pattern[0] as number); i >= 0 && i <= last; i = bytes.indexOf(pattern[0] as number, i + 1)) {
    let k = 1
    while (k < pattern.length && bytes[i + k] === pattern[k]) k++
    if (k === pattern.length) return i
  }
  return -1
}
