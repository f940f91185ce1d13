/**
 * Vehicles' connection state kept in the database across gateway nodes, on
 * both backends: which node holds a vehicle, a move to another node that the
 * old node notices late, what a crash leaves and who clears it, and the
 * online/offline events the changes send.
 */
import t from 'tap'
import { ConnectionStates, DEAD_AFTER_S } from '../../../gateway/events/connection-state.js'
import { createLogger } from '../../../gateway/logger.js'
import { poolOf, type Storage } from '../../../storage/index.js'
import { openTestStorage } from '../../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../../helpers/backends.js'
import { until } from '../../helpers/until.js'

const log = createLogger('silent')

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    let n = 0
    const vehicle = async (): Promise<{ id: number, vin: string }> => {
      const vin = `WDBC0NN${String(++n).padStart(10, '0')}`
      return { id: await storage.vehicles.add({ vin }, 'scrypt$x'), vin }
    }
    const node = async (name: string, beatMs?: number): Promise<ConnectionStates> => {
      const states = new ConnectionStates({ vehicles: storage.vehicles, node: name, log, beatMs })
      await states.start()
      t.teardown(() => states.stop())
      return states
    }
    const stateOf = async (vin: string): ReturnType<Storage['vehicles']['connectionState']> => await storage.vehicles.connectionState(vin)

    t.test('a connection is recorded with its node, and its end clears it', async (t) => {
      const a = await node('node-a')
      const v = await vehicle()
      t.match(await stateOf(v.vin), { connected: false, node: null, changedAt: null }, 'never connected')
      a.connected(v.id)
      await a.settled()
      const online = await stateOf(v.vin)
      t.match(online, { connected: true, node: 'node-a', changedAt: Date })
      a.disconnected(v.id)
      await a.settled()
      t.match(await stateOf(v.vin), { connected: false, node: null })
      const [row] = (await poolOf(storage).query<{ seen: Date | null }>('SELECT last_seen_at AS seen FROM vehicles WHERE id = $1', [v.id])).rows
      t.ok(row?.seen instanceof Date, 'and when it was last seen')
    })

    t.test('a vehicle that moved to another node stays connected there when the old node notices', async (t) => {
      const a = await node('node-a2')
      const b = await node('node-b2')
      const v = await vehicle()
      a.connected(v.id)
      await a.settled()
      b.connected(v.id)
      await b.settled()
      a.disconnected(v.id)
      await a.settled()
      t.match(await stateOf(v.vin), { connected: true, node: 'node-b2' })
    })

    t.test('what a crash leaves is cleared: at once by the same name restarted, else once the node is silent', async (t) => {
      const crashed = new ConnectionStates({ vehicles: storage.vehicles, node: 'node-crash', log })
      await crashed.start()
      const v = await vehicle()
      const w = await vehicle()
      crashed.connected(v.id)
      crashed.connected(w.id)
      await crashed.settled()
      // the process dies: no stop(); its beats end with it
      clearInterval((crashed as unknown as { timer: NodeJS.Timeout }).timer)
      t.match(await stateOf(v.vin), { connected: true, node: 'node-crash' }, 'the rows still say connected')
      await node('node-crash')
      t.match(await stateOf(v.vin), { connected: false }, 'the restarted node (same name) cleared them at its start')

      const gone = new ConnectionStates({ vehicles: storage.vehicles, node: 'host:4242', log })
      await gone.start()
      gone.connected(w.id)
      await gone.settled()
      clearInterval((gone as unknown as { timer: NodeJS.Timeout }).timer)
      await node('node-other')
      t.match(await stateOf(w.vin), { connected: true, node: 'host:4242' }, 'a node that beat lately is alive: its rows stay')
      await poolOf(storage).query(`UPDATE gateway_nodes SET seen_at = now() - interval '${DEAD_AFTER_S + 1} seconds' WHERE name = 'host:4242'`)
      await node('host:4243')
      t.match(await stateOf(w.vin), { connected: false, node: null }, 'silent for too long: the next node to beat cleared them')
    })

    t.test('a node that was cut off marks the vehicles it still holds online again at its next beat', async (t) => {
      const a = await node('node-a3', 100)
      const v = await vehicle()
      a.connected(v.id)
      await a.settled()
      // another node's sweep while node-a3 could not beat
      await poolOf(storage).query('UPDATE vehicles SET connected = false, connected_node = NULL WHERE id = $1', [v.id])
      await until('the vehicle online again', async () => (await stateOf(v.vin))?.connected === true ? true : undefined, { timeoutMs: 10_000 })
      t.match(await stateOf(v.vin), { connected: true, node: 'node-a3' })
    })

    t.test('a node stopping marks its vehicles offline and leaves the registry', async (t) => {
      const a = new ConnectionStates({ vehicles: storage.vehicles, node: 'node-a4', log })
      await a.start()
      const v = await vehicle()
      a.connected(v.id)
      await a.stop()
      t.match(await stateOf(v.vin), { connected: false })
      t.same((await poolOf(storage).query('SELECT name FROM gateway_nodes WHERE name = $1', ['node-a4'])).rows, [])
    })

    t.test('each change of connected is one event; a takeover by another node is none', async (t) => {
      const heard: string[] = []
      const listener = await storage.events.listen(['pitwall_events'], { notification: (_channel, payload) => { heard.push(payload) }, lost: () => {} })
      t.teardown(() => listener.close())
      const a = await node('node-a5')
      const b = await node('node-b5')
      const v = await vehicle()
      a.connected(v.id)
      await a.settled()
      b.connected(v.id)
      await b.settled()
      b.disconnected(v.id)
      await b.settled()
      const mine = async (): Promise<Array<Record<string, unknown>>> => heard.map((p) => JSON.parse(p) as Record<string, unknown>).filter((e) => e.vin === v.vin)
      const events = await until('two events', async () => { const e = await mine(); return e.length >= 2 ? e : undefined })
      t.match(events, [{ kind: 'vehicle', connected: true, node: 'node-a5' }, { kind: 'vehicle', connected: false, node: 'node-b5' }])
      t.equal(events.length, 2)
    })
  })
}
