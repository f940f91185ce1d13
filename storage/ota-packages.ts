/** The OTA packages a command may name (package@version → where to fetch it, its digest and size). */
import type pg from 'pg'
import { StorageError } from './errors.js'

export interface OtaPackage {
  package: string
  version: string
  url: string
  /** hex SHA-256 of the package file */
  sha256: string
  size: number
  addedBy: string
  addedAt: Date
}

interface Row { package: string, version: string, url: string, sha256: string, size: string, added_by: string, added_at: Date }

const row = (r: Row): OtaPackage => ({ package: r.package, version: r.version, url: r.url, sha256: r.sha256, size: Number(r.size), addedBy: r.added_by, addedAt: r.added_at })

export class OtaPackageStore {
  constructor (private readonly pool: pg.Pool) {}

  /** Registers a package version; a version once registered never changes (vehicles may have it already). */
  async add (p: Omit<OtaPackage, 'addedAt'>): Promise<OtaPackage> {
    const problems: string[] = []
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(p.package)) problems.push(`package ${JSON.stringify(p.package)} is not a name of letters, digits, '.', '_' and '-'`)
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(p.version)) problems.push(`version ${JSON.stringify(p.version)} is not a version string`)
    if (!/^https?:\/\/\S+$/.test(p.url)) problems.push(`url ${JSON.stringify(p.url)} is not an http(s) URL`)
    if (!/^[0-9a-f]{64}$/.test(p.sha256)) problems.push('sha256 must be 64 lowercase hex digits')
    if (!Number.isSafeInteger(p.size) || p.size <= 0) problems.push(`size ${p.size} is not a positive number of bytes`)
    if (problems.length > 0) throw new StorageError('PITWALL_ERR_OTA_PACKAGE_INVALID', `OTA package: ${problems.join('; ')}`)
    const res = await this.pool.query<Row>(
      `INSERT INTO ota_packages (package, version, url, sha256, size, added_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING *`, [p.package, p.version, p.url, p.sha256, p.size, p.addedBy])
    const added = res.rows[0]
    if (added === undefined) throw new StorageError('PITWALL_ERR_OTA_PACKAGE_EXISTS', `OTA package ${p.package}@${p.version} is already registered; a new build needs a new version`)
    return row(added)
  }

  async get (pkg: string, version: string): Promise<OtaPackage> {
    const res = await this.pool.query<Row>('SELECT * FROM ota_packages WHERE package = $1 AND version = $2', [pkg, version])
    const found = res.rows[0]
    if (found === undefined) throw new StorageError('PITWALL_ERR_OTA_PACKAGE_UNKNOWN', `no OTA package ${pkg}@${version} (pitwall packages add registers one)`)
    return row(found)
  }

  async list (): Promise<OtaPackage[]> {
    return (await this.pool.query<Row>('SELECT * FROM ota_packages ORDER BY package, added_at DESC')).rows.map(row)
  }
}
