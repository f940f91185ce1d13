/** The history rows of storage/telemetry.ts with their columns read back from the JSON the database wrote. */
import type { SignalBucketColumns, SignalBuckets } from '../../storage/telemetry.js'

export type ParsedBuckets = SignalBucketColumns & { signalId: number }

export function parsedBuckets (rows: readonly SignalBuckets[]): ParsedBuckets[] {
  return rows.map(({ signalId, columnsJson }) => ({ signalId, ...JSON.parse(columnsJson) as SignalBucketColumns }))
}
