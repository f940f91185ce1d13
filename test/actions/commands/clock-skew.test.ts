/**
 * Issue 20 item 5: clock skew between gateway nodes does not reorder a
 * vehicle's command states. Three nodes on one database, each with its own
 * pool and dispatcher: A on time, B 10 minutes behind, C 10 minutes ahead
 * (their Date.now, the only clock the dispatcher has; the T-box's clock is
 * true). A command queued on A, sent by C, acknowledged on C, then on B
 * after a reconnect, then on C again, comes out with its states in the true
 * order and its times on the database's clock; a late answer that reaches
 * the "past" node B after the command succeeded is kept as ignored. A node
 * whose clock runs ahead still sends commands the T-box accepts, and expiry
 * is judged by the database whichever node's pass runs.
 */
import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { CommandDispatcher } from '../../../actions/commands/dispatcher.js'
import { commandKeyId } from '../../../actions/commands/keys.js'
import { CommandSigner, CommandVerifier, type VerifyResult } from '../../../actions/commands/signing.js'
import { pitwall } from '../../../proto/index.js'
import { openStorage, type Storage } from '../../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES } from '../../helpers/backends.js'
import { until } from '../../helpers/until.js'

const skip = !(await postgresReachable()) ? SKIP_POSTGRES : false
const MINUTE = 60_000
const State = pitwall.v1.CommandAck.State
const BODY = { action: { name: 'bms-extended-balancing', params: {} } }

const trueNow = Date.now

/** Runs `work` with this process's clock off by `skewMs`, as a node's would be (one node at a time: calls are awaited in turn). */
async function onClock<T> (skewMs: number, work: () => Promise<T>): Promise<T> {
  Date.now = () => trueNow() + skewMs
  try {
    return await work()
  } finally {
    Date.now = trueNow
  }
}

t.test('skewed node clocks: states in their true order, times from the database, no move back', { skip }, async (t) => {
  const db = await createTestDatabase({ migrated: true })
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const signer = new CommandSigner({ keyId: commandKeyId(publicKey), privateKey })
  const errors: string[] = []
  const log = { info: () => {}, warn: () => {}, error: (o: object, msg: string) => { errors.push(`${msg} ${JSON.stringify(o)}`) } }

  interface Node { name: string, skewMs: number, storage: Storage, dispatcher: CommandDispatcher, connected: Map<number, string>, sent: Uint8Array[] }
  const nodes: Node[] = []
  const node = async (name: string, skewMs: number): Promise<Node> => {
    const storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://' })
    const connected = new Map<number, string>()
    const sent: Uint8Array[] = []
    const dispatcher = new CommandDispatcher({
      store: storage.commands,
      faults: { recordFixChecks: async () => [] },
      signer,
      transport: {
        reachable: () => connected,
        reachableVin: (vin) => [...connected].find(([, v]) => v === vin)?.[0],
        publish: async (_vin, payload) => { sent.push(payload) }
      },
      log
    })
    const n = { name, skewMs, storage, dispatcher, connected, sent }
    nodes.push(n)
    return n
  }
  t.teardown(async () => {
    Date.now = trueNow
    for (const n of nodes) { await n.dispatcher.stop(); await n.storage.close() }
    await db.drop()
  })
  const a = await node('A', 0)
  const b = await node('B', -10 * MINUTE)
  const c = await node('C', 10 * MINUTE)

  /** `vin` connects to node `n` (and leaves the others), which delivers what is due; resolves with what it sent */
  const connectTo = async (n: Node, vehicleId: number, vin: string): Promise<VerifyResult | undefined> => {
    for (const other of nodes) other.connected.delete(vehicleId)
    n.connected.set(vehicleId, vin)
    const before = n.sent.length
    return await onClock(n.skewMs, async () => {
      n.dispatcher.notify(vehicleId)
      await until(`node ${n.name} delivers to ${vin}`, async () => n.sent.length > before ? true : undefined, { timeoutMs: 3000, pollMs: 20 })
        .catch(() => undefined)
      const payload = n.sent[before]
      // the T-box checks it against its own, true, clock
      return payload === undefined ? undefined : new CommandVerifier({ vin, trustedKeys: new Map([[signer.keyId, publicKey]]), now: trueNow }).verify(payload)
    })
  }
  const ack = async (n: Node, vehicleId: number, id: string, state: number, progress: number): Promise<string> =>
    (await onClock(n.skewMs, async () =>
      await n.dispatcher.acknowledge(vehicleId, pitwall.v1.CommandAck.encode({ id, state, progress, timeMs: trueNow() }).finish()))).state

  const vin1 = 'WPWSKEW0000000001'
  const vehicle1 = await a.storage.vehicles.add({ vin: vin1 }, 'scrypt$x')
  const start = new Date(trueNow())
  // issued through node A's API
  const issued = await onClock(a.skewMs, async () =>
    await a.storage.commands.enqueue({ vin: vin1, body: BODY, ttlMs: 3_600_000, requestedBy: 'engineer' }))

  // the vehicle is on node C, 10 min ahead: what C signs must be valid now by the vehicle's clock
  const delivered = await connectTo(c, vehicle1, vin1)
  t.ok(delivered !== undefined, 'node C (10 min ahead) sends it')
  t.same(delivered === undefined || delivered.ok ? 'ok' : `${delivered.code}: ${delivered.reason}`, 'ok', 'the T-box accepts what node C signed')
  if (delivered?.ok === true) {
    t.ok(Math.abs(Number(delivered.command.issuedAtMs) - trueNow()) < 5000, 'issued at the database\'s time, not 10 min ahead')
    t.equal(Number(delivered.command.expiresAtMs), issued.expiresAt.getTime(), 'expires when stored')
  }
  t.equal(await ack(c, vehicle1, issued.id, State.ACCEPTED, 0), 'accepted', 'accepted on C')
  // it reconnects to node B, 10 min behind, and reports progress there
  b.connected.set(vehicle1, vin1)
  c.connected.delete(vehicle1)
  t.equal(await ack(b, vehicle1, issued.id, State.IN_PROGRESS, 40), 'in_progress', 'in progress on B')
  // and back to C, where it succeeds
  t.equal(await ack(c, vehicle1, issued.id, State.SUCCEEDED, 100), 'succeeded', 'succeeded on C')
  // answers from its old connection to B arrive late: B's clock says they are 20 min older, nothing may take them as news
  t.equal(await ack(b, vehicle1, issued.id, State.ACCEPTED, 0), 'succeeded', 'a late ACCEPTED on B does not move it back')
  t.equal(await ack(b, vehicle1, issued.id, State.IN_PROGRESS, 90), 'succeeded', 'nor a late IN_PROGRESS')
  // every node's periodic pass: nothing expires or fails, whatever its clock
  for (const n of [b, c, a]) await onClock(n.skewMs, async () => { await n.dispatcher.tick() })
  const end = new Date(trueNow())

  const stored = await a.storage.commands.get(issued.id)
  t.equal(stored.state, 'succeeded')
  t.equal(stored.progress, 100)
  const timeline = await a.storage.commands.timeline(issued.id)
  t.same(timeline.map((e) => e.progress === null ? e.state : `${e.state} ${e.progress}`),
    ['queued', 'sent', 'accepted 0', 'in_progress 40', 'succeeded 100', 'ignored accepted 0', 'ignored in_progress 90'], 'the timeline in the true order')
  const times = timeline.map((e) => e.time.getTime())
  t.same(times, [...times].sort((x, y) => x - y), 'its times never go back')
  t.ok(times.every((ms) => ms >= start.getTime() - 2000 && ms <= end.getTime() + 2000), `every time on the database's clock (${start.toISOString()}..${end.toISOString()}: ${timeline.map((e) => e.time.toISOString()).join(', ')})`)
  for (const at of [stored.createdAt, stored.sentAt, stored.updatedAt]) t.ok(at !== null && Math.abs(at.getTime() - end.getTime()) < 5000, 'the row\'s times too')

  // a command with 5 min to live, for a vehicle on C: C's clock says it expired 5 min ago; the database says it is due
  const vin2 = 'WPWSKEW0000000002'
  const vehicle2 = await a.storage.vehicles.add({ vin: vin2 }, 'scrypt$x')
  const short = await a.storage.commands.enqueue({ vin: vin2, body: BODY, ttlMs: 5 * MINUTE, requestedBy: 'engineer' })
  const shortDelivered = await connectTo(c, vehicle2, vin2)
  t.equal(shortDelivered?.ok, true, 'node C sends a command its own clock thinks expired, and the T-box takes it')
  t.equal((await a.storage.commands.get(short.id)).state, 'sent')

  // expiry by the database's clock: C (ahead) does not end a command early, B (behind) ends it on time
  const vin3 = 'WPWSKEW0000000003'
  await a.storage.vehicles.add({ vin: vin3 }, 'scrypt$x')
  const brief = await a.storage.commands.enqueue({ vin: vin3, body: BODY, ttlMs: 700, requestedBy: 'engineer' })
  await onClock(c.skewMs, async () => { await c.dispatcher.tick() })
  t.equal((await a.storage.commands.get(brief.id)).state, 'queued', 'not expired by the pass of the node ahead')
  await new Promise((resolve) => setTimeout(resolve, 800))
  await onClock(b.skewMs, async () => { await b.dispatcher.tick() })
  t.equal((await a.storage.commands.get(brief.id)).state, 'expired', 'expired by the pass of the node behind, on time')
  t.same(errors, [], 'no delivery or pass failed')
})
