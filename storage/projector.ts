/**
 * The decoded rows of stored batches (signal samples, GNSS fixes, DTC rows
 * and the signal rollup's marks), written off the PUBACK path. A T-box's
 * PUBACK waits only for its raw batch (./batch-writer.ts) and its fault
 * transitions; the rows the gateway decoded from it queue here and are
 * written in large groups, each in one transaction that first claims the
 * batches (deletes their keys from unprojected_batches, migration 031) and
 * then writes the rows of the batches it claimed, so a batch's rows land
 * once or not at all, however
 * many writers (nodes, the recovery pass after a crash, `pitwall reproject`)
 * offer them. On PostgreSQL the rows go by binary COPY; the embedded
 * engine's host refuses COPY FROM STDIN, so there they are parameters of
 * the claiming statement (unnest).
 *
 * Bounded: past `maxPendingRows` queued samples, `room()` waits, and ingest
 * waits on it before storing the next batch, so a database that cannot keep
 * up slows the PUBACKs instead of growing memory without end. `lagMs` (the
 * age of the oldest queued batch) is a metric and part of /readyz.
 *
 * Groups form as in the batch writer: no timer, what queued while a group
 * was written is the next group. A transient failure (database away, a
 * serialization failure) retries the group with backoff and keeps its
 * rows; a group the database refuses for good is split until the batch
 * that causes it is alone, which is then claimed with the error recorded
 * (`batches.projection_error`), so nothing loops on it and the others still land.
 */
import type pg from 'pg'
import type { DtcRow, GnssRow, SampleColumns } from '../decoders/telemetry-rows.js'
import { backoffMs } from '../runtime/backoff.js'
import { ArrayParam, FLOAT4, FLOAT8, INT2, INT4, INT8, TIMESTAMPTZ } from './binary-array.js'
import { BinaryCopy, copyIn } from './binary-copy.js'
import { isTransient } from './errors.js'
import { Statement } from './prepared.js'
import { MarkedMinutes, RollupMarks } from './rollup-marks.js'
import { inTransaction } from './transaction.js'

/** One stored batch's decoded rows. */
export interface ProjectionRecord {
  vehicleId: number
  seq: number
  /** with vehicle and seq, the batch's key (migration 028) */
  baseTimeUs: number
  samples: SampleColumns
  gnss: GnssRow[]
  dtcs: DtcRow[]
  /**
   * Only rows at or after this time (µs) and before `untilUs` are written:
   * a reprojection of a time range rebuilds exactly the rows it deleted.
   */
  fromUs?: number | undefined
  untilUs?: number | undefined
  /** a reprojection with another manifest: the batch records it as the one that decoded it */
  manifestId?: number | undefined
}

export interface ProjectorOptions {
  /**
   * rows by binary COPY after the claim (PostgreSQL, TimescaleDB), else as
   * parameters of the claiming statement (any engine: the embedded host
   * refuses COPY FROM STDIN); openStorage sets it unless the server is the
   * embedded engine
   */
  copy?: boolean
  /** most samples in one statement; default 50,000 */
  maxGroupRows?: number
  /** queued samples past which room() waits (ingest pushes back); default 500,000 */
  maxPendingRows?: number
  /**
   * How long a group waits for more batches after its first came, ms
   * (default 0: at once). Off the PUBACK path, a wait makes fewer, larger
   * groups: fewer claims, COPYs and commits for the same rows. Cut short
   * when a group is full, and by idle(), written() and close().
   */
  lingerMs?: number
  retryDelayMs?: number
  maxRetryDelayMs?: number
  /** each failed attempt, for logs and metrics */
  onError?: (err: Error, attempt: number, batches: number) => void
  /** a batch the database refused for good: claimed with the error recorded, its rows not written */
  onRefused?: (vehicleId: number, seq: number, err: Error) => void
  /** after each group, for metrics */
  onCommit?: (stats: ProjectionStats) => void
  nowMs?: () => number
}

export interface ProjectionStats {
  /** batches offered in the group, and those whose rows this group wrote (the others were projected already) */
  batches: number
  projected: number
  samples: number
  durationMs: number
  /** batches still queued behind it */
  queued: number
}

interface Queued { record: ProjectionRecord, rows: number, queuedAtMs: number }

export class SampleProjector {
  private readonly maxGroupRows: number
  private readonly maxPendingRows: number
  private readonly nowMs: () => number
  private queue: Queued[] = []
  private queuedRows = 0
  private flushing = false
  private closed = false
  private abandoned = false
  private readonly roomWaiters: Array<() => void> = []
  private readonly idleWaiters: Array<() => void> = []
  /** batches ever queued, and ever written or given up: written() waits on these */
  private added = 0
  private settled = 0
  private readonly writtenWaiters: Array<{ at: number, resolve: () => void }> = []
  // what the rollup marks this projector committed cover (groups commit one at a time)
  private readonly markedMinutes = new MarkedMinutes()
  // ends the wait for more batches at once (a full group, or somebody waiting on the queue)
  private endLinger: (() => void) | undefined

  constructor (private readonly pool: pg.Pool, private readonly options: ProjectorOptions = {}) {
    this.maxGroupRows = options.maxGroupRows ?? 50_000
    this.maxPendingRows = options.maxPendingRows ?? 500_000
    this.nowMs = options.nowMs ?? Date.now
  }

  /** Batches queued, including the group being written. */
  get pendingBatches (): number {
    return this.queue.length
  }

  get pendingRows (): number {
    return this.queuedRows
  }

  /** How long the oldest queued batch has waited (ms); 0 when none waits. */
  get lagMs (): number {
    const head = this.queue[0]
    return head === undefined ? 0 : Math.max(0, this.nowMs() - head.queuedAtMs)
  }

  /**
   * Queues a stored batch's rows. Never throws: after close() the rows are
   * left to the recovery pass, which decodes the batch again from the
   * archive (it stays unprojected).
   */
  add (record: ProjectionRecord): void {
    if (this.closed) return
    const rows = Math.max(1, record.samples.signalId.length + record.gnss.length + record.dtcs.length)
    this.queue.push({ record, rows, queuedAtMs: this.nowMs() })
    this.queuedRows += rows
    this.added++
    if (this.queuedRows >= this.maxGroupRows) this.endLinger?.()
    if (this.flushing) return
    this.flushing = true
    // a group commit resolves its batches' PUBACKs together and each adds its rows in a microtask of its own:
    // starting at once would write the first alone and the rest after; a macrotask later they form one group
    setImmediate(() => { void this.flush() })
  }

  /** Resolves when fewer than maxPendingRows samples are queued: what ingest waits for before storing a batch. */
  async room (): Promise<void> {
    if (this.queuedRows < this.maxPendingRows || this.closed) return
    await new Promise<void>((resolve) => this.roomWaiters.push(resolve))
  }

  /** Resolves when everything queued so far is written (or given up at close). */
  async idle (): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return
    this.endLinger?.()
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Resolves when every batch queued before this call is written (or given
   * up at close). Unlike idle(), batches queued after do not hold it: under
   * live ingest the queue is never empty, and a recovery pass waiting for
   * idle() waited for good.
   */
  async written (): Promise<void> {
    const at = this.added
    if (this.settled >= at) return
    this.endLinger?.()
    await new Promise<void>((resolve) => this.writtenWaiters.push({ at, resolve }))
  }

  /**
   * Stops taking rows and writes what is queued, at most `timeoutMs`; past
   * that the rest is dropped from memory, safely: its batches stay
   * unprojected in the archive and the recovery pass rebuilds their rows.
   */
  async close (timeoutMs = 10_000): Promise<void> {
    this.closed = true
    this.endLinger?.()
    for (const wake of this.roomWaiters.splice(0)) wake()
    if (!this.flushing && this.queue.length === 0) return
    const timer = setTimeout(() => { this.abandoned = true }, timeoutMs)
    await this.idle()
    clearTimeout(timer)
  }

  private async flush (): Promise<void> {
    while (this.queue.length > 0 && !this.abandoned) {
      await this.linger()
      const n = this.groupLength()
      const group = this.queue.slice(0, n)
      await this.writeWithRetry(group.map((q) => q.record))
      this.queue = this.queue.slice(n)
      for (const q of group) this.queuedRows -= q.rows
      this.settle(n)
      if (this.queuedRows < this.maxPendingRows) for (const wake of this.roomWaiters.splice(0)) wake()
    }
    if (this.abandoned) {
      this.settle(this.queue.length)
      this.queue = []
      this.queuedRows = 0
    }
    this.flushing = false
    for (const wake of this.idleWaiters.splice(0)) wake()
  }

  /** Until the oldest queued batch is lingerMs old, unless the wait is cut short (see ProjectorOptions.lingerMs). */
  private async linger (): Promise<void> {
    const head = this.queue[0]
    const waitMs = head === undefined ? 0 : (this.options.lingerMs ?? 0) - (this.nowMs() - head.queuedAtMs)
    if (waitMs <= 0 || this.closed || this.queuedRows >= this.maxGroupRows || this.idleWaiters.length > 0 || this.writtenWaiters.length > 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.endLinger?.() }, waitMs)
      this.endLinger = () => { clearTimeout(timer); this.endLinger = undefined; resolve() }
    })
  }

  private settle (batches: number): void {
    this.settled += batches
    if (this.writtenWaiters.length === 0) return
    const waiting = this.writtenWaiters.splice(0)
    for (const w of waiting) {
      if (w.at <= this.settled) w.resolve()
      else this.writtenWaiters.push(w)
    }
  }

  private groupLength (): number {
    let rows = 0
    for (let i = 0; i < this.queue.length; i++) {
      rows += (this.queue[i] as Queued).rows
      if (rows > this.maxGroupRows) return Math.max(i, 1)
    }
    return this.queue.length
  }

  private async writeWithRetry (group: ProjectionRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.abandoned) return
      const started = performance.now()
      try {
        const written = await projectGroup(this.pool, group, this.markedMinutes, this.options.copy ?? false)
        this.options.onCommit?.({ batches: group.length, projected: written.projected, samples: written.samples, durationMs: performance.now() - started, queued: this.queue.length - group.length })
        return
      } catch (err) {
        const error = err as Error
        this.options.onError?.(error, attempt, group.length)
        if (!isTransient(error)) {
          await this.isolateRefused(group, error)
          return
        }
        // unref'd: rows waiting for a database that is gone must not keep a finished process alive (they are in the archive)
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, { baseMs: this.options.retryDelayMs ?? 50, maxMs: this.options.maxRetryDelayMs ?? 5000 })).unref())
      }
    }
  }

  /** Halves until the batch the database refuses is alone; it is claimed with the error recorded on the batch. */
  private async isolateRefused (group: ProjectionRecord[], cause: Error): Promise<void> {
    if (group.length === 1) {
      const r = group[0] as ProjectionRecord
      await this.pool.query(REFUSED_SQL, [r.vehicleId, r.seq, `the database refused its decoded rows: ${cause.message}`.slice(0, 2000), r.baseTimeUs]).catch(() => {})
      this.options.onRefused?.(r.vehicleId, r.seq, cause)
      return
    }
    const half = Math.ceil(group.length / 2)
    await this.writeWithRetry(group.slice(0, half))
    await this.writeWithRetry(group.slice(half))
  }
}

/** A timestamptz from a bigint parameter of epoch microseconds, exactly (a double would round them). */
export const EPOCH_US = (param: string): string => `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`

/** A refused batch ($1 vehicle, $2 seq, $4 base time): claimed, so nothing loops on it, and the error ($3) kept on the batch. */
const REFUSED_SQL = `
WITH claimed AS (
  DELETE FROM unprojected_batches WHERE vehicle_id = $1 AND seq = $2 AND base_time = ${EPOCH_US('$4')} RETURNING vehicle_id, seq, base_time
)
UPDATE batches b SET projection_error = $3 FROM claimed c WHERE b.vehicle_id = c.vehicle_id AND b.seq = c.seq AND b.base_time = c.base_time`

/** The other way: a timestamptz column as exact epoch microseconds (a Date would drop them). */
export const US_OF = (column: string): string => `(extract(epoch FROM ${column}) * 1000000)::bigint`

// The rows of `unnest ... AS u(v, b, ...)` whose batch this statement claimed
// (b: the batch's ordinal in the group, 1-based).
const OF_CLAIMED = '(SELECT count(*) FROM claimed) = cardinality($1::int[]) OR u.b IN (SELECT i FROM claimed)'

/**
 * The claim and the rows other than samples, shared by both ways of writing
 * samples. `claimed` deletes the keys of the offered batches not yet
 * projected from unprojected_batches (row locks make a second writer
 * offering the same batch wait, then find the key gone); a reprojection
 * with another manifest records it on its batches (one that the partition
 * pass moves out of a DEFAULT partition at that instant keeps the old id:
 * its rows are the new manifest's, only the record of it is lost); the
 * rollup's marks (migration 020), GNSS fixes
 * and DTC rows (one or none per batch: too few to be worth a COPY's round
 * trip) are inserted for those batches alone. Nearly always every offered
 * batch is claimed, so a row is kept by comparing two counts. The batch's
 * base time is part of its key and prunes the archive's partitions to one.
 * $1–$4: the offered batches (vehicle, seq, manifest, base time); $5–$10:
 * the marks (./rollup-marks.ts); $11–$20 fixes; $21–$26 DTC rows.
 */
const CLAIM = `
claimed AS (
  DELETE FROM unprojected_batches p
  USING unnest($1::int[], $2::bigint[], $3::int[], $4::bigint[]) WITH ORDINALITY AS k(v, q, m, t, i)
  WHERE p.vehicle_id = k.v AND p.seq = k.q AND p.base_time = ${EPOCH_US('k.t')}
  RETURNING k.i, p.vehicle_id, p.seq, p.base_time, k.m
), manifests AS (
  UPDATE batches b SET manifest_id = c.m FROM claimed c
  WHERE c.m <> 0 AND b.vehicle_id = c.vehicle_id AND b.seq = c.seq AND b.base_time = c.base_time
), marks AS (
  INSERT INTO signal_minutes_pending (vehicle_id, minute, signal_ids)
  SELECT u.v, u.m, ($10::int[])[u.o + 1 : u.o + u.n] FROM unnest($5::int[], $6::bigint[], $7::timestamptz[], $8::int[], $9::int[]) AS u(v, b, m, o, n)
  WHERE ${OF_CLAIMED}
), gnss AS (
  INSERT INTO gnss_fixes (time, vehicle_id, lat, lon, speed_mps, heading_deg, alt_m, hdop, satellites)
  SELECT u.t, u.v, u.la, u.lo, u.sp, u.hd, u.al, u.hp, u.sa
  FROM unnest($11::int[], $12::bigint[], $13::timestamptz[], $14::float8[], $15::float8[], $16::real[], $17::real[], $18::real[], $19::real[], $20::smallint[])
    AS u(v, b, t, la, lo, sp, hd, al, hp, sa)
  WHERE ${OF_CLAIMED}
), dtcs AS (
  INSERT INTO dtc_events (time, vehicle_id, ecu, dtc, status)
  SELECT u.t, u.v, u.e, u.d, u.s FROM unnest($21::int[], $22::bigint[], $23::timestamptz[], $24::int[], $25::int[], $26::smallint[]) AS u(v, b, t, e, d, s)
  WHERE ${OF_CLAIMED}
)`

/** On PostgreSQL: the claim, then its batches' samples by binary COPY in the same transaction. */
const CLAIM_STATEMENT = new Statement('pitwall_projection_claim', `WITH ${CLAIM} SELECT i FROM claimed`)

/**
 * On the embedded engine, whose host refuses COPY FROM STDIN: the samples
 * as unnest() parameters of the claiming statement too ($27–$31), so one
 * round trip and one implicit transaction.
 */
const CLAIM_AND_SAMPLES_SQL = `
WITH ${CLAIM}, samples AS (
  INSERT INTO signal_samples (time, vehicle_id, signal_id, value)
  SELECT u.t, u.v, u.s, u.x FROM unnest($27::int[], $28::bigint[], $29::timestamptz[], $30::int[], $31::float8[]) AS u(v, b, t, s, x)
  WHERE ${OF_CLAIMED}
)
SELECT i FROM claimed`

const COPY_SAMPLES = 'COPY signal_samples (time, vehicle_id, signal_id, value) FROM STDIN (FORMAT binary)'

const inWindow = (r: ProjectionRecord, timeUs: number): boolean =>
  (r.fromUs === undefined || timeUs >= r.fromUs) && (r.untilUs === undefined || timeUs < r.untilUs)

/** A batch's rows to write: those in its window when it has one (a reprojection's range), else all. */
interface BatchRows { samples: SampleColumns, gnss: readonly GnssRow[], dtcs: readonly DtcRow[] }

function rowsToWrite (r: ProjectionRecord): BatchRows {
  if (r.fromUs === undefined && r.untilUs === undefined) return r
  return { samples: windowSamples(r), gnss: r.gnss.filter((f) => inWindow(r, f.timeUs)), dtcs: r.dtcs.filter((d) => inWindow(r, d.timeUs)) }
}

/** What a group wrote: batches claimed (the others were claimed by another writer first) and their samples. */
interface GroupWritten { projected: number, samples: number }

/**
 * Writes the rows of the group's batches not yet projected, in one
 * transaction with their claim: samples by binary COPY after it (`copy`,
 * PostgreSQL) or in the claiming statement itself.
 */
async function projectGroup (pool: pg.Pool, records: readonly ProjectionRecord[], markedMinutes: MarkedMinutes, copy: boolean): Promise<GroupWritten> {
  const rows = records.map(rowsToWrite)
  const claim = [INT4, INT8, INT4, INT8].map((type) => new ArrayParam(type, records.length))
  const marks = new RollupMarks(records.length, markedMinutes)
  const gnss = [INT4, INT8, TIMESTAMPTZ, FLOAT8, FLOAT8, FLOAT4, FLOAT4, FLOAT4, FLOAT4, INT2].map((type) => new ArrayParam(type, records.length))
  const dtcs = [INT4, INT8, TIMESTAMPTZ, INT4, INT4, INT2].map((type) => new ArrayParam(type, 4))
  records.forEach((r, index) => {
    const b = index + 1
    const { samples: { timeUs, signalId }, gnss: fixes, dtcs: reports } = rows[index] as BatchRows
    pushRow(claim, r.vehicleId, r.seq, r.manifestId ?? 0, r.baseTimeUs)
    marks.add(r.vehicleId, b, timeUs, signalId)
    for (const f of fixes) pushRow(gnss, r.vehicleId, b, f.timeUs, f.lat, f.lon, f.speedMps, f.headingDeg, f.altM, f.hdop, f.satellites)
    for (const d of reports) pushRow(dtcs, r.vehicleId, b, d.timeUs, d.ecu, d.dtc, d.status)
  })
  const params = [...claim.map((a) => a.finish()), ...marks.finish(), ...[...gnss, ...dtcs].map((a) => a.finish())]
  const claimed = copy ? await claimAndCopy(pool, records, rows, params) : await claimWithSamples(pool, records, rows, params)
  marks.committed((_vehicleId, b) => claimed.has(b))
  let samples = 0
  for (const b of claimed) samples += (rows[b - 1] as BatchRows).samples.signalId.length
  return { projected: claimed.size, samples }
}

/** One statement; returns the ordinals (1-based) of the batches it claimed. */
async function claimWithSamples (pool: pg.Pool, records: readonly ProjectionRecord[], rows: readonly BatchRows[], params: Buffer[]): Promise<Set<number>> {
  let count = 0
  for (const r of rows) count += r.samples.signalId.length
  const samples = [INT4, INT8, TIMESTAMPTZ, INT4, FLOAT8].map((type) => new ArrayParam(type, count))
  records.forEach((r, index) => {
    const { timeUs, signalId, value } = (rows[index] as BatchRows).samples
    for (let i = 0; i < signalId.length; i++) pushRow(samples, r.vehicleId, index + 1, timeUs[i] as number, signalId[i] as number, value[i] as number)
  })
  const res = await pool.query<{ i: number }>(CLAIM_AND_SAMPLES_SQL, [...params, ...samples.map((a) => a.finish())])
  return new Set(res.rows.map((r) => r.i))
}

/**
 * The claim, then the claimed batches' samples by binary COPY into the
 * parent table (which routes each row to its day's partition, or chunk on
 * TimescaleDB), in one transaction: a batch's rows commit with its flag or
 * not at all. The samples are encoded before the claim; in the rare group
 * where another writer had some of its batches, again without those.
 * Committed synchronously although the recovery pass would redo a lost
 * commit: the rollup marks it writes are remembered (MarkedMinutes) once
 * committed, and a mark a database crash took back after an asynchronous
 * commit would leave its minute never rolled up.
 */
async function claimAndCopy (pool: pg.Pool, records: readonly ProjectionRecord[], rows: readonly BatchRows[], params: Buffer[]): Promise<Set<number>> {
  let samples = copySamples(records, rows)
  return await inTransaction(pool, async (client) => {
    const claimed = new Set((await client.query<{ i: number }>(CLAIM_STATEMENT.on(client, params))).rows.map((r) => r.i))
    if (claimed.size < records.length) samples = copySamples(records, rows, claimed)
    if (samples.tuples > 0) await copyIn(client, COPY_SAMPLES, samples)
    return claimed
  })
}

// one sample's COPY tuple: field count, then each field's length and value
const SAMPLE_TUPLE_BYTES = 2 + 4 + 8 + 4 + 4 + 4 + 4 + 4 + 8

/** The COPY data of the batches' samples; only of those whose ordinal `only` holds, when given. */
function copySamples (records: readonly ProjectionRecord[], rows: readonly BatchRows[], only?: Set<number>): BinaryCopy {
  let count = 0
  for (const r of rows) count += r.samples.signalId.length
  const copy = new BinaryCopy(32 + count * SAMPLE_TUPLE_BYTES)
  records.forEach((r, index) => {
    if (only !== undefined && !only.has(index + 1)) return
    const { timeUs, signalId, value } = (rows[index] as BatchRows).samples
    for (let i = 0; i < signalId.length; i++) copy.tuple(4).timestamp(timeUs[i] as number).int4(r.vehicleId).int4(signalId[i] as number).float8(value[i] as number)
  })
  return copy
}

function windowSamples (r: ProjectionRecord): SampleColumns {
  const out: SampleColumns = { timeUs: [], signalId: [], value: [] }
  const { timeUs, signalId, value } = r.samples
  for (let i = 0; i < signalId.length; i++) {
    if (!inWindow(r, timeUs[i] as number)) continue
    out.timeUs.push(timeUs[i] as number); out.signalId.push(signalId[i] as number); out.value.push(value[i] as number)
  }
  return out
}

function pushRow (cols: ArrayParam[], ...values: number[]): void {
  for (let i = 0; i < cols.length; i++) (cols[i] as ArrayParam).push(values[i] as number)
}
