/**
 * The dealer registry: workshops with their position, the brands they
 * service and the webhook their system receives alerts on (each vehicle's
 * own dealer and brand, which routing reads, are the vehicle's:
 * storage/vehicles.ts). A webhook secret is
 * shown once (when given or generated) and never read back: the registry
 * says only whether one is set.
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { Dealer, DealerInput, DealerUpdate } from '../actions/dealer-alerts/model.js'
import { PitwallError } from '../runtime/errors.js'

export interface DealerWithSecret {
  dealer: Dealer
  /** the secret this call set or generated, to hand to the dealer once; null when it set none */
  webhookSecret: string | null
}

/** Dealer; the secret itself is never read back */
const COLUMNS = `id, name, lat, lon, brands, webhook_url AS "webhookUrl", webhook_secret IS NOT NULL AS "hasSecret", active,
  created_at AS "createdAt", updated_at AS "updatedAt"`

/** 256 random bits, prefixed so that a leaked one is recognisable in a scan. */
export function newWebhookSecret (): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

export class DealerStore {
  constructor (private readonly pool: pg.Pool) {}

  /** A new dealer, as the policy checked and normalised it (actions/dealer-alerts/policy.ts checkNewDealer). */
  async add (input: DealerInput): Promise<DealerWithSecret> {
    const url = input.webhookUrl ?? null
    const secret = url === null ? null : (input.webhookSecret ?? newWebhookSecret())
    const res = await this.pool.query<Dealer>(
      `INSERT INTO dealers (id, name, lat, lon, brands, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
      [input.id, input.name, input.lat, input.lon, input.brands ?? [], url, secret])
    const added = res.rows[0]
    if (added === undefined) throw new PitwallError('PITWALL_ERR_DEALER_EXISTS', `dealer ${input.id} is already registered (update it instead)`)
    return { dealer: added, webhookSecret: secret }
  }

  /**
   * Applies a change the policy decided (actions/dealer-alerts/policy.ts
   * dealerUpdate) in one statement: fields not given stay, `webhookUrl: null`
   * drops the secret with the URL, a generated secret is used only by a
   * dealer that has none, and a secret without a URL only reaches a dealer
   * that has one.
   */
  async update (id: string, change: DealerUpdate): Promise<DealerWithSecret> {
    const generated = change.generateSecret ? newWebhookSecret() : null
    const res = await this.pool.query<Dealer & { generated: boolean }>(
      `UPDATE dealers SET name = coalesce($2, name), lat = coalesce($3, lat), lon = coalesce($4, lon), brands = coalesce($5, brands),
         webhook_url = CASE WHEN $6::boolean THEN $7::text ELSE webhook_url END,
         webhook_secret = CASE WHEN $6::boolean AND $7::text IS NULL THEN NULL ELSE coalesce($8::text, webhook_secret, $9::text) END,
         updated_at = now()
       WHERE id = $1 AND (NOT $10::boolean OR webhook_url IS NOT NULL)
       RETURNING ${COLUMNS}, coalesce(webhook_secret = $9::text, false) AS generated`,
      [id, change.name ?? null, change.lat ?? null, change.lon ?? null, change.brands ?? null,
        change.webhookUrl !== undefined, change.webhookUrl ?? null, change.webhookSecret ?? null, generated, change.needsStoredUrl])
    const row = res.rows[0]
    if (row === undefined) {
      await this.get(id)
      throw new PitwallError('PITWALL_ERR_DEALER_INVALID', `dealer ${id}: a webhook secret without a webhook URL`)
    }
    const { generated: usedGenerated, ...dealer } = row
    return { dealer, webhookSecret: change.webhookSecret ?? (usedGenerated ? generated : null) }
  }

  /** A new webhook secret replacing the old one at once; returned to hand to the dealer. */
  async rotateWebhookSecret (id: string): Promise<string> {
    const secret = newWebhookSecret()
    const res = await this.pool.query<{ webhook_url: string | null }>(
      'UPDATE dealers SET webhook_secret = $2, updated_at = now() WHERE id = $1 AND webhook_url IS NOT NULL RETURNING webhook_url', [id, secret])
    if (res.rows.length === 0) {
      await this.get(id)
      throw new PitwallError('PITWALL_ERR_DEALER_INVALID', `dealer ${id} has no webhook URL; set one before a secret`)
    }
    return secret
  }

  async get (id: string): Promise<Dealer> {
    const res = await this.pool.query<Dealer>(`SELECT ${COLUMNS} FROM dealers WHERE id = $1`, [id])
    const dealer = res.rows[0]
    if (dealer === undefined) throw unknownDealer(id)
    return dealer
  }

  async list (query: { active?: boolean } = {}): Promise<Dealer[]> {
    const res = await this.pool.query<Dealer>(
      `SELECT ${COLUMNS} FROM dealers WHERE ($1::boolean IS NULL OR active = $1) ORDER BY id`, [query.active ?? null])
    return res.rows
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
    const res = await this.pool.query<Dealer>(
      `UPDATE dealers SET active = $2, updated_at = CASE WHEN active = $2 THEN updated_at ELSE now() END WHERE id = $1 RETURNING ${COLUMNS}`, [id, active])
    const dealer = res.rows[0]
    if (dealer === undefined) throw unknownDealer(id)
    return dealer
  }
}

function unknownDealer (id: string): PitwallError {
  return new PitwallError('PITWALL_ERR_DEALER_UNKNOWN', `no dealer ${id}`)
}
