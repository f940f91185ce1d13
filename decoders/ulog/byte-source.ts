import type { Filelike } from '@foxglove/ulog'

/**
 * Random access to the bytes of one ULog file, named for error messages. It is
 * @foxglove/ulog's `Filelike`, so the library's ChunkedReader reads it in
 * bounded windows; the reader never asks for the whole file.
 */
export interface ByteSource extends Filelike {
  readonly name: string
}

/** A ULog already in memory (tests, fuzzing, an HTTP upload held in a buffer). */
export function bytesSource (bytes: Uint8Array, name = 'buffer'): ByteSource {
  return {
    name,
    open: async () => bytes.byteLength,
    size: () => bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.byteLength, offset + length))
  }
}
