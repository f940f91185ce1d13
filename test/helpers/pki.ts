/**
 * A throwaway certificate authority for TLS tests, made with the openssl
 * command line (the way operators make theirs): a CA, server certificates,
 * vehicles' client certificates (also expired ones), revocation and CRLs.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CA_CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = ./index.txt
new_certs_dir = ./issued
certificate = ./ca.pem
private_key = ./ca.key
serial = ./serial
crlnumber = ./crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
`

export interface IssuedCertificate {
  cert: string
  key: string
}

export class TestPki {
  private made = 0

  private constructor (readonly dir: string, readonly name: string) {}

  /** A new CA in its own directory under `parent` (default: a fresh temporary one). */
  static create (name = 'Pitwall Test CA', parent?: string): TestPki {
    const dir = parent === undefined ? mkdtempSync(join(tmpdir(), 'pitwall-pki-')) : join(parent, name.replace(/\W+/g, '-'))
    mkdirSync(join(dir, 'issued'), { recursive: true })
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG)
    writeFileSync(join(dir, 'index.txt'), '')
    writeFileSync(join(dir, 'serial'), '1000\n')
    writeFileSync(join(dir, 'crlnumber'), '1000\n')
    const pki = new TestPki(dir, name)
    pki.openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-subj', `/CN=${name}`, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    return pki
  }

  get caCert (): string {
    return join(this.dir, 'ca.pem')
  }

  /** A server certificate for localhost and 127.0.0.1 (key mode 0600). */
  server (cn = 'localhost'): IssuedCertificate {
    return this.issue(cn, ['-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`])
  }

  /**
   * A client certificate naming `cn` (a vehicle's VIN); `san`: subjectAltName
   * entries instead of relying on the CN; `expired`: valid only in 2020.
   */
  client (cn: string, options: { san?: string, expired?: boolean } = {}): IssuedCertificate {
    return this.issue(cn, options.san === undefined ? [] : ['-addext', `subjectAltName=${options.san}`], options.expired === true)
  }

  /** Revokes a certificate this CA issued; the next crl() lists it. */
  revoke (cert: string): void {
    this.openssl('ca', '-batch', '-config', 'ca.cnf', '-revoke', cert)
  }

  /** The CA's current revocation list. */
  crl (): string {
    const out = join(this.dir, `crl-${++this.made}.pem`)
    this.openssl('ca', '-batch', '-config', 'ca.cnf', '-gencrl', '-out', out)
    return out
  }

  remove (): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  private issue (cn: string, extensions: string[], expired = false): IssuedCertificate {
    const base = join(this.dir, `${cn.replace(/\W+/g, '-')}-${++this.made}`)
    this.openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`,
      '-subj', `/CN=${cn}`, ...extensions)
    this.openssl('ca', '-batch', '-config', 'ca.cnf', '-in', `${base}.csr`, '-out', `${base}.pem`, '-notext',
      ...(expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : []))
    chmodSync(`${base}.key`, 0o600)
    return { cert: `${base}.pem`, key: `${base}.key` }
  }

  private openssl (...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] })
  }
}
