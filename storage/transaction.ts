/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws (the error propagates). Keep `work`
 * short: on the embedded host an open transaction blocks every connection.
 *
 * `local`: settings for this transaction alone (SET LOCAL), sent with its
 * BEGIN in one round trip (a simple query may hold both); they end with it.
 */
import type pg from 'pg'

export interface TransactionOptions {
  /** setting name -> value, the code's own words (checked: they are written into the statement) */
  local?: Readonly<Record<string, string>>
}

const WORD = /^[a-z_]+$/

export async function inTransaction<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const begin = ['BEGIN', ...Object.entries(options.local ?? {}).map(([name, value]) => {
    if (!WORD.test(name) || !WORD.test(value)) throw new Error(`inTransaction: setting ${JSON.stringify(name)} = ${JSON.stringify(value)} is not a plain word`)
    return `SET LOCAL ${name} TO ${value}`
  })].join('; ')
  const client = await pool.connect()
  let result: T
  try {
    await client.query(begin)
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
