import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bytesSource, type ByteSource } from '../../../decoders/ulog/byte-source.js'
import { openUlog, type UlogReadOptions, type UlogReader } from '../../../decoders/ulog/read.js'
import type { UlogChannel } from '../../../decoders/ulog/channel.js'
import { UlogError } from '../../../decoders/ulog/errors.js'

/** The pyulog sample logs (BSD), kept beside the repository, not in it. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../../shared/fixtures/ulog/', import.meta.url))
export const SMALL = 'sample_log_small.ulg'
export const APPENDED = 'sample_appended_multiple.ulg'
export const fixturesPresent = existsSync(FIXTURE_DIR + SMALL) && existsSync(FIXTURE_DIR + APPENDED)

export function fixture (name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURE_DIR + name))
}

/** One decoded sample with its channel, for assertions. */
export interface Row {
  readonly t: number
  readonly channel: UlogChannel
  readonly value: number
  /** emitted in a late chunk: older than samples already emitted */
  readonly late: boolean
}

export interface Collected {
  readonly reader: UlogReader
  readonly rows: Row[]
  readonly chunkSizes: number[]
  readonly error?: UlogError
}

/** Reads a whole log into rows; a UlogError at any stage is returned, anything else thrown. */
export async function collect (source: ByteSource | Uint8Array, options: UlogReadOptions = {}): Promise<Collected> {
  const src = source instanceof Uint8Array ? bytesSource(source, 'test.ulg') : source
  const reader = await openUlog(src, options)
  const rows: Row[] = []
  const chunkSizes: number[] = []
  try {
    for await (const { samples, channels, late } of reader.chunks()) {
      chunkSizes.push(samples.length)
      for (let i = 0; i < samples.length; i++) {
        const channel = channels[samples.signal[i] as number]
        if (channel === undefined) throw new Error(`sample ${i} names channel ${samples.signal[i]}, not in the table`)
        rows.push({ t: samples.timeUs[i] as number, channel, value: samples.value[i] as number, late: late === true })
      }
    }
  } catch (err) {
    if (err instanceof UlogError) return { reader, rows, chunkSizes, error: err }
    throw err
  }
  return { reader, rows, chunkSizes }
}

export function rowsOf (rows: readonly Row[], message: string, field: string): Row[] {
  return rows.filter((r) => r.channel.message === message && r.channel.field === field)
}
