/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws (the error propagates). Keep `work`
 * short: on the embedded host an open transaction blocks every connection.
 *
 * `asyncCommit`: COMMIT returns before the WAL is flushed to disk
 * (synchronous_commit off for this transaction alone). For work whose loss
 * in a crash only means doing it again, and that nothing in memory counts
 * as done: the rollup's minutes, written with the removal of the marks that
 * ask for them, so a lost commit leaves the marks in place. The database
 * stays consistent either way: a later synchronous commit flushes every
 * earlier one with it.
 */
import type pg from 'pg'

export async function inTransaction<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: { asyncCommit?: boolean } = {}): Promise<T> {
  const client = await pool.connect()
  let result: T
  try {
    // one round trip: a simple query may hold both
    await client.query(options.asyncCommit === true ? 'BEGIN; SET LOCAL synchronous_commit TO off' : 'BEGIN')
    result = await work(client)
    await client.query('COMMIT')
  } catch (err) {
    // A connection that cannot even roll back (lost server) leaves the pool.
    const broken = await client.query('ROLLBACK').then(() => false, () => true)
    client.release(broken)
    throw err
  }
  client.release()
  return result
}
