/** Waiting on the scenario's database for what a fault left behind to be worked off. */
import type pg from 'pg'
import { sleep } from '../e2e/throughput-steps.js'

/**
 * Runs `countSql` (one row, its count as `n`) every 250 ms until it counts
 * none or `timeoutMs` has passed; true when it counted none.
 */
export async function untilNone (client: pg.Client, countSql: string, params: unknown[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = await client.query<{ n: string | number }>(countSql, params)
    if (Number(left.rows[0]?.n ?? 0) === 0) return true
    if (Date.now() > deadline) return false
    await sleep(250)
  }
}
