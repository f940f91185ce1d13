/**
 * Storage's side of the error model (runtime/errors.ts): StorageError for
 * what the database itself did, and the one answer to "is the database
 * unavailable?" that ingest (retry, no PUBACK), the API (503) and /readyz
 * share.
 */
import { PitwallError } from '../runtime/errors.js'

/** A failure of the database, not a refusal of the request: PITWALL_ERR_STORAGE_*. */
export class StorageError extends PitwallError {}

/**
 * The database cannot be reached now and may be later: the connection was
 * refused, dropped or timed out, the server is starting, stopping or out of
 * resources (SQLSTATE classes 08, 53, 57P), the pool waited too long for a
 * connection, or the gateway is closing its storage.
 */
export function isUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (code === 'PITWALL_ERR_STORAGE_CLOSED' || code === 'PITWALL_ERR_STORAGE_UNAVAILABLE') return true
    if (/^(08|53|57P)/.test(code)) return true
    if (/^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code)) return true
    if (/^[0-9A-Z]{5}$/.test(code) || code.startsWith('PITWALL_ERR_')) return false
  }
  // pg reports a dropped socket, and a pool that waited past connectionTimeoutMillis, without a code
  return /Connection terminated|connection error|Client has encountered a connection error|timeout|Client was closed|Cannot use a pool after calling end/i.test(err.message)
}

/**
 * Worth retrying as it is: unavailable, a serialization conflict or
 * deadlock (40001, 40P01) that another try resolves, a statement cancelled
 * (57014: a DBA's statement_timeout, pg_cancel_backend) or timed out on a
 * lock (55P03), which says nothing about the rows, or a row routed to a
 * DEFAULT partition while the maintenance pass gave its day a partition of
 * its own (storage/partitions.ts): the insert waited on the pass's lock and
 * then no longer fits there; routed again, it lands in the new partition.
 */
export function isTransient (err: unknown): boolean {
  const e = err as { code?: unknown, message?: unknown } | undefined
  return isUnavailable(err) || e?.code === '40001' || e?.code === '40P01' || e?.code === '57014' || e?.code === '55P03' ||
    (e?.code === '23514' && typeof e.message === 'string' && e.message.includes('violates partition constraint'))
}

/**
 * Transient, and reported by a server that is up, for this statement: a
 * full disk (a full tablespace fails only the partitions on it, and a row
 * that fits a page with room is still written), memory, a serialization
 * conflict or deadlock, a row whose partition moved. Another statement
 * without some of the rows may succeed. Not a lost connection, a server
 * going down (08, 57P) or too many connections (53300): those fail every
 * statement alike.
 */
export function isStatementTransient (err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code
  return isTransient(err) && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P)/.test(code) && code !== '53300'
}
