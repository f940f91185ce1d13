import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { Aedes } from 'aedes'
import t from 'tap'
import { pitwall } from '../../proto/index.js'
import { freePort } from '../../runtime/free-port.js'
import { Tbox } from '../../sim/tbox.js'

const VIN = 'WPWSIM00000000001'

/** An in-process broker whose TCP side can be taken down and brought back on the same port. */
interface TestBroker {
  broker: Aedes
  port: number
  /** While true, telemetry PUBLISHes get no PUBACK (their authorizePublish never returns). */
  stall: { on: boolean, held: number[] }
  down: () => Promise<void>
  up: () => Promise<void>
  close: () => Promise<void>
}

async function startBroker (): Promise<TestBroker> {
  const stall = { on: false, held: [] as number[] }
  const broker = await Aedes.createBroker({
    authorizePublish: (_client, packet, callback) => {
      if (stall.on && packet.topic.endsWith('/telemetry')) {
        stall.held.push(pitwall.v1.TelemetryBatch.decode(packet.payload as Buffer).seq)
        return
      }
      callback(null)
    }
  })
  const sockets = new Set<Socket>()
  const serve = (): Server => createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    broker.handle(socket)
  })
  let server = serve()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const port = address.port
  const down = async (): Promise<void> => {
    const closed = new Promise((resolve) => server.close(resolve))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  const up = async (): Promise<void> => {
    server = serve()
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
  }
  const close = async (): Promise<void> => {
    await down()
    await new Promise<void>((resolve) => broker.close(() => resolve()))
  }
  return { broker, port, stall, down, up, close }
}

async function until (what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

t.test('buffers while the broker is down and then delivers every seq in order', async (t) => {
  const { broker, port, stall, down, up, close } = await startBroker()
  const seqs: number[] = []
  const statuses: string[] = []
  broker.on('publish', (packet, client) => {
    if (client === null) return
    if (packet.topic === `v1/${VIN}/telemetry`) seqs.push(pitwall.v1.TelemetryBatch.decode(packet.payload as Buffer).seq)
    if (packet.topic === `v1/${VIN}/status`) statuses.push(JSON.parse(packet.payload.toString()).state)
  })
  const clientIds: string[] = []
  broker.on('client', (client) => clientIds.push(client.id))

  const tbox = new Tbox({ url: `mqtt://127.0.0.1:${port}`, vin: VIN, secret: 's3cret', seed: 42, rateHz: 50, reconnectPeriodMs: 100, maxInFlight: 4 })
  tbox.start()
  t.teardown(async () => {
    await tbox.stop(0)
    await close()
  })

  await until('10 acked batches', () => tbox.counters().acked >= 10)
  // The broker stops acknowledging, then goes away with the window full:
  // those batches were never stored, so they must be sent again.
  stall.on = true
  // aedes reads a socket's next chunk only when every packet of the current
  // one is done, so the broker may see fewer than the 4 in flight (the rest
  // wait in its socket buffer); either way none of the 4 is acknowledged.
  await until('a full in-flight window held by the broker', () => stall.held.length >= 1 && tbox.counters().inFlight === 4)
  await down()
  stall.on = false
  await until('the T-box to notice', () => !tbox.counters().online)
  const builtAtOutage = tbox.counters().batchesBuilt
  await until('batches built while offline', () => tbox.counters().batchesBuilt >= builtAtOutage + 15)
  t.ok(tbox.counters().buffered >= 10, `buffered ${tbox.counters().buffered} batches while offline`)

  await up()
  const builtAtReturn = tbox.counters().batchesBuilt
  await until('the backlog to drain', () => {
    const c = tbox.counters()
    return c.online && c.acked >= builtAtReturn && c.buffered === 0
  })
  await tbox.stop()

  const firstSeen: number[] = []
  const seen = new Set<number>()
  for (const seq of seqs) {
    if (!seen.has(seq)) firstSeen.push(seq)
    seen.add(seq)
  }
  const expected = Array.from({ length: firstSeen.length }, (_, i) => i + 1)
  t.same(firstSeen, expected, `seq 1..${firstSeen.length} arrived in order without gaps (${seqs.length - firstSeen.length} QoS 1 resends)`)
  t.ok(firstSeen.length >= builtAtReturn, 'every batch built before the broker came back was delivered')
  t.ok(stall.held.length >= 1 && stall.held.length <= 4, `batches ${stall.held.join(', ')} were in flight, unacknowledged, when the connection dropped`)
  t.ok(stall.held.every((seq) => seen.has(seq)), 'mqtt.js resent them after reconnecting (clean: false session)')
  const c = tbox.counters()
  t.equal(c.dropped, 0)
  t.equal(c.connects, 2, 'connected, lost the broker, reconnected')
  t.same(clientIds, [VIN, VIN], 'client id is the VIN')
  t.equal(statuses[0], 'online')
  t.equal(statuses.at(-1), 'offline', 'announces itself offline when stopped')
})

t.test('a refused CONNACK (server unavailable, as while the gateway\'s database is away) is retried until the broker takes it', async (t) => {
  let refusals = 2
  const broker = await Aedes.createBroker({
    authenticate: (_client, _username, _password, callback) => {
      if (refusals-- > 0) return callback(Object.assign(new Error('server unavailable'), { returnCode: 3 }), false)
      callback(null, true)
    }
  })
  const server = createServer((socket) => broker.handle(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const tbox = new Tbox({ url: `mqtt://127.0.0.1:${address.port}`, vin: VIN, secret: 's3cret', seed: 7, rateHz: 50, reconnectPeriodMs: 50 })
  tbox.start()
  t.teardown(async () => {
    await tbox.stop(0)
    await new Promise((resolve) => server.close(resolve))
    await new Promise<void>((resolve) => broker.close(() => resolve()))
  })
  await until('the T-box to get in after two refusals', () => tbox.counters().acked >= 1)
  const c = tbox.counters()
  t.equal(c.errors, 2, 'both refusals seen')
  t.match(c.lastError, /Server unavailable/i)
  t.equal(c.connects, 1)
})

t.test('drops the oldest batches when the buffer is full and counts them', async (t) => {
  // nothing listens on this port: the T-box never gets online
  const port = await freePort()
  const tbox = new Tbox({ url: `mqtt://127.0.0.1:${port}`, vin: VIN, secret: 'x', seed: 1, rateHz: 100, bufferCapacity: 5, reconnectPeriodMs: 50 })
  tbox.start()
  await until('the buffer to overflow', () => tbox.counters().batchesBuilt >= 12)
  await tbox.stop(0)
  const c = tbox.counters()
  t.equal(c.buffered, 5)
  t.equal(c.dropped, c.batchesBuilt - 5)
  t.equal(c.published, 0)
  t.ok(c.errors > 0, `connection errors counted: ${c.lastError ?? ''}`)
})
