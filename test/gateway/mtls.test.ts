/**
 * Mutual TLS: a T-box authenticates by a client certificate naming its VIN,
 * with no password, when the configured CA issued it, no CRL revokes it, and
 * it is registered for the vehicle and not revoked there. Every other
 * certificate is refused at CONNECT, with the reason in the log.
 */
import t from 'tap'
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IClientOptions } from 'mqtt'
import { registrableCertificate } from '../../gateway/client-certificates.js'
import { freePort } from '../../runtime/free-port.js'
import { connectVehicle, startTestGateway } from '../helpers/gateway.js'
import { TestPki, type IssuedCertificate } from '../helpers/pki.js'

const pki = TestPki.create('Pitwall Vehicles CA')
const stranger = TestPki.create('Somebody Else CA')
t.teardown(() => { pki.remove(); stranger.remove() })

const VIN = 'WPWMTLS0000000001'
const OTHER = 'WPWMTLS0000000002'

t.test('registering a certificate: it must name the VIN, be valid now and come from the client CA', async (t) => {
  const ca = readFileSync(pki.caCert)
  const good = registrableCertificate(readFileSync(pki.client(VIN).cert), VIN, ca)
  t.equal(good.sha256.length, 32)
  t.match(good.subject, `CN=${VIN}`)
  const bySan = registrableCertificate(readFileSync(pki.client('T-box 7', { san: `URI:urn:vin:x,DNS:${VIN}` }).cert), VIN, ca)
  t.ok(bySan.sha256, 'a subjectAltName may carry the VIN instead of the CN')
  t.throws(() => registrableCertificate(readFileSync(pki.client(OTHER).cert), VIN, ca), { code: 'PITWALL_ERR_CERTIFICATE_INVALID', message: `does not name ${VIN}` })
  t.throws(() => registrableCertificate(readFileSync(pki.client(VIN, { expired: true }).cert), VIN, ca), { code: 'PITWALL_ERR_CERTIFICATE_INVALID', message: /expired on 2020-01-02/ })
  t.throws(() => registrableCertificate(readFileSync(stranger.client(VIN).cert), VIN, ca), { code: 'PITWALL_ERR_CERTIFICATE_INVALID', message: /not issued by the client CA \(issuer CN=Somebody Else CA\)/ })
  t.throws(() => registrableCertificate('not pem', VIN, ca), { code: 'PITWALL_ERR_CERTIFICATE_INVALID', message: /not a PEM certificate/ })
})

t.test('on the TLS port: certificate instead of a secret; expired, foreign, other-VIN, unregistered and revoked ones refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-mtls-'))
  const server = pki.server()
  const crl = join(dir, 'crl.pem')
  copyFileSync(pki.crl(), crl)
  const tg = await startTestGateway('postgres', {
    mqttPort: 0, mqttTlsPort: await freePort(), tlsCert: server.cert, tlsKey: server.key, tlsCa: pki.caCert, tlsCrl: crl, tlsReloadMs: 100
  })
  t.teardown(async () => { await tg.close() })
  const { gateway } = tg
  const vehicles = gateway.storage.vehicles
  const secret = await tg.provision(VIN)
  await tg.provision(OTHER)
  const ca = readFileSync(pki.caCert)
  const register = async (vin: string, issued: IssuedCertificate): Promise<void> => {
    await vehicles.addCertificate(vin, registrableCertificate(readFileSync(issued.cert), vin, ca))
  }
  /** Connects as `vin` presenting `issued`, with no password unless given. */
  const withCertificate = async (vin: string, issued: IssuedCertificate | undefined, password = ''): Promise<void> => {
    const options: IClientOptions = { protocol: 'mqtts', ca, servername: 'localhost', ...(issued === undefined ? {} : { cert: readFileSync(issued.cert), key: readFileSync(issued.key) }) }
    const client = await connectVehicle(gateway.mqttTlsPort, vin, password, options)
    await client.endAsync()
  }
  const refusals = async (): Promise<string> => await gateway.metrics.registry.getSingleMetricAsString('pitwall_mqtt_auth_failures_total')

  const own = pki.client(VIN)
  await register(VIN, own)
  await withCertificate(VIN, own)
  t.pass('a registered certificate naming the VIN connects without a password')
  await withCertificate(VIN, undefined, secret)
  t.pass('a T-box without a certificate still authenticates by its secret on the TLS port')

  await register(OTHER, pki.client(OTHER))
  await t.rejects(withCertificate(VIN, pki.client(OTHER)), /Not authorized/i, 'a certificate of another VIN is refused')
  await t.rejects(withCertificate(VIN, pki.client(VIN, { expired: true })), /Not authorized/i, 'an expired certificate is refused')
  await t.rejects(withCertificate(VIN, stranger.client(VIN)), /Not authorized/i, 'a certificate of another CA is refused')
  await t.rejects(withCertificate(VIN, pki.client(VIN)), /Not authorized/i, 'a valid certificate the vehicle has not registered is refused')
  await t.rejects(withCertificate(VIN, stranger.client(VIN), secret), /Not authorized/i, 'a certificate that fails is not excused by the right secret')
  t.match(await refusals(), /reason="certificate"\} 5/)

  // revoked by the operator, in the vehicle's record
  t.equal(await vehicles.revokeCertificates(VIN), 1)
  await t.rejects(withCertificate(VIN, own), /Not authorized/i, 'a certificate revoked in the vehicle\'s record is refused at the next CONNECT')

  // revoked by the CA: a new CRL is picked up without a restart
  const second = pki.client(VIN)
  await register(VIN, second)
  await withCertificate(VIN, second)
  pki.revoke(second.cert)
  copyFileSync(pki.crl(), crl)
  let refused = false
  for (let i = 0; i < 50 && !refused; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    refused = await withCertificate(VIN, second).then(() => false, () => true)
  }
  t.ok(refused, 'a certificate the CA revoked is refused once the CRL file changes')
  t.match(await gateway.metrics.registry.getSingleMetricAsString('pitwall_tls_reloads_total'), /outcome="loaded"\} 1/)
})
