/**
 * Named (prepared) statements for the queries run many times a second or
 * read by the console while vehicles publish.
 *
 * PostgreSQL plans an unnamed statement on every execution, and planning a
 * statement over partitioned tables grows with their partitions. Measured
 * with pg_stat_statements at 1,400 batches/s: the projector's claim spent
 * 0.46 ms planning per group against 0.37 ms executing; on the API bench's
 * database (65 daily partitions) a vehicle's open DTCs took 7.8 ms to plan
 * and 4.7 ms to run. A named statement is planned once per connection, and
 * after five runs PostgreSQL keeps a generic plan when it costs no more than
 * the custom ones (none of these can prune partitions by a constant, so it
 * does).
 *
 * The embedded host shares one backend session between its connections
 * (./pglite-host.ts): a name one connection prepared would collide with
 * another's, so there every statement stays unnamed. So does a database
 * reached through a pooler that hands transactions to other sessions
 * (`preparedStatements: false` in the storage options).
 */
import type pg from 'pg'

/** Pools whose connections keep named statements, and their clients as they are checked out. */
const preparing = new WeakSet<object>()

/** From now on, statements run through `pool` or a client checked out of it are named. */
export function prepareStatements (pool: pg.Pool): void {
  preparing.add(pool)
  pool.on('acquire', (client) => preparing.add(client))
}

/** A statement of fixed text: named on a pool that prepares, plain text elsewhere. */
export class Statement {
  /** names taken, by text: `pg` refuses a name prepared with other text on the same connection */
  private static readonly taken = new Map<string, string>()

  constructor (private readonly name: string, readonly text: string) {
    const other = Statement.taken.get(name)
    if (other !== undefined && other !== text) throw new Error(`statement name ${name} is taken by another statement`)
    Statement.taken.set(name, text)
  }

  on (queryable: pg.Pool | pg.PoolClient, values: unknown[]): pg.QueryConfig {
    return preparing.has(queryable) ? { name: this.name, text: this.text, values } : { text: this.text, values }
  }
}
