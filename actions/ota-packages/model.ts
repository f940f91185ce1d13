/** The OTA packages a command may name: package@version → where to fetch it, its digest and size. */

export interface OtaPackage {
  package: string
  version: string
  url: string
  /** hex SHA-256 of the package file, lower case */
  sha256: string
  /** bytes */
  size: number
  addedBy: string
  addedAt: Date
}

export type NewOtaPackage = Omit<OtaPackage, 'addedAt'>

// the same patterns as the ota_packages table's CHECK constraints (storage/migrations/006_commands.sql)
export const OTA_PACKAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
export const OTA_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/
export const OTA_URL_PATTERN = /^https?:\/\/\S+$/
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/
