/**
 * TLS for the listeners: the server certificate and key, and (for mutual
 * TLS) the CA that issues vehicles' client certificates and its CRLs, read
 * from PEM files the operator names.
 *
 * Everything is checked at start, so a wrong file stops the gateway with a
 * message naming it, not the first handshake: each file readable, the
 * certificate and key parseable and a pair, the key readable by the
 * gateway's user only, and the whole set accepted by OpenSSL. The files are
 * then polled; when their contents change (a renewal, a CRL update) they are
 * read and checked again and swapped into every TLS server with
 * setSecureContext, without a restart and without dropping connections. A
 * set that fails the checks is logged and counted, and the previous one
 * stays in use.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { createSecureContext, type SecureContextOptions } from 'node:tls'
import { PitwallError } from '../runtime/errors.js'
import { isExposed, octalMode } from '../runtime/private-files.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'
import { oneLine } from './client-certificates.js'
import type { GatewayConfig } from './config.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

/** A TLS handshake not finished in this time is dropped, on every TLS listener (Node's default is 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000

export interface TlsFiles {
  cert: string
  key: string
  ca?: string | undefined
  crl?: string | undefined
}

export class TlsError extends PitwallError {
  constructor (message: string, options?: { cause: unknown }) {
    super('PITWALL_ERR_TLS', message, options)
  }
}

export interface TlsMaterial {
  /** what a TLS server takes: certificate, key, and for mutual TLS the CA and CRLs */
  options: SecureContextOptions
  /** the server certificate's end of validity */
  expiresAt: Date
  subject: string
  /** of the files' contents: another digest means another set to load */
  digest: string
}

/** The TLS files the configuration names; undefined when TLS is off. */
export function tlsFilesOf (config: Pick<GatewayConfig, 'tlsCert' | 'tlsKey' | 'tlsCa' | 'tlsCrl'>): TlsFiles | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined
  return { cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa, crl: config.tlsCrl }
}

function readPem (path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new TlsError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
  }
}

/** A private key others can read is a leaked key; refused like the command signing keys. */
function checkKeyPrivate (path: string): void {
  const mode = statSync(path).mode
  if (isExposed(mode)) {
    throw new TlsError(`${path}: the TLS private key is readable by group or others (mode ${octalMode(mode)}); chmod 600 it (and consider it leaked if others could read it)`)
  }
}

function parseCertificate (pem: Buffer, path: string): X509Certificate {
  try {
    return new X509Certificate(pem)
  } catch (err) {
    throw new TlsError(`${path} holds no PEM certificate: ${(err as Error).message}`, { cause: err })
  }
}

/** Reads and checks the TLS files; throws a TlsError naming the file and what is wrong with it. */
export function readTlsMaterial (files: TlsFiles): TlsMaterial {
  return checkTlsContents(files, readTlsContents(files))
}

/** The files' bytes, and their digest: what a poll compares before anything is parsed. */
interface TlsContents {
  cert: Buffer
  key: Buffer
  ca?: Buffer | undefined
  crl?: Buffer | undefined
  digest: string
}

function readTlsContents (files: TlsFiles): TlsContents {
  const cert = readPem(files.cert, 'TLS certificate')
  const key = readPem(files.key, 'TLS private key')
  checkKeyPrivate(files.key)
  const ca = files.ca === undefined ? undefined : readPem(files.ca, 'client CA certificate file')
  const crl = files.crl === undefined ? undefined : readPem(files.crl, 'certificate revocation list')
  const digest = createHash('sha256')
  for (const part of [cert, key, ca, crl]) digest.update(part ?? '').update('\0')
  return { cert, key, ca, crl, digest: digest.digest('hex') }
}

function checkTlsContents (files: TlsFiles, { cert, key, ca, crl, digest }: TlsContents): TlsMaterial {
  const x509 = parseCertificate(cert, files.cert)
  let keyObject
  try {
    keyObject = createPrivateKey(key)
  } catch (err) {
    throw new TlsError(`${files.key} is not an unencrypted PEM private key: ${(err as Error).message}`, { cause: err })
  }
  const subject = oneLine(x509.subject)
  if (!x509.checkPrivateKey(keyObject)) {
    throw new TlsError(`${files.key} is not the private key of the certificate in ${files.cert} (${subject})`)
  }
  // a CA file without a certificate would fail every client certificate, one handshake at a time
  if (ca !== undefined) parseCertificate(ca, files.ca as string)
  const options: SecureContextOptions = { cert, key, ...(ca === undefined ? {} : { ca }), ...(crl === undefined ? {} : { crl }) }
  try {
    createSecureContext(options)
  } catch (err) {
    const which = crl !== undefined && /crl/i.test((err as Error).message) ? files.crl as string : 'the TLS files'
    throw new TlsError(`OpenSSL refused ${which}: ${(err as Error).message}`, { cause: err })
  }
  return { options, expiresAt: new Date(x509.validTo), subject, digest }
}

/** A TLS server (tls.Server, https.Server) whose certificates can be swapped while it runs. */
export interface SecureContextTarget {
  setSecureContext: (options: SecureContextOptions) => void
}

/** Polls the TLS files and swaps a changed, valid set into every server. */
export class TlsReloader {
  private current: TlsMaterial
  private readonly targets: SecureContextTarget[] = []
  private readonly pass: PeriodicPass
  /** the last refusal logged: a set that stays broken is logged once */
  private lastFailure: string | undefined

  constructor (
    private readonly files: TlsFiles,
    initial: TlsMaterial,
    private readonly deps: { log: Logger, metrics: Metrics, intervalMs: number }
  ) {
    this.current = initial
    this.pass = new PeriodicPass(async () => { this.check() }, (err) => deps.log.error({ err }, 'TLS reload check failed'))
    deps.metrics.tlsCertificateExpiry.set(initial.expiresAt.getTime() / 1000)
  }

  get material (): TlsMaterial {
    return this.current
  }

  /** A server to keep up to date. */
  serve (target: SecureContextTarget): void {
    this.targets.push(target)
  }

  start (): void {
    this.pass.start(this.deps.intervalMs)
  }

  async stop (): Promise<void> {
    await this.pass.stop()
  }

  /** Reloads if the files changed; returns whether a new set is in use. Unchanged files are read, not parsed. */
  check (): boolean {
    let next: TlsMaterial
    try {
      const contents = readTlsContents(this.files)
      if (contents.digest === this.current.digest) {
        this.lastFailure = undefined
        return false
      }
      next = checkTlsContents(this.files, contents)
    } catch (err) {
      // a renewal caught halfway (key written, certificate not yet) also lands here: the next pass retries
      if (this.lastFailure !== (err as Error).message) {
        this.lastFailure = (err as Error).message
        this.deps.metrics.tlsReloads.inc({ outcome: 'refused' })
        this.deps.log.error({ code: (err as PitwallError).code, err: (err as Error).message }, 'TLS files changed but cannot be used; the previous certificate stays in use')
      }
      return false
    }
    this.lastFailure = undefined
    for (const target of this.targets) target.setSecureContext(next.options)
    this.current = next
    this.deps.metrics.tlsReloads.inc({ outcome: 'loaded' })
    this.deps.metrics.tlsCertificateExpiry.set(next.expiresAt.getTime() / 1000)
    this.deps.log.info({ subject: next.subject, expiresAt: next.expiresAt.toISOString() }, 'TLS certificates reloaded')
    return true
  }

}
