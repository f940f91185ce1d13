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

function unknownVehicle (vin: string): PitwallError {
  return new PitwallError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${vin} (pitwall device list shows the registered vehicles)`)
}
