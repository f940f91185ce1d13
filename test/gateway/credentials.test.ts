import t from 'tap'
import { generateSecret, hashSecret, verifySecret, VerifiedSecretCache } from '../../gateway/credentials.js'

t.test('a secret verifies against its hash and nothing else does', async (t) => {
  const secret = generateSecret()
  const hash = await hashSecret(secret)
  t.match(hash, /^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/)
  t.notMatch(hash, secret, 'the hash does not contain the secret')
  t.ok(await verifySecret(secret, hash))
  t.notOk(await verifySecret(secret + 'x', hash))
  t.notOk(await verifySecret(secret, 'plain-text'))
  t.not(await hashSecret(secret), hash, 'salted')
})

t.test('the verification cache accepts only the secret that verified, and forgets a rotated hash', async (t) => {
  const cache = new VerifiedSecretCache()
  const secret = generateSecret()
  const hash = await hashSecret(secret)
  t.ok(await cache.verify(secret, hash))
  t.ok(await cache.verify(secret, hash))
  t.notOk(await cache.verify('guess', hash))
  const rotated = await hashSecret(generateSecret())
  t.notOk(await cache.verify(secret, rotated))
  t.equal(await cache.verifyUnknown(secret), false)
})

t.test('hashes made with other scrypt parameters still verify', async (t) => {
  // scrypt N=16384 r=8 p=1 of "legacy-secret", salt 16 zero bytes
  const { scryptSync } = await import('node:crypto')
  const key = scryptSync('legacy-secret', Buffer.alloc(16), 32, { N: 16384, r: 8, p: 1 })
  const stored = ['scrypt', 16384, 8, 1, Buffer.alloc(16).toString('base64url'), key.toString('base64url')].join('$')
  t.ok(await verifySecret('legacy-secret', stored))
})
