/**
 * `pitwall device add|list|cert`: vehicle credentials (a secret is shown
 * once) and the client certificates a T-box may authenticate with instead.
 */
import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import { registrableCertificate } from '../client-certificates.js'
import { provisionDevice } from '../provisioning.js'
import { certificateConflict, type DeviceCertificate } from '../../storage/vehicles.js'
import { print } from './output.js'
import { configFrom, storageFlags, withStorage, type StorageFlags } from './storage-flags.js'

interface CertificateFlags extends StorageFlags {
  /** the client CA file; default PITWALL_TLS_CA */
  tlsCa?: string
}

/** Reads and checks a certificate file for the VIN, against the client CA when one is configured. */
function certificateFile (file: string, vin: string, flags: CertificateFlags): DeviceCertificate {
  const caFile = flags.tlsCa ?? configFrom({ ...flags, logLevel: 'silent' }).tlsCa
  let pem: Buffer
  try {
    pem = readFileSync(file)
  } catch (err) {
    throw new InvalidArgumentError(`cannot read the certificate ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return registrableCertificate(pem, vin.toUpperCase(), caFile === undefined ? undefined : readFileSync(caFile))
}

export function registerDeviceCommands (program: Command): void {
  const device = program.command('device').description('manage vehicle credentials')

  storageFlags(device.command('add').description('register a vehicle and print its secret (shown once)'))
    .argument('<vin>', 'the vehicle identification number (17 characters)')
    .option('--model <model>', 'vehicle model')
    .option('--firmware <version>', 'T-box firmware version')
    .option('--brand <brand>', 'make, e.g. BMW: dealer routing prefers dealers of this brand')
    .option('--rotate', 'replace the secret of an already registered vehicle')
    .option('--cert <file>', 'also register this client certificate (PEM) for mutual TLS: it must name the VIN (CN or subjectAltName)')
    .option('--tls-ca <file>', 'the client CA the certificate must be issued by (default PITWALL_TLS_CA)')
    .option('--json', 'print {"vin","secret"} as JSON for scripts')
    .action(async (vin: string, flags: CertificateFlags & { model?: string, firmware?: string, brand?: string, rotate?: boolean, cert?: string, json?: boolean }) => {
      // before anything is stored: a refused brand or certificate must not leave a vehicle whose secret was never shown
      if (flags.brand !== undefined && flags.brand.trim() === '') throw new InvalidArgumentError('--brand must not be empty')
      const certificate = flags.cert === undefined ? undefined : certificateFile(flags.cert, vin, flags)
      await withStorage(flags, async (storage) => {
        // a certificate another vehicle holds, or a revoked one, is refused before a secret is made (or rotated) and not shown
        const holder = certificate === undefined ? undefined : await storage.vehicles.certificateHolder(certificate.sha256)
        const conflict = holder === undefined ? undefined : certificateConflict(holder, vin.toUpperCase(), (certificate as DeviceCertificate).sha256)
        if (conflict !== undefined) throw conflict
        const creds = await provisionDevice(storage.vehicles, { vin, model: flags.model, firmware: flags.firmware }, flags.rotate === true)
        if (flags.brand !== undefined) await storage.vehicles.setBrand(creds.vin, flags.brand)
        if (certificate !== undefined) await storage.vehicles.addCertificate(creds.vin, certificate)
        if (flags.json === true) {
          process.stdout.write(JSON.stringify(creds) + '\n')
        } else {
          process.stdout.write(`vehicle ${creds.vin} registered\n` +
            `MQTT client id and username: ${creds.vin}\n` +
            `MQTT password (device secret, shown only now): ${creds.secret}\n` +
            (certificate === undefined ? '' : `client certificate ${certificate.sha256.toString('hex')} registered (${certificate.subject}, until ${certificate.notAfter.toISOString()})\n`))
        }
      })
    })

  storageFlags(device.command('list').description('list registered vehicles'))
    .option('--json', 'JSON output')
    .action(async (flags: StorageFlags & { json?: boolean }) => {
      const list = await withStorage(flags, async (storage) => await storage.vehicles.list())
      if (flags.json === true) print(JSON.stringify(list))
      else for (const v of list) print(`${v.vin}\t${v.model ?? '-'}\t${v.firmware ?? '-'}\t${v.manifest === null ? 'no manifest' : `manifest ${v.model ?? ''}@${v.manifest.version}`}\t${v.lastSeenAt?.toISOString() ?? 'never seen'}`)
    })

  const cert = device.command('cert').description('client certificates a T-box may authenticate with on the MQTT TLS port (mutual TLS)')
  storageFlags(cert.command('add').description('register a client certificate for a vehicle'))
    .argument('<vin>', 'the vehicle')
    .argument('<file>', 'the certificate (PEM), naming the VIN in its CN or a subjectAltName')
    .option('--tls-ca <file>', 'the client CA it must be issued by (default PITWALL_TLS_CA)')
    .action(async (vin: string, file: string, flags: CertificateFlags) => {
      const certificate = certificateFile(file, vin, flags)
      await withStorage(flags, async (storage) => { await storage.vehicles.addCertificate(vin.toUpperCase(), certificate) })
      print(`client certificate ${certificate.sha256.toString('hex')} registered for ${vin.toUpperCase()} (${certificate.subject}, until ${certificate.notAfter.toISOString()})`)
    })
  storageFlags(cert.command('revoke').description('refuse a vehicle\'s client certificate (all of them without --sha256) from its next CONNECT'))
    .argument('<vin>', 'the vehicle')
    .option('--sha256 <hex>', 'the certificate\'s SHA-256, as `pitwall device cert list` shows it')
    .action(async (vin: string, flags: StorageFlags & { sha256?: string }) => {
      if (flags.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(flags.sha256.replace(/:/g, ''))) {
        throw new InvalidArgumentError(`--sha256 must be 64 hexadecimal digits, got ${JSON.stringify(flags.sha256)}`)
      }
      const sha256 = flags.sha256 === undefined ? undefined : Buffer.from(flags.sha256.replace(/:/g, ''), 'hex')
      const revoked = await withStorage(flags, async (storage) => await storage.vehicles.revokeCertificates(vin.toUpperCase(), sha256))
      if (revoked === 0) throw new InvalidArgumentError(`${vin.toUpperCase()} has no active client certificate${sha256 === undefined ? '' : ` ${sha256.toString('hex')}`}`)
      print(`${revoked} client certificate${revoked === 1 ? '' : 's'} of ${vin.toUpperCase()} revoked`)
    })
  storageFlags(cert.command('list').description('a vehicle\'s client certificates, revoked ones included'))
    .argument('<vin>', 'the vehicle')
    .option('--json', 'JSON output')
    .action(async (vin: string, flags: StorageFlags & { json?: boolean }) => {
      const list = await withStorage(flags, async (storage) => await storage.vehicles.certificates(vin.toUpperCase()))
      const rows = list.map((c) => ({ sha256: c.sha256.toString('hex'), subject: c.subject, notAfter: c.notAfter, createdAt: c.createdAt, revokedAt: c.revokedAt }))
      if (flags.json === true) print(JSON.stringify(rows))
      else for (const c of rows) print(`${c.sha256}\t${c.subject}\tuntil ${c.notAfter.toISOString()}\t${c.revokedAt === null ? 'active' : `revoked ${c.revokedAt.toISOString()}`}`)
    })
}
