/**
 * Group commit: batches (and dead letters) from many vehicles share one
 * transaction, and each submitter's promise settles only once that
 * transaction has committed. The gateway releases a QoS 1 PUBACK on that
 * promise, so "PUBACK" means "durable".
 *
 * There is no timer: the first item commits at once, and whatever arrives
 * while a commit is in flight forms the next group. Under load groups grow by
 * themselves; idle, latency is one commit.
 *
 * When the database is unreachable the group is retried with backoff and its
 * promises stay pending: upstream, aedes stops reading those sockets until
 * their callbacks run, so memory stays bounded and nothing is dropped.
 */
import type pg from 'pg'
import { ArrayParam, BYTEA, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'
import { backoffMs } from '../runtime/backoff.js'
import { isTransient, StorageError } from './errors.js'
import { US_OF } from './projector.js'
import type { BatchOutcome, BatchRecord, DeadLetterRecord } from './records.js'

export interface BatchWriterOptions {
  /** most items in one transaction */
  maxGroupItems?: number
  /**
   * most payload bytes in one transaction: its parameters are built in
   * memory, so a fleet draining its buffers after an outage must not make
   * one giant group
   */
  maxGroupBytes?: number
  /** first retry delay after a transient failure, doubled up to maxRetryDelayMs */
  retryDelayMs?: number
  maxRetryDelayMs?: number
  /** called on each failed attempt, for logs and metrics */
  onError?: (err: Error, attempt: number, groupSize: number) => void
  /** called after each commit, for metrics */
  onCommit?: (stats: CommitStats) => void
}

export interface CommitStats {
  items: number
  batches: number
  duplicates: number
  deadLetters: number
  durationMs: number
  /** items still waiting behind this group */
  queued: number
}

interface PendingBatch {
  kind: 'batch'
  record: BatchRecord
  resolve: (outcome: BatchOutcome) => void
  reject: (err: Error) => void
}

interface PendingDeadLetter {
  kind: 'dead-letter'
  record: DeadLetterRecord
  resolve: () => void
  reject: (err: Error) => void
}

type Pending = PendingBatch | PendingDeadLetter

export class BatchWriter {
  private readonly pool: pg.Pool
  private readonly maxGroupItems: number
  private readonly maxGroupBytes: number
  private readonly retryDelayMs: number
  private readonly maxRetryDelayMs: number
  private readonly onError: BatchWriterOptions['onError']
  private readonly onCommit: BatchWriterOptions['onCommit']
  private queue: Pending[] = []
  private flushing = false
  private closed = false
  // Set when close() gave up waiting: retries stop and what is left is refused.
  private abandoned = false
  private idleWaiters: Array<() => void> = []

  constructor (pool: pg.Pool, options: BatchWriterOptions = {}) {
    this.pool = pool
    this.maxGroupItems = options.maxGroupItems ?? 2000
    this.maxGroupBytes = options.maxGroupBytes ?? 32 * 1024 * 1024
    this.retryDelayMs = options.retryDelayMs ?? 50
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000
    this.onError = options.onError
    this.onCommit = options.onCommit
  }

  /** Items waiting for a commit, including the group being committed. */
  get depth (): number {
    return this.queue.length
  }

  async writeBatch (record: BatchRecord): Promise<BatchOutcome> {
    return await new Promise<BatchOutcome>((resolve, reject) => {
      this.enqueue({ kind: 'batch', record, resolve, reject })
    })
  }

  async writeDeadLetter (record: DeadLetterRecord): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.enqueue({ kind: 'dead-letter', record, resolve, reject })
    })
  }

  /**
   * Stops taking items and waits for everything queued to be committed, at
   * most `timeoutMs`: past that (the database is down) the rest is refused
   * with PITWALL_ERR_STORAGE_CLOSED. Refusing is safe: none of it was
   * acknowledged, so the vehicles send it again.
   */
  async close (timeoutMs = 10_000): Promise<void> {
    this.closed = true
    if (!this.flushing && this.queue.length === 0) return
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    const timer = setTimeout(() => { this.abandoned = true }, timeoutMs)
    await idle
    clearTimeout(timer)
  }

  private enqueue (item: Pending): void {
    if (this.closed) {
      item.reject(new StorageError('PITWALL_ERR_STORAGE_CLOSED', 'storage is shutting down'))
      return
    }
    this.queue.push(item)
    if (!this.flushing) void this.flush()
  }

  private async flush (): Promise<void> {
    this.flushing = true
    while (this.queue.length > 0) {
      const group = this.queue.slice(0, this.groupLength())
      await this.commitWithRetry(group)
      this.queue = this.queue.slice(group.length)
    }
    this.flushing = false
    for (const wake of this.idleWaiters.splice(0)) wake()
  }

  /** How many queued items the next group takes: bounded by count and by payload bytes, at least one. */
  private groupLength (): number {
    let bytes = 0
    const n = Math.min(this.queue.length, this.maxGroupItems)
    for (let i = 0; i < n; i++) {
      bytes += (this.queue[i] as Pending).record.payload?.byteLength ?? 0
      if (bytes > this.maxGroupBytes) return Math.max(i, 1)
    }
    return n
  }

  private async commitWithRetry (group: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.abandoned) {
        for (const item of group) item.reject(new StorageError('PITWALL_ERR_STORAGE_CLOSED', 'storage shut down before this could be committed'))
        return
      }
      try {
        await this.commitGroup(group)
        return
      } catch (err) {
        const error = err as Error
        this.onError?.(error, attempt, group.length)
        if (!isTransient(error)) {
          await this.isolatePoison(group, error)
          return
        }
        await sleep(backoffMs(attempt, { baseMs: this.retryDelayMs, maxMs: this.maxRetryDelayMs }))
      }
    }
  }

  /**
   * A non-transient failure (a constraint or data error) is caused by some
   * item of the group; commit each half on its own, recursively, so the
   * others still land in a few commits and only an item that fails alone is
   * refused.
   */
  private async isolatePoison (group: Pending[], cause: Error): Promise<void> {
    if (group.length === 1) {
      group[0]?.reject(new StorageError('PITWALL_ERR_STORAGE_REJECTED', `database refused the write: ${cause.message}`, { cause }))
      return
    }
    const half = Math.ceil(group.length / 2)
    await this.commitWithRetry(group.slice(0, half))
    await this.commitWithRetry(group.slice(half))
  }

  private async commitGroup (group: Pending[]): Promise<void> {
    const started = performance.now()
    const batches = new Map<string, PendingBatch[]>()
    const deadLetters: PendingDeadLetter[] = []
    for (const item of group) {
      if (item.kind === 'dead-letter') {
        deadLetters.push(item)
        continue
      }
      // A retransmission can arrive while its first copy is still queued:
      // both wait for the same row.
      const key = keyOf(item.record.vehicleId, item.record.seq, item.record.baseTimeUs)
      const same = batches.get(key)
      if (same === undefined) batches.set(key, [item])
      else same.push(item)
    }
    const records = [...batches.values()].map((items) => (items[0] as PendingBatch).record)
    const { inserted, reused } = await writeGroup(this.pool, records, deadLetters.map((d) => d.record))
    let duplicates = 0
    for (const [key, items] of batches) {
      const first = items[0] as PendingBatch
      items.forEach((item, i) => {
        let outcome: BatchOutcome
        if (i === 0) outcome = inserted.has(key) ? 'stored' : reused.has(key) ? 'seq_reused' : 'duplicate'
        // A second copy in the same group: a retransmission only if it has the same bytes.
        else outcome = Buffer.compare(asBuffer(item.record.payload), asBuffer(first.record.payload)) === 0 ? 'duplicate' : 'seq_reused'
        if (outcome === 'duplicate') duplicates++
        item.resolve(outcome)
      })
    }
    for (const d of deadLetters) d.resolve()
    this.onCommit?.({
      items: group.length,
      batches: group.length - deadLetters.length,
      duplicates,
      deadLetters: deadLetters.length,
      durationMs: performance.now() - started,
      queued: this.queue.length - group.length
    })
  }
}

const BASE_US = `${US_OF('base_time')} AS base_us`

/**
 * The whole group in one statement, so one round trip and one implicit
 * transaction: data-modifying CTEs share a snapshot and commit together.
 * Only the raw batches and dead letters: what a PUBACK promises. Their
 * decoded rows follow off the PUBACK path (./projector.ts); a batch is
 * stored unprojected (migration 027) until they land. A batch is keyed by
 * vehicle, seq and base time (migration 028).
 */
const GROUP_SQL = `
WITH ins AS (
  INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload, manifest_id)
  SELECT v, q, t, f, p, nullif(m, 0) FROM unnest($1::int[], $2::bigint[], $3::timestamptz[], $4::int[], $5::bytea[], $6::int[]) AS u(v, q, t, f, p, m)
  ON CONFLICT (vehicle_id, seq, base_time) DO NOTHING
  RETURNING vehicle_id, seq, ${BASE_US}
), letters AS (
  INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size, payload)
  SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bytea[])
), reused AS (
  -- Rows that existed before this statement under the same key but with other
  -- bytes: a T-box whose seq counter restarted, not a retransmission. (The
  -- key holds the base time, which also finds the one partition to look in.)
  SELECT b.vehicle_id, b.seq, ${BASE_US} FROM batches b
  JOIN unnest($1::int[], $2::bigint[], $3::timestamptz[], $5::bytea[]) AS u(v, q, t, p) ON b.vehicle_id = u.v AND b.seq = u.q AND b.base_time = u.t
  WHERE b.payload <> u.p
)
SELECT true AS stored, vehicle_id, seq, base_us FROM ins
UNION ALL
SELECT false, vehicle_id, seq, base_us FROM reused`

interface GroupResult {
  /** keys (vehicle:seq:base time) of the batches this group inserted */
  inserted: Set<string>
  /** keys already stored with different bytes */
  reused: Set<string>
}

const keyOf = (vehicleId: number, seq: number | string, baseTimeUs: number): string => `${vehicleId}:${seq}:${baseTimeUs}`

async function writeGroup (pool: pg.Pool, records: BatchRecord[], letters: DeadLetterRecord[]): Promise<GroupResult> {
  // One array per column, in the order of the statement's parameters.
  const batches = [new ArrayParam(INT4, records.length), new ArrayParam(INT8, records.length), new ArrayParam(TIMESTAMPTZ, records.length), new ArrayParam(INT4, records.length), new ArrayParam(BYTEA, records.length), new ArrayParam(INT4, records.length)] as const
  const deadLetters = columns(6)
  for (const r of records) {
    batches[0].push(r.vehicleId); batches[1].push(r.seq); batches[2].push(r.baseTimeUs); batches[3].push(r.canFrames); batches[4].pushBytes(r.payload); batches[5].push(r.manifestId ?? 0)
  }
  for (const l of letters) {
    row(deadLetters, text(l.vin), text(l.topic), l.reasonCode, text(l.reason), l.payloadSize, l.payload === null ? null : asBuffer(l.payload))
  }
  const res = await pool.query<{ stored: boolean, vehicle_id: number, seq: string, base_us: number }>(GROUP_SQL, [...batches.map((a) => a.finish()), ...deadLetters])
  return {
    inserted: new Set(res.rows.filter((r) => r.stored).map((r) => keyOf(r.vehicle_id, r.seq, r.base_us))),
    reused: new Set(res.rows.filter((r) => !r.stored).map((r) => keyOf(r.vehicle_id, r.seq, r.base_us)))
  }
}

function columns (n: number): unknown[][] {
  return Array.from({ length: n }, () => [])
}

function row (cols: unknown[][], ...values: unknown[]): void {
  for (let i = 0; i < cols.length; i++) (cols[i] as unknown[]).push(values[i])
}

/**
 * Text that came from a vehicle (topic, VIN, messages quoting them):
 * PostgreSQL text cannot hold U+0000, and a dead letter must never be
 * refused for its own content.
 */
function text<T extends string | null> (value: T): T {
  return (value === null ? null : value.replaceAll('\u0000', '\uFFFD')) as T
}

function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
