/**
 * What a stranger can make the gateway hold before authenticating (issue 16,
 * "memory before authentication": 1,000 half-sent 1 MB CONNECTs took the RSS
 * from 269 to 1,188 MB for 30 s; 300 half-sent 2 MB WebSocket frames, 109 to
 * 700 MB): a CONNECT is limited to a few KiB, a CONNECT that does not arrive
 * in time closes the connection, the unauthenticated connections are capped
 * in total and per address, and over WebSocket a frame is CONNECT-sized until
 * the vehicle is authenticated.
 */
import t from 'tap'
import mqtt from 'mqtt'
import mqttPacket from 'mqtt-packet'
import { connect as tcpConnect, type Socket } from 'node:net'
import { connectVehicle, publishQos1, startTestGateway, type TestGateway } from '../../helpers/gateway.js'
import { startTestDatabase } from '../../helpers/storage-server.js'
import { until } from '../../helpers/until.js'
import { PassThrough } from 'node:stream'
import { DEFAULT_AUTH_THROTTLE } from '../../../gateway/auth-throttle.js'
import { createBroker } from '../../../gateway/broker/index.js'
import { DEFAULT_ADMISSION } from '../../../gateway/broker/connect-guard.js'
import type { TelemetryIngest } from '../../../gateway/ingest.js'
import { createLogger } from '../../../gateway/logger.js'
import { createMetrics } from '../../../gateway/metrics.js'
import type { VehicleStore } from '../../../storage/vehicles.js'

// one embedded database for the file's gateways, each test with its own
// vehicle: the limits under test are each gateway's own, kept in memory
const db = await startTestDatabase('pglite')
t.teardown(() => db.close())

/** A raw TCP connection from `localAddress` (any of 127/8 reaches the gateway on 127.0.0.1). */
async function rawConnection (port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = tcpConnect({ host: '127.0.0.1', port, localAddress })
  socket.on('error', () => {}) // a refusal may arrive as a reset
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return socket
}

async function closed (socket: Socket): Promise<Buffer> {
  const received: Buffer[] = []
  socket.on('data', (d: Buffer) => received.push(d))
  if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve))
  return Buffer.concat(received)
}

/**
 * The first `bytes` of a CONNECT announcing `total` bytes (a fixed header, the
 * variable header, then filler): a half-sent CONNECT. mqtt-packet cannot make
 * one, as MQTT strings stop at 64 KiB; a stranger's bytes need not parse.
 */
function halfConnect (total: number, bytes: number): Buffer {
  const length: number[] = []
  for (let x = total - 5; x > 0; x = Math.floor(x / 128)) length.push((x % 128) | (x >= 128 ? 0x80 : 0))
  // protocol name MQTT, level 4, flags (username, password, clean), keepalive 60 [MQTT-3.1.2]
  const variableHeader = [0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc2, 0, 60]
  return Buffer.concat([Buffer.from([0x10, ...length, ...variableHeader]), Buffer.alloc(bytes, 0x41)]).subarray(0, bytes)
}

const unauthenticated = async (tg: TestGateway): Promise<number> => (await tg.gateway.metrics.unauthenticatedConnections.get()).values[0]?.value ?? 0
const refusals = async (tg: TestGateway, reason: string): Promise<number> =>
  (await tg.gateway.metrics.authFailures.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0

t.test('a CONNECT over PITWALL_MAX_CONNECT_BYTES closes the connection before authentication, without a CONNACK', async (t) => {
  const VIN = 'WDB12345678901231'
  // a connect timeout far off: the close must come from the size
  const tg = await startTestGateway('pglite', { databaseUrl: db.url, maxConnectBytes: 4096, connectTimeoutMs: 300_000 })
  t.teardown(async () => { await tg.close() })
  const socket = await rawConnection(tg.gateway.mqttPort)
  socket.write(halfConnect(1_000_000, 20_000))
  t.equal((await closed(socket)).length, 0, 'closed with no CONNACK')
  await until('the connection to stop counting', async () => await unauthenticated(tg) === 0 ? true : undefined)

  // the limit is the CONNECT's: an honest vehicle connects and sends batches far larger
  const client = await connectVehicle(tg.gateway.mqttPort, VIN, await tg.provision(VIN))
  t.teardown(() => { client.end(true) })
  await publishQos1(client, `v1/${VIN}/telemetry`, Buffer.alloc(100_000, 7))
  t.pass('a 100 KB PUBLISH after authentication is acknowledged')
})

t.test('a CONNECT that does not arrive within PITWALL_CONNECT_TIMEOUT_MS closes the connection', async (t) => {
  const tg = await startTestGateway('pglite', { databaseUrl: db.url, connectTimeoutMs: 1000 })
  t.teardown(async () => { await tg.close() })
  const socket = await rawConnection(tg.gateway.mqttPort)
  socket.write(halfConnect(2000, 1000)) // half a CONNECT, then nothing (slowloris)
  t.equal((await closed(socket)).length, 0, 'closed with no CONNACK')
})

t.test('unauthenticated connections are capped per address and in total; an authenticated one no longer counts', async (t) => {
  const VIN = 'WDB12345678901232'
  const tg = await startTestGateway('pglite', { databaseUrl: db.url, maxUnauthenticatedConnections: 4, maxUnauthenticatedPerAddress: 3 })
  t.teardown(async () => { await tg.close() })
  const port = tg.gateway.mqttPort
  const secret = await tg.provision(VIN)
  const held = [await rawConnection(port), await rawConnection(port), await rawConnection(port)]
  t.teardown(() => { for (const s of held) s.destroy() })
  await until('three unauthenticated connections', async () => await unauthenticated(tg) === 3 ? true : undefined)

  await closed(await rawConnection(port))
  t.equal(await refusals(tg, 'unauthenticated_per_address'), 1, 'a fourth from the same address is closed')

  held.push(await rawConnection(port, '127.0.0.2'))
  await until('four unauthenticated connections', async () => await unauthenticated(tg) === 4 ? true : undefined)
  await closed(await rawConnection(port, '127.0.0.3'))
  t.equal(await refusals(tg, 'unauthenticated_total'), 1, 'a fifth from a third address is closed: the total is reached')
  await t.rejects(connectVehicle(port, VIN, secret), 'even a vehicle with the right secret waits for a place')

  ;(held.shift() as Socket).destroy()
  await until('a place to free up', async () => await unauthenticated(tg) === 3 ? true : undefined)
  const client = await connectVehicle(port, VIN, secret)
  t.teardown(() => { client.end(true) })
  t.equal(await unauthenticated(tg), 3, 'the authenticated vehicle does not hold a place')
  held.push(await rawConnection(port, '127.0.0.2'))
  await until('the freed place taken', async () => await unauthenticated(tg) === 4 ? true : undefined)
})

t.test('over WebSocket a frame is limited to a CONNECT\'s size until the vehicle is authenticated', async (t) => {
  const VIN = 'WDB12345678901233'
  // a connect timeout far off: the close must come from the frame limit
  const tg = await startTestGateway('pglite', { databaseUrl: db.url, maxConnectBytes: 4096, connectTimeoutMs: 300_000 })
  t.teardown(async () => { await tg.close() })
  const url = `ws://127.0.0.1:${tg.gateway.httpPort}/mqtt`

  // the WebSocket handshake by hand, then the first 64 KB of a 1 MB frame: ws would
  // buffer the whole frame (up to 2 MB) before handing a byte of it on, and wait for the rest
  const socket = await rawConnection(tg.gateway.httpPort)
  socket.write(`GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`)
  await new Promise((resolve) => socket.once('data', resolve))
  const header = Buffer.alloc(14)
  header[0] = 0x82 // FIN, binary
  header[1] = 0x80 | 127 // masked, 64-bit length
  header.writeBigUInt64BE(1_000_000n, 2) // the mask (bytes 10-13) is zero: the payload goes as it is
  socket.write(Buffer.concat([header, halfConnect(1_000_000, 65_536)]))
  await closed(socket)
  t.pass('the gateway closed the connection at the frame\'s header')
  await until('the connection to stop counting', async () => await unauthenticated(tg) === 0 ? true : undefined)

  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: VIN, username: VIN, password: await tg.provision(VIN), reconnectPeriod: 0 })
  t.teardown(() => { client.end(true) })
  await publishQos1(client, `v1/${VIN}/telemetry`, Buffer.alloc(100_000, 7))
  t.pass('after authentication a 100 KB frame is read and its PUBLISH acknowledged')
})

t.test('the per-address cap counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 one', async (t) => {
  const metrics = createMetrics()
  const broker = await createBroker({
    // the connections never authenticate: storage and ingest are not reached
    vehicles: {} as unknown as VehicleStore,
    ingest: {} as unknown as TelemetryIngest,
    metrics,
    log: createLogger('silent'),
    maxPacketBytes: 1 << 20,
    authThrottle: DEFAULT_AUTH_THROTTLE,
    admission: { ...DEFAULT_ADMISSION, unauthenticated: { total: 100, perAddress: 2 } }
  })
  t.teardown(async () => { await broker.close() })
  const open = (address: string): boolean => {
    const stream = new PassThrough()
    t.teardown(() => { stream.destroy() })
    return broker.handle(stream, { address }) !== undefined
  }
  t.same(['2001:db8:1:2::1', '2001:db8:1:2::ffff', '2001:db8:1:2:abcd::9'].map(open), [true, true, false],
    'one host holds a whole /64: a third address in it is the third connection from it')
  t.equal(open('2001:db8:1:3::1'), true, 'the next /64 is another address')
  t.same(['::ffff:198.51.100.7', '198.51.100.7', '198.51.100.7'].map(open), [true, true, false], 'IPv4 seen through an IPv6 listener is the same address')
})
