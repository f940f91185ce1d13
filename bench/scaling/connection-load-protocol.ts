/** What the connection-scaling bench and its load processes say over the fork IPC channel. */
import type { VehicleCredential } from '../../sim/credentials.js'

/**
 * How a vehicle holds its connection:
 * - clean: clean session, nothing else (the least state a broker keeps);
 * - tbox: as sim/tbox.ts, a T-box: persistent session (clean session off),
 *   a retained `offline` last will on its status topic, then on CONNACK a
 *   retained `online` status and, unless the broker had its session, a QoS 1
 *   subscription to its command topic; leaving, a retained `offline` status
 *   before the DISCONNECT.
 */
export type SessionKind = 'clean' | 'tbox'

/** A vehicle and the loopback port it connects to: the parent spreads the fleet over a cluster's nodes. */
export type PortedCredential = VehicleCredential & { port: number }

/** parent -> load process */
export type LoadCommand =
  /** open a connection per vehicle (on top of those already open); give up at `deadline` (epoch ms) */
  | { type: 'connect', vehicles: PortedCredential[], session: SessionKind, deadline: number }
  /** every open connection publishes once per period; `phase` (0..1) offsets this process's schedule */
  | { type: 'publish', periodMs: number, phase: number }
  /** the counts so far, publishing on: two reads make a rate */
  | { type: 'count' }
  /** stop publishing, wait up to drainMs for the outstanding PUBACKs, report */
  | { type: 'quiet', drainMs: number }
  /** every open connection (of `session` only, when given) leaves as its session kind does */
  | { type: 'disconnect', session?: SessionKind }
  | { type: 'exit' }

/** load process -> parent */
export type LoadReply =
  | { type: 'ready', payloadBytes: number, canFrames: number }
  /** `resumed`: connections of this call whose CONNACK said session present */
  | { type: 'connected', open: number, failed: number, resumed: number, firstError?: string }
  | { type: 'publishing' }
  | { type: 'count', sent: number, acked: number, failed: number }
  | { type: 'quiet', sent: number, acked: number, failed: number }
  | { type: 'disconnected', closed: number }
  | { type: 'failed', message: string }
