/** Vehicles and their device credentials. Secrets arrive already hashed. */
import type pg from 'pg'
import { PitwallError } from '../runtime/errors.js'
import { inTransaction } from './transaction.js'

export interface VehicleCredential {
  vehicleId: number
  vin: string
  secretHash: string
  model?: string | undefined
  /** the firmware last registered or reported */
  firmware?: string | undefined
}

export interface VehicleSummary {
  vin: string
  model: string | null
  /** as last registered or reported by the T-box */
  firmware: string | null
  brand: string | null
  /** the workshop that looks after it */
  dealerId: string | null
  lastSeenAt: Date | null
  /** its model's active decoder manifest; null: none (the --can-dbc default decodes it, if the gateway has one; else its CAN frames are archived raw only) */
  manifest: { id: number, version: number } | null
}

/** A client certificate registered for a vehicle (mutual TLS), pinned by its SHA-256. */
export interface DeviceCertificate {
  /** SHA-256 of the certificate's DER bytes */
  sha256: Buffer
  subject: string
  notAfter: Date
}

export interface RegisteredCertificate extends DeviceCertificate {
  createdAt: Date
  revokedAt: Date | null
}

/** The fleet list's filters, each optional: all given must hold. */
export interface FleetQuery {
  /** the vehicles this dealer looks after */
  dealerId?: string | undefined
  /** a substring of the VIN or the model, any case */
  q?: string | undefined
  model?: string | undefined
  firmware?: string | undefined
  /** open: with a fault open or acknowledged; none: without */
  fault?: 'open' | 'none' | undefined
  /** connected to a gateway node now, or not */
  online?: boolean | undefined
  /** the page after this VIN (the previous page's nextAfter) */
  after?: string | undefined
  /** default 100 */
  limit?: number | undefined
}

export interface FleetVehicle extends VehicleSummary {
  online: boolean
  /** its faults open or acknowledged */
  openFaults: number
}

export interface FleetPage {
  vehicles: FleetVehicle[]
  /** vehicles matching the filters, on every page */
  total: number
  /** the `after` of the next page; null: this is the last */
  nextAfter: string | null
}

/** WGS 84 degrees; a west edge east of the east edge crosses the antimeridian (170,-10,-170,10). */
export interface GeoBox {
  west: number
  south: number
  east: number
  north: number
}

/** The fleet map's filters: the fleet list's (without paging), a box the last position must be in, and a cap. */
export interface PositionQuery extends Omit<FleetQuery, 'after' | 'limit'> {
  box?: GeoBox | undefined
  /** the most vehicles answered, the first by VIN */
  limit: number
}

/** Each matching vehicle's last GNSS fix, as columns by VIN: index i of each array is one vehicle. */
export interface FleetPositions {
  vin: string[]
  model: Array<string | null>
  lat: number[]
  lon: number[]
  /** the fix's time, epoch ms */
  t: number[]
  online: boolean[]
  openFaults: number[]
  /** more vehicles matched than the limit: these are the first by VIN */
  truncated: boolean
}

// A fault in force, spelt as faults_one_active's predicate so that the count
// and the EXISTS below read that partial index.
const FAULT_IN_FORCE = "f.state IN ('open', 'acknowledged')"

// $1 dealer, $2 LIKE pattern, $3 model, $4 firmware, $5 online, $6 'open' | 'none'.
// Each parameter is NULL when not filtered on; pg plans an unnamed statement
// with its values, so an absent filter costs nothing. At 10,000 vehicles the
// substring search reads the table (17 ms of CPU; a trigram index would need
// pg_trgm, which the embedded database does not load).
const FLEET_FILTERS = `($1::text IS NULL OR v.dealer_id = $1)
  AND ($2::text IS NULL OR v.vin ILIKE $2 OR v.model ILIKE $2)
  AND ($3::text IS NULL OR v.model = $3) AND ($4::text IS NULL OR v.firmware = $4)
  AND ($5::boolean IS NULL OR v.connected = $5)
  AND ($6::text IS NULL OR ($6 = 'open') = EXISTS (SELECT 1 FROM faults f WHERE f.vehicle_id = v.id AND ${FAULT_IN_FORCE}))`

// The last fix of each vehicle by one backward probe of gnss_fixes_vehicle_time
// (DISTINCT ON over the table would read every fix ever stored), in VIN order
// by the vehicles' unique index, stopping at the limit. $7..$10 the box (NULL:
// none), $11 the limit. The box is tested on the fix found, so it costs a
// comparison, not a spatial index: the map asks for the whole fleet.
const LAST_POSITIONS = `
SELECT v.vin, v.model, v.connected AS online, p.lat, p.lon, floor(extract(epoch FROM p.time) * 1000)::float8 AS t,
  (SELECT count(*)::int FROM faults f WHERE f.vehicle_id = v.id AND ${FAULT_IN_FORCE}) AS "openFaults"
FROM vehicles v
CROSS JOIN LATERAL (SELECT g.time, g.lat, g.lon FROM gnss_fixes g WHERE g.vehicle_id = v.id ORDER BY g.time DESC LIMIT 1) p
WHERE ${FLEET_FILTERS}
  AND ($7::float8 IS NULL OR (p.lat BETWEEN $8::float8 AND $10::float8
    AND CASE WHEN $7 <= $9::float8 THEN p.lon BETWEEN $7 AND $9 ELSE p.lon >= $7 OR p.lon <= $9 END))
ORDER BY v.vin LIMIT $11`

/**
 * Positions on the map to 1e-6 degrees (11 cm of latitude), finer than a
 * GNSS fix; a double's 17 digits would make the fleet's answer ~20 % larger.
 */
const MICRODEGREES = 1e6

export interface NewVehicle {
  vin: string
  model?: string | undefined
  firmware?: string | undefined
}

export class VehicleStore {
  constructor (private readonly pool: pg.Pool) {}

  /**
   * Registers a vehicle with a credential. A VIN that is already registered
   * is refused unless `rotate` is set, which revokes its active secret and
   * stores the new one.
   */
  async add (vehicle: NewVehicle, secretHash: string, rotate = false): Promise<number> {
    return await inTransaction(this.pool, async (client) => {
      const existing = await client.query<{ id: number }>('SELECT id FROM vehicles WHERE vin = $1 FOR UPDATE', [vehicle.vin])
      let id = existing.rows[0]?.id
      if (id !== undefined && !rotate) {
        throw new PitwallError('PITWALL_ERR_VEHICLE_EXISTS', `vehicle ${vehicle.vin} is already registered (pitwall device add --rotate replaces its secret)`)
      }
      if (id === undefined) {
        const res = await client.query<{ id: number }>(
          'INSERT INTO vehicles (vin, model, firmware) VALUES ($1, $2, $3) RETURNING id',
          [vehicle.vin, vehicle.model ?? null, vehicle.firmware ?? null])
        id = (res.rows[0] as { id: number }).id
      } else {
        await client.query('UPDATE device_credentials SET revoked_at = now() WHERE vehicle_id = $1 AND revoked_at IS NULL', [id])
      }
      await client.query('INSERT INTO device_credentials (vehicle_id, secret_hash) VALUES ($1, $2)', [id, secretHash])
      return id
    })
  }

  async credential (vin: string): Promise<VehicleCredential | undefined> {
    const res = await this.pool.query<{ vehicleId: number, vin: string, secretHash: string, model: string | null, firmware: string | null }>(
      `SELECT v.id AS "vehicleId", v.vin, v.model, v.firmware, c.secret_hash AS "secretHash" FROM vehicles v
       JOIN device_credentials c ON c.vehicle_id = v.id AND c.revoked_at IS NULL
       WHERE v.vin = $1`, [vin])
    const row = res.rows[0]
    // a session reads an absent model or firmware as undefined, which a column cannot hold
    return row === undefined ? undefined : { ...row, model: row.model ?? undefined, firmware: row.firmware ?? undefined }
  }

  /**
   * The vehicle's credential when `sha256` is one of its registered, unrevoked
   * client certificates; undefined otherwise (unknown VIN, unknown or revoked
   * certificate, or one registered for another vehicle).
   */
  async certificateCredential (vin: string, sha256: Buffer): Promise<VehicleCredential | undefined> {
    const res = await this.pool.query<{ vehicleId: number, vin: string, secretHash: string, model: string | null, firmware: string | null }>(
      `SELECT v.id AS "vehicleId", v.vin, v.model, v.firmware, c.secret_hash AS "secretHash" FROM vehicles v
       JOIN device_certificates d ON d.vehicle_id = v.id AND d.revoked_at IS NULL AND d.sha256 = $2
       JOIN device_credentials c ON c.vehicle_id = v.id AND c.revoked_at IS NULL
       WHERE v.vin = $1`, [vin, sha256])
    const row = res.rows[0]
    return row === undefined ? undefined : { ...row, model: row.model ?? undefined, firmware: row.firmware ?? undefined }
  }

  /** Who holds a registered certificate, and whether it was revoked; undefined: not registered. */
  async certificateHolder (sha256: Buffer): Promise<CertificateHolder | undefined> {
    const res = await this.pool.query<CertificateHolder>(
      `SELECT v.vin, d.revoked_at IS NOT NULL AS revoked FROM device_certificates d JOIN vehicles v ON v.id = d.vehicle_id
       WHERE d.sha256 = $1`, [sha256])
    return res.rows[0]
  }

  /**
   * Registers a client certificate for the vehicle. Registering one it holds
   * already changes nothing; one another vehicle holds, or one revoked, is
   * refused (certificateConflict).
   */
  async addCertificate (vin: string, certificate: DeviceCertificate): Promise<void> {
    const res = await this.pool.query<{ vehicle: number | null, holder: string | null, revoked: boolean | null }>(
      `WITH v AS (SELECT id FROM vehicles WHERE vin = $1),
       taken AS (SELECT x.vin, d.revoked_at IS NOT NULL AS revoked FROM device_certificates d JOIN vehicles x ON x.id = d.vehicle_id WHERE d.sha256 = $2),
       ins AS (INSERT INTO device_certificates (vehicle_id, sha256, subject, not_after)
         SELECT id, $2, $3, $4 FROM v WHERE NOT EXISTS (SELECT 1 FROM taken) RETURNING vehicle_id)
       SELECT (SELECT id FROM v) AS vehicle, (SELECT vin FROM taken) AS holder, (SELECT revoked FROM taken) AS revoked`,
      [vin, certificate.sha256, certificate.subject, certificate.notAfter])
    const row = res.rows[0] as { vehicle: number | null, holder: string | null, revoked: boolean | null }
    if (row.vehicle === null) throw unknownVehicle(vin)
    const conflict = row.holder === null ? undefined : certificateConflict({ vin: row.holder, revoked: row.revoked === true }, vin, certificate.sha256)
    if (conflict !== undefined) throw conflict
  }

  /** Revokes the vehicle's certificate with this SHA-256, or all of them; returns how many were active. */
  async revokeCertificates (vin: string, sha256?: Buffer): Promise<number> {
    const res = await this.pool.query<{ vehicle: number | null, revoked: number }>(
      `WITH v AS (SELECT id FROM vehicles WHERE vin = $1),
       upd AS (UPDATE device_certificates SET revoked_at = now()
         WHERE vehicle_id = (SELECT id FROM v) AND revoked_at IS NULL AND ($2::bytea IS NULL OR sha256 = $2) RETURNING 1)
       SELECT (SELECT id FROM v) AS vehicle, (SELECT count(*)::int FROM upd) AS revoked`, [vin, sha256 ?? null])
    const row = res.rows[0] as { vehicle: number | null, revoked: number }
    if (row.vehicle === null) throw unknownVehicle(vin)
    return row.revoked
  }

  /** The vehicle's client certificates, newest first, revoked ones included. */
  async certificates (vin: string): Promise<RegisteredCertificate[]> {
    const res = await this.pool.query<RegisteredCertificate>(
      `SELECT d.sha256, d.subject, d.not_after AS "notAfter", d.created_at AS "createdAt", d.revoked_at AS "revokedAt"
       FROM device_certificates d JOIN vehicles v ON v.id = d.vehicle_id WHERE v.vin = $1 ORDER BY d.id DESC`, [vin])
    return res.rows
  }

  /**
   * The firmware the vehicle's T-box reports in its batches: after an OTA
   * update it is what campaign cohorts and rule scopes must see, not the
   * version it was registered with.
   */
  async setFirmware (vehicleId: number, firmware: string): Promise<void> {
    await this.pool.query('UPDATE vehicles SET firmware = $2 WHERE id = $1 AND firmware IS DISTINCT FROM $2', [vehicleId, firmware])
  }

  async markSeen (vehicleId: number): Promise<void> {
    await this.pool.query('UPDATE vehicles SET last_seen_at = now() WHERE id = $1', [vehicleId])
  }

  /**
   * Connections that began (`connected` true) or ended on gateway node
   * `node`, in one statement. An end counts only while the row still names
   * this node: a vehicle that reconnected to another node meanwhile stays
   * connected there. A change of `connected` notifies (migration 017).
   */
  async recordConnections (node: string, changes: ReadonlyMap<number, boolean>): Promise<void> {
    if (changes.size === 0) return
    await this.pool.query(
      `WITH s AS (SELECT * FROM unnest($2::int[], $3::boolean[]) AS s(id, up)),
       came AS (UPDATE vehicles v SET connected = true, connected_node = $1, last_seen_at = now(),
           connection_changed_at = CASE WHEN v.connected AND v.connected_node = $1 THEN v.connection_changed_at ELSE now() END
         FROM s WHERE v.id = s.id AND s.up)
       UPDATE vehicles v SET connected = false, connected_node = NULL, connection_changed_at = now(), last_seen_at = now()
         FROM s WHERE v.id = s.id AND NOT s.up AND v.connected AND v.connected_node = $1`,
      [node, [...changes.keys()], [...changes.values()]])
  }

  /**
   * Node `node`'s beat: records it alive, and makes the rows agree with the
   * vehicles it holds (`held`, their ids): its rows of vehicles it no longer
   * holds, and the rows of nodes silent for `deadAfterS`, go offline (a write
   * lost to an outage, a crash); vehicles it holds whose row says offline
   * come back (a beat missed while the database was away let another node
   * take them offline). A row naming another live node is left alone.
   * Nodes silent for a day are forgotten.
   */
  async connectionBeat (node: string, held: readonly number[], deadAfterS: number): Promise<{ cleared: number, restored: number }> {
    const res = await this.pool.query<{ cleared: number, restored: number }>(
      `WITH beat AS (INSERT INTO gateway_nodes (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET seen_at = now()),
       forgotten AS (DELETE FROM gateway_nodes WHERE name <> $1 AND seen_at < now() - interval '1 day'),
       gone AS (UPDATE vehicles v SET connected = false, connected_node = NULL, connection_changed_at = now()
         WHERE v.connected AND v.id <> ALL($2::int[]) AND (v.connected_node IS NULL OR v.connected_node = $1 OR NOT EXISTS (
           SELECT 1 FROM gateway_nodes n WHERE n.name = v.connected_node AND n.seen_at > now() - make_interval(secs => $3)))
         RETURNING v.id),
       back AS (UPDATE vehicles v SET connected = true, connected_node = $1, connection_changed_at = now()
         WHERE v.id = ANY($2::int[]) AND NOT v.connected RETURNING v.id)
       SELECT (SELECT count(*) FROM gone)::int AS cleared, (SELECT count(*) FROM back)::int AS restored`,
      [node, held, deadAfterS])
    const { cleared, restored } = res.rows[0] as { cleared: number, restored: number }
    return { cleared, restored }
  }

  /** A node stopping: its vehicles go offline and it leaves the registry. */
  async releaseNode (node: string): Promise<void> {
    await this.pool.query(
      `WITH gone AS (UPDATE vehicles SET connected = false, connected_node = NULL, connection_changed_at = now()
         WHERE connected AND connected_node = $1)
       DELETE FROM gateway_nodes WHERE name = $1`, [node])
  }

  /**
   * A vehicle's connection state; with `dealerId`, only a vehicle whose own
   * dealer that is (any other reads as unknown). Undefined: no such vehicle.
   */
  async connectionState (vin: string, dealerId?: string): Promise<ConnectionState | undefined> {
    const res = await this.pool.query<ConnectionState>(
      `SELECT vin, connected, connected_node AS node, connection_changed_at AS "changedAt" FROM vehicles
       WHERE vin = $1 AND ($2::text IS NULL OR dealer_id = $2)`, [vin, dealerId ?? null])
    return res.rows[0]
  }

  /** Registered vehicles by VIN; with `dealerId`, only those whose own dealer it is. */
  async list (query: { dealerId?: string | undefined } = {}): Promise<VehicleSummary[]> {
    const res = await this.pool.query<VehicleSummary>(
      `SELECT v.vin, v.model, v.firmware, v.brand, v.dealer_id AS "dealerId", v.last_seen_at AS "lastSeenAt",
         CASE WHEN m.id IS NULL THEN NULL ELSE json_build_object('id', m.id, 'version', m.version) END AS manifest
       FROM vehicles v LEFT JOIN decoder_manifests m ON m.model = v.model AND m.active
       WHERE $1::text IS NULL OR v.dealer_id = $1 ORDER BY v.vin`, [query.dealerId ?? null])
    return res.rows
  }

  /**
   * One page of the fleet, by VIN, with the filters of FleetQuery: the
   * console's fleet list. Keyset paging (`after` the last VIN of the page
   * before) costs the same on every page, where OFFSET would read every
   * page before it; `total` counts every vehicle matching the filters.
   */
  async page (query: FleetQuery = {}): Promise<FleetPage> {
    const limit = query.limit ?? 100
    const filters = fleetFilters(query)
    const [rows, count] = await Promise.all([
      this.pool.query<FleetVehicle>(
        `SELECT v.vin, v.model, v.firmware, v.brand, v.dealer_id AS "dealerId", v.last_seen_at AS "lastSeenAt",
           CASE WHEN m.id IS NULL THEN NULL ELSE json_build_object('id', m.id, 'version', m.version) END AS manifest,
           v.connected AS online,
           (SELECT count(*)::int FROM faults f WHERE f.vehicle_id = v.id AND ${FAULT_IN_FORCE}) AS "openFaults"
         FROM vehicles v LEFT JOIN decoder_manifests m ON m.model = v.model AND m.active
         WHERE ${FLEET_FILTERS} AND ($7::text IS NULL OR v.vin > $7)
         ORDER BY v.vin LIMIT $8`, [...filters, query.after ?? null, limit + 1]),
      this.pool.query<{ total: number }>(`SELECT count(*)::int AS total FROM vehicles v WHERE ${FLEET_FILTERS}`, filters)
    ])
    const vehicles = rows.rows.slice(0, limit)
    const more = rows.rows.length > limit
    return { vehicles, total: (count.rows[0] as { total: number }).total, nextAfter: more ? (vehicles[vehicles.length - 1] as FleetVehicle).vin : null }
  }

  /**
   * The last GNSS fix of every vehicle matching the filters (those without
   * one are left out), at most `limit`, the first by VIN: the fleet map.
   * Coordinates to 1e-6 degrees, times to the millisecond.
   */
  async positions (query: PositionQuery): Promise<FleetPositions> {
    const { box } = query
    const res = await this.pool.query<{ vin: string, model: string | null, online: boolean, lat: number, lon: number, t: number, openFaults: number }>(LAST_POSITIONS, [
      ...fleetFilters(query), box?.west ?? null, box?.south ?? null, box?.east ?? null, box?.north ?? null, query.limit + 1
    ])
    const rows = res.rows.slice(0, query.limit)
    const answer: FleetPositions = { vin: [], model: [], lat: [], lon: [], t: [], online: [], openFaults: [], truncated: res.rows.length > query.limit }
    for (const r of rows) {
      answer.vin.push(r.vin)
      answer.model.push(r.model)
      answer.lat.push(Math.round(r.lat * MICRODEGREES) / MICRODEGREES)
      answer.lon.push(Math.round(r.lon * MICRODEGREES) / MICRODEGREES)
      answer.t.push(r.t)
      answer.online.push(r.online)
      answer.openFaults.push(r.openFaults)
    }
    return answer
  }

  /**
   * The highest stored seq of each of these vehicles (absent: none stored),
   * so a restarted T-box, or simulator, continues after it.
   */
  async lastSeqs (vins: readonly string[]): Promise<Map<string, number>> {
    const res = await this.pool.query<{ vin: string, seq: number }>(
      `SELECT v.vin, max(b.seq) AS seq FROM vehicles v JOIN batches b ON b.vehicle_id = v.id
       WHERE v.vin = ANY($1::text[]) GROUP BY v.vin`, [vins])
    return new Map(res.rows.map((r) => [r.vin, r.seq]))
  }

  /** The vehicle's own dealer (null: none, the nearest one is chosen per alert). */
  async assignDealer (vin: string, dealerId: string | null): Promise<void> {
    const res = await this.pool.query<{ vehicle: number | null, dealer: string | null }>(
      `WITH d AS (SELECT id FROM dealers WHERE id = $2),
       upd AS (UPDATE vehicles SET dealer_id = $2 WHERE vin = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM d)) RETURNING id)
       SELECT (SELECT id FROM upd) AS vehicle, (SELECT id FROM d) AS dealer`, [vin, dealerId])
    const row = res.rows[0] as { vehicle: number | null, dealer: string | null }
    if (dealerId !== null && row.dealer === null) throw new PitwallError('PITWALL_ERR_DEALER_UNKNOWN', `no dealer ${dealerId}`)
    if (row.vehicle === null) throw unknownVehicle(vin)
  }

  /** The brand dealers are matched on (null: any dealer). */
  async setBrand (vin: string, brand: string | null): Promise<void> {
    const value = brand?.trim() ?? null
    if (value === '') throw new PitwallError('PITWALL_ERR_DEALER_INVALID', `vehicle ${vin}: brand must not be empty (null clears it)`)
    const res = await this.pool.query('UPDATE vehicles SET brand = $2 WHERE vin = $1', [vin, value])
    if (res.rowCount === 0) throw unknownVehicle(vin)
  }
}

/** Where a vehicle is connected (migration 013's columns). */
export interface ConnectionState {
  vin: string
  connected: boolean
  /** the gateway node holding its connection; null when offline */
  node: string | null
  /** when it connected or went offline; null: never since the columns exist */
  changedAt: Date | null
}

export interface CertificateHolder {
  vin: string
  revoked: boolean
}

/** Why `vin` may not register a certificate `holder` holds; undefined when it is its own, active one (nothing to do). */
export function certificateConflict (holder: CertificateHolder, vin: string, sha256: Buffer): PitwallError | undefined {
  if (holder.vin === vin && !holder.revoked) return undefined
  return new PitwallError('PITWALL_ERR_CERTIFICATE_INVALID', holder.revoked && holder.vin === vin
    ? `certificate ${sha256.toString('hex')} of ${vin} was revoked: a revoked certificate stays refused; issue a new one`
    : `certificate ${sha256.toString('hex')} is registered already (for ${holder.vin})`)
}

/** FLEET_FILTERS' $1..$6. */
function fleetFilters (query: Omit<FleetQuery, 'after' | 'limit'>): unknown[] {
  return [query.dealerId ?? null, query.q === undefined ? null : `%${query.q.replace(/[\\%_]/g, '\\$&')}%`,
    query.model ?? null, query.firmware ?? null, query.online ?? null, query.fault ?? null]
}

function unknownVehicle (vin: string): PitwallError {
  return new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${vin} (pitwall device list shows the registered vehicles)`)
}
