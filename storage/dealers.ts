/**
 * The dealer registry: workshops with their position, the brands they
 * service and the webhook their system receives alerts on; and each
 * vehicle's own dealer and brand, which routing reads. A webhook secret is
 * shown once (when given or generated) and never read back: the registry
 * says only whether one is set.
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { StorageError } from './errors.js'
import { inTransaction } from './transaction.js'

export interface Dealer {
  id: string
  name: string
  lat: number
  lon: number
  /** brands serviced; empty: every brand */
  brands: string[]
  webhookUrl: string | null
  hasSecret: boolean
  active: boolean
  createdAt: Date
  updatedAt: Date
}

export interface DealerInput {
  id: string
  name: string
  lat: number
  lon: number
  brands?: readonly string[] | undefined
  /** http(s) URL alerts are POSTed to; absent: the dealer works from the inbox only */
  webhookUrl?: string | null | undefined
  /** HMAC key, at least 32 characters; generated when a webhook URL comes without one */
  webhookSecret?: string | undefined
}

export type DealerChange = Partial<Omit<DealerInput, 'id'>>

export interface DealerWithSecret {
  dealer: Dealer
  /** the secret this call set or generated, to hand to the dealer once; null when it set none */
  webhookSecret: string | null
}

interface Row {
  id: string
  name: string
  lat: number
  lon: number
  brands: string[]
  webhook_url: string | null
  has_secret: boolean
  active: boolean
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, name, lat, lon, brands, webhook_url, webhook_secret IS NOT NULL AS has_secret, active, created_at, updated_at'
const MIN_SECRET_LENGTH = 32

const dealer = (r: Row): Dealer => ({
  id: r.id,
  name: r.name,
  lat: r.lat,
  lon: r.lon,
  brands: r.brands,
  webhookUrl: r.webhook_url,
  hasSecret: r.has_secret,
  active: r.active,
  createdAt: r.created_at,
  updatedAt: r.updated_at
})

/** 256 random bits, prefixed so that a leaked one is recognisable in a scan. */
export function newWebhookSecret (): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

export class DealerStore {
  constructor (private readonly pool: pg.Pool) {}

  async add (input: DealerInput): Promise<DealerWithSecret> {
    check(input.id, { ...input, webhookUrl: input.webhookUrl ?? null })
    const url = input.webhookUrl ?? null
    const secret = url === null ? null : (input.webhookSecret ?? newWebhookSecret())
    const res = await this.pool.query<Row>(
      `INSERT INTO dealers (id, name, lat, lon, brands, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
      [input.id, input.name.trim(), input.lat, input.lon, normalBrands(input.brands), url, secret])
    const added = res.rows[0]
    if (added === undefined) throw new StorageError('PITWALL_ERR_DEALER_EXISTS', `dealer ${input.id} is already registered (update it instead)`)
    return { dealer: dealer(added), webhookSecret: secret }
  }

  /**
   * Changes the given fields. Setting a webhook URL on a dealer without a
   * secret generates one; `webhookUrl: null` stops webhooks (the secret is
   * dropped with it).
   */
  async update (id: string, change: DealerChange): Promise<DealerWithSecret> {
    check(id, change)
    return await inTransaction(this.pool, async (client) => {
      const cur = (await client.query<{ webhook_url: string | null, webhook_secret: string | null }>(
        'SELECT webhook_url, webhook_secret FROM dealers WHERE id = $1 FOR UPDATE', [id])).rows[0]
      if (cur === undefined) throw unknownDealer(id)
      const url = change.webhookUrl === undefined ? cur.webhook_url : change.webhookUrl
      if (url === null && change.webhookSecret !== undefined) {
        throw new StorageError('PITWALL_ERR_DEALER_INVALID', `dealer ${id}: a webhook secret without a webhook URL`)
      }
      const given = change.webhookSecret ?? (url !== null && cur.webhook_secret === null ? newWebhookSecret() : undefined)
      const secret = url === null ? null : given ?? cur.webhook_secret
      const res = await client.query<Row>(
        `UPDATE dealers SET name = coalesce($2, name), lat = coalesce($3, lat), lon = coalesce($4, lon), brands = coalesce($5, brands),
           webhook_url = $6, webhook_secret = $7, updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, change.name?.trim() ?? null, change.lat ?? null, change.lon ?? null,
          change.brands === undefined ? null : normalBrands(change.brands), url, secret])
      return { dealer: dealer(res.rows[0] as Row), webhookSecret: given ?? null }
    })
  }

  /** A new webhook secret replacing the old one at once; returned to hand to the dealer. */
  async rotateWebhookSecret (id: string): Promise<string> {
    const secret = newWebhookSecret()
    const res = await this.pool.query<{ webhook_url: string | null }>(
      'UPDATE dealers SET webhook_secret = $2, updated_at = now() WHERE id = $1 AND webhook_url IS NOT NULL RETURNING webhook_url', [id, secret])
    if (res.rows.length === 0) {
      await this.get(id)
      throw new StorageError('PITWALL_ERR_DEALER_INVALID', `dealer ${id} has no webhook URL; set one before a secret`)
    }
    return secret
  }

  async get (id: string): Promise<Dealer> {
    const res = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM dealers WHERE id = $1`, [id])
    const row = res.rows[0]
    if (row === undefined) throw unknownDealer(id)
    return dealer(row)
  }

  async list (query: { active?: boolean } = {}): Promise<Dealer[]> {
    const res = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM dealers WHERE ($1::boolean IS NULL OR active = $1) ORDER BY id`, [query.active ?? null])
    return res.rows.map(dealer)
  }

  /**
   * Takes the dealer out of routing: no new alert goes to it. Its alerts stay
   * in its inbox; their undelivered webhooks become dead letters when next
   * due, to be retried if it comes back.
   */
  async deactivate (id: string): Promise<Dealer> {
    return await this.setActive(id, false)
  }

  async activate (id: string): Promise<Dealer> {
    return await this.setActive(id, true)
  }

  private async setActive (id: string, active: boolean): Promise<Dealer> {
    const res = await this.pool.query<Row>(
      `UPDATE dealers SET active = $2, updated_at = CASE WHEN active = $2 THEN updated_at ELSE now() END WHERE id = $1 RETURNING ${COLUMNS}`, [id, active])
    const row = res.rows[0]
    if (row === undefined) throw unknownDealer(id)
    return dealer(row)
  }

  /** The vehicle's own dealer (null: none, the nearest one is chosen per alert). */
  async assignVehicle (vin: string, dealerId: string | null): Promise<void> {
    const res = await this.pool.query<{ vehicle: number | null, dealer: string | null }>(
      `WITH d AS (SELECT id FROM dealers WHERE id = $2),
       upd AS (UPDATE vehicles SET dealer_id = $2 WHERE vin = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM d)) RETURNING id)
       SELECT (SELECT id FROM upd) AS vehicle, (SELECT id FROM d) AS dealer`, [vin, dealerId])
    const row = res.rows[0] as { vehicle: number | null, dealer: string | null }
    if (dealerId !== null && row.dealer === null) throw unknownDealer(dealerId)
    if (row.vehicle === null) throw unknownVehicle(vin)
  }

  /** The brand dealers are matched on (null: any dealer). */
  async setVehicleBrand (vin: string, brand: string | null): Promise<void> {
    const value = brand?.trim() ?? null
    if (value === '') throw new StorageError('PITWALL_ERR_DEALER_INVALID', `vehicle ${vin}: brand must not be empty (null clears it)`)
    const res = await this.pool.query('UPDATE vehicles SET brand = $2 WHERE vin = $1', [vin, value])
    if (res.rowCount === 0) throw unknownVehicle(vin)
  }
}

function check (id: string, d: DealerChange): void {
  const problems: string[] = []
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) problems.push(`id ${JSON.stringify(id)} is not 1-64 letters, digits, '.', '_' or '-'`)
  // GET /api/v1/dealers/me is the calling dealer's own record: a dealer named "me" could not be read there
  else if (id === 'me') problems.push('id "me" is reserved (the API\'s /dealers/me is the calling dealer)')
  if (d.name !== undefined && (d.name.trim().length === 0 || d.name.length > 200)) problems.push('name must be 1-200 characters')
  if (d.lat !== undefined && !(Number.isFinite(d.lat) && d.lat >= -90 && d.lat <= 90)) problems.push(`lat ${d.lat} is outside -90..90`)
  if (d.lon !== undefined && !(Number.isFinite(d.lon) && d.lon >= -180 && d.lon <= 180)) problems.push(`lon ${d.lon} is outside -180..180`)
  for (const b of d.brands ?? []) if (b.trim().length === 0 || b.length > 64) problems.push(`brand ${JSON.stringify(b)} must be 1-64 characters`)
  if (d.webhookUrl !== undefined && d.webhookUrl !== null) {
    let protocol: string | undefined
    try { protocol = new URL(d.webhookUrl).protocol } catch {}
    // The URL parser forgives what the table's check (webhook_url ~ '^https?://') refuses: 'HTTPS://', 'https:host',
    // leading blanks. Refused here, so that it is a 400 naming the URL and not a constraint error whose detail holds the secret.
    if ((protocol !== 'http:' && protocol !== 'https:') || !/^https?:\/\//.test(d.webhookUrl)) {
      problems.push(`webhook URL ${JSON.stringify(d.webhookUrl)} is not an http(s) URL (it must start with http:// or https://)`)
    }
  }
  if (d.webhookSecret !== undefined) {
    if (d.webhookSecret.length < MIN_SECRET_LENGTH) problems.push(`webhook secret has ${d.webhookSecret.length} characters; at least ${MIN_SECRET_LENGTH} needed`)
    if (d.webhookUrl === null) problems.push('a webhook secret without a webhook URL')
  }
  if (problems.length > 0) throw new StorageError('PITWALL_ERR_DEALER_INVALID', `dealer ${id}: ${problems.join('; ')}`)
}

function normalBrands (brands: readonly string[] | undefined): string[] {
  return [...new Set((brands ?? []).map((b) => b.trim()))]
}

function unknownDealer (id: string): StorageError {
  return new StorageError('PITWALL_ERR_DEALER_UNKNOWN', `no dealer ${id}`)
}

function unknownVehicle (vin: string): StorageError {
  return new StorageError('PITWALL_ERR_VEHICLE_UNKNOWN', `no vehicle ${vin} (pitwall device list shows the registered vehicles)`)
}
