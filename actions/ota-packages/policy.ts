/**
 * Whether a package version may be registered. A version once registered
 * never changes (vehicles may have it already): the store refuses a second
 * registration of it (PITWALL_ERR_OTA_PACKAGE_EXISTS).
 */
import { PitwallError } from '../../runtime/errors.js'
import { OTA_PACKAGE_NAME_PATTERN, OTA_URL_PATTERN, OTA_VERSION_PATTERN, SHA256_HEX_PATTERN, type NewOtaPackage } from './model.js'

/** Each thing wrong with the package, naming its field; empty: it may be registered. */
export function otaPackageProblems (p: NewOtaPackage): string[] {
  const problems: string[] = []
  if (!OTA_PACKAGE_NAME_PATTERN.test(p.package)) problems.push(`package ${JSON.stringify(p.package)} is not a name of letters, digits, '.', '_' and '-'`)
  if (!OTA_VERSION_PATTERN.test(p.version)) problems.push(`version ${JSON.stringify(p.version)} is not a version string`)
  if (!OTA_URL_PATTERN.test(p.url)) problems.push(`url ${JSON.stringify(p.url)} is not an http(s) URL`)
  if (!SHA256_HEX_PATTERN.test(p.sha256)) problems.push('sha256 must be 64 lowercase hex digits')
  if (!Number.isSafeInteger(p.size) || p.size <= 0) problems.push(`size ${p.size} is not a positive number of bytes`)
  return problems
}

/** Throws PITWALL_ERR_OTA_PACKAGE_INVALID listing every problem of the package. */
export function checkOtaPackage (p: NewOtaPackage): void {
  const problems = otaPackageProblems(p)
  if (problems.length > 0) throw new PitwallError('PITWALL_ERR_OTA_PACKAGE_INVALID', `OTA package: ${problems.join('; ')}`)
}
