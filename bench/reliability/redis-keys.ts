/**
 * A Pitwall cluster's Redis as the bench and tests read it: the keys under
 * its prefix, and what the server has been asked and holds (INFO).
 */
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

/** Calls per Redis command since the server started (INFO commandstats), by lower-case command name. */
export async function redisCommandCalls (url: string): Promise<Map<string, number>> {
  const redis = new Redis(url)
  redis.on('error', () => {})
  try {
    const info = await redis.info('commandstats')
    return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1] as string, Number(m[2])]))
  } finally {
    redis.disconnect()
  }
}

/**
 * Commands run between two readings of redisCommandCalls, by name, leaving
 * out PING and INFO: the nodes' liveness probes (a PING a second each) and
 * the readings themselves, none of them work done for a vehicle.
 */
export function commandsBetween (before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>()
  for (const [name, calls] of after) {
    if (name === 'ping' || name === 'info') continue
    const spent = calls - (before.get(name) ?? 0)
    if (spent > 0) out.set(name, spent)
  }
  return out
}

/** Bytes the server holds for data (INFO memory used_memory). */
export async function redisUsedMemory (url: string): Promise<number> {
  const redis = new Redis(url)
  redis.on('error', () => {})
  try {
    return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? NaN)
  } finally {
    redis.disconnect()
  }
}
