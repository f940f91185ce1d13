/**
 * What a session starting on this node needs is ready before its CONNACK
 * (AuthenticateDeps.sessionStarting: the rules' state resumed from storage),
 * not asked again for a takeover on the same node, and a failure to ready it
 * refuses the CONNECT as storage unreachable does (return code 3).
 */
import { Aedes, type Client } from 'aedes'
import { createServer, type AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { ConnectThrottle, createAuthenticate } from '../../../gateway/broker/authenticate.js'
import { DEFAULT_MAX_CONNECT_BYTES, PacketLimitedStream } from '../../../gateway/broker/packet-limit.js'
import { LatestConnections, type VehicleSession } from '../../../gateway/broker/sessions.js'
import { hashSecret, VerifiedSecretCache } from '../../../gateway/credentials.js'
import { createMetrics } from '../../../gateway/metrics.js'
import { closedByBroker, connectVehicle } from '../../helpers/gateway.js'
import { until } from '../../helpers/until.js'

const VIN = 'WPWSESS0000000001'
const SECRET = 'session-secret'

async function startBroker (t: Test, sessionStarting: (session: VehicleSession) => Promise<void>) {
  const credential = { vehicleId: 7, vin: VIN, secretHash: await hashSecret(SECRET), model: 'demo-ev', firmware: '2.1' }
  const connections = new LatestConnections()
  const metrics = createMetrics()
  const aedes = await Aedes.createBroker({
    authenticate: createAuthenticate({
      vehicles: { credential: async (vin) => vin === VIN ? credential : undefined, certificateCredential: async () => undefined },
      secrets: new VerifiedSecretCache(),
      connections,
      throttle: new ConnectThrottle({ failuresBeforeBackoff: 100, maxBackoffMs: 1000 }),
      metrics,
      log: pino({ level: 'silent' }),
      sessionStarting
    })
  })
  // as broker/status.ts does: a connection that ends is no longer the vehicle's
  aedes.on('clientDisconnect', (client: Client) => { connections.end(client, client.id) })
  const server = createServer((socket) => { aedes.handle(new PacketLimitedStream(socket, { maxBytes: 1 << 20, maxConnectBytes: DEFAULT_MAX_CONNECT_BYTES }, { address: '127.0.0.1' })) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
  })
  return { port: (server.address() as AddressInfo).port, metrics, connections }
}

t.test('the CONNACK waits for the session to be ready; a takeover on the same node does not ask again', async (t) => {
  const started: Array<{ session: VehicleSession, ready: boolean }> = []
  const { port, connections } = await startBroker(t, async (session) => {
    const entry = { session, ready: false }
    started.push(entry)
    await delay(200)
    entry.ready = true
  })
  const first = await connectVehicle(port, VIN, SECRET)
  t.same(started.map((s) => s.session), [{ vin: VIN, vehicleId: 7, model: 'demo-ev', firmware: '2.1' }], 'asked once, with the vehicle\'s session')
  t.equal(started[0]?.ready, true, 'and ready before the CONNACK')

  const takenOver = closedByBroker(first)
  const second = await connectVehicle(port, VIN, SECRET)
  await takenOver
  t.equal(started.length, 1, 'a takeover here: this node\'s state is the newest, not asked again')

  await second.endAsync()
  await until('the broker to see the vehicle go', async () => connections.has(VIN) ? undefined : true)
  const third = await connectVehicle(port, VIN, SECRET)
  t.equal(started.length, 2, 'a vehicle that left (possibly for another node) and came back: asked again')
  await third.endAsync()
})

t.test('a session that cannot be readied is refused as storage unreachable: return code 3, counted', async (t) => {
  const { port, metrics } = await startBroker(t, async () => { throw new Error('connection terminated') })
  await t.rejects(connectVehicle(port, VIN, SECRET), { code: 3 })
  const refused = (await metrics.authFailures.get()).values.find((v) => v.labels.reason === 'storage')?.value
  t.equal(refused, 1, 'pitwall_mqtt_auth_failures_total{reason="storage"}')
})
