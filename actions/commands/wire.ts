/**
 * The command as it travels: a stored body as the wire's Command body, and
 * a T-box's CommandAck (proto/command.proto) as the update the dispatcher
 * applies.
 */
import { pitwall } from '../../proto/index.js'
import { PitwallError } from '../../runtime/errors.js'
import type { AckState, CommandAckUpdate, CommandBody } from './model.js'
import type { CommandBody as WireCommandBody } from './signing.js'

function badAck (message: string): PitwallError {
  return new PitwallError('PITWALL_ERR_COMMAND_ACK', message)
}

const ACK_STATES: Record<number, AckState | undefined> = {
  [pitwall.v1.CommandAck.State.ACCEPTED]: 'accepted',
  [pitwall.v1.CommandAck.State.IN_PROGRESS]: 'in_progress',
  [pitwall.v1.CommandAck.State.SUCCEEDED]: 'succeeded',
  [pitwall.v1.CommandAck.State.FAILED]: 'failed',
  [pitwall.v1.CommandAck.State.REJECTED]: 'rejected'
}

/** A stored body as the wire's oneof (hex digests and payloads as bytes). */
export function wireBody (body: CommandBody): WireCommandBody {
  if ('ota' in body) return { ota: { ...body.ota, sha256: Buffer.from(body.ota.sha256, 'hex') } }
  if ('action' in body) return { action: body.action }
  const d = body.diagnostic
  return { diagnostic: 'udsRequest' in d ? { udsRequest: Buffer.from(d.udsRequest, 'hex') } : { logUpload: d.logUpload } }
}

/** A CommandAck payload as the store's update; throws PITWALL_ERR_COMMAND_ACK naming what is wrong. */
export function parseCommandAck (payload: Uint8Array): CommandAckUpdate {
  let ack: pitwall.v1.CommandAck
  try {
    ack = pitwall.v1.CommandAck.decode(payload)
  } catch (err) {
    throw badAck(`CommandAck does not decode: ${(err as Error).message}`)
  }
  if (ack.id === '') throw badAck('CommandAck has no command id')
  const state = ACK_STATES[ack.state]
  if (state === undefined) throw badAck(`CommandAck ${ack.id} has no valid state (${ack.state})`)
  if (ack.progress > 100) throw badAck(`CommandAck ${ack.id} progress ${ack.progress} is over 100`)
  return { id: ack.id, state, progress: ack.progress, detail: ack.detail, timeMs: Number(ack.timeMs) }
}
