/**
 * TLS: MQTT over TLS and HTTPS from the operator's PEM files, the plain
 * listener off, certificates reloaded without a restart, and TLS files that
 * cannot be used refused with the file named.
 */
import t from 'tap'
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import { request } from 'node:https'
import { connect as tlsConnect } from 'node:tls'
import { createConnection, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { loadConfig } from '../../gateway/config.js'
import { readTlsMaterial } from '../../gateway/tls.js'
import { topics } from '../../proto/topics.js'
import { freePort } from '../../runtime/free-port.js'
import { connectVehicle, startTestGateway } from '../helpers/gateway.js'
import { TestPki } from '../helpers/pki.js'
import { startFleet } from '../../sim/fleet.js'

const pki = TestPki.create()
t.teardown(() => pki.remove())

/** The serial number of the certificate a TLS server presents now. */
async function servedSerial (port: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki.caCert) }, () => {
      resolve(socket.getPeerCertificate().serialNumber)
      socket.destroy()
    })
    socket.once('error', reject)
  })
}

async function httpsGet (port: number, path: string): Promise<{ status: number, body: string, headers: IncomingHttpHeaders }> {
  return await new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, servername: 'localhost', ca: readFileSync(pki.caCert) }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    }).once('error', reject).end()
  })
}

/** Whether anything accepts TCP connections on the port. */
async function accepts (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

t.test('TLS files that cannot be used are refused at start, naming the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-tls-'))
  const server = pki.server()
  const other = pki.server('other.example')
  t.throws(() => readTlsMaterial({ cert: join(dir, 'missing.pem'), key: server.key }), { code: 'PITWALL_ERR_TLS', message: /cannot read the TLS certificate .*missing\.pem: ENOENT/ })
  t.throws(() => readTlsMaterial({ cert: server.cert, key: other.key }), { code: 'PITWALL_ERR_TLS', message: /is not the private key of the certificate in .*CN=localhost/ })
  t.throws(() => readTlsMaterial({ cert: server.key, key: server.key }), { code: 'PITWALL_ERR_TLS', message: /holds no PEM certificate/ })
  const loose = join(dir, 'loose.key')
  copyFileSync(server.key, loose)
  chmodSync(loose, 0o644)
  t.throws(() => readTlsMaterial({ cert: server.cert, key: loose }), { code: 'PITWALL_ERR_TLS', message: /loose\.key: the TLS private key is readable by group or others \(mode 0644\); chmod 600 it/ })
  const notCa = join(dir, 'ca.pem')
  writeFileSync(notCa, 'not a certificate\n')
  t.throws(() => readTlsMaterial({ cert: server.cert, key: server.key, ca: notCa }), { code: 'PITWALL_ERR_TLS', message: /ca\.pem holds no PEM certificate/ })
  const badCrl = join(dir, 'crl.pem')
  writeFileSync(badCrl, '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')
  t.throws(() => readTlsMaterial({ cert: server.cert, key: server.key, ca: pki.caCert, crl: badCrl }), { code: 'PITWALL_ERR_TLS', message: /OpenSSL refused .*crl\.pem/ })
})

t.test('TLS settings that only make sense together', async (t) => {
  t.throws(() => loadConfig({ PITWALL_TLS_CERT: '/etc/pitwall/cert.pem' }), { code: 'PITWALL_ERR_CONFIG', message: /tlsCert \(PITWALL_TLS_CERT\) and tlsKey \(PITWALL_TLS_KEY\) go together/ })
  t.throws(() => loadConfig({ PITWALL_TLS_CA: '/etc/pitwall/ca.pem' }), { message: /tlsCa \(PITWALL_TLS_CA\) needs tlsCert/ })
  t.throws(() => loadConfig({ PITWALL_TLS_CERT: 'c', PITWALL_TLS_KEY: 'k', PITWALL_TLS_CRL: 'crl' }), { message: /tlsCrl \(PITWALL_TLS_CRL\) needs tlsCa/ })
  t.throws(() => loadConfig({ PITWALL_TLS_CERT: 'c', PITWALL_TLS_KEY: 'k', PITWALL_MQTT_PORT: '8883' }), { message: /mqttPort \(PITWALL_MQTT_PORT\) and mqttTlsPort \(PITWALL_MQTT_TLS_PORT\) are both 8883/ })
  const defaults = loadConfig({})
  t.equal(defaults.mqttHost, '127.0.0.1', 'listeners bind to loopback unless the operator names an address')
  t.equal(defaults.httpHost, '127.0.0.1')
  t.equal(defaults.mqttTlsPort, 8883)
})

t.test('MQTT over TLS, HTTPS and WSS with the plain listener off; certificates reload without a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-tls-'))
  const first = pki.server()
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  copyFileSync(first.cert, cert)
  copyFileSync(first.key, key)
  chmodSync(key, 0o600)
  const plainPort = await freePort()
  const tg = await startTestGateway('postgres', { mqttPort: 0, mqttTlsPort: await freePort(), tlsCert: cert, tlsKey: key, tlsReloadMs: 100 })
  t.teardown(async () => { await tg.close() })
  const { gateway } = tg
  t.equal(gateway.mqttPort, 0, 'PITWALL_MQTT_PORT=0: no plain MQTT listener')
  t.equal(await accepts(plainPort), false)
  const vin = 'WPWTLS00000000001'
  const secret = await tg.provision(vin)
  const ca = readFileSync(pki.caCert)

  const overTls = await connectVehicle(gateway.mqttTlsPort, vin, secret, { protocol: 'mqtts', ca, servername: 'localhost' })
  const published = await overTls.publishAsync(topics.status(vin), 'online', { qos: 1, retain: true })
  t.ok(published !== undefined, 'a vehicle publishes over TLS and gets its PUBACK')
  await overTls.endAsync()

  // a client that does not trust the CA is refused by its own TLS stack, not let in
  await t.rejects(connectVehicle(gateway.mqttTlsPort, vin, secret, { protocol: 'mqtts', servername: 'localhost' }), /self[- ]signed|unable to (get|verify)/i)

  const health = await httpsGet(gateway.httpPort, '/healthz')
  t.equal(health.status, 200, 'the API and health endpoints answer over HTTPS')
  t.equal(health.headers['strict-transport-security'], 'max-age=31536000', 'browsers are told to keep to HTTPS')
  t.equal(health.headers['x-content-type-options'], 'nosniff')
  const api = await httpsGet(gateway.httpPort, '/api/v1/vehicles')
  t.equal(api.status, 401)
  t.equal(api.headers['cache-control'], 'no-store', 'API answers are not cached')
  const plainHttp = await fetch(`http://127.0.0.1:${gateway.httpPort}/healthz`).then((r) => r.status, () => 'refused')
  t.not(plainHttp, 200, 'plain HTTP on the HTTPS port is not served')

  const overWss = mqtt.connect({ protocol: 'wss', host: '127.0.0.1', port: gateway.httpPort, path: '/mqtt', ca, servername: 'localhost', clientId: vin, username: vin, password: secret, protocolVersion: 4, reconnectPeriod: 0 })
  await new Promise<void>((resolve, reject) => { overWss.once('connect', () => resolve()); overWss.once('error', reject) })
  t.pass('MQTT over WSS on the HTTPS port')
  await overWss.endAsync()

  // the simulator speaks TLS too, trusting a private CA (pitwall-sim fleet --url mqtts://… --ca FILE)
  const fleet = startFleet({ url: `mqtts://localhost:${gateway.mqttTlsPort}`, ca, credentials: [{ vin, secret }], rateHz: 20, staggerMs: 0, startSeq: 1000 })
  await fleet.whenConnected(5000)
  await fleet.stop()
  t.pass('pitwall-sim fleet connects over mqtts:// with --ca')

  const before = { mqtt: await servedSerial(gateway.mqttTlsPort), https: await servedSerial(gateway.httpPort) }
  // a renewal written badly (a key that is not the certificate's) is refused and the old pair stays
  const renewed = pki.server()
  copyFileSync(renewed.cert, cert)
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.equal(await servedSerial(gateway.mqttTlsPort), before.mqtt, 'a certificate without its key is not swapped in')
  t.match(await gateway.metrics.registry.getSingleMetricAsString('pitwall_tls_reloads_total'), /outcome="refused"\} 1/)
  copyFileSync(renewed.key, key)
  let after = before.mqtt
  for (let i = 0; i < 50 && after === before.mqtt; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await servedSerial(gateway.mqttTlsPort)
  }
  t.not(after, before.mqtt, 'MQTT over TLS serves the renewed certificate')
  t.not(await servedSerial(gateway.httpPort), before.https, 'HTTPS serves the renewed certificate')
  t.equal(after, await servedSerial(gateway.httpPort))
  const again = await connectVehicle(gateway.mqttTlsPort, vin, secret, { protocol: 'mqtts', ca, servername: 'localhost' })
  t.pass('vehicles connect with the renewed certificate')
  await again.endAsync()
})

t.test('TLS handshakes in progress count against the caps on unauthenticated connections', async (t) => {
  const server = pki.server()
  const tg = await startTestGateway('postgres', { mqttPort: 0, mqttTlsPort: await freePort(), tlsCert: server.cert, tlsKey: server.key, maxUnauthenticatedPerAddress: 2 })
  t.teardown(async () => { await tg.close() })
  const port = tg.gateway.mqttTlsPort
  // TCP connections that never start their handshake: each holds a TLS session on the gateway
  const stalled = await Promise.all([0, 1].map(async () => await new Promise<Socket>((resolve, reject) => {
    const s = createConnection(port, '127.0.0.1', () => resolve(s)).once('error', reject)
  })))
  t.teardown(() => { for (const s of stalled) s.destroy() })
  const third = createConnection(port, '127.0.0.1')
  const closedAt = await new Promise<string>((resolve) => { third.once('close', () => resolve('closed')); third.once('data', () => resolve('data')) })
  t.equal(closedAt, 'closed', 'a third connection from the address is closed before its handshake')
  t.match(await tg.gateway.metrics.registry.getSingleMetricAsString('pitwall_mqtt_auth_failures_total'), /reason="unauthenticated_per_address"\} 1/)
  for (const s of stalled) s.destroy()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const vin = 'WPWTLS00000000002'
  const client = await connectVehicle(port, vin, await tg.provision(vin), { protocol: 'mqtts', ca: readFileSync(pki.caCert), servername: 'localhost' })
  t.pass('once they are gone, a vehicle completes its handshake and connects')
  await client.endAsync()
})
