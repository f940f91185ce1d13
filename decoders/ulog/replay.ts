import { SampleBuffer } from '../sample-buffer.js'
import type { UlogChunk } from './read.js'

/**
 * The mapped part of a ULog as the live pipeline carries it: samples whose
 * `signal` is a catalog id (decoders/catalog.ts), in time order, values in
 * catalog units. Channels without a catalog signal are left out. This is the
 * stream a rules consumer takes (issue 5), the same shape as live telemetry.
 */
export async function * catalogSamples (chunks: AsyncIterable<UlogChunk>): AsyncGenerator<SampleBuffer, void, undefined> {
  // Channel index -> catalog id + 1 (0: not mapped), grown as the table grows.
  let ids = new Uint32Array(0)
  for await (const { samples, channels } of chunks) {
    if (ids.length < channels.length) {
      const grown = new Uint32Array(channels.length)
      grown.set(ids)
      for (let c = ids.length; c < channels.length; c++) grown[c] = (channels[c]?.catalogId ?? -1) + 1
      ids = grown
    }
    const out = new SampleBuffer(samples.length)
    for (let i = 0; i < samples.length; i++) {
      const id = ids[samples.signal[i] as number] as number
      if (id !== 0) out.push(samples.timeUs[i] as number, id - 1, samples.value[i] as number)
    }
    if (out.length > 0) yield out
  }
}
