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
 * their callbacks run, so memory stays bounded and nothing is dropped. When
 * it answers but cannot take some rows for now (a full disk), the vehicles
 * whose batches fail are held back and retried on their own, and the others'
 * go on.
 */
import type pg from 'pg'
import { ArrayParam, BYTEA, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'
import { backoffMs } from '../runtime/backoff.js'
import { isStatementTransient, isTransient, StorageError } from './errors.js'
import { Statement } from './prepared.js'
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
  /**
   * A vehicle's batches held back: the database refuses them for now while
   * it takes the others' (vehicleId undefined: dead letters). Called once
   * when held, and `onReleased` once they are stored.
   */
  onHeld?: (vehicleId: number | undefined, items: number, err: Error) => void
  onReleased?: (vehicleId: number | undefined) => void
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

/** One vehicle's items set aside after failing for now on their own (see setAside). */
interface Held {
  /** in the order they came: the vehicle's PUBACKs keep it */
  items: Pending[]
  /** the attempt its next retry is */
  attempt: number
  dueAtMs: number
}

// Dead letters are held together, under a key no vehicle has.
const DEAD_LETTERS = -1
const holdKeyOf = (item: Pending): number => item.kind === 'batch' ? item.record.vehicleId : DEAD_LETTERS

export class BatchWriter {
  private readonly pool: pg.Pool
  private readonly maxGroupItems: number
  private readonly maxGroupBytes: number
  private readonly retryDelayMs: number
  private readonly maxRetryDelayMs: number
  private readonly onError: BatchWriterOptions['onError']
  private readonly onCommit: BatchWriterOptions['onCommit']
  private readonly onHeld: BatchWriterOptions['onHeld']
  private readonly onReleased: BatchWriterOptions['onReleased']
  private queue: Pending[] = []
  private readonly held = new Map<number, Held>()
  // keys held, including one whose items are being retried (out of `held` meanwhile): onHeld once per episode
  private readonly holding = new Set<number>()
  // held items being retried
  private retrying = 0
  // ends the wait for a held retry early: something was queued, or close() gave up
  private wake: (() => void) | undefined
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
    this.onHeld = options.onHeld
    this.onReleased = options.onReleased
  }

  /** Items waiting for a commit, including the group being committed and those held back. */
  get depth (): number {
    let n = this.queue.length + this.retrying
    for (const h of this.held.values()) n += h.items.length
    return n
  }

  /** Vehicles whose batches are held back (see setAside). */
  get heldVehicles (): number {
    return this.holding.size
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
    const timer = setTimeout(() => { this.abandoned = true; this.wake?.() }, timeoutMs)
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
    else this.wake?.()
  }

  private async flush (): Promise<void> {
    this.flushing = true
    while (this.queue.length > 0 || this.held.size > 0) {
      await this.retryHeld()
      this.divertHeld()
      if (this.queue.length > 0) {
        const group = this.queue.slice(0, this.groupLength(this.queue))
        await this.commitWithRetry(group)
        this.queue = this.queue.slice(group.length)
      } else if (this.held.size > 0) {
        await this.untilHeldDue()
      }
    }
    this.flushing = false
    for (const wake of this.idleWaiters.splice(0)) wake()
  }

  /** How many of `items` the next group takes: bounded by count and by payload bytes, at least one. */
  private groupLength (items: Pending[]): number {
    let bytes = 0
    const n = Math.min(items.length, this.maxGroupItems)
    for (let i = 0; i < n; i++) {
      bytes += (items[i] as Pending).record.payload?.byteLength ?? 0
      if (bytes > this.maxGroupBytes) return Math.max(i, 1)
    }
    return n
  }

  private async commitWithRetry (group: Pending[], firstAttempt = 1): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
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
        if (isStatementTransient(error)) {
          await this.setAside(group, error, attempt)
          return
        }
        await sleep(this.backoff(attempt))
      }
    }
  }

  private backoff (attempt: number): number {
    return backoffMs(attempt, { baseMs: this.retryDelayMs, maxMs: this.maxRetryDelayMs })
  }

  /**
   * The database answered but cannot take the group for now (a full disk:
   * ./errors.ts isStatementTransient), which may be some rows' doing only (a
   * full tablespace fails only the partitions on it). Each half of the
   * group's vehicles is committed on its own, recursively, so the others'
   * batches land and are acknowledged; a vehicle whose items fail alone is
   * held back and retried on its own with backoff while the queue goes on.
   * Split by vehicle, never inside one: a vehicle's items stay in order, and
   * those it sends later wait behind them, so its PUBACKs keep their order
   * [MQTT-4.6.0-2]. A database that is full for everyone ends with every
   * vehicle held, each retried on its own until there is room.
   */
  private async setAside (group: Pending[], cause: Error, attempt: number): Promise<void> {
    const byKey = new Map<number, Pending[]>()
    for (const item of group) {
      const items = byKey.get(holdKeyOf(item))
      if (items === undefined) byKey.set(holdKeyOf(item), [item])
      else items.push(item)
    }
    if (byKey.size === 1) {
      this.hold(holdKeyOf(group[0] as Pending), group, cause, attempt)
      return
    }
    const parts = [...byKey.values()]
    const half = Math.ceil(parts.length / 2)
    await this.commitWithRetry(parts.slice(0, half).flat(), attempt)
    await this.commitWithRetry(parts.slice(half).flat(), attempt)
  }

  private hold (key: number, items: Pending[], cause: Error, attempt: number): void {
    const dueAtMs = Date.now() + this.backoff(attempt)
    const held = this.held.get(key)
    // items left behind by a retry that took only part of them came after these
    if (held === undefined) this.held.set(key, { items, attempt: attempt + 1, dueAtMs })
    else Object.assign(held, { items: [...items, ...held.items], attempt: attempt + 1, dueAtMs })
    if (this.holding.has(key)) return
    this.holding.add(key)
    this.onHeld?.(key === DEAD_LETTERS ? undefined : key, items.length, cause)
  }

  /** Held vehicles whose retry is due (all of them once close() gave up: they are refused), each in a statement of its own. */
  private async retryHeld (): Promise<void> {
    for (const [key, held] of [...this.held]) {
      if (held.dueAtMs > Date.now() && !this.abandoned) continue
      const items = held.items.splice(0, this.groupLength(held.items))
      if (held.items.length === 0) this.held.delete(key)
      this.retrying = items.length
      try {
        await this.commitWithRetry(items, held.attempt)
      } finally {
        this.retrying = 0
      }
      if (this.held.has(key)) continue
      this.holding.delete(key)
      if (!this.abandoned) this.onReleased?.(key === DEAD_LETTERS ? undefined : key)
    }
  }

  /** Queued items of held vehicles join theirs, behind them. */
  private divertHeld (): void {
    if (this.held.size === 0) return
    this.queue = this.queue.filter((item) => {
      const held = this.held.get(holdKeyOf(item))
      if (held === undefined) return true
      held.items.push(item)
      return false
    })
  }

  /** Nothing queued: waits for the first held retry to be due, or for an item (or close) to wake it. */
  private async untilHeldDue (): Promise<void> {
    let due = Infinity
    for (const h of this.held.values()) due = Math.min(due, h.dueAtMs)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.wake?.(), Math.max(0, due - Date.now()))
      this.wake = () => {
        clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
    })
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
      queued: this.depth - group.length
    })
  }
}

const BASE_US = `${US_OF('base_time')} AS base_us`

/**
 * The whole group in one statement, so one round trip and one implicit
 * transaction: data-modifying CTEs share a snapshot and commit together.
 * Only the raw batches and dead letters: what a PUBACK promises. Their
 * decoded rows follow off the PUBACK path (./projector.ts); a batch's key
 * waits in unprojected_batches (migration 031) until they land. A batch is
 * keyed by vehicle, seq and base time (migration 028).
 */
const GROUP = new Statement('pitwall_batch_group', `
WITH ins AS (
  INSERT INTO batches (vehicle_id, seq, base_time, can_frames, payload, manifest_id)
  SELECT v, q, t, f, p, nullif(m, 0) FROM unnest($1::int[], $2::bigint[], $3::timestamptz[], $4::int[], $5::bytea[], $6::int[]) AS u(v, q, t, f, p, m)
  ON CONFLICT (vehicle_id, seq, base_time) DO NOTHING
  RETURNING vehicle_id, seq, base_time, ${BASE_US}
), unprojected AS (
  INSERT INTO unprojected_batches (vehicle_id, seq, base_time) SELECT vehicle_id, seq, base_time FROM ins
), letters AS (
  INSERT INTO dead_letters (vin, topic, reason_code, reason, payload_size, payload)
  SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bytea[])
)
SELECT vehicle_id, seq, base_us FROM ins`)

/**
 * Of the batches a group did not insert (their key was stored already),
 * those stored with other bytes: a T-box whose seq counter restarted, not a
 * retransmission. Asked only when a group has such batches, which is rare,
 * rather than by every group for every batch. (The key holds the base time,
 * which also finds the one partition to look in.)
 */
const REUSED_SQL = `
SELECT b.vehicle_id, b.seq, ${BASE_US} FROM batches b
JOIN unnest($1::int[], $2::bigint[], $3::timestamptz[], $4::bytea[]) AS u(v, q, t, p) ON b.vehicle_id = u.v AND b.seq = u.q AND b.base_time = u.t
WHERE b.payload <> u.p`

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
  const res = await pool.query<KeyRow>(GROUP.on(pool, [...batches.map((a) => a.finish()), ...deadLetters]))
  const inserted = new Set(res.rows.map((r) => keyOf(r.vehicle_id, r.seq, r.base_us)))
  return { inserted, reused: inserted.size === records.length ? new Set() : await reusedKeys(pool, records.filter((r) => !inserted.has(keyOf(r.vehicleId, r.seq, r.baseTimeUs)))) }
}

interface KeyRow { vehicle_id: number, seq: string, base_us: number }

async function reusedKeys (pool: pg.Pool, records: BatchRecord[]): Promise<Set<string>> {
  const keys = [new ArrayParam(INT4, records.length), new ArrayParam(INT8, records.length), new ArrayParam(TIMESTAMPTZ, records.length), new ArrayParam(BYTEA, records.length)] as const
  for (const r of records) { keys[0].push(r.vehicleId); keys[1].push(r.seq); keys[2].push(r.baseTimeUs); keys[3].pushBytes(r.payload) }
  const res = await pool.query<KeyRow>(REUSED_SQL, keys.map((a) => a.finish()))
  return new Set(res.rows.map((r) => keyOf(r.vehicle_id, r.seq, r.base_us)))
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
