import t from 'tap'
import { PassThrough } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { PacketLimitedStream } from '../../gateway/broker/packet-limit.js'

const generate = (p: object): Buffer => mqttPacket.generate(p as mqttPacket.Packet)

/** Feeds `bytes` through a limiter in chunks of `chunkSize`, returns the parsed packets it lets through. */
async function run (bytes: Buffer, chunkSize: number, max: number): Promise<{ packets: mqttPacket.Packet[], limiter: PacketLimitedStream, error?: Error }> {
  const socket = new PassThrough()
  const limiter = new PacketLimitedStream(socket, max)
  const parser = mqttPacket.parser()
  const packets: mqttPacket.Packet[] = []
  parser.on('packet', (p) => packets.push(p))
  limiter.on('data', (d: Buffer) => parser.parse(d))
  let error: Error | undefined
  limiter.on('error', (e) => { error = e })
  for (let i = 0; i < bytes.length; i += chunkSize) socket.write(bytes.subarray(i, i + chunkSize))
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  return error === undefined ? { packets, limiter } : { packets, limiter, error }
}

const small = (id: number): Buffer => generate({ cmd: 'publish', topic: 'v1/A/telemetry', qos: 1, messageId: id, payload: Buffer.alloc(100, id), retain: false, dup: false })
const big = generate({ cmd: 'publish', topic: 'v1/A/telemetry', qos: 1, messageId: 7, payload: Buffer.alloc(5000, 0xaa), retain: false, dup: false })

for (const chunkSize of [1, 3, 7, 64, 1000, 100_000]) {
  t.test(`passes packets within the limit unchanged and replaces an oversized PUBLISH (chunks of ${chunkSize})`, async (t) => {
    const stream = Buffer.concat([small(1), big, small(2), generate({ cmd: 'pingreq' }), small(3)])
    const { packets, limiter, error } = await run(stream, chunkSize, 1024)
    t.equal(error, undefined)
    t.same(packets.map((p) => p.cmd), ['publish', 'publish', 'publish', 'pingreq', 'publish'])
    const pubs = packets.filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish')
    t.same(pubs.map((p) => p.messageId), [1, 7, 2, 3])
    t.same(pubs[0]?.payload, Buffer.alloc(100, 1), 'small payload intact')
    t.same(pubs[1]?.payload, limiter.marker, 'oversized payload replaced by the marker')
    t.equal(pubs[1]?.topic, 'v1/A/telemetry')
    t.equal(pubs[1]?.qos, 1)
    t.same(limiter.oversized, [{ topic: 'v1/A/telemetry', size: big.length }])
  })
}

t.test('closes the stream on an oversized packet that is not a PUBLISH', async (t) => {
  const sub = generate({ cmd: 'subscribe', messageId: 1, subscriptions: Array.from({ length: 100 }, (_, i) => ({ topic: `v1/A/topic/${i}`, qos: 1 })) })
  const { packets, error } = await run(Buffer.concat([small(1), sub]), 50, 512)
  t.equal(packets.length, 1)
  t.match(error?.message, /exceeds the 512-byte limit/)
})

t.test('rejects a Remaining Length longer than four bytes', async (t) => {
  const { error } = await run(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 2, 1024)
  t.match(error?.message, /malformed Remaining Length/)
})

t.test('refuses an oversized PUBLISH whose topic is longer than any of Pitwall\'s, without gathering it', async (t) => {
  const longTopic = generate({ cmd: 'publish', topic: 'v1/' + 'x'.repeat(20_000), qos: 1, messageId: 1, payload: Buffer.alloc(10), retain: false, dup: false })
  const { packets, error } = await run(longTopic, 1, 1024)
  t.equal(packets.length, 0)
  t.match(error?.message, /20003-byte topic/)
})
