/** The figures of the API section, as results.json holds them. */
import type { LatencySummary } from '../e2e/throughput-model.js'
import type { SeedVolume } from './seed.js'

export type EndpointName = 'state' | 'history' | 'list' | 'quality'

/** One reader's requests in one phase, pooled over its windows. */
export interface ReaderFigures {
  /** latencies of the requests that answered 200: request sent -> whole body read (ms) */
  latencyMs?: LatencySummary
  errors: number
  firstError?: string
}

export interface EndpointResult {
  name: EndpointName
  label: string
  /** the request as sent (the VIN and times of this run) */
  request: string
  targetP99Ms: number
  /** why it was not measured: its route is not there, or it did not answer what was asked */
  skipped?: string
  /** the first request after the gateway started (caches and JIT cold), ms */
  firstMs?: number
  /** what the body held, e.g. "5 series, 1,440 buckets" */
  answer?: string
  responseBytes?: number
  /** this reader by itself, no ingest and no other reader: the baseline */
  alone: ReaderFigures
  /** with the other readers, while ingest ran at half its maximum */
  underIngest: ReaderFigures
  met?: boolean
}

/** One open-loop QoS 1 ingest run (or several pooled), as the throughput section measures one. */
export interface IngestFigures {
  offeredPerS: number
  acceptedPerS: number
  latencyMs?: LatencySummary
  /** p99 of each run, in order */
  runP99Ms: number[]
  errors: number
  pendingAfterDrain: number
  /** % of one core over the measured windows: the gateway process, and the bench database's PostgreSQL processes */
  gatewayCpuPct: number
  databaseCpuPct: number
  sendLagP99Ms: number
}

export interface SearchStep {
  offeredPerS: number
  acceptedPerS: number
  p99Ms?: number
  /** batches the projector's queue grew by over the window (its trend) */
  projectionGrowth?: number
  passed: boolean
}

export interface ApiBenchResult {
  mode: 'quick' | 'full'
  /** when the section started (ISO 8601): a section may be run alone, after the others (`--only api`) */
  startedAt: string
  cores: number
  volume: SeedVolume
  /** vehicles the load generator drives (on top of the seeded fleet), CAN frames per batch */
  loadVehicles: number
  canFramesPerBatch: number
  plan: { searchWarmupMs: number, searchMeasureMs: number, warmupMs: number, windowMs: number, runs: number, aloneMs: number, readerIntervalMs: number, maxRequestsPerEndpoint: number }
  search: SearchStep[]
  /** accepted rate of the median run at the highest rate that held (every one of plan.runs runs passing); half of it is the load of every other run */
  maxPerS: number
  /** the runs at that rate, the search's first */
  maxRuns?: SearchStep[]
  halfLoadPerS: number
  /** ingest at half load, alternating runs without and with the readers */
  withoutReaders: IngestFigures
  withReaders: IngestFigures
  /** PUBACK p99 with readers over without, per pair of runs */
  pairP99Ratios: number[]
  /** the median of pairP99Ratios: the target is ≤ 1 */
  pubackP99Ratio: number
  /** the pooled p99s' ratio */
  pooledP99Ratio?: number
  endpoints: EndpointResult[]
  notes: string[]
  elapsedS: number
}
