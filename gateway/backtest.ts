/**
 * Backtest: a draft rule set over the stored raw batches of some vehicles and
 * a time range, through the same decoders and the same engine as live ingest
 * (TelemetryDecoder), reporting the faults it would have raised, with evidence,
 * before anyone enables it. Batches that ingest refused are skipped and counted.
 *
 * Each batch is decoded with the manifest version that decoded it when it
 * arrived (the batch records it), or the --can-dbc default where none did;
 * `trial` puts another manifest in for its model's vehicles, to try a new
 * DBC on old data before activating it.
 */
import type { BatchLimits } from '../decoders/batch-limits.js'
import { BatchRejected } from '../decoders/errors.js'
import type { CompiledManifest } from '../decoders/manifest/compile.js'
import type { SignalCatalog } from '../decoders/signal-catalog.js'
import { RuleEngine } from '../rules/engine.js'
import type { FaultEvent, RuleDefinition } from '../rules/model.js'
import type { ArchiveQuery, ArchivedBatch, BatchArchive } from '../storage/batch-archive.js'
import { TelemetryDecoder } from './telemetry-decoder.js'
import { PitwallError } from '../runtime/errors.js'

export interface BacktestFault extends FaultEvent {
  vin: string
}

export interface BacktestReport {
  batches: number
  vehicles: number
  skippedBatches: number
  /** which manifest decoded how many batches ("demo-ev@2", "default (--can-dbc)", "none") */
  decodedWith: Record<string, number>
  /** fault transitions in the order they would have happened per vehicle */
  events: BacktestFault[]
  /** opened + reoccurred per rule id */
  byRule: Record<string, number>
}

export interface BacktestDecoders {
  /** the catalog the rules and the decoders share (with a trial manifest's additions) */
  catalog: SignalCatalog
  /** a stored manifest version by id, compiled (cached by the caller) */
  stored: (id: number) => Promise<CompiledManifest>
  /** the --can-dbc default, for batches no stored manifest decoded */
  fallback?: CompiledManifest | undefined
  /** decodes every batch of its model's vehicles instead of what decoded them then */
  trial?: CompiledManifest | undefined
  /** the gateway's caps per batch (a stored batch over them is skipped); default DEFAULT_BATCH_LIMITS */
  limits?: Readonly<BatchLimits> | undefined
}

export async function runBacktest (archive: BatchArchive, rules: readonly RuleDefinition[], query: ArchiveQuery, decoders: BacktestDecoders): Promise<BacktestReport> {
  const engine = new RuleEngine({ catalog: decoders.catalog })
  // a draft is judged as if enabled
  const { skipped } = engine.setRules(rules.map((r) => ({ ...r, enabled: true })))
  if (skipped.length > 0) throw new PitwallError('PITWALL_ERR_RULE_FILE', `rule ${skipped[0]?.id as string}: ${skipped[0]?.reason as string}`)
  const decoder = new TelemetryDecoder(decoders.catalog, decoders.limits)
  const report: BacktestReport = { batches: 0, vehicles: 0, skippedBatches: 0, decodedWith: {}, events: [], byRule: {} }
  let lastVehicle = -1
  for await (const batch of archive.read(query)) {
    if (batch.vehicleId !== lastVehicle) {
      report.vehicles++
      lastVehicle = batch.vehicleId
    }
    const manifest = await manifestOf(batch, decoders)
    let events: FaultEvent[]
    try {
      events = decoder.evaluate(engine, batch, decoder.decode(batch.vin, batch.payload, Number.MAX_SAFE_INTEGER, manifest))
    } catch (err) {
      if (!(err instanceof BatchRejected)) throw err
      report.skippedBatches++
      continue
    }
    report.batches++
    const label = manifest?.label ?? 'none'
    report.decodedWith[label] = (report.decodedWith[label] ?? 0) + 1
    for (const e of events) {
      report.events.push({ ...e, vin: batch.vin })
      if (e.type !== 'cleared') report.byRule[e.ruleId] = (report.byRule[e.ruleId] ?? 0) + 1
    }
  }
  return report
}

async function manifestOf (batch: ArchivedBatch, decoders: BacktestDecoders): Promise<CompiledManifest | undefined> {
  if (decoders.trial !== undefined && batch.model === decoders.trial.model) return decoders.trial
  if (batch.manifestId > 0) return await decoders.stored(batch.manifestId)
  return decoders.fallback
}
