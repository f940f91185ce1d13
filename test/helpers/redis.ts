/**
 * Redis for tests of nodes sharing their brokers: the shared server at
 * PITWALL_TEST_REDIS_URL (default the local one), each test under a key and
 * channel prefix of its own, deleted afterwards (never FLUSHALL: others use
 * that server), and private servers a test may kill (redis-server on a free
 * port, stopped by its PID). When no Redis answers, tests that need one are
 * skipped with a message saying so.
 */
import { dropRedisPrefix as dropKeys } from '../../bench/reliability/redis-keys.js'
import { randomBytes } from 'node:crypto'
import { redisAnswers } from '../../bench/e2e/private-redis.js'

export const TEST_REDIS_URL = process.env.PITWALL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export const SKIP_REDIS = `no Redis at ${TEST_REDIS_URL} (set PITWALL_TEST_REDIS_URL)`

let reachable: Promise<boolean> | undefined
export async function redisReachable (): Promise<boolean> {
  reachable ??= redisAnswers(TEST_REDIS_URL)
  return await reachable
}

/** A prefix (PITWALL_REDIS_PREFIX) no other test uses. */
export function testRedisPrefix (): string {
  return `pitwall_test_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** Deletes the keys under `prefix` (SCAN, then DEL in batches). */
export async function dropRedisPrefix (prefix: string, url = TEST_REDIS_URL): Promise<number> {
  return await dropKeys(prefix, url)
}

export const SKIP_REDIS_SERVER = 'no redis-server binary to start a private Redis with'

export { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '../../bench/e2e/private-redis.js'
