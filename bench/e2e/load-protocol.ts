/**
 * What the throughput bench (parent) and its load workers (child processes)
 * say to each other over the fork IPC channel: plain records, no classes.
 */
import type { VehicleCredential } from '../../sim/credentials.js'

/** A vehicle and the broker it connects to (mqtt://host:port): the parent spreads the fleet over a cluster's nodes. */
export type RoutedCredential = VehicleCredential & { url: string }

/** parent -> worker */
export type WorkerCommand =
  | { type: 'connect', vehicles: RoutedCredential[], anonymous: boolean }
  | { type: 'disconnect' }
  | { type: 'run', run: RunSpec }
  | { type: 'flood', runId: number, qos: 0 | 1, durationMs: number, maxOutstanding: number }
  | { type: 'acked-seqs' }
  | { type: 'exit' }

/** worker -> parent */
export type WorkerReply =
  | { type: 'ready', canFrames: number, payloadBytes: number }
  | { type: 'connected', connected: number, failed: number, firstError?: string }
  | { type: 'disconnected' }
  | { type: 'result', report: RunReport }
  | { type: 'acked-seqs', vins: string[], seqs: number[][] }
  | { type: 'failed', message: string }

/**
 * One open-loop run: this worker's share of the offered rate, on a schedule
 * computed from the start, so a slow acknowledgement never delays a later
 * send (no coordinated omission). Time runs from the worker's start:
 * [0, warmupMs) warm-up, [warmupMs, warmupMs + measureMs) measured window,
 * then up to drainMs for the last acknowledgements.
 */
export interface RunSpec {
  runId: number
  qos: 0 | 1
  /** batches/s this worker offers (its share of the total) */
  ratePerS: number
  /** this worker's first send is offset by phase / ratePerS, so workers interleave */
  phase: number
  warmupMs: number
  measureMs: number
  drainMs: number
  /**
   * At most this many publishes of one vehicle unacknowledged, as a T-box
   * with a PUBACK window: a publish that falls due with the window full
   * waits on the vehicle (its backlog, kept across runs) and is sent when
   * an acknowledgement frees a place; its latency still counts from when it
   * fell due. Absent: no window (mqtt.js sends at once).
   */
  vehicleWindow?: number | undefined
}

export interface RunReport {
  runId: number
  qos: 0 | 1
  /** the measured window, ms */
  windowMs: number
  /** publishes scheduled in the measured window */
  scheduledInWindow: number
  /** publishes handed to mqtt.js (whole run) */
  sent: number
  /** acknowledgements (QoS 1: PUBACK; QoS 0: written to the socket) received inside the measured window */
  completedInWindow: number
  /** acknowledgements of the whole run, by the end of the drain */
  completed: number
  /** publishes still unacknowledged when the drain ended (sent, or waiting on their vehicle) */
  pending: number
  /** of those, waiting on their vehicle for a place in its window (vehicleWindow) */
  backlog: number
  /** publishes that failed (connection closed, refused) */
  errors: number
  firstError?: string
  /** scheduled send -> acknowledgement (ms) of every publish scheduled in the window and acknowledged */
  latenciesMs: number[]
  /** how late the worker was on its own schedule at send time (ms): p99 and max; large = the generator is the bottleneck */
  sendLagP99Ms: number
  sendLagMaxMs: number
}
