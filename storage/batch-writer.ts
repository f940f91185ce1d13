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
import { ArrayParam, BYTEA, FLOAT4, FLOAT8, INT2, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'
import { backoffMs } from '../runtime/backoff.js'
import { isTransient, StorageError } from './errors.js'
import { MarkedMinutes, RollupMarks } from './rollup-marks.js'
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
  samples: number
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
  // what the rollup marks this writer committed cover (groups commit one at a time)
  private readonly markedMinutes = new MarkedMinutes()

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
      const key = keyOf(item.record.vehicleId, item.record.seq)
      const same = batches.get(key)
      if (same === undefined) batches.set(key, [item])
      else same.push(item)
    }
    const records = [...batches.values()].map((items) => (items[0] as PendingBatch).record)
    const { inserted, reused, samples } = await writeGroup(this.pool, records, deadLetters.map((d) => d.record), this.markedMinutes)
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
      samples,
      deadLetters: deadLetters.length,
      durationMs: performance.now() - started,
      queued: this.queue.length - group.length
    })
  }
}

/**
 * The whole group in one statement, so one round trip and one implicit
 * transaction: data-modifying CTEs share a snapshot and commit together.
 * `ins` yields the batches that are new; the samples, fixes and DTCs of a
 * batch that was already stored (a QoS 1 redelivery) must not be added
 * again. Nearly always every batch of a group is new, so each row is kept
 * by one comparison of two counts, and only a group with a redelivery pays
 * for looking its keys up in `ins` (a hashed subplan). (Measured, groups of
 * 64 demo batches, PostgreSQL 15: joining every sample to `ins`, sorted on
 * (vehicle, seq), took 407 us of server CPU per batch, ~110 us of it the
 * join; a separate transaction with the samples through binary COPY was
 * cheaper on the server but its five round trips each waited for a busy
 * gateway's event loop, and the latency under load doubled.)
 */
// The rows of `unnest ... AS u(v, q, ...)` that belong to a batch `ins` inserted.
const OF_NEW_BATCHES = '(SELECT count(*) FROM ins) = cardinality($1::int[]) OR (u.v, u.q) IN (SELECT vehicle_id, seq FROM ins)'

const GROUP_SQL = `
WITH ins AS (
  INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload, manifest_id)
  SELECT v, q, t, f, p, nullif(m, 0) FROM unnest($1::int[], $2::bigint[], $3::timestamptz[], $4::int[], $5::bytea[], $33::int[]) AS u(v, q, t, f, p, m)
  ON CONFLICT (vehicle_id, seq) DO NOTHING
  RETURNING vehicle_id, seq
), samples AS (
  INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
  SELECT u.t, u.v, u.s, u.x FROM unnest($6::int[], $7::bigint[], $8::timestamptz[], $9::int[], $10::float8[]) AS u(v, q, t, s, x)
  WHERE ${OF_NEW_BATCHES}
), gnss AS (
  INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites)
  SELECT u.t, u.v, u.la, u.lo, u.sp, u.hd, u.al, u.hp, u.sa
  FROM unnest($11::int[], $12::bigint[], $13::timestamptz[], $14::float8[], $15::float8[], $16::real[], $17::real[], $18::real[], $19::real[], $20::smallint[])
    AS u(v, q, t, la, lo, sp, hd, al, hp, sa)
  WHERE ${OF_NEW_BATCHES}
), dtcs AS (
  INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
  SELECT u.t, u.v, u.e, u.d, u.s FROM unnest($21::int[], $22::bigint[], $23::timestamptz[], $24::int[], $25::int[], $26::smallint[]) AS u(v, q, t, e, d, s)
  WHERE ${OF_NEW_BATCHES}
), marks AS (
  -- the minutes the signal rollup must recompute (migration 020)
  INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids)
  SELECT u.v, u.m, ($39::int[])[u.o + 1 : u.o + u.n] FROM unnest($34::int[], $35::bigint[], $36::timestamptz[], $37::int[], $38::int[]) AS u(v, q, m, o, n)
  WHERE ${OF_NEW_BATCHES}
), letters AS (
  INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size, payload)
  SELECT * FROM unnest($27::text[], $28::text[], $29::text[], $30::text[], $31::int[], $32::bytea[])
), reused AS (
  -- Rows that existed before this statement under the same key but with other
  -- bytes: a T-box whose seq counter restarted, not a retransmission.
  SELECT b.vehicle_id, b.seq FROM batches b
  JOIN unnest($1::int[], $2::bigint[], $5::bytea[]) AS u(v, q, p) ON b.vehicle_id = u.v AND b.seq = u.q
  WHERE b.payload <> u.p
)
SELECT true AS stored, vehicle_id, seq FROM ins
UNION ALL
SELECT false, vehicle_id, seq FROM reused`

interface GroupResult {
  /** keys (vehicle:seq) of the batches this group inserted */
  inserted: Set<string>
  /** keys already stored with different bytes */
  reused: Set<string>
  /** samples of the inserted batches */
  samples: number
}

const keyOf = (vehicleId: number, seq: number | string): string => `${vehicleId}:${seq}`

async function writeGroup (pool: pg.Pool, records: BatchRecord[], letters: DeadLetterRecord[], markedMinutes: MarkedMinutes): Promise<GroupResult> {
  // One array per column, in the order of the statement's parameters.
  const sampleCount = records.reduce((n, r) => n + r.samples.signalId.length, 0)
  const batches = [new ArrayParam(INT4, records.length), new ArrayParam(INT8, records.length), new ArrayParam(TIMESTAMPTZ, records.length), new ArrayParam(INT4, records.length), new ArrayParam(BYTEA, records.length)] as const
  const samples = [new ArrayParam(INT4, sampleCount), new ArrayParam(INT8, sampleCount), new ArrayParam(TIMESTAMPTZ, sampleCount), new ArrayParam(INT4, sampleCount), new ArrayParam(FLOAT8, sampleCount)] as const
  const gnss = [INT4, INT8, TIMESTAMPTZ, FLOAT8, FLOAT8, FLOAT4, FLOAT4, FLOAT4, FLOAT4, INT2].map((type) => new ArrayParam(type, records.length))
  const dtcs = [INT4, INT8, TIMESTAMPTZ, INT4, INT4, INT2].map((type) => new ArrayParam(type, 4))
  const deadLetters = columns(6)
  const manifests = new ArrayParam(INT4, records.length)
  const marks = new RollupMarks(records.length, markedMinutes)
  for (const r of records) {
    batches[0].push(r.vehicleId); batches[1].push(r.seq); batches[2].push(r.baseTimeUs); batches[3].push(r.canFrames); batches[4].pushBytes(r.payload)
    manifests.push(r.manifestId ?? 0)
    const { timeUs, signalId, value } = r.samples
    for (let i = 0; i < signalId.length; i++) {
      samples[0].push(r.vehicleId); samples[1].push(r.seq); samples[2].push(timeUs[i] as number); samples[3].push(signalId[i] as number); samples[4].push(value[i] as number)
    }
    marks.add(r.vehicleId, r.seq, timeUs, signalId)
    for (const f of r.gnss) pushRow(gnss, r.vehicleId, r.seq, f.timeUs, f.lat, f.lon, f.speedMps, f.headingDeg, f.altM, f.hdop, f.satellites)
    for (const d of r.dtcs) pushRow(dtcs, r.vehicleId, r.seq, d.timeUs, d.ecu, d.dtc, d.status)
  }
  for (const l of letters) {
    row(deadLetters, text(l.vin), text(l.topic), l.reasonCode, text(l.reason), l.payloadSize, l.payload === null ? null : asBuffer(l.payload))
  }
  const arrays = [...batches, ...samples, ...gnss, ...dtcs].map((a) => a.finish())
  const res = await pool.query<{ stored: boolean, vehicle_id: number, seq: string }>(GROUP_SQL, [...arrays, ...deadLetters, manifests.finish(), ...marks.finish()])
  const inserted = new Set(res.rows.filter((r) => r.stored).map((r) => keyOf(r.vehicle_id, r.seq)))
  marks.committed((vehicleId, seq) => inserted.has(keyOf(vehicleId, seq)))
  return {
    inserted,
    reused: new Set(res.rows.filter((r) => !r.stored).map((r) => keyOf(r.vehicle_id, r.seq))),
    samples: records.reduce((n, r) => n + (inserted.has(keyOf(r.vehicleId, r.seq)) ? r.samples.signalId.length : 0), 0)
  }
}

function columns (n: number): unknown[][] {
  return Array.from({ length: n }, () => [])
}

function row (cols: unknown[][], ...values: unknown[]): void {
  for (let i = 0; i < cols.length; i++) (cols[i] as unknown[]).push(values[i])
}

function pushRow (cols: ArrayParam[], ...values: number[]): void {
  for (let i = 0; i < cols.length; i++) (cols[i] as ArrayParam).push(values[i] as number)
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
