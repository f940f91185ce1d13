/** The figures of the end-to-end throughput bench, as results.json holds them. */
import type { CorePair } from './pinning.js'

export type TargetName = 'pitwall' | 'raw-aedes' | 'mosquitto'

export interface LatencySummary {
  count: number
  p50: number
  p99: number
  p999: number
  max: number
}

/** One run's own figures, kept when a step is repeated: the spread between runs. */
export interface RunFigures {
  acceptedPerS?: number
  latencyMs?: LatencySummary
  targetCpuPct?: number
  databaseCpuPct?: number
  redisCpuPct?: number
  generatorCpuPct: number
  errors: number
  passed: boolean
  /** what a failed run missed */
  failedBy?: FailedBy[]
}

/** The pass conditions a step can miss (throughput-steps.ts MIN_ACCEPTED, MAX_P99_MS, MAX_PROJECTION_GROWTH). */
export type FailedBy = 'accepted' | 'p99' | 'errors' | 'rows behind'

/**
 * One run at one offered rate, or several (`runs`) merged: latencies pooled
 * over every run, rates and CPU of the median run (by accepted rate), errors
 * summed, passed only if every run passed. Rates are batches/s, CPU is % of
 * one core over the measured window.
 */
export interface StepResult {
  qos: 0 | 1
  offeredPerS: number
  /** what the generator handed to mqtt.js, whole run */
  sentPerS: number
  /** QoS 1: PUBACKs in the window; QoS 0: batches the broker took in (stored, for Pitwall); absent when the broker cannot tell */
  acceptedPerS?: number
  canFramesPerS?: number
  /** Pitwall only: batches its projector's queue grew by over the window (decoded rows falling behind the PUBACKs) */
  projectionGrowth?: number
  /** what a failed step missed */
  failedBy?: FailedBy[]
  /** Pitwall only: how long the step waited for the one before to be done (bench/e2e/settle.ts), and whether it was */
  settle?: { ms: number, done: boolean }
  /** Pitwall only, from its /metrics in the window */
  decodedSignalsPerS?: number
  rowsPerS?: number
  faultEventsPerS?: number
  /** scheduled send -> PUBACK (QoS 1), over the publishes scheduled in the window */
  latencyMs?: LatencySummary
  /**
   * Half-load steps only: the same latencies sorted, at up to 1,000 evenly
   * spaced ranks, the fastest and slowest included, to 3 significant digits
   * (cdfPoints in throughput.ts): the latency CDF chart's points, few enough
   * for results.json
   */
  latencyCdfMs?: number[]
  errors: number
  firstError?: string
  pendingAfterDrain: number
  targetCpuPct?: number
  /** Pitwall only: the bench database's backends and the cluster's WAL writer, checkpointer and background writer */
  databaseCpuPct?: number
  /** Pitwall nodes sharing a Redis (scale-out section): the Redis server */
  redisCpuPct?: number
  generatorCpuPct: number
  rssMiB?: number
  peakRssMiB?: number
  sendLagP99Ms: number
  passed: boolean
  cappedByGenerator: boolean
  /** present when the step was repeated: each run, in order, each with its own warm-up, window and drain */
  runs?: RunFigures[]
}

export interface TargetResult {
  name: TargetName
  label: string
  skipped?: string
  search: StepResult[]
  /** accepted rate of the median run at the highest QoS 1 rate that held (`atMax`) */
  maxQos1PerS: number
  /** the highest passing rate of the search that held: run until it has been run `plan.repeats` times (the search's run first), every run passing */
  atMax?: StepResult
  /** rates above `atMax` whose repeated runs did not all pass, highest first: how many of how many passed */
  notHeld?: Array<{ offeredPerS: number, runs: number, passed: number, failedBy: FailedBy[] }>
  maxCappedByGenerator: boolean
  /** no step failed: the search stopped at the generator's ceiling, so the maximum is a lower bound */
  maxIsLowerBound: boolean
  /** accepted rate of the failing step(s): the saturated throughput */
  saturatedPerS?: number
  halfLoad?: StepResult
  qos0?: StepResult
}

/** What a run of the load generator against gateways was: the machine's cores, the fleet and its batches, the rules. */
export interface LoadRunShape {
  mode: 'quick' | 'full'
  cores: number
  vehicles: number
  workers: number
  canFramesPerBatch: number
  payloadBytes: number
  rules: number
}

export interface ThroughputResult extends LoadRunShape {
  /** repeats: runs at the maximum and at half load, each with its own warm-up and drain */
  plan: { warmupMs: number, measureMs: number, ladder: number[], halfLoadMs: number, qos0Ms: number, repeats: number, minAccepted: number, maxP99Ms: number }
  /** closed-loop publish rates the workers reach against raw aedes */
  generator: { qos0PerS: number, qos1PerS: number }
  halfLoadPerS: number
  fullLoadPerS: number
  targets: TargetResult[]
  /** every batch Pitwall acknowledged at QoS 1, looked up in its database */
  loss: { checked: number, lost: number, storedBatches: number }
  sanity: {
    vehicles: number
    ratePerVehicle: number
    durationMs: number
    rawAedes: { sent: number, acknowledged: number, errors: number, ok: boolean }
    pitwall: { sent: number, acknowledged: number, errors: number, ok: boolean }
  }
  ratios: { pitwallVsRawAedesQos1?: number | undefined, pitwallVsMosquittoQos1?: number | undefined, halfLoadP99VsRawAedes?: number | undefined }
  notes: string[]
  /** the same targets with the generator and the target on cores of their own, or why not */
  pinned: PinnedResult | { skipped: string }
  elapsedS: number
}

/**
 * The pinned mode (issue 19 item 5): the load workers and the bench on one
 * core, the target on another; Pitwall on a private PostgreSQL cluster and
 * Mosquitto a private one, both on the target's core. Per target the QoS 1
 * search and its maximum repeated, and QoS 1 at half of Pitwall's maximum
 * in this mode; no QoS 0.
 */
export interface PinnedResult {
  cores: CorePair
  /** the shared server's settings the private cluster ran with */
  postgresSettings: Record<string, string>
  /** the generator's ceiling on its one core, closed loop against raw aedes */
  generator: { qos0PerS: number, qos1PerS: number }
  halfLoadPerS: number
  targets: TargetResult[]
  loss: { checked: number, lost: number, storedBatches: number }
  notes: string[]
  elapsedS: number
}
