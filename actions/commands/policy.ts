/**
 * The command decisions, pure: which lives a command may have, how an
 * acknowledgement moves it, when an unanswered one expires or a silent one
 * fails, and what confirms a remote fix. The store (storage/commands.ts)
 * applies each with one guarded statement that takes these as parameters,
 * so a decision is judged on the row as committed, never on a stale read.
 */
import { CLEARED_FAULT_STATES } from '../../rules/fault-lifecycle.js'
import { PitwallError } from '../../runtime/errors.js'
import {
  ACK_FROM, DEFAULT_STALL_MS, FINAL_COMMAND_STATES, MAX_COMMAND_TTL_MS, SENT_EXPIRY_GRACE_MS, STARTED_COMMAND_STATES,
  UNSENT_COMMAND_STATES, type AckMove, type AckState, type CommandExpiry, type CommandState, type FixCheckRule
} from './model.js'

/** A life of 1 ms to 30 days; otherwise PITWALL_ERR_COMMAND_INVALID naming the value. */
export function checkCommandTtl (ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > MAX_COMMAND_TTL_MS) {
    throw new PitwallError('PITWALL_ERR_COMMAND_INVALID', `command ttl ${ttlMs} ms is not between 1 ms and ${MAX_COMMAND_TTL_MS} ms (30 days)`)
  }
}

/** The command will not move again: its vehicle's next command may go. */
export function isFinal (state: CommandState): boolean {
  return FINAL_COMMAND_STATES.includes(state)
}

/** How an answer reporting `state` moves its command: only forward, from a state the vehicle has it in. */
export function ackMove (state: AckState): AckMove {
  return { from: ACK_FROM[state], final: isFinal(state), startsFixCheck: state === 'succeeded' }
}

/** When commands that can no longer run end; `stallMs` is the gateway's PITWALL_COMMAND_STALL_MS. */
export function commandExpiry (stallMs = DEFAULT_STALL_MS): CommandExpiry {
  return { unsent: UNSENT_COMMAND_STATES, sentGraceMs: SENT_EXPIRY_GRACE_MS, started: STARTED_COMMAND_STATES, stallMs }
}

/** What confirms a remote fix within `windowMs` (the gateway's PITWALL_FIX_CHECK_WINDOW_MS) of its success. */
export function fixCheckRule (windowMs: number): FixCheckRule {
  return { clearedStates: CLEARED_FAULT_STATES, windowMs }
}
