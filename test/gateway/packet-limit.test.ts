import t, { type Test } from 'tap'
import { PassThrough } from 'node:stream'
import mqttPacket from 'mqtt-packet'
import { IngestRates, type IngestRateLimits } from '../../gateway/broker/ingest-rate.js'
import { PacketLimitedStream } from '../../gateway/broker/packet-limit.js'
import { createMetrics } from '../../gateway/metrics.js'

const generate = (p: object): Buffer => mqttPacket.generate(p as mqttPacket.Packet)

/**
 * Feeds `bytes` through a limiter in chunks of `chunkSize`, returns the parsed
 * packets it lets through; `admitted` (the default) as after authentication.
 */
async function run (bytes: Buffer, chunkSize: number, max: number, admitted = true, maxConnect = 1024): Promise<{ packets: mqttPacket.Packet[], limiter: PacketLimitedStream, error?: Error }> {
  const socket = new PassThrough()
  const limiter = new PacketLimitedStream(socket, { maxBytes: max, maxConnectBytes: maxConnect })
  if (admitted) limiter.admit()
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

const connect = (password: Buffer): Buffer => generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'WDB12345678901234', username: 'WDB12345678901234', password })

t.test('before authentication, a CONNECT over the CONNECT limit closes the stream without a byte of it handed on', async (t) => {
  // what a stranger sends: the start of a CONNECT announcing 1 MB, then silence
  // (mqtt-packet cannot make it: MQTT strings stop at 64 KiB, and a stranger's bytes need not parse)
  const half = Buffer.concat([Buffer.from([0x10, 0xc0, 0x84, 0x3d, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc2, 0, 60]), Buffer.alloc(100_000, 0x41)])
  const { packets, error } = await run(half, 4096, 1_048_576, false, 4096)
  t.equal(packets.length, 0)
  t.match(error?.message, /packet of 1000004 bytes before authentication exceeds the 4096-byte CONNECT limit \(PITWALL_MAX_CONNECT_BYTES\)/)
})

t.test('before authentication, the first packet must be a CONNECT', async (t) => {
  const { packets, error } = await run(small(1), 64, 1024, false)
  t.equal(packets.length, 0)
  t.match(error?.message, /first packet must be a CONNECT, not packet type 3/)
})

t.test('before authentication nothing may exceed the CONNECT limit; once admitted, the packet limit applies', async (t) => {
  const publish = generate({ cmd: 'publish', topic: 'v1/A/telemetry', qos: 1, messageId: 2, payload: Buffer.alloc(3000), retain: false, dup: false })
  const before = await run(Buffer.concat([connect(Buffer.from('secret')), publish]), 512, 1_048_576, false, 2048)
  t.same(before.packets.map((p) => p.cmd), ['connect'], 'the CONNECT passes')
  t.match(before.error?.message, /packet of 3\d{3} bytes before authentication exceeds the 2048-byte CONNECT limit/)

  const socket = new PassThrough()
  const limiter = new PacketLimitedStream(socket, { maxBytes: 1_048_576, maxConnectBytes: 2048 })
  const parser = mqttPacket.parser()
  const cmds: string[] = []
  parser.on('packet', (p) => cmds.push(p.cmd))
  limiter.on('data', (d: Buffer) => parser.parse(d))
  socket.write(connect(Buffer.from('secret')))
  await new Promise((resolve) => setImmediate(resolve))
  limiter.admit()
  socket.write(publish)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(cmds, ['connect', 'publish'])
  t.notOk(limiter.destroyed)
})

t.test('a vehicle over its ingest rate has its socket paused after the chunk that overdrew, and nothing is dropped', async (t) => {
  const metrics = createMetrics()
  const rates = new IngestRates({ batchesPerS: 10, bytesPerS: 1_000_000, burstS: 1, maxInflight: 16 }, metrics)
  const socket = new PassThrough()
  const limiter = new PacketLimitedStream(socket, { maxBytes: 1_048_576, maxConnectBytes: 4096 })
  limiter.admit(rates.acquire('WDB12345678901234'))
  t.teardown(() => { limiter.destroy() })
  const ids: number[] = []
  const parser = mqttPacket.parser()
  parser.on('packet', (p) => { if (p.cmd === 'publish') ids.push(p.messageId as number) })
  limiter.on('data', (d: Buffer) => parser.parse(d))
  // one PUBLISH a chunk: the bucket holds 10, the 11th goes into debt
  for (let id = 1; id <= 30; id++) socket.write(small(id))
  await new Promise((resolve) => setImmediate(resolve))
  t.same(ids, Array.from({ length: 11 }, (_, i) => i + 1), 'the burst and the batch that overdrew are handed on, in order')
  t.ok(limiter.throttled, 'the socket is paused')
  t.ok(socket.isPaused())
  t.equal((await metrics.ingestThrottled.get()).values.find((v) => v.labels.limit === 'batches')?.value, 1)
  // the rest waits in the socket, not dropped: it flows as the bucket refills
  await new Promise<void>((resolve) => {
    const check = (): void => { if (ids.length === 30) resolve(); else setTimeout(check, 20) }
    check()
  })
  t.same(ids, Array.from({ length: 30 }, (_, i) => i + 1))
})

/** An admitted connection whose every PUBLISH read starts waiting for its PUBACK, as authorizePublish makes it; `ids` are those read. */
function windowed (t: Test, limits: IngestRateLimits): { socket: PassThrough, limiter: PacketLimitedStream, ids: number[] } {
  const rates = new IngestRates(limits, createMetrics())
  const socket = new PassThrough()
  const limiter = new PacketLimitedStream(socket, { maxBytes: 1_048_576, maxConnectBytes: 4096 })
  limiter.admit(rates.acquire('WDB12345678901234'))
  t.teardown(() => { limiter.destroy() })
  const ids: number[] = []
  const parser = mqttPacket.parser()
  parser.on('packet', (p) => {
    if (p.cmd !== 'publish') return
    ids.push(p.messageId as number)
    limiter.publishStarted()
  })
  limiter.on('data', (d: Buffer) => parser.parse(d))
  return { socket, limiter, ids }
}

t.test('a vehicle with its window of PUBLISHes awaiting PUBACKs is read no more until one is answered, and nothing is dropped', async (t) => {
  const { socket, limiter, ids } = windowed(t, { batchesPerS: 1000, bytesPerS: 1_000_000, burstS: 10, maxInflight: 3 })
  const turn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }
  // one PUBLISH a chunk, arriving one after another (what arrived at once is read at once: the window holds to within a read)
  for (let id = 1; id <= 10; id++) {
    socket.write(small(id))
    await turn()
  }
  t.same(ids, [1, 2, 3], 'three read: the window is full')
  t.ok(limiter.inflightFull)
  t.ok(socket.isPaused(), 'the socket is paused')
  await turn()
  t.same(ids, [1, 2, 3], 'and stays so while none is answered')
  limiter.publishSettled()
  await turn()
  t.same(ids, [1, 2, 3, 4], 'one answered: one more read')
  // each answered in its turn, as PUBACKs come back
  for (let i = 0; i < 20 && ids.length < 10; i++) {
    limiter.publishSettled()
    await turn()
  }
  t.same(ids, Array.from({ length: 10 }, (_, i) => i + 1), 'all answered: the rest read, in order')
})

t.test('answering PUBLISHes does not lift a pause for the ingest rate', async (t) => {
  const { socket, limiter, ids } = windowed(t, { batchesPerS: 2, bytesPerS: 1_000_000, burstS: 1, maxInflight: 3 })
  for (let id = 1; id <= 6; id++) {
    socket.write(small(id))
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.same(ids, [1, 2, 3], 'the third overdrew the rate and filled the window')
  t.ok(limiter.throttled)
  limiter.publishSettled(); limiter.publishSettled(); limiter.publishSettled()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(ids, [1, 2, 3], 'the window is free, the rate still holds the socket')
  t.ok(socket.isPaused())
})

t.test('a fixed header cut by chunk ends goes on byte for byte, a Remaining Length sent in more digits than needed included', async (t) => {
  // PUBLISH QoS 0, Remaining Length 14 in three digits (0x8e 0x80 0x00): longer than needed, and passed on as sent
  const body = Buffer.concat([Buffer.from([0, 3]), Buffer.from('a/b'), Buffer.from('123456789')])
  const packet = Buffer.concat([Buffer.from([0x30, 0x80 | body.length, 0x80, 0x00]), body])
  for (const chunkSize of [1, 2, 3]) {
    const socket = new PassThrough()
    const limiter = new PacketLimitedStream(socket, { maxBytes: 1024, maxConnectBytes: 1024 })
    limiter.admit()
    const out: Buffer[] = []
    limiter.on('data', (d: Buffer) => out.push(d))
    for (let i = 0; i < packet.length; i += chunkSize) socket.write(packet.subarray(i, i + chunkSize))
    await new Promise((resolve) => setImmediate(resolve))
    t.same(Buffer.concat(out), packet, `chunks of ${chunkSize}`)
    limiter.destroy()
  }
})

t.test('the unauthenticated count is released once: at admission, or at close for a connection never admitted', async (t) => {
  let released = 0
  const admitted = new PacketLimitedStream(new PassThrough(), { maxBytes: 1024, maxConnectBytes: 1024 }, undefined, () => { released++ })
  t.equal(released, 0)
  admitted.admit()
  t.equal(released, 1, 'at admission')
  admitted.destroy()
  t.equal(released, 1, 'not again at close')

  let closedUnadmitted = 0
  const socket = new PassThrough()
  const stranger = new PacketLimitedStream(socket, { maxBytes: 1024, maxConnectBytes: 1024 }, undefined, () => { closedUnadmitted++ })
  socket.destroy()
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(stranger.destroyed)
  t.equal(closedUnadmitted, 1, 'at close, the socket closing first')
})

t.test('a closed connection gives its vehicle\'s ingest rate back', async (t) => {
  const rates = new IngestRates({ batchesPerS: 10, bytesPerS: 1_000_000, burstS: 1, maxInflight: 16 }, createMetrics())
  const vin = 'WDB12345678901234'
  const socket = new PassThrough()
  const limiter = new PacketLimitedStream(socket, { maxBytes: 1024, maxConnectBytes: 1024 })
  const rate = rates.acquire(vin)
  limiter.admit(rate)
  t.equal(rate.holders, 1)
  socket.destroy()
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(rate.holders, 0, 'released when the socket closed')
  t.not(rates.acquire(vin), rate, 'and, its buckets full, forgotten')
})
