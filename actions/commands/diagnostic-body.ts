/**
 * Diagnostic requests as commands: what an engineer asks (read DTCs, a
 * freeze frame, data by identifier, OBD-II PIDs or vehicle information,
 * clear DTCs, or raw request bytes) becomes the stored command body, the
 * request bytes checked before anything is queued. Clearing DTCs erases
 * what a dealer would diagnose from, and a raw request may reset an ECU or
 * write to it, so such a command waits for an engineer's approval
 * (pending_approval), which the timeline records.
 */
import { resolveDidRefs, type MakerDid } from '../../decoders/diagnostics/maker-dids.js'
import { buildDiagnosticRequest, validateDiagnosticRequest, type DiagnosticRequestSpec } from '../../decoders/diagnostics/request.js'
import { PitwallError } from '../../runtime/errors.js'
import type { CommandBody, DiagnosticBody } from './model.js'

/** OBD-II's functional request id (ISO 15765-4): every emissions ECU answers. */
export const OBD_FUNCTIONAL_TARGET = 0x7df
export const DEFAULT_DIAGNOSTIC_TIMEOUT_MS = 2000
export const MIN_DIAGNOSTIC_TIMEOUT_MS = 50
export const MAX_DIAGNOSTIC_TIMEOUT_MS = 30_000

/** Every kind of request an engineer can name (the API's enum); the type check below keeps it equal to the builder's. */
export const DIAGNOSTIC_KINDS = ['uds_read_dtcs', 'uds_dtc_snapshot', 'uds_dtc_extended', 'uds_read_did', 'uds_clear_dtcs',
  'obd_read_pids', 'obd_vehicle_info', 'obd_dtcs', 'obd_clear_dtcs', 'raw'] as const
type SameKinds<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false
const kindsMatch: SameKinds<typeof DIAGNOSTIC_KINDS[number], DiagnosticRequestSpec['kind']> = true
void kindsMatch

/** What an engineer may send: uds_read_did's DIDs also as hex text ("0x4001") or the names the model's manifest gives them. */
export type DiagnosticRequestInput = Exclude<DiagnosticRequestSpec, { kind: 'uds_read_did' }> | { readonly kind: 'uds_read_did', readonly dids: ReadonlyArray<number | string> }

export interface DiagnosticCommandRequest {
  request: DiagnosticRequestInput
  /** 11-bit CAN request id; default 0x7DF */
  target?: number | undefined
  timeoutMs?: number | undefined
}

export interface DiagnosticCommand {
  body: { diagnostic: DiagnosticBody }
  /** clears DTCs (UDS 0x14, OBD-II 04) or changes the vehicle (requestNeedsApproval): queued only once an engineer approves */
  needsApproval: boolean
  /** the request in words, e.g. "UDS ReadDTCInformation reportDTCByStatusMask (mask 0xFF)" */
  description: string
}

function invalid (message: string, cause?: unknown): PitwallError {
  return new PitwallError('PITWALL_ERR_COMMAND_INVALID', message, cause === undefined ? undefined : { cause })
}

/**
 * The stored body of a diagnostic request; `field` names it in errors (e.g.
 * `body.diagnostic`). `dids`: the maker DIDs of the vehicle's model, for
 * DIDs asked by name; a request for several models (a campaign) has none, so
 * only numbers do there.
 */
export function diagnosticCommand (req: DiagnosticCommandRequest, field: string, dids: readonly MakerDid[] = []): DiagnosticCommand {
  const target = req.target ?? OBD_FUNCTIONAL_TARGET
  if (!Number.isInteger(target) || target < 1 || target > 0x7ff) throw invalid(`${field}.target ${String(req.target)} is not an 11-bit CAN request id (0x001 to 0x7FF; 0x7DF: every OBD-II ECU)`)
  const timeoutMs = req.timeoutMs ?? DEFAULT_DIAGNOSTIC_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < MIN_DIAGNOSTIC_TIMEOUT_MS || timeoutMs > MAX_DIAGNOSTIC_TIMEOUT_MS) {
    throw invalid(`${field}.timeoutMs ${String(req.timeoutMs)} is not a whole number of ms from ${MIN_DIAGNOSTIC_TIMEOUT_MS} to ${MAX_DIAGNOSTIC_TIMEOUT_MS}`)
  }
  let bytes: Uint8Array
  let check: ReturnType<typeof validateDiagnosticRequest>
  try {
    const spec: DiagnosticRequestSpec = req.request.kind === 'uds_read_did'
      ? { kind: 'uds_read_did', dids: resolveDidRefs(req.request.dids, dids, 'dids') }
      : req.request
    bytes = buildDiagnosticRequest(spec)
    check = validateDiagnosticRequest(bytes)
  } catch (err) {
    throw invalid(`${field}.request: ${(err as Error).message}`, err)
  }
  return {
    body: { diagnostic: { udsRequest: Buffer.from(bytes).toString('hex'), target, timeoutMs } },
    needsApproval: requestNeedsApproval(bytes),
    description: check.description
  }
}

/** The diagnostic request a stored body carries; undefined for other commands (and log uploads). */
export function diagnosticRequestOf (body: CommandBody): DiagnosticBody | undefined {
  if (!('diagnostic' in body) || !('udsRequest' in body.diagnostic)) return undefined
  const d = body.diagnostic
  // bodies stored before target and timeout existed went to the functional address
  return { udsRequest: d.udsRequest, target: d.target ?? OBD_FUNCTIONAL_TARGET, timeoutMs: d.timeoutMs ?? DEFAULT_DIAGNOSTIC_TIMEOUT_MS }
}

/**
 * UDS services that change the vehicle rather than read it (ISO 14229-1):
 * a raw request for one waits for approval as a DTC clear does.
 * 0x10 DiagnosticSessionControl, 0x11 ECUReset, 0x27 SecurityAccess,
 * 0x28 CommunicationControl, 0x2E WriteDataByIdentifier, 0x2F
 * InputOutputControlByIdentifier, 0x31 RoutineControl, 0x34-0x37 and 0x38
 * transfers, 0x3D WriteMemoryByAddress, 0x85 ControlDTCSetting.
 */
const CHANGING_SERVICES = new Set([0x10, 0x11, 0x27, 0x28, 0x2e, 0x2f, 0x31, 0x34, 0x35, 0x36, 0x37, 0x38, 0x3d, 0x85])

/** true: the request clears DTCs or changes the vehicle, so it waits for an engineer's approval */
export function requestNeedsApproval (bytes: Uint8Array): boolean {
  const check = validateDiagnosticRequest(bytes)
  return check.clearsDtcs || CHANGING_SERVICES.has(check.service)
}

/** true: the body is such a request (requestNeedsApproval) */
export function needsApproval (body: CommandBody): boolean {
  const d = diagnosticRequestOf(body)
  return d !== undefined && requestNeedsApproval(Buffer.from(d.udsRequest, 'hex'))
}
