/**
 * Vehicles' client certificates (mutual TLS on the MQTT TLS listener).
 *
 * A T-box may authenticate by a certificate instead of its secret when all
 * of these hold: the TLS handshake verified it against the configured CA
 * (PITWALL_TLS_CA) and CRLs (PITWALL_TLS_CRL) and it is within its
 * validity; it names the VIN the client connects as, in its subject CN or a
 * subjectAltName; and its SHA-256 is registered for that vehicle and not
 * revoked (`pitwall device cert add|revoke`). The CA alone does not admit a
 * certificate: an OEM CA issues for many fleets, and pinning lets an
 * operator refuse one T-box's certificate at once, without waiting for the
 * CA's next CRL.
 */
import { createHash, X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import { PitwallError } from '../runtime/errors.js'
import type { DeviceCertificate } from '../storage/vehicles.js'

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** A distinguished name as Node gives it (one attribute a line), on one line: "CN=x, O=y". */
export function oneLine (name: string): string {
  return name.replace(/\n/g, ', ')
}

/** The names a certificate gives its subject: the CN values and every subjectAltName value. */
export function certificateNames (cert: X509Certificate): string[] {
  const names: string[] = []
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) names.push(line.slice(3))
  // "DNS:a, URI:b, IP Address:10.0.0.1": the value follows the first colon
  for (const entry of cert.subjectAltName?.split(', ') ?? []) {
    const colon = entry.indexOf(':')
    if (colon > 0) names.push(entry.slice(colon + 1))
  }
  return names
}

function sha256Of (cert: X509Certificate): Buffer {
  return createHash('sha256').update(cert.raw).digest()
}

function invalid (message: string): PitwallError {
  return new PitwallError('PITWALL_ERR_CERTIFICATE_INVALID', message)
}

/**
 * Checks a certificate an operator registers for `vin` (PEM): that it names
 * the VIN, is valid now, and, with `caPem`, was issued by one of those CAs.
 */
export function registrableCertificate (pem: Buffer | string, vin: string, caPem?: Buffer | string, now = new Date()): DeviceCertificate {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pem)
  } catch (err) {
    throw invalid(`not a PEM certificate: ${(err as Error).message}`)
  }
  const subject = oneLine(cert.subject)
  if (!certificateNames(cert).includes(vin)) {
    throw invalid(`the certificate (${subject}) does not name ${vin}: its subject CN or a subjectAltName must be the VIN`)
  }
  const notAfter = new Date(cert.validTo)
  if (notAfter.getTime() <= now.getTime()) throw invalid(`the certificate (${subject}) expired on ${notAfter.toISOString()}`)
  if (caPem !== undefined) {
    const authorities = String(caPem).match(PEM_CERTIFICATE) ?? []
    const issuer = authorities.map((p) => new X509Certificate(p)).find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))
    if (issuer === undefined) {
      throw invalid(`the certificate (${subject}) was not issued by the client CA (issuer ${oneLine(cert.issuer)}); the TLS listener would refuse it`)
    }
  }
  return { sha256: sha256Of(cert), subject, notAfter }
}

/** What a connection's peer certificate says about the VIN it connects as. */
export type PeerCertificate =
  | { kind: 'none' }
  | { kind: 'refused', reason: string }
  | { kind: 'presented', sha256: Buffer }

export function peerCertificateOf (socket: TLSSocket | undefined, vin: string): PeerCertificate {
  const cert = socket?.getPeerX509Certificate()
  if (socket === undefined || cert === undefined) return { kind: 'none' }
  if (!socket.authorized) {
    // OpenSSL's verdict: CERT_HAS_EXPIRED, CERT_REVOKED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY (another CA), …
    const error = socket.authorizationError as Error | string | null
    return { kind: 'refused', reason: `certificate not trusted: ${typeof error === 'string' ? error : error?.message ?? 'unverified'}` }
  }
  if (!certificateNames(cert).includes(vin)) {
    return { kind: 'refused', reason: `certificate names ${certificateNames(cert).join(', ')}, not the client id` }
  }
  return { kind: 'presented', sha256: sha256Of(cert) }
}
