/**
 * Backtest: a draft rule set over the stored raw batches of some vehicles and
 * a time range, through the same decoders and the same engine as live ingest
 * (TelemetryDecoder), reporting the faults it would have raised, with evidence,
 * before anyone enables it. Batches that ingest refused are skipped and counted.
 */
import { BatchRejected } from '../decoders/errors.js'
import { RuleEngine } from '../rules/engine.js'
import type { FaultEvent, RuleDefinition } from '../rules/model.js'
import type { ArchiveQuery, BatchArchive } from '../storage/batch-archive.js'
import { TelemetryDecoder } from './telemetry-decoder.js'
import type { CanDecoding } from './can-network.js'

export interface BacktestFault extends FaultEvent {
  vin: string
}

export interface BacktestReport {
  batches: number
  vehicles: number
  skippedBatches: number
  /** fault transitions in the order they would have happened per vehicle */
  events: BacktestFault[]
  /** opened + reoccurred per rule id */
  byRule: Record<string, number>
}

export async function runBacktest (archive: BatchArchive, rules: readonly RuleDefinition[], query: ArchiveQuery, can: CanDecoding | undefined): Promise<BacktestReport> {
  const engine = new RuleEngine()
  // a draft is judged as if enabled
  engine.setRules(rules.map((r) => ({ ...r, enabled: true })))
  const decoder = new TelemetryDecoder(can)
  const report: BacktestReport = { batches: 0, vehicles: 0, skippedBatches: 0, events: [], byRule: {} }
  let lastVehicle = -1
  for await (const batch of archive.read(query)) {
    if (batch.vehicleId !== lastVehicle) {
      report.vehicles++
      lastVehicle = batch.vehicleId
    }
    let events: FaultEvent[]
    try {
      events = decoder.evaluate(engine, batch, decoder.decode(batch.vin, batch.payload, Number.MAX_SAFE_INTEGER))
    } catch (err) {
      if (!(err instanceof BatchRejected)) throw err
      report.skippedBatches++
      continue
    }
    report.batches++
    for (const e of events) {
      report.events.push({ ...e, vin: batch.vin })
      if (e.type !== 'cleared') report.byRule[e.ruleId] = (report.byRule[e.ruleId] ?? 0) + 1
    }
  }
  return report
}
