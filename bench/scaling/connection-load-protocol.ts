/** What the connection-scaling bench and its load processes say over the fork IPC channel. */
import type { VehicleCredential } from '../../sim/credentials.js'

/** parent -> load process */
export type LoadCommand =
  /** open a connection per vehicle (on top of those already open); give up at `deadline` (epoch ms) */
  | { type: 'connect', port: number, vehicles: VehicleCredential[], deadline: number }
  /** every open connection publishes once per period; `phase` (0..1) offsets this process's schedule */
  | { type: 'publish', periodMs: number, phase: number }
  /** the counts so far, publishing on: two reads make a rate */
  | { type: 'count' }
  /** stop publishing, wait up to drainMs for the outstanding PUBACKs, report */
  | { type: 'quiet', drainMs: number }
  | { type: 'exit' }

/** load process -> parent */
export type LoadReply =
  | { type: 'ready', payloadBytes: number, canFrames: number }
  | { type: 'connected', open: number, failed: number, firstError?: string }
  | { type: 'publishing' }
  | { type: 'count', sent: number, acked: number, failed: number }
  | { type: 'quiet', sent: number, acked: number, failed: number }
  | { type: 'failed', message: string }
