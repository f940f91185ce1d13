/**
 * Decoded rows rebuilt from the raw archive, through the decoders live
 * ingest uses (TelemetryDecoder, the manifest that decoded the batch, the
 * storage thinning per vehicle), for the projector (storage/projector.ts),
 * which writes a batch's rows once whoever offers them:
 *
 * - recovery: batches a node archived but never projected (it stopped
 *   between the PUBACK and writing the rows) are found by a periodic pass on
 *   every node and decoded again;
 * - `pitwall reproject`: the rows of a time range are deleted and rebuilt,
 *   with the batches' own manifests or another version (a new DBC on old
 *   data), which the batches then record.
 */
import type { BatchLimits } from '../decoders/batch-limits.js'
import { BatchRejected } from '../decoders/errors.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { SignalCatalog } from '../decoders/signal-catalog.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { ArchivedBatch, BatchArchive } from '../storage/batch-archive.js'
import type { ProjectionRecord, SampleProjector } from '../storage/projector.js'
import { selectStoredSamples, StoredSignals } from '../storage/sample-thinning.js'
import type { Logger } from './logger.js'
import { TelemetryDecoder } from './telemetry-decoder.js'

export interface ArchiveDecoders {
  catalog: SignalCatalog
  /** a stored manifest version by id, compiled (cached by the caller) */
  stored: (id: number) => Promise<CompiledManifest>
  /** the --can-dbc default, for batches no stored manifest decoded */
  fallback?: CompiledManifest | undefined
  limits?: Readonly<BatchLimits> | undefined
}

/** One run over archived batches: the decoder and each vehicle's thinning state, as a connection's in ingest. */
export class ArchiveRedecoder {
  private readonly decoder: TelemetryDecoder
  private readonly thinning = new Map<number, StoredSignals>()

  constructor (private readonly decoders: ArchiveDecoders) {
    this.decoder = new TelemetryDecoder(decoders.catalog, decoders.limits)
  }

  /**
   * The batch's rows, decoded with `manifest` (default: the one that decoded
   * it when it arrived); undefined when the batch does not decode (it was
   * refused then too, or the caps are lower now).
   */
  async record (batch: ArchivedBatch, manifest?: CompiledManifest): Promise<ProjectionRecord | undefined> {
    const using = manifest ?? (batch.manifestId > 0 ? await this.decoders.stored(batch.manifestId) : this.decoders.fallback)
    let decoded
    try {
      // no clock: an archived batch was within bounds when it was accepted
      decoded = this.decoder.decode(batch.vin, batch.payload, Number.MAX_SAFE_INTEGER, using)
    } catch (err) {
      if (err instanceof BatchRejected) return undefined
      throw err
    }
    const { rows, canSamples } = decoded
    if (using !== undefined && canSamples !== undefined) {
      let state = this.thinning.get(batch.vehicleId)
      if (state?.manifest !== using) this.thinning.set(batch.vehicleId, state = new StoredSignals(using))
      selectStoredSamples(canSamples, state, rows.samples)
    }
    return { vehicleId: batch.vehicleId, seq: batch.seq, baseTimeUs: batch.baseTimeUs, samples: rows.samples, gnss: rows.gnss, dtcs: rows.dtcs, ...(manifest !== undefined ? { manifestId: manifest.id } : {}) }
  }
}

/** A batch that no longer decodes, offered without rows so that it counts as projected and is not looked at again. */
function noRows (batch: ArchivedBatch): ProjectionRecord {
  return { vehicleId: batch.vehicleId, seq: batch.seq, baseTimeUs: batch.baseTimeUs, samples: { timeUs: [], signalId: [], value: [] }, gnss: [], dtcs: [] }
}

/** The most batches one recovery pass decodes before letting the projector write them. */
const RECOVERY_PAGE = 500

export interface ProjectionRecoveryDeps {
  archive: Pick<BatchArchive, 'unprojected' | 'forgetGone' | 'vacuumQueues'>
  projector: Pick<SampleProjector, 'add' | 'room' | 'written' | 'lagMs'>
  decoders: ArchiveDecoders
  /** pass interval, and how old an unprojected batch must be to count as left behind */
  intervalMs: number
  log: Pick<Logger, 'info' | 'warn' | 'error'>
  /** batches found and offered again */
  recovered?: (n: number) => void
}

/**
 * Every `intervalMs`, batches unprojected for longer than that are decoded
 * again and offered to the projector. A batch still queued on a live node
 * that lags that much may be offered twice; the projector's claim writes it
 * once. While this node's own projector lags that much (looked at before
 * each page, so never its own queue), the pass waits: its backlog, not a
 * crash, is the likely reason.
 */
export class ProjectionRecovery {
  private readonly passes: PeriodicPass

  constructor (private readonly deps: ProjectionRecoveryDeps) {
    this.passes = new PeriodicPass(async () => { await this.runOnce() }, (err) => {
      deps.log.error({ err: err.message }, 'unprojected batches not recovered; trying again')
    })
  }

  start (): void {
    this.passes.start(this.deps.intervalMs)
    // a node that stopped before writing rows left them for the next start: look at once
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  /** One pass; returns how many batches it offered. */
  async runOnce (): Promise<number> {
    const { archive, projector, intervalMs, log } = this.deps
    let offered = 0
    const redecoder = new ArchiveRedecoder(this.deps.decoders)
    for (;;) {
      // Checked before each page, not once: a pass waits on room() beside ingest, and a projector
      // that came to lag more than intervalMs meanwhile would have the next page take its own queue.
      if (projector.lagMs > intervalMs) break
      const batches = await archive.unprojected(intervalMs, RECOVERY_PAGE)
      for (const batch of batches) {
        await projector.room()
        const record = await redecoder.record(batch)
        projector.add(record ?? noRows(batch))
        offered++
      }
      // written before the next page is read, or the same batches would be read again
      await projector.written()
      if (batches.length < RECOVERY_PAGE) break
    }
    const gone = await archive.forgetGone(intervalMs)
    if (gone > 0) log.warn({ batches: gone }, 'unprojected batches whose archive retention dropped first: nothing left to decode')
    await archive.vacuumQueues()
    if (offered > 0) {
      this.deps.recovered?.(offered)
      log.warn({ batches: offered }, 'batches stored without their decoded rows (a node stopped first): decoded again from the archive')
    }
    return offered
  }
}

export interface ReprojectRange {
  fromUs: number
  toUs: number
  vins?: readonly string[] | undefined
  /** decode the batches of its model's vehicles with this manifest instead of their own */
  manifest?: CompiledManifest | undefined
}

export interface ReprojectReport {
  batches: number
  /** rows deleted, then written */
  deleted: { samples: number, gnss: number, dtcs: number }
  written: { samples: number }
  /** batches that no longer decode (rows left out) */
  skipped: number
}

/** How far before a range a batch may begin and still hold rows in it: a T-box's buffered batch spans minutes, not hours. */
export const REPROJECT_SPAN_US = 3600e6

/**
 * Rebuilds the decoded rows of [fromUs, toUs): deletes them, marks the
 * batches that may hold rows in the range unprojected, decodes those again
 * and writes only rows inside the range, so rows outside it are untouched.
 */
export async function reproject (archive: Pick<BatchArchive, 'unproject' | 'unprojectedIn'>, projector: Pick<SampleProjector, 'add' | 'room' | 'idle'>,
  decoders: ArchiveDecoders, range: ReprojectRange, onSamples: (n: number) => void = () => {}): Promise<ReprojectReport> {
  const span = { fromUs: range.fromUs, toUs: range.toUs, vins: range.vins, spanUs: REPROJECT_SPAN_US }
  const deleted = await archive.unproject(span)
  const redecoder = new ArchiveRedecoder(decoders)
  let batches = 0
  let skipped = 0
  let samples = 0
  for await (const batch of archive.unprojectedIn(span)) {
    await projector.room()
    const manifest = range.manifest !== undefined && batch.model === range.manifest.model ? range.manifest : undefined
    const record = await redecoder.record(batch, manifest)
    if (record === undefined) skipped++
    const rows = record ?? noRows(batch)
    projector.add({ ...rows, fromUs: range.fromUs, untilUs: range.toUs })
    batches++
    for (const t of rows.samples.timeUs) if (t >= range.fromUs && t < range.toUs) samples++
  }
  await projector.idle()
  onSamples(samples)
  return { batches, deleted: { samples: deleted.samples, gnss: deleted.gnss, dtcs: deleted.dtcs }, written: { samples }, skipped }
}
