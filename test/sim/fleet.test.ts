import { once } from 'node:events'
import { createServer } from 'node:net'
import { Aedes } from 'aedes'
import t from 'tap'
import { pitwall } from '../../proto/index.js'
import { parseCredentials } from '../../sim/credentials.js'
import { Fleet, startFleet } from '../../sim/fleet.js'

const credentials = [1, 2, 3].map((i) => ({ vin: `WPWSIM0000000000${i}`, secret: `secret-${i}` }))

t.test('a fleet authenticates per vehicle, streams telemetry, receives commands and sums up', async (t) => {
  const secrets = new Map(credentials.map((c) => [c.vin, c.secret]))
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, callback) => {
      const ok = username === client.id && secrets.get(client.id) === password?.toString()
      callback(null, ok)
    }
  })
  const server = createServer(broker.handle)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  t.teardown(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()))
    await new Promise((resolve) => server.close(resolve))
  })
  const seqsByVin = new Map<string, number[]>()
  const foreign: string[] = []
  broker.on('publish', (packet, client) => {
    if (client === null || !packet.topic.endsWith('/telemetry')) return
    const batch = pitwall.v1.TelemetryBatch.decode(packet.payload as Buffer)
    if (batch.vin !== client.id || packet.topic !== `v1/${client.id}/telemetry`) foreign.push(`${client.id} sent ${batch.vin} on ${packet.topic}`)
    seqsByVin.set(batch.vin, [...(seqsByVin.get(batch.vin) ?? []), batch.seq])
  })

  const fleet = startFleet({
    url: `mqtt://127.0.0.1:${address.port}`,
    credentials,
    rateHz: 10,
    seed: 4,
    inject: { overheat: 1 },
    startSeq: { [credentials[1]?.vin as string]: 100 },
    staggerMs: 100
  })
  await fleet.whenConnected(5000)
  const commands: string[] = []
  fleet.tboxes[0]?.on('command', (payload) => commands.push(payload.toString()))
  broker.publish({ cmd: 'publish', topic: `v1/${credentials[0]?.vin ?? ''}/cmd`, payload: Buffer.from('hello'), qos: 1, retain: false, dup: false }, () => {})
  await new Promise((resolve) => setTimeout(resolve, 600))
  const live = fleet.stats()
  t.equal(live.connected, 3, 'all connected')
  t.ok(live.acked > 0 && live.canFrames > 0, `${live.acked} batches, ${live.canFrames} CAN frames acknowledged so far`)
  const summary = await fleet.stop()

  t.same(foreign, [], 'each vehicle publishes its own batches under its own v1/{vin}/')
  t.equal(summary.connected, 0, 'all disconnected after stop')
  t.equal(summary.acked, summary.published, 'every published batch was acknowledged')
  t.equal(summary.dropped, 0, 'nothing dropped')
  t.ok(summary.pubackMs.p50 > 0 && summary.pubackMs.p99 >= summary.pubackMs.p50, `PUBACK p50 ${summary.pubackMs.p50} ms, p99 ${summary.pubackMs.p99} ms`)
  t.same(Object.keys(summary.faults).sort(), credentials.map((c) => c.vin), 'overheat=1 gives every vehicle the fault')
  t.equal(summary.commands, 1, 'the command reached its T-box')
  t.same(commands, ['hello'])
  for (const { vin } of credentials) {
    const seqs = seqsByVin.get(vin) ?? []
    const first = vin === credentials[1]?.vin ? 100 : 1
    t.same(seqs, seqs.map((_, i) => first + i), `${vin}: seq ${first}..${first + seqs.length - 1} in order`)
    t.equal(summary.nextSeq[vin], first + seqs.length, `${vin}: nextSeq continues after the last one sent`)
  }
})

t.test('refuses more vehicles than credentials', async (t) => {
  t.throws(() => new Fleet({ url: 'mqtt://127.0.0.1:1', credentials, vehicles: 4 }), /4 vehicles asked for, but only 3 credentials given/)
})

t.test('credentials are checked entry by entry', async (t) => {
  t.same(parseCredentials([{ vin: 'V1', secret: 's' }], 'fleet.json'), [{ vin: 'V1', secret: 's' }])
  t.throws(() => parseCredentials({}, 'fleet.json'), /credentials fleet.json: expected a JSON array/)
  t.throws(() => parseCredentials([{ vin: 'V1', secret: 's' }, { vin: 'V2' }], 'fleet.json'), /credentials fleet.json\[1\] \(V2\): "secret" must be a non-empty string/)
  t.throws(() => parseCredentials([{ vin: 'V1', secret: 's' }, { vin: 'V1', secret: 't' }], 'fleet.json'), /VIN V1 appears twice/)
})
