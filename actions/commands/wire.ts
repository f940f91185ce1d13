/**
 * The command as it travels: a stored body as the wire's Command body, and
 * a T-box's CommandAck (proto/command.proto) as the update the dispatcher
 * applies.
 */
import { pitwall } from '../../proto/index.js'
import { PitwallError } from '../../runtime/errors.js'
import { IsoTpReassembler } from '../../decoders/obd/isotp.js'
import type { AckState, CommandAckUpdate, CommandBody, DiagnosticAnswer } from './model.js'
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

/** Where and with what token a T-box uploads a log: issued at each delivery of a log-upload command (gateway/log-uploads.ts). */
export interface LogUploadGrant {
  uploadUrl: string
  uploadToken: string
  maxBytes: number
  uploadExpiresAtMs: number
}

/** A stored body as the wire's oneof (hex digests and payloads as bytes); a log upload carries `upload`, its grant for this delivery. */
export function wireBody (body: CommandBody, upload?: LogUploadGrant): WireCommandBody {
  if ('ota' in body) return { ota: { ...body.ota, sha256: Buffer.from(body.ota.sha256, 'hex') } }
  if ('action' in body) return { action: body.action }
  const d = body.diagnostic
  if ('udsRequest' in d) return { diagnostic: { udsRequest: Buffer.from(d.udsRequest, 'hex'), target: d.target, timeoutMs: d.timeoutMs } }
  const { fromMs, toMs, kind } = d.logUpload
  return { diagnostic: { logUpload: { fromMs, toMs, kind, ...upload } } }
}

/** The upload a stored log-upload body goes to (vehicle_logs id); undefined for other bodies. */
export function logUploadOf (body: CommandBody): number | undefined {
  return 'diagnostic' in body && 'logUpload' in body.diagnostic ? body.diagnostic.logUpload.logId : undefined
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
  return { id: ack.id, state, progress: ack.progress, detail: ack.detail, timeMs: Number(ack.timeMs), responses: diagnosticAnswers(ack) }
}

/** ECUs that may answer one request (a functional OBD-II request reaches at most 8), with room for responsePending answers. */
export const MAX_DIAGNOSTIC_RESPONSES = 32
/** ISO-TP's longest message on classic CAN, which bounds one answer. */
const MAX_ANSWER_BYTES = 4095
/** the frames of one longest message: a first frame, then 7 bytes per consecutive frame */
const MAX_ANSWER_FRAMES = Math.ceil((MAX_ANSWER_BYTES - 6) / 7) + 1

/**
 * The answers an ack carries, each as one diagnostic message: `data` as
 * sent, or `frames` reassembled here (ISO 15765-2). Caps what a vehicle can
 * make the gateway store per ack; an answer whose frames do not reassemble
 * refuses the ack, naming the ECU and why.
 */
function diagnosticAnswers (ack: pitwall.v1.CommandAck): DiagnosticAnswer[] {
  if (ack.responses.length > MAX_DIAGNOSTIC_RESPONSES) throw badAck(`CommandAck ${ack.id} carries ${ack.responses.length} diagnostic responses, at most ${MAX_DIAGNOSTIC_RESPONSES}`)
  // decoded messages carry every field (proto3 defaults), whatever IDiagnosticResponse allows
  return (ack.responses as pitwall.v1.DiagnosticResponse[]).map((r, i) => {
    const what = `CommandAck ${ack.id} response ${i} (ECU 0x${r.ecu.toString(16).toUpperCase()})`
    if (r.ecu > 0x7ff) throw badAck(`${what}: ecu is not an 11-bit CAN id`)
    let data = r.data
    if (r.frames.length > 0) {
      if (data.length > 0) throw badAck(`${what}: give data or frames, not both`)
      if (r.frames.length > MAX_ANSWER_FRAMES) throw badAck(`${what}: ${r.frames.length} frames, at most ${MAX_ANSWER_FRAMES}`)
      data = reassemble(r.frames, what)
    }
    if (data.length === 0) throw badAck(`${what}: no data`)
    if (data.length > MAX_ANSWER_BYTES) throw badAck(`${what}: ${data.length} bytes, at most ${MAX_ANSWER_BYTES}`)
    return { ecu: r.ecu, data: Buffer.from(data).toString('hex'), elapsedMs: r.elapsedMs }
  })
}

function reassemble (frames: Uint8Array[], what: string): Uint8Array {
  const messages: Uint8Array[] = []
  let failure: string | undefined
  const isoTp = new IsoTpReassembler({ message: (m) => { messages.push(m) }, error: (err) => { failure ??= err.message } })
  for (const f of frames) {
    if (f.length === 0 || f.length > 8) throw badAck(`${what}: a frame of ${f.length} bytes (classic CAN: 1 to 8)`)
    isoTp.push(f)
  }
  if (failure !== undefined) throw badAck(`${what}: frames do not reassemble: ${failure}`)
  if (isoTp.receiving) throw badAck(`${what}: frames end before the message does`)
  if (messages.length !== 1) throw badAck(`${what}: frames hold ${messages.length} messages, not one`)
  return messages[0] as Uint8Array
}
