/**
 * One vehicle cannot make the broker hold unbounded subscriptions: past the
 * cap a filter gets SUBACK 0x80, the connection stays up, and unsubscribing
 * makes room again (issue 16: 30,000 subscriptions under one vehicle's prefix
 * pushed the fleet's PUBACK p99 to 5.4 s).
 */
import t from 'tap'
import type { MqttClient } from 'mqtt'
import { DEFAULT_MAX_SUBSCRIPTIONS } from '../../../gateway/broker/authorize-subscribe.js'
import { connectVehicle, startTestGateway } from '../../helpers/gateway.js'
import { oneBackend } from '../../helpers/backends.js'

const VIN = 'WDB12345678901234'

/** The SUBACK's return codes (mqtt.js turns any refused filter into an error; the packet itself says which). */
async function subscribe (client: MqttClient, topics: string[]): Promise<number[]> {
  return await new Promise((resolve) => {
    const onPacket = (p: { cmd: string, granted?: unknown }): void => {
      if (p.cmd !== 'suback') return
      client.off('packetreceive', onPacket)
      resolve(p.granted as number[])
    }
    client.on('packetreceive', onPacket)
    client.subscribe(topics, { qos: 1 }, () => {})
  })
}

t.test('subscriptions past the cap are refused with 0x80; unsubscribing makes room', async (t) => {
  const tg = await startTestGateway(await oneBackend())
  t.teardown(async () => { await tg.close() })
  const client = await connectVehicle(tg.gateway.mqttPort, VIN, await tg.provision(VIN))
  t.teardown(() => { client.end(true) })

  const topics = Array.from({ length: DEFAULT_MAX_SUBSCRIPTIONS + 8 }, (_, i) => `v1/${VIN}/cmd/${i}`)
  const granted = await subscribe(client, topics)
  t.equal(granted.filter((q) => q === 1).length, DEFAULT_MAX_SUBSCRIPTIONS, 'up to the cap, granted, even in one SUBSCRIBE')
  t.same(granted.slice(DEFAULT_MAX_SUBSCRIPTIONS), Array(8).fill(128), 'past it, 0x80')
  t.same(await subscribe(client, [topics[0] as string]), [1], 'a filter already held may be subscribed again')

  await new Promise<void>((resolve) => client.unsubscribe(topics.slice(0, 3), () => resolve()))
  t.same(await subscribe(client, topics.slice(DEFAULT_MAX_SUBSCRIPTIONS, DEFAULT_MAX_SUBSCRIPTIONS + 4)), [1, 1, 1, 128], 'three freed places, three granted')
  t.ok(client.connected, 'the connection stays up')
})
