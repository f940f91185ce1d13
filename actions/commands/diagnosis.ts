/**
 * A diagnostic command as an engineer reads it: the request in words and
 * bytes, and each ECU's answer decoded (DTCs with status, freeze frames,
 * data identifiers, PIDs, NRCs in words). Answers are stored as the T-box
 * sent them and decoded here, when read, so a better decoder reads old
 * answers better too.
 */
import { validateDiagnosticRequest } from '../../decoders/diagnostics/request.js'
import { decodeDiagnosticResponse, isResponsePending, type DecodedDiagnosticResponse } from '../../decoders/diagnostics/response.js'
import { makerDidTable, type MakerDid } from '../../decoders/diagnostics/maker-dids.js'
import { diagnosticRequestOf } from './diagnostic-body.js'
import type { Command, DiagnosticAnswer } from './model.js'

export interface Diagnosis {
  request: {
    /** the request bytes, hex */
    data: string
    description: string
    /** 11-bit CAN request id */
    target: number
    timeoutMs: number
    clearsDtcs: boolean
  }
  /** per answering ECU; empty until the T-box answered (or when none did: see the command's state and detail) */
  answers: Array<DiagnosticAnswer & { decoded: DecodedDiagnosticResponse }>
}

/**
 * The diagnosis of a diagnostic command; null for other commands. `dids`:
 * the maker DIDs of the vehicle's model (its active decoder manifest), which
 * name and read what the standards leave to the maker.
 */
export function diagnosisOf (command: Pick<Command, 'body'>, answers: readonly DiagnosticAnswer[] | null, dids: readonly MakerDid[] = []): Diagnosis | null {
  const d = diagnosticRequestOf(command.body)
  if (d === undefined) return null
  const request = Buffer.from(d.udsRequest, 'hex')
  let description: string
  let clears = false
  try {
    const check = validateDiagnosticRequest(request)
    description = check.description
    clears = check.clearsDtcs
  } catch (err) {
    // stored before a check that now refuses it: shown, not hidden
    description = `not a valid request: ${(err as Error).message}`
  }
  const options = { dids: makerDidTable(dids) }
  return {
    request: { data: d.udsRequest, description, target: d.target, timeoutMs: d.timeoutMs, clearsDtcs: clears },
    answers: finalAnswers(answers ?? []).map((a) => ({ ...a, decoded: decodeDiagnosticResponse(request, Buffer.from(a.data, 'hex'), options) }))
  }
}

/**
 * Each ECU's answer: a T-box that forwards an ECU's responsePending
 * (0x7F xx 0x78) before its final answer has both stored; the final one is
 * the answer. Only pending ones from an ECU: shown, as it never finished.
 */
function finalAnswers (answers: readonly DiagnosticAnswer[]): DiagnosticAnswer[] {
  const out: DiagnosticAnswer[] = []
  for (const ecu of new Set(answers.map((a) => a.ecu))) {
    const own = answers.filter((a) => a.ecu === ecu)
    const final = own.find((a) => !isResponsePending(Buffer.from(a.data, 'hex')))
    out.push(...(final === undefined ? own : [final]))
  }
  return out
}
