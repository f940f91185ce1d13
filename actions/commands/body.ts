/**
 * What a command asks a vehicle to do, from how a person names it: a remote
 * action with its parameters, or an OTA update by package and version (the
 * package registry gives its URL, digest and size). The CLI (`--action`,
 * `--ota PACKAGE@VERSION`) and the HTTP API (`action`, `ota` in the body)
 * both build command bodies here; each names the fields in its own terms in
 * the errors, so a message points at what the caller typed.
 */
import type { MakerDid } from '../../decoders/diagnostics/maker-dids.js'
import { diagnosticCommand, type DiagnosticCommandRequest } from './diagnostic-body.js'
import type { CommandBody } from './model.js'
import type { OtaPackageStore } from '../../storage/ota-packages.js'
import { PitwallError } from '../../runtime/errors.js'

export interface CommandRequest {
  action?: { name: string, params?: Record<string, string> } | undefined
  ota?: OtaRef | undefined
  diagnostic?: DiagnosticCommandRequest | undefined
}

export interface OtaRef {
  package: string
  version: string
}

/** How the caller spells the fields, e.g. `--action NAME` or `body.action`. */
export interface CommandRequestFields {
  action: string
  ota: string
  /** absent: this caller cannot ask for diagnostic requests here */
  diagnostic?: string
}

/** The request does not say what to do, or says it in a way no command can carry. */
function invalidRequest (message: string): PitwallError {
  return new PitwallError('PITWALL_ERR_COMMAND_INVALID', message)
}

/**
 * The stored body of a request naming exactly one of an action, an OTA
 * package or, where the caller allows one, a diagnostic request
 * (./diagnostic-body.ts). An OTA package that is not registered is the registry's
 * PITWALL_ERR_OTA_PACKAGE_UNKNOWN. `dids`: the vehicle model's maker DIDs,
 * for a diagnostic request that names them.
 */
export async function commandBody (packages: Pick<OtaPackageStore, 'get'>, request: CommandRequest, fields: CommandRequestFields, dids: readonly MakerDid[] = []): Promise<CommandBody> {
  const { action, ota, diagnostic } = request
  const named = [action, ota, diagnostic].filter((x) => x !== undefined).length
  if (diagnostic !== undefined && named === 1 && fields.diagnostic !== undefined) return diagnosticCommand(diagnostic, fields.diagnostic, dids).body
  if (diagnostic !== undefined) {
    throw invalidRequest(fields.diagnostic === undefined ? 'a diagnostic request cannot be sent this way' : `give one of ${fields.action}, ${fields.ota} or ${fields.diagnostic}, not several`)
  }
  if (action !== undefined && ota === undefined) {
    if (action.name.trim() === '') throw invalidRequest(`${fields.action}: the action name is empty`)
    return { action: { name: action.name, params: action.params ?? {} } }
  }
  if (ota !== undefined && action === undefined) {
    const p = await packages.get(ota.package, ota.version)
    return { ota: { package: p.package, version: p.version, url: p.url, sha256: p.sha256, size: p.size } }
  }
  throw invalidRequest(`give one of ${fields.action} or ${fields.ota}${action === undefined ? '' : ', not both'}`)
}

/** `PACKAGE@VERSION` → its parts; `field` names where the text came from. */
export function parseOtaRef (text: string, field: string): OtaRef {
  const parts = text.split('@')
  const [pkg, version] = parts
  if (parts.length !== 2 || pkg === undefined || version === undefined || pkg === '' || version === '') {
    throw invalidRequest(`${field} ${JSON.stringify(text)} is not PACKAGE@VERSION`)
  }
  return { package: pkg, version }
}
