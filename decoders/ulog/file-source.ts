import { open, type FileHandle } from 'node:fs/promises'
import type { ByteSource } from './byte-source.js'

export interface FileSource extends ByteSource {
  close (): Promise<void>
}

/**
 * A ULog file read through one file handle: each read is a positioned read of
 * the window the decoder asks for (256 KB by default), never the whole file.
 */
export async function openFileSource (path: string): Promise<FileSource> {
  const handle: FileHandle = await open(path, 'r')
  const size = (await handle.stat()).size
  return {
    name: path,
    open: async () => size,
    size: () => size,
    read: async (offset, length) => {
      const data = new Uint8Array(Math.max(0, Math.min(length, size - offset)))
      const { bytesRead } = await handle.read(data, 0, data.byteLength, offset)
      return bytesRead === data.byteLength ? data : data.subarray(0, bytesRead)
    },
    close: async () => { await handle.close() }
  }
}
