/** Keys a Pitwall cluster (or a test of one) keeps in a shared Redis under its prefix. */
import { Redis } from 'ioredis'

/** Deletes the keys under `prefix` (SCAN, then DEL in batches); returns how many. */
export async function dropRedisPrefix (prefix: string, url: string): Promise<number> {
  const redis = new Redis(url)
  redis.on('error', () => {})
  let dropped = 0
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) dropped += await redis.del(...keys)
    }
  } finally {
    redis.disconnect()
  }
  return dropped
}
