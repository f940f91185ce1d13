/**
 * Device secrets: generated once, shown once, stored only as a scrypt hash
 * (RFC 7914). Secrets are 256-bit random tokens, not passwords people pick:
 * no work factor makes guessing one any harder, while every verification
 * costs the gateway. N = 2^10 takes 3.4 ms here (2^14 took 57 ms, so a
 * fleet of 100,000 reconnecting after a restart would queue for ~20 minutes
 * on libuv's four threads). Verification never blocks the event loop.
 * Stored hashes carry their parameters, so older ones keep verifying.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const N = 1024
const R = 8
const P = 1
const KEY_LEN = 32

function scryptAsync (secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LEN, options, (err, key) => { if (err) reject(err); else resolve(key) })
  })
}

export function generateSecret (): string {
  return randomBytes(32).toString('base64url')
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64url. */
export async function hashSecret (secret: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(secret, salt, { N, r: R, p: P })
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifySecret (secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(hash, 'base64url')
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * Number(n) * Number(r) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/**
 * Remembers which (stored hash, secret) pairs have verified, so a fleet
 * reconnecting after a network blip costs one SHA-256 each instead of one
 * scrypt each. Keyed by the stored hash: rotating or revoking a secret
 * changes the hash and so invalidates the entry. Holds digests, never secrets.
 *
 * Only a right secret takes the fast path: a wrong one, and an unknown VIN
 * (checked against a dummy hash), always cost a full scrypt, so response
 * time does not tell an attacker which VINs exist or have connected.
 */
export class VerifiedSecretCache {
  // Digests as 32-character latin1 strings (one byte each, ~48 bytes of heap): as Buffers, each
  // entry also held an ArrayBuffer and a backing store, ~200 bytes more per connected vehicle.
  private readonly entries = new Map<string, string>()
  private readonly dummy = hashSecret(generateSecret())
  constructor (private readonly capacity = 100_000) {}

  /** Spends a verification's worth of time on a VIN that has no credential; always false. */
  async verifyUnknown (secret: string): Promise<false> {
    await verifySecret(secret, await this.dummy)
    return false
  }

  async verify (secret: string, stored: string): Promise<boolean> {
    const digest = createHash('sha256').update(secret).digest()
    const known = this.entries.get(stored)
    if (known !== undefined && timingSafeEqual(Buffer.from(known, 'latin1'), digest)) return true
    const ok = await verifySecret(secret, stored)
    if (ok) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string)
      this.entries.set(stored, digest.toString('latin1'))
    }
    return ok
  }
}
