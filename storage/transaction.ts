/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws (the error propagates). Keep `work`
 * short: on the embedded host an open transaction blocks every connection.
 */
import type pg from 'pg'

export async function inTransaction<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let result: T
  try {
    await client.query('BEGIN')
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
