/**
 * Signed commands (proto/command.proto), both ends, no I/O.
 *
 * The gateway serializes a `Command` once and signs exactly those bytes with
 * Ed25519; the T-box verifies the signature over the bytes as received and
 * only then decodes them, so no re-serialization on either side can make a
 * valid signature cover something else. A T-box refuses a command for
 * another VIN, outside its validity window, with an over-long life, or
 * carrying a nonce it has already accepted.
 */
import { randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { pitwall } from '../../proto/index.js'
import { PitwallError } from '../../runtime/errors.js'

/** What a command asks the vehicle to do: the proto's `body` oneof. */
export type CommandBody =
  | { ota: { package: string, version: string, url: string, sha256: Uint8Array, size: number } }
  | { action: { name: string, params: Record<string, string> } }
  | { diagnostic: { udsRequest: Uint8Array, target?: number, timeoutMs?: number } | { logUpload: WireLogUpload } }

/** proto LogUpload: the window and kind, and where and with what the T-box uploads (issued per delivery). */
export interface WireLogUpload {
  fromMs: number
  toMs: number
  kind: string
  uploadUrl?: string
  uploadToken?: string
  maxBytes?: number
  uploadExpiresAtMs?: number
}

export interface NewCommandSpec {
  id: string
  vin: string
  ttlMs: number
  body: CommandBody
  /** issue time, Unix epoch ms; default Date.now() */
  now?: number
}

export type RejectCode = 'malformed' | 'unknown_key' | 'bad_signature' | 'wrong_vin' | 'expired' | 'not_yet_valid' | 'ttl_too_long' | 'replayed'

export type VerifyResult =
  | { ok: true, command: pitwall.v1.Command }
  /**
   * `commandId` is set whenever the command bytes decoded, so the T-box can
   * address its REJECTED ack. For `unknown_key` and `bad_signature` it is
   * unauthenticated: good only for addressing that ack.
   */
  | { ok: false, code: RejectCode, reason: string, commandId?: string }

export interface CommandVerifierOptions {
  vin: string
  /** key id → Ed25519 public key; more than one while keys rotate */
  trustedKeys: ReadonlyMap<string, KeyObject>
  /** Unix epoch ms; default Date.now */
  now?: () => number
  /** how far the gateway's and the T-box's clocks may disagree; default 60 s */
  maxClockSkewMs?: number
  /** longest command life (expires - issued) accepted; default 30 days */
  maxTtlMs?: number
}

export type CommandSigningErrorCode = 'PITWALL_ERR_COMMAND_KEY' | 'PITWALL_ERR_COMMAND_INVALID'

/** A programming or provisioning error: a wrong key, or a command no T-box would accept. */
export class CommandSigningError extends PitwallError {
  declare readonly code: CommandSigningErrorCode
  constructor (code: CommandSigningErrorCode, message: string) {
    super(code, message)
  }
}

/** proto/command.proto: "At least 16 random bytes". */
export const MIN_NONCE_BYTES = 16
const ED25519_SIGNATURE_BYTES = 64
const DEFAULT_MAX_CLOCK_SKEW_MS = 60_000
const DEFAULT_MAX_TTL_MS = 30 * 24 * 3600_000

/** A command valid from `now` for `ttlMs`, with a fresh random nonce. */
export function newCommand (spec: NewCommandSpec): pitwall.v1.ICommand {
  const now = spec.now ?? Date.now()
  if (!Number.isSafeInteger(spec.ttlMs) || spec.ttlMs <= 0) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_INVALID', `command ${spec.id}: ttlMs must be a positive integer, got ${spec.ttlMs}`)
  }
  if (!Number.isSafeInteger(now) || now <= 0) {
    throw new CommandSigningError('PITWALL_ERR_COMMAND_INVALID', `command ${spec.id}: now must be a positive integer (Unix ms), got ${now}`)
  }
  return {
    id: spec.id,
    vin: spec.vin,
    issuedAtMs: now,
    expiresAtMs: now + spec.ttlMs,
    nonce: randomBytes(MIN_NONCE_BYTES),
    ...spec.body
  }
}

export class CommandSigner {
  readonly keyId: string
  private readonly privateKey: KeyObject

  constructor (key: { keyId: string, privateKey: KeyObject }) {
    if (key.keyId === '') throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY', 'command signing key: the key id is empty')
    if (key.privateKey.type !== 'private' || key.privateKey.asymmetricKeyType !== 'ed25519') {
      throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY',
        `command signing key ${key.keyId}: expected an Ed25519 private key, got a ${key.privateKey.asymmetricKeyType ?? 'symmetric'} ${key.privateKey.type} key`)
    }
    this.keyId = key.keyId
    this.privateKey = key.privateKey
  }

  /** The encoded SignedCommand for v1/{vin}/cmd. Refuses a command every T-box would refuse as malformed. */
  sign (command: pitwall.v1.ICommand): Uint8Array {
    const problem = commandProblem(command)
    if (problem !== undefined) throw new CommandSigningError('PITWALL_ERR_COMMAND_INVALID', `command ${command.id ?? ''}: ${problem}`)
    const bytes = pitwall.v1.Command.encode(command).finish()
    const signature = sign(null, bytes, this.privateKey)
    return pitwall.v1.SignedCommand.encode({ command: bytes, keyId: this.keyId, signature }).finish()
  }
}

/**
 * The T-box side. Checks, in this order: the SignedCommand decodes → its key
 * id is trusted → the signature covers the exact command bytes → the Command
 * decodes and is well formed (id, one body, a nonce of 16 bytes or more,
 * expiry after issue) → vin → validity window with clock skew → TTL bound →
 * nonce unseen. The first failure decides the code.
 */
export class CommandVerifier {
  readonly vin: string
  readonly maxClockSkewMs: number
  readonly maxTtlMs: number
  private trusted: ReadonlyMap<string, KeyObject>
  private readonly now: () => number
  /**
   * Nonces accepted, hex → the time after which any command carrying it is
   * refused as expired (expires_at + skew); forgotten after that. Memory is
   * therefore bounded by the commands live at once. The TTL bound is what
   * makes that safe: without it a command could name an expiry years ahead
   * and pin its nonce for as long, and a T-box that evicted nonces to save
   * memory instead would accept the replay of an evicted one.
   */
  private readonly seen = new Map<string, number>()
  /** Earliest forget-time in `seen`: pruning scans only once something is due. */
  private nextForgetAt = Infinity

  constructor (options: CommandVerifierOptions) {
    if (options.vin === '') throw new CommandSigningError('PITWALL_ERR_COMMAND_INVALID', 'command verifier: vin is empty')
    this.vin = options.vin
    this.maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS
    this.maxTtlMs = options.maxTtlMs ?? DEFAULT_MAX_TTL_MS
    if (!(this.maxClockSkewMs >= 0)) throw new CommandSigningError('PITWALL_ERR_COMMAND_INVALID', `command verifier: maxClockSkewMs must be 0 or more, got ${this.maxClockSkewMs}`)
    if (!(this.maxTtlMs > 0)) throw new CommandSigningError('PITWALL_ERR_COMMAND_INVALID', `command verifier: maxTtlMs must be above 0, got ${this.maxTtlMs}`)
    this.now = options.now ?? Date.now
    this.trusted = trustedKeyCopy(options.trustedKeys)
  }

  /** Replaces the trusted keys (re-provisioning after a rotation); the nonces seen are kept. */
  setTrustedKeys (trustedKeys: ReadonlyMap<string, KeyObject>): void {
    this.trusted = trustedKeyCopy(trustedKeys)
  }

  /** Nonces held for replay protection now. */
  get rememberedNonces (): number {
    return this.seen.size
  }

  verify (bytes: Uint8Array): VerifyResult {
    let signed: pitwall.v1.SignedCommand
    try {
      signed = pitwall.v1.SignedCommand.decode(bytes)
    } catch (err) {
      return reject('malformed', `SignedCommand does not decode: ${(err as Error).message}`)
    }
    if (signed.command.length === 0) return reject('malformed', 'SignedCommand carries no command bytes')
    // Decoded before the signature is checked only to name the command in the REJECTED ack.
    let command: pitwall.v1.Command | undefined
    let decodeError = ''
    try {
      command = pitwall.v1.Command.decode(signed.command)
    } catch (err) {
      decodeError = (err as Error).message
    }
    const commandId = command?.id

    if (signed.keyId === '') return reject('malformed', 'SignedCommand has no key_id', commandId)
    const key = this.trusted.get(signed.keyId)
    if (key === undefined) {
      return reject('unknown_key', `key ${JSON.stringify(signed.keyId)} is not trusted (trusted: ${[...this.trusted.keys()].join(', ') || 'none'})`, commandId)
    }
    if (signed.signature.length !== ED25519_SIGNATURE_BYTES || !verify(null, signed.command, key, signed.signature)) {
      return reject('bad_signature', `signature does not verify with key ${signed.keyId}`, commandId)
    }
    if (command === undefined) return reject('malformed', `Command does not decode: ${decodeError}`)
    const problem = commandProblem(command)
    if (problem !== undefined) return reject('malformed', problem, command.id)

    if (command.vin !== this.vin) return reject('wrong_vin', `command is for ${command.vin}, this vehicle is ${this.vin}`, command.id)
    const now = this.now()
    const skew = this.maxClockSkewMs
    if (now > command.expiresAtMs + skew) {
      return reject('expired', `expired at ${iso(command.expiresAtMs)}; now ${iso(now)} (clock skew allowed ${skew} ms)`, command.id)
    }
    if (command.issuedAtMs > now + skew) {
      return reject('not_yet_valid', `issued at ${iso(command.issuedAtMs)}, ahead of now ${iso(now)} by more than the ${skew} ms clock skew allowed`, command.id)
    }
    const ttlMs = command.expiresAtMs - command.issuedAtMs
    if (ttlMs > this.maxTtlMs) return reject('ttl_too_long', `lives ${ttlMs} ms, longer than the ${this.maxTtlMs} ms allowed`, command.id)

    this.forgetExpired(now)
    const nonce = Buffer.from(command.nonce.buffer, command.nonce.byteOffset, command.nonce.byteLength).toString('hex')
    if (this.seen.has(nonce)) return reject('replayed', `nonce ${nonce} was already used`, command.id)
    const forgetAt = command.expiresAtMs + skew
    this.seen.set(nonce, forgetAt)
    this.nextForgetAt = Math.min(this.nextForgetAt, forgetAt)
    return { ok: true, command }
  }

  private forgetExpired (now: number): void {
    if (now <= this.nextForgetAt) return
    let next = Infinity
    for (const [nonce, forgetAt] of this.seen) {
      if (now > forgetAt) this.seen.delete(nonce)
      else next = Math.min(next, forgetAt)
    }
    this.nextForgetAt = next
  }
}

function reject (code: RejectCode, reason: string, commandId?: string): VerifyResult {
  return commandId === undefined ? { ok: false, code, reason } : { ok: false, code, reason, commandId }
}

/** Why a command is malformed, or undefined when it is well formed. */
function commandProblem (command: pitwall.v1.ICommand): string | undefined {
  if (command.id === undefined || command.id === null || command.id === '') return 'command has no id'
  if (command.vin === undefined || command.vin === null || command.vin === '') return 'command has no vin'
  const bodies = [command.ota, command.action, command.diagnostic].filter((b) => b !== undefined && b !== null).length
  if (bodies !== 1) return `command must carry exactly one of ota, action, diagnostic; it carries ${bodies}`
  const nonceBytes = command.nonce?.length ?? 0
  if (nonceBytes < MIN_NONCE_BYTES) return `nonce is ${nonceBytes} bytes; at least ${MIN_NONCE_BYTES} required`
  const issued = command.issuedAtMs ?? 0
  const expires = command.expiresAtMs ?? 0
  if (issued <= 0) return 'command has no issued_at_ms'
  if (expires <= issued) return `expires_at_ms ${expires} is not after issued_at_ms ${issued}`
  return undefined
}

function trustedKeyCopy (keys: ReadonlyMap<string, KeyObject>): ReadonlyMap<string, KeyObject> {
  for (const [keyId, key] of keys) {
    if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
      throw new CommandSigningError('PITWALL_ERR_COMMAND_KEY',
        `trusted command key ${keyId}: expected an Ed25519 public key, got a ${key.asymmetricKeyType ?? 'symmetric'} ${key.type} key`)
    }
  }
  return new Map(keys)
}

function iso (ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString()
}
