/** Whether a PostgreSQL server takes connections: the bench's private servers coming up, and the tests' skip check. */
import pg from 'pg'

/** True when a connection to `url` opens (within `timeoutMs`, when given). */
export async function postgresAnswers (url: string, timeoutMs?: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, ...(timeoutMs === undefined ? {} : { connectionTimeoutMillis: timeoutMs }) })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}
