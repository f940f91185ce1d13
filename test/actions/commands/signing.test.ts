import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { commandKeyId, exportPublicKeys, generateCommandKey, loadCommandKeys, parsePublicKeys } from '../../../actions/commands/keys.js'
import { CommandSigner, CommandVerifier, newCommand, type CommandBody, type VerifyResult } from '../../../actions/commands/signing.js'
import { pitwall } from '../../../proto/index.js'

const VIN = 'WPWSIM00000000001'
const OTHER_VIN = 'WPWSIM00000000002'
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0)
const SKEW = 60_000
const BALANCE: CommandBody = { action: { name: 'bms-extended-balancing', params: { cycles: '3' } } }

interface TestKey { keyId: string, privateKey: KeyObject, publicKey: KeyObject }

function testKey (): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { keyId: commandKeyId(publicKey), privateKey, publicKey }
}

const keyA = testKey()
const keyB = testKey()
const signerA = new CommandSigner(keyA)

/** A verifier for VIN trusting `keys`, whose clock the test moves. */
function verifierFor (keys: TestKey[], clock = { now: T0 }): CommandVerifier {
  return new CommandVerifier({ vin: VIN, trustedKeys: new Map(keys.map((k) => [k.keyId, k.publicKey])), now: () => clock.now })
}

function signed (spec: Partial<Parameters<typeof newCommand>[0]> = {}, signer = signerA): Uint8Array {
  return signer.sign(newCommand({ id: 'cmd-1', vin: VIN, ttlMs: 3600_000, body: BALANCE, now: T0, ...spec }))
}

function rejection (result: VerifyResult): { code: string, reason: string, commandId?: string } {
  if (result.ok) throw new Error(`expected a rejection, command ${result.command.id} verified`)
  return result
}

t.test('a signed command verifies and carries what was signed', async (t) => {
  const verifier = verifierFor([keyA])
  const result = verifier.verify(signed())
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`)
  const c = result.command
  t.equal(c.id, 'cmd-1')
  t.equal(c.vin, VIN)
  t.equal(c.issuedAtMs, T0)
  t.equal(c.expiresAtMs, T0 + 3600_000)
  t.equal(c.nonce.length, 16)
  t.same(c.action?.name, 'bms-extended-balancing')
  t.same(c.action?.params, { cycles: '3' })

  const sha256 = createHash('sha256').update('image').digest()
  const ota = verifier.verify(signed({ id: 'cmd-ota', body: { ota: { package: 'bms', version: '2.4.1', url: 'https://ota.example/bms-2.4.1.bin', sha256, size: 1_048_576 } } }))
  if (!ota.ok) throw new Error(`refused: ${ota.code} ${ota.reason}`)
  t.same({ ...ota.command.ota, sha256: Buffer.from(ota.command.ota?.sha256 ?? []) }, { package: 'bms', version: '2.4.1', url: 'https://ota.example/bms-2.4.1.bin', sha256, size: 1_048_576 })
  const uds = verifier.verify(signed({ id: 'cmd-uds', body: { diagnostic: { udsRequest: Buffer.from([0x19, 0x02, 0xff]) } } }))
  if (!uds.ok) throw new Error(`refused: ${uds.code} ${uds.reason}`)
  t.same([...(uds.command.diagnostic?.udsRequest ?? [])], [0x19, 0x02, 0xff])
})

t.test('two commands never share a nonce', async (t) => {
  const a = newCommand({ id: 'a', vin: VIN, ttlMs: 1000, body: BALANCE })
  const b = newCommand({ id: 'a', vin: VIN, ttlMs: 1000, body: BALANCE })
  t.not(Buffer.from(a.nonce ?? []).toString('hex'), Buffer.from(b.nonce ?? []).toString('hex'))
})

t.test('tampered command bytes fail the signature and nothing of them is trusted', async (t) => {
  const original = pitwall.v1.SignedCommand.decode(signed())
  const command = pitwall.v1.Command.decode(original.command)
  // the same command with a different action, under the original signature
  const forged = pitwall.v1.Command.encode({ ...command, action: { name: 'unlock-doors', params: {} } }).finish()
  const result = rejection(verifierFor([keyA]).verify(pitwall.v1.SignedCommand.encode({ ...original, command: forged }).finish()))
  t.equal(result.code, 'bad_signature')
  t.match(result.reason, keyA.keyId)
  t.equal(result.commandId, 'cmd-1', 'the id still addresses the REJECTED ack')

  const flipped = Buffer.from(original.command)
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x01
  t.equal(rejection(verifierFor([keyA]).verify(pitwall.v1.SignedCommand.encode({ ...original, command: flipped }).finish())).code, 'bad_signature')
})

t.test('a tampered or truncated signature is refused', async (t) => {
  const original = pitwall.v1.SignedCommand.decode(signed())
  const signature = Buffer.from(original.signature)
  signature[0] = (signature[0] as number) ^ 0x80
  t.equal(rejection(verifierFor([keyA]).verify(pitwall.v1.SignedCommand.encode({ ...original, signature }).finish())).code, 'bad_signature')
  t.equal(rejection(verifierFor([keyA]).verify(pitwall.v1.SignedCommand.encode({ ...original, signature: original.signature.subarray(0, 63) }).finish())).code, 'bad_signature')
})

t.test('a key id the vehicle does not trust is refused, naming it', async (t) => {
  const result = rejection(verifierFor([keyB]).verify(signed()))
  t.equal(result.code, 'unknown_key')
  t.match(result.reason, keyA.keyId)
  t.match(result.reason, keyB.keyId, 'and says which keys are trusted')
  t.equal(result.commandId, 'cmd-1')
  // a signature by B presented under A's id is still a bad signature, not a pass
  const byB = pitwall.v1.SignedCommand.decode(signed({}, new CommandSigner(keyB)))
  t.equal(rejection(verifierFor([keyA, keyB]).verify(pitwall.v1.SignedCommand.encode({ ...byB, keyId: keyA.keyId }).finish())).code, 'bad_signature')
})

t.test('a command for another VIN is refused', async (t) => {
  const result = rejection(verifierFor([keyA]).verify(signed({ vin: OTHER_VIN })))
  t.equal(result.code, 'wrong_vin')
  t.match(result.reason, OTHER_VIN)
  t.equal(result.commandId, 'cmd-1')
})

t.test('an expired command is refused once past the clock skew allowed', async (t) => {
  const clock = { now: T0 + 60_000 + SKEW }
  const verifier = verifierFor([keyA], clock)
  t.ok(verifier.verify(signed({ id: 'on-the-edge', ttlMs: 60_000 })).ok, 'within the skew after expiry: still accepted')
  clock.now++
  const result = rejection(verifier.verify(signed({ id: 'late', ttlMs: 60_000 })))
  t.equal(result.code, 'expired')
  t.equal(result.commandId, 'late')
  t.match(result.reason, new Date(T0 + 60_000).toISOString())
})

t.test('a command issued in the future beyond the skew is not yet valid', async (t) => {
  const clock = { now: T0 - SKEW }
  const verifier = verifierFor([keyA], clock)
  t.ok(verifier.verify(signed({ id: 'ahead-within-skew' })).ok, 'a gateway clock a minute ahead is tolerated')
  clock.now--
  t.equal(rejection(verifier.verify(signed({ id: 'too-far-ahead' }))).code, 'not_yet_valid')
})

t.test('a command living longer than the TTL bound is refused', async (t) => {
  const verifier = verifierFor([keyA])
  t.ok(verifier.verify(signed({ id: 'thirty-days', ttlMs: 30 * 24 * 3600_000 })).ok)
  const result = rejection(verifier.verify(signed({ id: 'thirty-one-days', ttlMs: 31 * 24 * 3600_000 })))
  t.equal(result.code, 'ttl_too_long')
  const strict = new CommandVerifier({ vin: VIN, trustedKeys: new Map([[keyA.keyId, keyA.publicKey]]), now: () => T0, maxTtlMs: 3600_000 })
  t.equal(rejection(strict.verify(signed({ id: 'two-hours', ttlMs: 7200_000 }))).code, 'ttl_too_long')
})

t.test('a replayed nonce is refused, whatever else changed', async (t) => {
  const verifier = verifierFor([keyA])
  const bytes = signed()
  t.ok(verifier.verify(bytes).ok)
  const again = rejection(verifier.verify(bytes))
  t.equal(again.code, 'replayed')
  t.equal(again.commandId, 'cmd-1')
  // re-signed with the same nonce under another id: still the same nonce
  const first = pitwall.v1.Command.decode(pitwall.v1.SignedCommand.decode(bytes).command)
  t.equal(rejection(verifier.verify(signerA.sign({ ...first, id: 'cmd-2' }))).code, 'replayed')
  t.ok(verifier.verify(signed({ id: 'cmd-2' })).ok, 'a fresh nonce under another id is fine')
})

t.test('nonces are forgotten once their command has expired, and only then', async (t) => {
  const clock = { now: T0 }
  const verifier = verifierFor([keyA], clock)
  const bytes = signed({ ttlMs: 10_000 })
  t.ok(verifier.verify(bytes).ok)
  t.ok(verifier.verify(signed({ id: 'long', ttlMs: 3600_000 })).ok)
  t.equal(verifier.rememberedNonces, 2)

  clock.now = T0 + 10_000 + SKEW
  t.equal(rejection(verifier.verify(bytes)).code, 'replayed', 'at the last moment it could be accepted it is still remembered')
  t.ok(verifier.verify(signed({ id: 'next', ttlMs: 3600_000, now: clock.now })).ok)
  t.equal(verifier.rememberedNonces, 3)

  clock.now++
  t.equal(rejection(verifier.verify(bytes)).code, 'expired', 'after that its replay is refused as expired')
  t.ok(verifier.verify(signed({ id: 'later', ttlMs: 3600_000, now: clock.now })).ok)
  t.equal(verifier.rememberedNonces, 3, 'the expired nonce is gone, the live ones stay')
})

t.test('while keys rotate a command signed by any trusted key verifies; a removed key no longer does', async (t) => {
  const signerB = new CommandSigner(keyB)
  const verifier = verifierFor([keyA, keyB])
  t.ok(verifier.verify(signed({ id: 'by-a' })).ok)
  t.ok(verifier.verify(signed({ id: 'by-b' }, signerB)).ok)
  verifier.setTrustedKeys(new Map([[keyB.keyId, keyB.publicKey]]))
  const result = rejection(verifier.verify(signed({ id: 'by-a-again' })))
  t.equal(result.code, 'unknown_key')
  t.ok(verifier.verify(signed({ id: 'by-b-again' }, signerB)).ok)
  const bytes = signed({ id: 'by-b-once' }, signerB)
  t.ok(verifier.verify(bytes).ok)
  verifier.setTrustedKeys(new Map([[keyA.keyId, keyA.publicKey], [keyB.keyId, keyB.publicKey]]))
  t.equal(rejection(verifier.verify(bytes)).code, 'replayed', 're-provisioning keeps the nonces seen')
})

t.test('bytes that are not a well-formed signed command are malformed', async (t) => {
  const verifier = verifierFor([keyA])
  const garbage = rejection(verifier.verify(Buffer.from('{"cmd":"unlock"}')))
  t.equal(garbage.code, 'malformed')
  t.equal(garbage.commandId, undefined)
  t.equal(rejection(verifier.verify(new Uint8Array(0))).code, 'malformed')

  // a short nonce, signed correctly (the signer itself refuses to make one)
  const shortNonce = pitwall.v1.Command.encode({ id: 'short', vin: VIN, issuedAtMs: T0, expiresAtMs: T0 + 1000, nonce: Buffer.alloc(8, 1), action: { name: 'x', params: {} } }).finish()
  const payload = pitwall.v1.SignedCommand.encode({ command: shortNonce, keyId: keyA.keyId, signature: sign(null, shortNonce, keyA.privateKey) }).finish()
  const result = rejection(verifier.verify(payload))
  t.equal(result.code, 'malformed')
  t.match(result.reason, /nonce is 8 bytes; at least 16/)
  t.equal(result.commandId, 'short')

  const noBody = pitwall.v1.Command.encode({ id: 'empty', vin: VIN, issuedAtMs: T0, expiresAtMs: T0 + 1000, nonce: Buffer.alloc(16, 2) }).finish()
  const noBodyResult = rejection(verifier.verify(pitwall.v1.SignedCommand.encode({ command: noBody, keyId: keyA.keyId, signature: sign(null, noBody, keyA.privateKey) }).finish()))
  t.equal(noBodyResult.code, 'malformed')
  t.match(noBodyResult.reason, /exactly one of ota, action, diagnostic/)
})

t.test('signing refuses wrong keys and commands no T-box would accept, with stable codes', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  t.throws(() => new CommandSigner({ keyId: 'k-rsa', privateKey: rsa.privateKey }), { code: 'PITWALL_ERR_COMMAND_KEY', message: /k-rsa: expected an Ed25519 private key, got a rsa private key/ })
  t.throws(() => new CommandSigner({ keyId: keyA.keyId, privateKey: keyA.publicKey }), { code: 'PITWALL_ERR_COMMAND_KEY', message: /ed25519 public key/ })
  t.throws(() => new CommandVerifier({ vin: VIN, trustedKeys: new Map([[keyA.keyId, keyA.privateKey]]) }), { code: 'PITWALL_ERR_COMMAND_KEY', message: new RegExp(`${keyA.keyId}: expected an Ed25519 public key`) })

  t.throws(() => newCommand({ id: 'c', vin: VIN, ttlMs: 0, body: BALANCE }), { code: 'PITWALL_ERR_COMMAND_INVALID', message: /ttlMs must be a positive integer, got 0/ })
  const command = newCommand({ id: 'c', vin: VIN, ttlMs: 1000, body: BALANCE })
  t.throws(() => signerA.sign({ ...command, nonce: Buffer.alloc(15) }), { code: 'PITWALL_ERR_COMMAND_INVALID', message: /nonce is 15 bytes/ })
  t.throws(() => signerA.sign({ ...command, vin: '' }), { code: 'PITWALL_ERR_COMMAND_INVALID', message: /no vin/ })
  t.throws(() => signerA.sign({ ...command, ota: { package: 'p', version: '1' } }), { code: 'PITWALL_ERR_COMMAND_INVALID', message: /carries 2/ })
})

t.test('command keys on disk', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pitwall-command-keys-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))

  t.test('generate writes a private key only its owner can read and the public key beside it', async (t) => {
    const keysDir = join(dir, 'generate')
    const key = await generateCommandKey(keysDir)
    t.match(key.keyId, /^k-[0-9a-f]{16}$/)
    const raw = Buffer.from(key.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
    t.equal(raw.length, 32)
    t.equal(key.keyId, 'k-' + createHash('sha256').update(raw).digest('hex').slice(0, 16))
    t.equal((await stat(join(keysDir, `${key.keyId}.pem`))).mode & 0o777, 0o600)
    t.match(await readFile(join(keysDir, `${key.keyId}.pem`), 'utf8'), /^-----BEGIN PRIVATE KEY-----/)
    t.match(await readFile(join(keysDir, `${key.keyId}.pub.pem`), 'utf8'), /^-----BEGIN PUBLIC KEY-----/)
  })

  t.test('load: the newest key signs, every key is listed, and a T-box provisioned from the export verifies', async (t) => {
    const keysDir = join(dir, 'rotation')
    const old = await generateCommandKey(keysDir)
    const current = await generateCommandKey(keysDir)
    await utimes(join(keysDir, `${old.keyId}.pem`), new Date(T0), new Date(T0))
    await utimes(join(keysDir, `${current.keyId}.pem`), new Date(T0 + 1000), new Date(T0 + 1000))
    const keys = await loadCommandKeys(keysDir)
    t.equal(keys.active.keyId, current.keyId)
    t.same([...keys.publicKeys.keys()].sort(), [old.keyId, current.keyId].sort())

    const pems = await exportPublicKeys(keysDir)
    t.same([...pems.keys()].sort(), [old.keyId, current.keyId].sort())
    const verifier = new CommandVerifier({ vin: VIN, trustedKeys: parsePublicKeys(pems) })
    const fresh = newCommand({ id: 'after-rotation', vin: VIN, ttlMs: 60_000, body: BALANCE })
    const result = verifier.verify(new CommandSigner(keys.active).sign(fresh))
    t.ok(result.ok, 'signed by the active key, verified by the exported public keys')
    t.ok(verifier.verify(new CommandSigner(old).sign(newCommand({ id: 'old-key', vin: VIN, ttlMs: 60_000, body: BALANCE }))).ok, 'the old key still verifies during the rotation')

    // same mtime: the name decides, so every gateway picks the same key
    await utimes(join(keysDir, `${old.keyId}.pem`), new Date(T0), new Date(T0))
    await utimes(join(keysDir, `${current.keyId}.pem`), new Date(T0), new Date(T0))
    t.equal((await loadCommandKeys(keysDir)).active.keyId, [old.keyId, current.keyId].sort()[1])
  })

  t.test('a file that is not an Ed25519 key is refused, naming the file', async (t) => {
    const garbageDir = join(dir, 'garbage')
    await generateCommandKey(garbageDir)
    await writeFile(join(garbageDir, 'notes.pem'), 'not a key\n', { mode: 0o600 })
    await t.rejects(loadCommandKeys(garbageDir), { code: 'PITWALL_ERR_COMMAND_KEY', message: /notes\.pem: not a PEM private key/ })

    const rsaDir = join(dir, 'rsa')
    await generateCommandKey(rsaDir)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    await writeFile(join(rsaDir, 'k-0000000000000000.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    await t.rejects(loadCommandKeys(rsaDir), { code: 'PITWALL_ERR_COMMAND_KEY', message: /k-0000000000000000\.pem: expected an Ed25519 private key, found rsa/ })
  })

  t.test('a key file named for another id, or a public file of another key, is refused', async (t) => {
    const renamedDir = join(dir, 'renamed')
    const key = await generateCommandKey(renamedDir)
    await writeFile(join(renamedDir, 'k-1111111111111111.pem'), key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    await t.rejects(loadCommandKeys(renamedDir), { code: 'PITWALL_ERR_COMMAND_KEY', message: new RegExp(`k-1111111111111111\\.pem: holds key ${key.keyId}`) })

    const mismatchDir = join(dir, 'mismatch')
    const a = await generateCommandKey(mismatchDir)
    await writeFile(join(mismatchDir, `${a.keyId}.pub.pem`), keyB.publicKey.export({ type: 'spki', format: 'pem' }))
    await t.rejects(loadCommandKeys(mismatchDir), { code: 'PITWALL_ERR_COMMAND_KEY', message: new RegExp(`${a.keyId}\\.pub\\.pem: holds ${keyB.keyId}, not the public half of ${a.keyId}`) })
  })

  t.test('a private key others can read is refused until it is made private', { skip: process.platform === 'win32' ? 'no POSIX modes' : false }, async (t) => {
    const looseDir = join(dir, 'loose')
    const key = await generateCommandKey(looseDir)
    const file = join(looseDir, `${key.keyId}.pem`)
    await chmod(file, 0o644)
    await t.rejects(loadCommandKeys(looseDir), { code: 'PITWALL_ERR_COMMAND_KEY', message: /readable by group or others \(mode 0644\); chmod 600 it/ })
    await chmod(file, 0o600)
    t.equal((await loadCommandKeys(looseDir)).active.keyId, key.keyId)
  })

  t.test('a directory without keys is an error, not an unsigned gateway', async (t) => {
    await t.rejects(loadCommandKeys(join(dir, 'missing')), { code: 'PITWALL_ERR_COMMAND_KEY', message: /cannot be read/ })
    const emptyDir = await mkdtemp(join(dir, 'empty-'))
    await t.rejects(loadCommandKeys(emptyDir), { code: 'PITWALL_ERR_COMMAND_KEY', message: /no command signing key/ })
  })

  t.test('provisioned public keys must be Ed25519 and listed under their own id', async (t) => {
    const pem = keyA.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    t.throws(() => parsePublicKeys(new Map([[keyB.keyId, pem]])), { code: 'PITWALL_ERR_COMMAND_KEY', message: new RegExp(`listed as ${keyB.keyId} is key ${keyA.keyId}`) })
    t.throws(() => parsePublicKeys(new Map([['k-x', 'nonsense']])), { code: 'PITWALL_ERR_COMMAND_KEY', message: /k-x: not a PEM public key/ })
  })
})
