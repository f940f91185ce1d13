import type { ByteSource } from './byte-source.js'
import { openUlog } from './read.js'

const GPS_TOPICS = ['vehicle_gps_position', 'sensor_gps']

/**
 * The UTC epoch of boot in µs, from the first GPS fix that carries UTC time:
 * time_utc_usec - timestamp. Undefined when the log has no such fix. Pass the
 * result as `baseTimeUs` to place samples on the wall clock. It reads the
 * data section in file order until that fix (one bounded pass), with its own
 * cursor; open the log again to stream it.
 */
export async function gpsBootEpochUs (source: ByteSource): Promise<number | undefined> {
  const probe = await openUlog(source, { select: 'all', order: 'file', chunkSamples: 1 })
  const topics = GPS_TOPICS.filter((t) => probe.header.formats.get(t)?.fields.some((f) => f.name === 'time_utc_usec') === true)
  if (topics.length === 0) return undefined
  const reader = await openUlog(source, { select: { fields: topics.map((t) => `${t}.time_utc_usec`) }, order: 'file', chunkSamples: 1 })
  for await (const { samples } of reader.chunks()) {
    for (let i = 0; i < samples.length; i++) {
      const utc = samples.value[i] as number
      if (utc > 0) return utc - (samples.timeUs[i] as number)
    }
  }
  return undefined
}
