/**
 * Webhook signatures as a receiver checks them: a round trip, and each way
 * a request is refused (tampered body, wrong secret, stale or future time,
 * missing or malformed headers).
 */
import { createHmac } from 'node:crypto'
import t from 'tap'
import { signWebhook, verifyWebhook } from '../../../actions/dealer-alerts/webhook-signature.js'

const SECRET = 'whsec_0123456789abcdefghijklmnopqrstuvwxyz'
const BODY = JSON.stringify({ schema: 'pitwall.dealer-alert/1', fault: { id: 7, ruleId: 'coolant-overheat' } })
const SENT = new Date('2025-06-01T12:00:00Z')
const message = { idempotencyKey: '1f0c6c52-3c1e-4bb8-9d53-3b8c0c5a3a10', event: 'dealer_alert.created', body: BODY }

t.test('a signed request verifies, with its key, event and time', async (t) => {
  const headers = signWebhook(SECRET, message, SENT)
  t.equal(headers['Content-Type'], 'application/json')
  t.match(headers['Pitwall-Signature'], /^t=1748779200,v1=[0-9a-f]{64}$/)
  const expected = createHmac('sha256', SECRET).update(`1748779200.${BODY}`).digest('hex')
  t.equal(headers['Pitwall-Signature'], `t=1748779200,v1=${expected}`, 'HMAC-SHA256 over "t.body"')
  t.same(verifyWebhook(SECRET, headers, BODY, { now: new Date(SENT.getTime() + 30_000) }),
    { ok: true, timestampS: 1748779200, idempotencyKey: message.idempotencyKey, event: 'dealer_alert.created' })
})

t.test('headers as Node gives them (lower case) or as fetch Headers, and the body as bytes', async (t) => {
  const headers = signWebhook(SECRET, message, SENT)
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  t.equal(verifyWebhook(SECRET, lower, Buffer.from(BODY), { now: SENT }).ok, true)
  t.equal(verifyWebhook(SECRET, new Headers(headers), new TextEncoder().encode(BODY), { now: SENT }).ok, true)
})

t.test('a tampered body is refused', async (t) => {
  const headers = signWebhook(SECRET, message, SENT)
  t.match(verifyWebhook(SECRET, headers, BODY.replace('"id":7', '"id":8'), { now: SENT }),
    { ok: false, reason: 'bad_signature', message: 'the v1 signature does not match the body under this secret' })
  t.match(verifyWebhook(SECRET, headers, BODY + ' ', { now: SENT }), { ok: false, reason: 'bad_signature' }, 'one added byte')
})

t.test('another secret is refused', async (t) => {
  const headers = signWebhook('whsec_another-dealers-secret-of-enough-length', message, SENT)
  t.match(verifyWebhook(SECRET, headers, BODY, { now: SENT }), { ok: false, reason: 'bad_signature' })
})

t.test('a moved timestamp breaks the MAC; an old or future one is stale', async (t) => {
  const headers = signWebhook(SECRET, message, SENT)
  const moved = { ...headers, 'Pitwall-Signature': headers['Pitwall-Signature']?.replace('t=1748779200', 't=1748779260') ?? '' }
  t.match(verifyWebhook(SECRET, moved, BODY, { now: SENT }), { ok: false, reason: 'bad_signature' }, 'the time is inside the MAC')
  t.same(verifyWebhook(SECRET, headers, BODY, { now: new Date(SENT.getTime() + 301_000) }),
    { ok: false, reason: 'stale_timestamp', message: 'signed at 2025-06-01T12:00:00.000Z, 301 s ago; the tolerance is 300 s' })
  t.same(verifyWebhook(SECRET, headers, BODY, { now: new Date(SENT.getTime() - 600_000) }),
    { ok: false, reason: 'stale_timestamp', message: 'signed at 2025-06-01T12:00:00.000Z, 600 s ahead; the tolerance is 300 s' })
  t.equal(verifyWebhook(SECRET, headers, BODY, { now: new Date(SENT.getTime() + 3_600_000), toleranceS: 7200 }).ok, true, 'a wider tolerance')
})

t.test('missing and malformed headers are named', async (t) => {
  const headers = signWebhook(SECRET, message, SENT)
  const without = (name: string): Record<string, string> => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name))
  t.same(verifyWebhook(SECRET, without('Pitwall-Signature'), BODY, { now: SENT }), { ok: false, reason: 'missing_signature', message: 'no Pitwall-Signature header' })
  t.same(verifyWebhook(SECRET, without('Idempotency-Key'), BODY, { now: SENT }), { ok: false, reason: 'missing_idempotency_key', message: 'no Idempotency-Key header' })
  t.same(verifyWebhook(SECRET, without('Pitwall-Event'), BODY, { now: SENT }), { ok: false, reason: 'missing_event', message: 'no Pitwall-Event header' })
  for (const bad of ['v1=abc', 't=1748779200', 't=soon,v1=' + 'a'.repeat(64), 't=1748779200,v1=' + 'a'.repeat(63)]) {
    t.match(verifyWebhook(SECRET, { ...headers, 'Pitwall-Signature': bad }, BODY, { now: SENT }),
      { ok: false, reason: 'malformed_signature', message: /is not t=<unix seconds>,v1=<64 hex digits>/ }, bad)
  }
})

t.test('any one of several v1 signatures may match (secret rotation)', async (t) => {
  const old = signWebhook('whsec_the-old-secret-still-on-the-receiver', message, SENT)['Pitwall-Signature'] as string
  const current = signWebhook(SECRET, message, SENT)['Pitwall-Signature'] as string
  const both = `${old},${current.split(',')[1] as string},v2=future-scheme`
  t.equal(verifyWebhook(SECRET, { ...signWebhook(SECRET, message, SENT), 'Pitwall-Signature': both }, BODY, { now: SENT }).ok, true)
})
