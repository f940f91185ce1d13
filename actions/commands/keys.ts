/**
 * The gateway's command signing keys on disk: one Ed25519 key per file,
 * `<keyId>.pem` (PKCS#8, mode 0600) with its public half beside it in
 * `<keyId>.pub.pem` (SPKI), which is what T-boxes are provisioned with.
 *
 * Rotation: generate a new key, provision T-boxes with every public key
 * (exportPublicKeys), then start the gateway, which signs with the newest
 * key; delete an old key's files once no T-box needs it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto'
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isExposed, octalMode } from '../../runtime/private-files.js'
import { CommandSigningError } from './signing.js'

export interface CommandKey {
  keyId: string
  privateKey: KeyObject
  publicKey: KeyObject
}

export interface CommandKeys {
  /** the newest key: the one the gateway signs with */
  active: { keyId: string, privateKey: KeyObject }
  /** every key in the directory, active one included */
  publicKeys: Map<string, KeyObject>
}

const PRIVATE_SUFFIX = '.pem'
const PUBLIC_SUFFIX = '.pub.pem'

/** `k-` + the first 16 hex digits of SHA-256 over the raw 32-byte public key (RFC 8032 encoding). */
export function commandKeyId (publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' })
  if (jwk.x === undefined) throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `not an Ed25519 public key (${publicKey.asymmetricKeyType ?? publicKey.type})`)
  return 'k-' + createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex').slice(0, 16)
}

export async function generateCommandKey (dir: string): Promise<CommandKey> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const { privateKey, publicKey } = await promisify(generateKeyPair)('ed25519')
  const keyId = commandKeyId(publicKey)
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' })
  // 'wx': never overwrite a key file; mode applies on creation, before any byte is written
  await writeFile(join(dir, keyId + PRIVATE_SUFFIX), privatePem, { mode: 0o600, flag: 'wx' })
  await writeFile(join(dir, keyId + PUBLIC_SUFFIX), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' })
  return { keyId, privateKey, publicKey }
}

/**
 * Every key in `dir`; the newest by modification time (then by name) is
 * active. A `.pem` file that is not an Ed25519 private key, a file named for
 * another key's id, or a `.pub.pem` that does not match its private key is
 * an error naming the file: a T-box would refuse everything signed by it.
 * So is a private key file that group or others may read.
 */
export async function loadCommandKeys (dir: string): Promise<CommandKeys> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `command key directory ${dir} cannot be read: ${(err as Error).message}`)
  }
  const keys: Array<CommandKey & { mtimeMs: number, file: string }> = []
  for (const file of names.filter((n) => n.endsWith(PRIVATE_SUFFIX) && !n.endsWith(PUBLIC_SUFFIX)).sort()) {
    const path = join(dir, file)
    const info = await stat(path)
    // as ssh does with its identity files: whoever can read this key can sign commands to every vehicle
    if (isExposed(info.mode)) {
      throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY',
        `${path}: a signing key readable by group or others (mode ${octalMode(info.mode)}); chmod 600 it (and consider it leaked if others could read it)`)
    }
    const privateKey = parsePrivateKey(path, await readFile(path))
    const publicKey = createPublicKey(privateKey)
    const keyId = commandKeyId(publicKey)
    const expectedFile = keyId + PRIVATE_SUFFIX
    if (file !== expectedFile) {
      throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `${path}: holds key ${keyId}, so it must be named ${expectedFile} (T-boxes find keys by id)`)
    }
    await checkPublicFile(join(dir, keyId + PUBLIC_SUFFIX), keyId)
    keys.push({ keyId, privateKey, publicKey, mtimeMs: info.mtimeMs, file })
  }
  keys.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  const newest = keys.at(-1)
  if (newest === undefined) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `no command signing key (<keyId>${PRIVATE_SUFFIX}) in ${dir}; generateCommandKey creates one`)
  }
  return {
    active: { keyId: newest.keyId, privateKey: newest.privateKey },
    publicKeys: new Map(keys.map((k) => [k.keyId, k.publicKey]))
  }
}

/** Key id → SPKI PEM of every key in `dir`: what a T-box is provisioned with. */
export async function exportPublicKeys (dir: string): Promise<Map<string, string>> {
  const { publicKeys } = await loadCommandKeys(dir)
  return new Map([...publicKeys].map(([keyId, key]) => [keyId, key.export({ type: 'spki', format: 'pem' }).toString()]))
}

/**
 * A T-box's trusted keys from the PEM texts it was provisioned with; each
 * must be an Ed25519 public key whose id is the one it is listed under.
 */
export function parsePublicKeys (pems: ReadonlyMap<string, string>): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>()
  for (const [keyId, pem] of pems) {
    let key: KeyObject
    try {
      key = createPublicKey(pem)
    } catch (err) {
      throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `public key ${keyId}: not a PEM public key (${(err as Error).message})`)
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `public key ${keyId}: expected Ed25519, got ${key.asymmetricKeyType ?? 'unknown'}`)
    }
    const actual = commandKeyId(key)
    if (actual !== keyId) throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `public key listed as ${keyId} is key ${actual}`)
    keys.set(keyId, key)
  }
  return keys
}

function parsePrivateKey (path: string, pem: Buffer): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (err) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `${path}: not a PEM private key (${(err as Error).message})`)
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `${path}: expected an Ed25519 private key, found ${key.asymmetricKeyType ?? 'an unknown'} key`)
  }
  return key
}

/** The public half, when present, must be the private key's: it is what T-boxes get. */
async function checkPublicFile (path: string, keyId: string): Promise<void> {
  let pem: Buffer
  try {
    pem = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  if (pem.includes('PRIVATE KEY')) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `${path}: holds a private key; a ${PUBLIC_SUFFIX} file is handed to T-boxes and must hold only the public key`)
  }
  let id: string
  try {
    const key = createPublicKey(pem)
    id = key.asymmetricKeyType === 'ed25519' ? commandKeyId(key) : `a ${key.asymmetricKeyType ?? 'unknown'} key`
  } catch (err) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `${path}: not a PEM public key (${(err as Error).message})`)
  }
  if (id !== keyId) throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', `${path}: holds ${id}, not the public half of ${keyId}`)
}
