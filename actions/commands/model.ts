/**
 * Commands to vehicles, one queue per vehicle, and every step of each
 * command with its time:
 *
 *   pending_approval → queued → sent → accepted → in_progress → succeeded | failed
 *                          ↘ expired (not started before its expiry)   ↘ rejected (by the T-box)
 *   pending_approval | queued → cancelled (by an engineer, or an aborted campaign)
 *
 * A vehicle gets one command at a time, oldest first: the next is sent only
 * when the one before reached a final state, so an OTA update is never
 * interrupted by the next command. States only move forward: an
 * acknowledgement that would move one back (a late ACCEPTED after SUCCEEDED,
 * a REJECTED for a replayed copy of a command already running) is kept in
 * the timeline as ignored and changes nothing. The decisions are in
 * ./policy.ts; storage/commands.ts applies them with guarded statements.
 */
import type { FaultState } from '../../rules/fault-lifecycle.js'
import type { Transition } from '../../runtime/transition.js'

export const COMMAND_STATES = ['pending_approval', 'queued', 'sent', 'accepted', 'in_progress',
  'succeeded', 'failed', 'expired', 'rejected', 'cancelled'] as const
export type CommandState = typeof COMMAND_STATES[number]

/** States a command can still leave: waiting for an engineer, in the queue, or with the vehicle. */
export const OPEN_COMMAND_STATES: readonly CommandState[] = ['pending_approval', 'queued', 'sent', 'accepted', 'in_progress']
export const FINAL_COMMAND_STATES: readonly CommandState[] = ['succeeded', 'failed', 'expired', 'rejected', 'cancelled']

/** What the command asks the vehicle to do, as stored (sha256 as hex); ./wire.ts turns it into the wire Command. */
export type CommandBody =
  | { ota: { package: string, version: string, url: string, sha256: string, size: number } }
  | { action: { name: string, params: Record<string, string> } }
  | { diagnostic: DiagnosticBody | { logUpload: LogUploadBody } }

/** A diagnostic request as stored: the request bytes (hex), the CAN request id it goes to, how long the T-box waits. */
export interface DiagnosticBody {
  udsRequest: string
  /** 11-bit CAN request id: 0x7DF OBD-II functional, 0x7E0-0x7E7 physical */
  target: number
  timeoutMs: number
}

/**
 * A log-upload request as stored: the window (Unix ms), the kind, and the
 * upload (vehicle_logs) its bytes go to. No token: one is issued at each
 * delivery and only its hash is kept (actions/logs/, gateway/log-uploads.ts).
 */
export interface LogUploadBody {
  fromMs: number
  toMs: number
  kind: string
  /** absent in bodies stored before uploads existed */
  logId?: number
}

export type FixCheck = 'pending' | 'confirmed' | 'not_confirmed'

export interface Command {
  id: string
  vehicleId: number
  vin: string
  body: CommandBody
  state: CommandState
  progress: number | null
  detail: string | null
  createdAt: Date
  expiresAt: Date
  updatedAt: Date
  attempts: number
  sentAt: Date | null
  nextSendAt: Date | null
  faultId: number | null
  campaignId: string | null
  requestedBy: string
  approvedBy: string | null
  fixCheck: FixCheck | null
  fixCheckedAt: Date | null
}

export interface CommandEvent {
  time: Date
  state: string
  progress: number | null
  detail: string | null
  by: string | null
}

/** The states a T-box's answer (proto CommandAck) can report. */
export type AckState = 'accepted' | 'in_progress' | 'succeeded' | 'failed' | 'rejected'

/** A T-box's answer, its state already mapped to ours. */
export interface CommandAckUpdate {
  id: string
  state: AckState
  progress: number
  detail: string
  /** the T-box's clock (Unix ms) when it answered; 0 when it did not say */
  timeMs: number
  /** a diagnostic request's answers (ISO-TP frames already reassembled); absent or empty for other commands and steps */
  responses?: DiagnosticAnswer[]
}

/** One ECU's answer to a diagnostic request, as stored. */
export interface DiagnosticAnswer {
  /** 11-bit CAN id it came from */
  ecu: number
  /** the diagnostic message, hex */
  data: string
  /** ms from the request to the answer, as the T-box measured */
  elapsedMs: number
}

export interface NewCommand {
  vin: string
  body: CommandBody
  /** checked by ./policy.ts checkCommandTtl before it is queued */
  ttlMs: number
  requestedBy: string
  /** true: waits in pending_approval until an engineer approves it */
  needsApproval?: boolean
  faultId?: number
  campaignId?: string
}

export interface CommandQuery {
  vin?: string | undefined
  state?: CommandState | readonly CommandState[] | undefined
  campaignId?: string | undefined
  faultId?: number | undefined
  limit?: number | undefined
}

/** An engineer's move of a command. */
export type CommandTransition = Transition<CommandState>

export const COMMAND_TRANSITIONS = {
  /** a command that waits for approval goes out */
  approve: { verb: 'approve', from: ['pending_approval'], to: 'queued' },
  /** withdrawn before the vehicle was sent it */
  cancel: { verb: 'cancel', from: ['pending_approval', 'queued'], to: 'cancelled' }
} as const satisfies Record<string, CommandTransition>

/** The states an acknowledgement may move a command from. */
export const ACK_FROM = {
  accepted: ['sent'],
  in_progress: ['sent', 'accepted', 'in_progress'],
  succeeded: ['sent', 'accepted', 'in_progress'],
  failed: ['sent', 'accepted', 'in_progress'],
  rejected: ['sent']
} as const satisfies Record<AckState, readonly CommandState[]>

/** What a T-box's answer does to its command. */
export interface AckMove {
  /** the states it may move the command from; from any other it is kept in the timeline as ignored */
  from: readonly CommandState[]
  /** the command ends: it keeps when the vehicle finished it */
  final: boolean
  /** a remote fix (a command for a fault, outside a campaign) that succeeded waits for fresh data to confirm it */
  startsFixCheck: boolean
}

/** When commands that can no longer run end. */
export interface CommandExpiry {
  /** not sent yet: expired at their expiry */
  unsent: readonly CommandState[]
  /** sent and unanswered: expired this long after their expiry, so an answer in flight still counts */
  sentGraceMs: number
  /** running on the vehicle: failed after this long without a report */
  started: readonly CommandState[]
  stallMs: number
}

/**
 * A remote fix that succeeded is confirmed when its fault is in one of
 * `clearedStates` with a clearing at or after the success (fresh data, not
 * the vehicle's word, says it worked); not confirmed when `windowMs` passed
 * without that.
 */
export interface FixCheckRule {
  clearedStates: readonly FaultState[]
  windowMs: number
}

/** Not started yet: these expire at their expiry (a sent one after SENT_EXPIRY_GRACE_MS more). */
export const UNSENT_COMMAND_STATES: readonly CommandState[] = ['pending_approval', 'queued']
/** Started on the vehicle: these fail when it stops reporting on them (DEFAULT_STALL_MS). */
export const STARTED_COMMAND_STATES: readonly CommandState[] = ['accepted', 'in_progress']

/**
 * A sent command expires this long after its expiry, not at it: the T-box
 * accepts a command up to 60 s of clock skew past its expiry, and its
 * ACCEPTED needs time to arrive. Expiring earlier would ignore the answer of
 * a command the vehicle is running.
 */
export const SENT_EXPIRY_GRACE_MS = 120_000

/**
 * A command the vehicle accepted but then stopped reporting on (a T-box
 * that rebooted mid-update and lost its answer) fails after this long
 * without a report, so it does not block the vehicle's queue for ever.
 */
export const DEFAULT_STALL_MS = 3_600_000

/** Longest command life accepted: the T-box remembers nonces until expiry, so this bounds its memory. */
export const MAX_COMMAND_TTL_MS = 30 * 24 * 3600 * 1000

/** How long a command may wait for its vehicle when the request does not say (the API, a rule's remote fix). */
export const DEFAULT_COMMAND_TTL_MS = 24 * 3_600_000

/** How long after a remote fix succeeded fresh data may take to clear its fault (gateway: PITWALL_FIX_CHECK_WINDOW_MS). */
export const DEFAULT_FIX_CHECK_WINDOW_MS = 30 * 60_000
