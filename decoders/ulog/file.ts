import { UlogError } from './errors.js'
import { openFileSource } from './file-source.js'
import { openUlog, type UlogChunk, type UlogReader, type UlogReadOptions } from './read.js'

/**
 * A ULog file opened for one pass: `pitwall decode --ulog FILE` uses this.
 * The file handle closes when `chunks()` finishes, fails or is abandoned
 * (a `break` out of `for await`), or on `close()` if chunks() never ran.
 */
export interface UlogFile {
  readonly reader: UlogReader
  chunks (): AsyncGenerator<UlogChunk, void, undefined>
  close (): Promise<void>
}

export async function openUlogFile (path: string, options: UlogReadOptions = {}): Promise<UlogFile> {
  let source
  try {
    source = await openFileSource(path)
  } catch (err) {
    throw new UlogError('PITWALL_ERR_ULOG_IO', path, -1, `cannot open: ${err instanceof Error ? err.message : String(err)}`)
  }
  const opened = source
  let reader: UlogReader
  try {
    reader = await openUlog(opened, options)
  } catch (err) {
    await opened.close()
    throw err
  }
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await opened.close()
  }
  return {
    reader,
    close,
    async * chunks () {
      try {
        yield * reader.chunks()
      } finally {
        await close()
      }
    }
  }
}
