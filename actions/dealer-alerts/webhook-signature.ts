/**
 * Signed webhooks: what Pitwall adds to every POST to a dealer, and how the
 * receiver checks it.
 *
 *   Pitwall-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>
 *   Idempotency-Key:   the same for every attempt of one delivery; receivers dedupe by it
 *   Pitwall-Event:     what the body is, e.g. dealer_alert.created
 *
 * The timestamp is inside the MAC, so a captured request cannot be replayed
 * after the tolerance; the body is MACed as the exact bytes sent, so the
 * receiver must verify the raw body before parsing it. Several v1= entries
 * may appear (one per secret while a secret is rotated); one match suffices.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'Pitwall-Signature'
export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
export const EVENT_HEADER = 'Pitwall-Event'

export interface WebhookMessage {
  idempotencyKey: string
  event: string
  body: string | Uint8Array
}

/** The hex HMAC-SHA256 of `t.body` under the secret. */
export function webhookMac (secret: string, timestampS: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest('hex')
}

/** The headers of one signed POST (Content-Type included); `now` for tests. */
export function signWebhook (secret: string, message: WebhookMessage, now: Date = new Date()): Record<string, string> {
  const t = Math.floor(now.getTime() / 1000)
  return {
    'Content-Type': 'application/json',
    [SIGNATURE_HEADER]: `t=${t},v1=${webhookMac(secret, t, message.body)}`,
    [IDEMPOTENCY_HEADER]: message.idempotencyKey,
    [EVENT_HEADER]: message.event
  }
}

export type WebhookRefusal = 'missing_signature' | 'malformed_signature' | 'stale_timestamp' | 'bad_signature' | 'missing_idempotency_key' | 'missing_event'

export type WebhookVerification =
  | { ok: true, timestampS: number, idempotencyKey: string, event: string }
  | { ok: false, reason: WebhookRefusal, message: string }

export interface VerifyOptions {
  /** how far the signed time may be from `now`, either way; default 300 s */
  toleranceS?: number
  now?: Date
}

/** Node's IncomingHttpHeaders (lower-case names), a fetch Headers, or a plain record in any case. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>

/**
 * Checks a received webhook: all three headers present, the signed time
 * within the tolerance, and a v1 MAC over the raw body that matches
 * (compared in constant time). Returns why not, in words, otherwise.
 */
export function verifyWebhook (secret: string, headers: HeaderSource, body: string | Uint8Array, options: VerifyOptions = {}): WebhookVerification {
  const toleranceS = options.toleranceS ?? 300
  const nowS = Math.floor((options.now ?? new Date()).getTime() / 1000)
  const signature = header(headers, SIGNATURE_HEADER)
  if (signature === undefined) return refuse('missing_signature', `no ${SIGNATURE_HEADER} header`)
  const idempotencyKey = header(headers, IDEMPOTENCY_HEADER)
  if (idempotencyKey === undefined || idempotencyKey === '') return refuse('missing_idempotency_key', `no ${IDEMPOTENCY_HEADER} header`)
  const event = header(headers, EVENT_HEADER)
  if (event === undefined || event === '') return refuse('missing_event', `no ${EVENT_HEADER} header`)

  let timestampS: number | undefined
  const macs: Buffer[] = []
  for (const part of signature.split(',')) {
    const eq = part.indexOf('=')
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (key === 't' && /^\d{1,12}$/.test(value)) timestampS = Number(value)
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) macs.push(Buffer.from(value, 'hex'))
    // other schemes (a future v2) are skipped, so receivers keep working while both are sent
  }
  if (timestampS === undefined || macs.length === 0) {
    return refuse('malformed_signature', `${SIGNATURE_HEADER} '${signature.slice(0, 200)}' is not t=<unix seconds>,v1=<64 hex digits>`)
  }
  const skewS = nowS - timestampS
  if (Math.abs(skewS) > toleranceS) {
    return refuse('stale_timestamp', `signed at ${new Date(timestampS * 1000).toISOString()}, ${Math.abs(skewS)} s ${skewS > 0 ? 'ago' : 'ahead'}; the tolerance is ${toleranceS} s`)
  }
  const expected = Buffer.from(webhookMac(secret, timestampS, body), 'hex')
  // every candidate is compared, so the time taken does not say which matched
  let matched = false
  for (const mac of macs) matched = timingSafeEqual(mac, expected) || matched
  if (!matched) return refuse('bad_signature', 'the v1 signature does not match the body under this secret')
  return { ok: true, timestampS, idempotencyKey, event }
}

function header (headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue
    return Array.isArray(value) ? value.join(',') : value
  }
  return undefined
}

function refuse (reason: WebhookRefusal, message: string): WebhookVerification {
  return { ok: false, reason, message }
}
