/**
 * The ota_packages table: the registered package versions (what a package
 * is and which ones may be registered: actions/ota-packages/).
 */
import type pg from 'pg'
import type { NewOtaPackage, OtaPackage } from '../actions/ota-packages/model.js'
import { PitwallError } from '../runtime/errors.js'

const OTA_PACKAGE_COLUMNS = 'package, version, url, sha256, size, added_by AS "addedBy", added_at AS "addedAt"'

export class OtaPackageStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Registers a package version, checked by actions/ota-packages/policy.ts checkOtaPackage first; a version once registered never changes. */
  async add (p: NewOtaPackage): Promise<OtaPackage> {
    const res = await this.pool.query<OtaPackage>(
      `INSERT INTO ota_packages (package, version, url, sha256, size, added_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING ${OTA_PACKAGE_COLUMNS}`, [p.package, p.version, p.url, p.sha256, p.size, p.addedBy])
    const added = res.rows[0]
    if (added === undefined) throw new PitwallError('PITWALL_ERR_OTA_PACKAGE_EXISTS', `OTA package ${p.package}@${p.version} is already registered; a new build needs a new version`)
    return added
  }

  async get (pkg: string, version: string): Promise<OtaPackage> {
    const res = await this.pool.query<OtaPackage>(`SELECT ${OTA_PACKAGE_COLUMNS} FROM ota_packages WHERE package = $1 AND version = $2`, [pkg, version])
    const found = res.rows[0]
    if (found === undefined) throw new PitwallError('PITWALL_ERR_OTA_PACKAGE_UNKNOWN', `no OTA package ${pkg}@${version} (pitwall packages add registers one)`)
    return found
  }

  async list (): Promise<OtaPackage[]> {
    return (await this.pool.query<OtaPackage>(`SELECT ${OTA_PACKAGE_COLUMNS} FROM ota_packages ORDER BY package, added_at DESC`)).rows
  }
}
