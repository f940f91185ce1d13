/**
 * One telemetry PUBLISH -> a stored batch or a dead letter. The returned
 * promise settles when the outcome is durable; the broker releases the
 * PUBACK then and not before.
 */
import type { BatchLimits } from '../decoders/batch-limits.js'
import { BatchRejected } from '../decoders/errors.js'
import { faultyCount, REJECTION_LABELS, type SampleRejections } from '../decoders/sample-rejections.js'
import type { SignalCatalog } from '../decoders/signal-catalog.js'
import type { RuleEngine } from '../rules/engine.js'
import type { FaultEvent } from '../rules/model.js'
import type { BatchWriter } from '../storage/batch-writer.js'
import type { Storage } from '../storage/index.js'
import type { SampleProjector } from '../storage/projector.js'
import { selectStoredSamples, StoredSignals } from '../storage/sample-thinning.js'
import type { DecoderRegistry } from './decoder-registry.js'
import type { LiveSignalTap } from './events/live-tap.js'
import { TelemetryDecoder, type TelemetryVehicle } from './telemetry-decoder.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import { isPitwallError } from '../runtime/errors.js'

export interface IngestDeps {
  /** archives a batch and queues its rows for projection (storage/index.ts storeBatch) */
  store: Storage['storeBatch']
  /** the dead letters' writer */
  writer: Pick<BatchWriter, 'writeDeadLetter'>
  projector: Pick<SampleProjector, 'room'>
  metrics: Metrics
  log: Logger
  /** Unix epoch microseconds; injectable for tests */
  nowUs?: () => number
  /** the manifest of each vehicle model (and the --can-dbc default); without one a batch's CAN frames are stored raw only */
  decoders?: DecoderRegistry | undefined
  /** the catalog as it grows: edge-decoded signals may carry the ids manifests added */
  catalog: SignalCatalog
  /** caps per batch (the PITWALL_MAX_*_PER_BATCH settings); default DEFAULT_BATCH_LIMITS */
  batchLimits?: Readonly<BatchLimits> | undefined
  /**
   * Stores a firmware version a vehicle's batch reported that differs from
   * the one known for it (after an OTA update). Off the PUBACK path: the
   * batch does not wait for it.
   */
  firmwareReported?: (vehicleId: number, firmware: string) => Promise<void>
  /** rules over every decoded sample; their fault events are stored before the PUBACK */
  rules?: { engine: RuleEngine, record: (events: FaultEvent[]) => Promise<void> } | undefined
  /** live signals (events/live-tap.ts): a vehicle nobody watches costs it one Set lookup */
  live?: Pick<LiveSignalTap, 'offer'> | undefined
}

export interface IngestVehicle extends TelemetryVehicle {
  /** what storage last kept of each signal, for the connection (sample-thinning.ts) */
  storedSignals?: StoredSignals | undefined
  /** when the connection's last warning about left-out values was logged (ms, the ingest clock) */
  rejectionsWarnedAtMs?: number | undefined
  /** batches with left-out values since that warning, not logged at warn level */
  rejectionsUnwarned?: number | undefined
}

/**
 * At most one warning per vehicle connection this often about values left
 * out of its batches: a T-box whose sensor reads NaN at 20 Hz would otherwise
 * log 20 lines a second; the metric counts every one.
 */
const REJECTIONS_WARN_INTERVAL_MS = 60_000

export interface DeadLetterReason {
  code: string
  message: string
}

/**
 * Of a batch refused for what it holds (malformed, over a cap, …), the dead
 * letter keeps this much, and its whole size: enough to read its header and
 * see what was wrong. Kept whole, a vehicle sending 1 MB batches of empty
 * GNSS fixes put 1 MB into the shared group commit per batch and moved honest
 * vehicles' PUBACK p99 from 9 to 64 ms (bench hostile-vehicle); its ingest
 * rate is already capped, so what it sends is paid for, not stored.
 * Batches refused for other reasons (a reused seq, a database refusal) are
 * real data and kept whole.
 */
export const REFUSED_PAYLOAD_KEPT_BYTES = 64 * 1024

/** The nonzero counts by `source.reason`, for a log line. */
function rejectionCounts (rejected: SampleRejections): Record<string, number> {
  return Object.fromEntries(REJECTION_LABELS.filter(([key]) => rejected[key] > 0).map(([key, l]) => [`${l.source}.${l.reason}`, rejected[key]]))
}

export class TelemetryIngest {
  private readonly nowUs: () => number
  private readonly decoder: TelemetryDecoder

  constructor (private readonly deps: IngestDeps) {
    this.nowUs = deps.nowUs ?? (() => Date.now() * 1000)
    this.decoder = new TelemetryDecoder(deps.catalog, deps.batchLimits)
  }

  async accept (vehicle: IngestVehicle, topic: string, payload: Buffer): Promise<void> {
    const { vin, vehicleId } = vehicle
    const started = performance.now()
    const { metrics } = this.deps
    const manifest = this.deps.decoders?.forModel(vehicle.model)
    let decoded
    try {
      decoded = this.decoder.decode(vin, payload, this.nowUs(), manifest)
    } catch (err) {
      if (!(err instanceof BatchRejected)) throw err
      // what a refused batch costs the fleet's commits is bounded by what is kept of it
      await this.deadLetter(vin, topic, payload.subarray(0, REFUSED_PAYLOAD_KEPT_BYTES), payload.length, { code: err.code, message: err.message })
      return
    }
    // before thinning appends to rows.samples, and before the decoder's buffers are reused
    this.deps.live?.offer(vin, decoded)
    const { batch, rows, canSamples, unknownFrames } = decoded
    const canSignals = canSamples?.length ?? 0
    // Rules first, on every sample; thinning for storage after (it appends to rows.samples).
    let faultEvents: FaultEvent[] = []
    const rules = this.deps.rules
    if (rules !== undefined) {
      faultEvents = this.decoder.evaluate(rules.engine, vehicle, decoded)
      if (faultEvents.length > 0) metrics.faultEvents.inc(faultEvents.length)
    }
    if (manifest !== undefined && canSamples !== undefined) {
      let stored = vehicle.storedSignals
      if (stored?.manifest !== manifest) vehicle.storedSignals = stored = new StoredSignals(manifest)
      selectStoredSamples(canSamples, stored, rows.samples)
    }
    // Fault transitions are stored alongside the batch, both before the PUBACK. A failure to
    // store them is logged and counted but does not hold back the batch: it is durable, and
    // withholding its PUBACK would not bring the transitions back (the rules' state already moved).
    const faultsStored = faultEvents.length > 0 && rules !== undefined
      ? rules.record(faultEvents).catch((err: unknown) => {
        metrics.storageErrors.inc()
        this.deps.log.error({ vin, err: (err as Error).message, events: faultEvents.length }, 'fault events not stored')
      })
      : undefined
    try {
      // past the projector's bound the PUBACK waits: a database that cannot keep up slows the vehicles, not memory
      await this.deps.projector.room()
      const outcome = await this.deps.store({
        vehicleId,
        seq: batch.seq,
        baseTimeUs: batch.baseTimeUs,
        canFrames: batch.canFrames,
        manifestId: manifest?.id ?? 0,
        payload,
        samples: rows.samples,
        gnss: rows.gnss,
        dtcs: rows.dtcs
      })
      metrics.batches.inc({ outcome })
      if (outcome === 'seq_reused') {
        // Acknowledging it as a duplicate would drop new data without a trace.
        await this.deadLetter(vin, topic, payload, payload.length, {
          code: 'PITWALL_ERR_SEQ_REUSED',
          message: `batch ${batch.seq} from ${vin} differs from the batch already stored under that seq: the T-box's seq counter went back`
        })
        return
      }
      if (outcome === 'stored') {
        if (batch.firmware !== '' && batch.firmware !== vehicle.firmware) this.noteFirmware(vehicle, batch.firmware)
        metrics.canFrames.inc(batch.canFrames)
        if (manifest === undefined && batch.canFrames > 0) metrics.batchesWithoutManifest.inc({ model: vehicle.model ?? '' })
        if (canSignals > 0) metrics.canSignals.inc(canSignals)
        if (unknownFrames > 0) metrics.unknownCanFrames.inc(unknownFrames)
        this.countRejections(vehicle, batch.seq, rows.rejected)
        if (rows.undecodedObd > 0) metrics.undecodedObd.inc(rows.undecodedObd)
      }
    } catch (err) {
      // The database refused this batch for good (not an outage): keep it as a dead letter.
      if (!isPitwallError(err, 'PITWALL_ERR_STORAGE_REJECTED')) throw err
      await this.deadLetter(vin, topic, payload, payload.length, { code: err.code, message: err.message })
      return
    }
    if (faultsStored !== undefined) await faultsStored
    metrics.pubackLatency.observe((performance.now() - started) / 1000)
  }

  /**
   * Counts a stored batch's left-out values by source and reason, and says
   * which batch carried them: at debug for every batch, at warn once per
   * REJECTIONS_WARN_INTERVAL_MS per connection ("not applicable" OBD-II
   * values are the ECU's own answer: counted, never warned about).
   */
  private countRejections (vehicle: IngestVehicle, seq: number, rejected: SampleRejections): void {
    let any = false
    for (const [key, labels] of REJECTION_LABELS) {
      const n = rejected[key]
      if (n === 0) continue
      this.deps.metrics.samplesRejected.inc(labels, n)
      any = true
    }
    if (!any) return
    const { log } = this.deps
    // the counts object is built only for a line that is written: "not applicable" OBD values come in every batch of some vehicles
    if (log.isLevelEnabled('debug')) log.debug({ vin: vehicle.vin, seq, rejected: rejectionCounts(rejected) }, 'batch values left out of the rows and the rules')
    if (faultyCount(rejected) === 0) return
    const nowMs = this.nowUs() / 1000
    const last = vehicle.rejectionsWarnedAtMs
    if (last !== undefined && nowMs - last < REJECTIONS_WARN_INTERVAL_MS) {
      vehicle.rejectionsUnwarned = (vehicle.rejectionsUnwarned ?? 0) + 1
      return
    }
    log.warn({ vin: vehicle.vin, seq, rejected: rejectionCounts(rejected), batchesSinceLastWarning: vehicle.rejectionsUnwarned ?? 0 },
      'batch carried values that are not readings (NaN, infinite, outside their range, unknown signal): left out of the rows and the rules, kept in the raw batch')
    vehicle.rejectionsWarnedAtMs = nowMs
    vehicle.rejectionsUnwarned = 0
  }

  // `vehicle` is the connection's session: remembering the version there
  // makes this one UPDATE per change, not one per batch.
  private noteFirmware (vehicle: IngestVehicle, firmware: string): void {
    const known = vehicle.firmware
    vehicle.firmware = firmware
    const store = this.deps.firmwareReported
    if (store === undefined) return
    store(vehicle.vehicleId, firmware).catch((err: unknown) => {
      // forget it, so the vehicle's next batch tries again
      if (vehicle.firmware === firmware) vehicle.firmware = known
      this.deps.log.warn({ vin: vehicle.vin, firmware, err: (err as Error).message }, 'reported firmware not stored; retrying with the next batch')
    })
  }

  /** Stores a refused payload (or just its size, when `payload` is null) with the reason. */
  async deadLetter (vin: string | null, topic: string, payload: Buffer | null, size: number, reason: DeadLetterReason): Promise<void> {
    this.deps.metrics.deadLetters.inc({ code: reason.code })
    this.deps.log.warn({ vin, topic, code: reason.code, size }, reason.message)
    await this.deps.writer.writeDeadLetter({
      vin,
      topic,
      reasonCode: reason.code,
      reason: reason.message,
      payloadSize: size,
      payload
    })
  }
}
