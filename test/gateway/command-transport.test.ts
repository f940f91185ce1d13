/**
 * Which vehicles the command transport counts as reachable, on a real aedes
 * with Pitwall's subscription ACL and a real MQTT client: only a granted
 * subscription covering v1/{vin}/cmd makes a vehicle reachable.
 */
import { Aedes } from 'aedes'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import mqtt from 'mqtt'
import t from 'tap'
import { createAuthorizeSubscribe } from '../../gateway/broker/authorize-subscribe.js'
import { BrokerCommandTransport } from '../../gateway/broker/command-transport.js'
import { setSession } from '../../gateway/broker/sessions.js'
import { createLogger } from '../../gateway/logger.js'
import { createMetrics } from '../../gateway/metrics.js'

const VIN = 'WPWTRNS0000000001'
const VEHICLE_ID = 7

t.test('a subscription the ACL refused (SUBACK 0x80) does not make the vehicle reachable', async (t) => {
  const aedes = await Aedes.createBroker({
    authenticate: (client, _username, _password, callback) => {
      setSession(client, { vin: VIN, vehicleId: VEHICLE_ID })
      callback(null, true)
    },
    authorizeSubscribe: createAuthorizeSubscribe({ metrics: createMetrics(), log: createLogger('silent') })
  })
  const reachableCalls: number[] = []
  const transport = new BrokerCommandTransport(aedes, (vehicleId) => { reachableCalls.push(vehicleId) })
  const server = createServer((socket) => { aedes.handle(socket) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()))
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocolVersion: 4, clientId: VIN, reconnectPeriod: 0 })
  t.teardown(async () => { await client.endAsync(true) })

  // a T-box configured with a fleet-wide filter: refused, so aedes delivers it nothing
  // (mqtt.js turns a SUBACK 0x80 into an error carrying the packet)
  const refused = await client.subscribeAsync('v1/+/cmd', { qos: 1 }).then(() => undefined, (err: { packet?: { granted?: unknown } }) => err.packet?.granted)
  t.same(refused, [128])
  t.notOk(transport.reachable().has(VEHICLE_ID), 'commands would be published to nobody')
  t.same(reachableCalls, [])

  const granted = await client.subscribeAsync(`v1/${VIN}/cmd`, { qos: 1 })
  t.same(granted.map((g) => g.qos), [1])
  t.equal(transport.reachable().get(VEHICLE_ID), VIN)
  t.equal(transport.reachableVin(VIN), VEHICLE_ID, 'a command queued for the VIN on any node finds the vehicle here')
  t.same(reachableCalls, [VEHICLE_ID], 'the dispatcher hears when it can deliver')
  await client.unsubscribeAsync(`v1/${VIN}/cmd`)
  t.equal(transport.reachableVin(VIN), undefined, 'not after it unsubscribed')
})
