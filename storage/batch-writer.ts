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
import { StorageError } from './errors.js'
import type { BatchOutcome, BatchRecord, DeadLetterRecord } from './records.js'

export interface BatchWriterOptions {
  /** most items in one transaction */
  maxGroupItems?: number
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
  samples: number
  deadLetters: number
  durationMs: number
  /** items still waiting after this commit (this group included until it is dequeued) */
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
  private readonly retryDelayMs: number
  private readonly maxRetryDelayMs: number
  private readonly onError: BatchWriterOptions['onError']
  private readonly onCommit: BatchWriterOptions['onCommit']
  private queue: Pending[] = []
  private flushing = false
  private closed = false
  private idleWaiters: Array<() => void> = []

  constructor (pool: pg.Pool, options: BatchWriterOptions = {}) {
    this.pool = pool
    this.maxGroupItems = options.maxGroupItems ?? 2000
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

  /** Stops taking items; resolves once everything queued has been committed. */
  async close (): Promise<void> {
    this.closed = true
    if (!this.flushing && this.queue.length === 0) return
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
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
      const group = this.queue.slice(0, this.maxGroupItems)
      await this.commitWithRetry(group)
      this.queue = this.queue.slice(group.length)
    }
    this.flushing = false
    for (const wake of this.idleWaiters.splice(0)) wake()
  }

  private async commitWithRetry (group: Pending[]): Promise<void> {
    let delay = this.retryDelayMs
    for (let attempt = 1; ; attempt++) {
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
        await sleep(delay)
        delay = Math.min(delay * 2, this.maxRetryDelayMs)
      }
    }
  }

  /**
   * A non-transient failure (a constraint or data error) is caused by some
   * item of the group; commit the items one by one so the others still land,
   * and reject only the ones that fail on their own.
   */
  private async isolatePoison (group: Pending[], cause: Error): Promise<void> {
    if (group.length === 1) {
      group[0]?.reject(new StorageError('PITWALL_ERR_STORAGE_REJECTED', `database refused the write: ${cause.message}`, { cause }))
      return
    }
    for (const item of group) await this.commitWithRetry([item])
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
      const key = `${item.record.vehicleId}:${item.record.seq}`
      const same = batches.get(key)
      if (same === undefined) batches.set(key, [item])
      else same.push(item)
    }
    const client = await this.pool.connect()
    let inserted: Set<string>
    let samples = 0
    try {
      await client.query('BEGIN')
      inserted = await insertBatches(client, [...batches.values()].map((items) => (items[0] as PendingBatch).record))
      const fresh = [...batches.entries()].filter(([key]) => inserted.has(key)).map(([, items]) => (items[0] as PendingBatch).record)
      samples = await insertSamples(client, fresh)
      await insertGnss(client, fresh)
      await insertDtcs(client, fresh)
      await insertDeadLetters(client, deadLetters.map((d) => d.record))
      await client.query('COMMIT')
      client.release()
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      // A broken connection must not go back to the pool.
      client.release(err as Error)
      throw err
    }
    let duplicates = 0
    for (const [key, items] of batches) {
      const first = inserted.has(key)
      items.forEach((item, i) => {
        const outcome: BatchOutcome = first && i === 0 ? 'stored' : 'duplicate'
        if (outcome === 'duplicate') duplicates++
        item.resolve(outcome)
      })
    }
    for (const d of deadLetters) d.resolve()
    this.onCommit?.({
      items: group.length,
      batches: group.length - deadLetters.length,
      duplicates,
      samples,
      deadLetters: deadLetters.length,
      durationMs: performance.now() - started,
      queued: this.queue.length - group.length
    })
  }
}

// Timestamps travel as integer microseconds since the Unix epoch.
const US = "timestamptz 'epoch' + %s * interval '1 microsecond'"
const ts = (col: string): string => US.replace('%s', col)

async function insertBatches (client: pg.PoolClient, records: BatchRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set()
  const res = await client.query<{ vehicle_id: number, seq: string }>(
    `INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload)
     SELECT v, s, ${ts('t')}, f, p FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::int[], $5::bytea[]) AS u(v, s, t, f, p)
     ON CONFLICT (vehicle_id, seq) DO NOTHING
     RETURNING vehicle_id, seq`,
    [
      records.map((r) => r.vehicleId),
      records.map((r) => r.seq),
      records.map((r) => r.baseTimeUs),
      records.map((r) => r.canFrames),
      records.map((r) => Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength))
    ]
  )
  return new Set(res.rows.map((r) => `${r.vehicle_id}:${r.seq}`))
}

async function insertSamples (client: pg.PoolClient, records: BatchRecord[]): Promise<number> {
  const vehicle: number[] = []
  const time: number[] = []
  const signal: number[] = []
  const value: number[] = []
  for (const r of records) {
    const s = r.samples
    for (let i = 0; i < s.signalId.length; i++) {
      vehicle.push(r.vehicleId)
      time.push(s.timeUs[i] as number)
      signal.push(s.signalId[i] as number)
      value.push(s.value[i] as number)
    }
  }
  if (vehicle.length === 0) return 0
  await client.query(
    `INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
     SELECT ${ts('t')}, v, s, x FROM unnest($1::bigint[], $2::int[], $3::int[], $4::float8[]) AS u(t, v, s, x)`,
    [time, vehicle, signal, value]
  )
  return vehicle.length
}

async function insertGnss (client: pg.PoolClient, records: BatchRecord[]): Promise<void> {
  const rows = records.flatMap((r) => r.gnss.map((g) => ({ v: r.vehicleId, g })))
  if (rows.length === 0) return
  await client.query(
    `INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites)
     SELECT ${ts('t')}, v, la, lo, sp, hd, al, hp, sa
     FROM unnest($1::bigint[], $2::int[], $3::float8[], $4::float8[], $5::real[], $6::real[], $7::real[], $8::real[], $9::smallint[])
       AS u(t, v, la, lo, sp, hd, al, hp, sa)`,
    [
      rows.map((r) => r.g.timeUs), rows.map((r) => r.v), rows.map((r) => r.g.lat), rows.map((r) => r.g.lon),
      rows.map((r) => r.g.speedMps), rows.map((r) => r.g.headingDeg), rows.map((r) => r.g.altM),
      rows.map((r) => r.g.hdop), rows.map((r) => r.g.satellites)
    ]
  )
}

async function insertDtcs (client: pg.PoolClient, records: BatchRecord[]): Promise<void> {
  const rows = records.flatMap((r) => r.dtcs.map((d) => ({ v: r.vehicleId, d })))
  if (rows.length === 0) return
  await client.query(
    `INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
     SELECT ${ts('t')}, v, e, d, s FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::smallint[]) AS u(t, v, e, d, s)`,
    [rows.map((r) => r.d.timeUs), rows.map((r) => r.v), rows.map((r) => r.d.ecu), rows.map((r) => r.d.dtc), rows.map((r) => r.d.status)]
  )
}

async function insertDeadLetters (client: pg.PoolClient, records: DeadLetterRecord[]): Promise<void> {
  if (records.length === 0) return
  await client.query(
    `INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bytea[])`,
    [
      records.map((r) => r.vin), records.map((r) => r.topic), records.map((r) => r.reasonCode),
      records.map((r) => r.reason), records.map((r) => r.payloadSize),
      records.map((r) => r.payload === null ? null : Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength))
    ]
  )
}

/**
 * Connection loss, server shutdown, resource exhaustion and serialization
 * conflicts pass; anything else (constraint, data type) would fail again.
 */
export function isTransient (err: Error): boolean {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (/^(08|53|57P|40001|40P01)/.test(code)) return true
    if (/^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code)) return true
    if (/^[0-9A-Z]{5}$/.test(code)) return false
  }
  // pg reports a dropped socket without a code.
  return /Connection terminated|connection error|Client has encountered a connection error|timeout/i.test(err.message)
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
