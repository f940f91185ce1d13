/**
 * LISTEN/NOTIFY as the gateway uses it, on both backends: a listening
 * connection hears what other connections commit, nothing of what they roll
 * back, whole payloads up to the chunk size, and the triggers' events. On
 * the embedded host (one session for every connection) the host hands
 * notifications to the connections that LISTEN; on PostgreSQL a listener
 * whose connection is killed listens again and asks its clients to resync.
 */
import t from 'tap'
import { parseFleetEvent } from '../../../gateway/events/model.js'
import { NotifyListener } from '../../../gateway/events/notify-listener.js'
import { createLogger } from '../../../gateway/logger.js'
import { poolOf } from '../../../storage/index.js'
import { inTransaction } from '../../../storage/transaction.js'
import { openTestStorage, PLACES, seedFault } from '../../actions/dealer-fixtures.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../../helpers/backends.js'
import { until } from '../../helpers/until.js'

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const heard: Array<{ channel: string, payload: string }> = []
    const listener = await storage.events.listen(['pitwall_events', 'test_channel'], {
      notification: (channel, payload) => { heard.push({ channel, payload }) },
      lost: () => {}
    })
    t.teardown(() => listener.close())
    const on = (channel: string): string[] => heard.filter((h) => h.channel === channel).map((h) => h.payload)

    t.test('what another connection commits is heard, in order; what it rolls back is not', async (t) => {
      await inTransaction(poolOf(storage), async (client) => {
        await client.query("SELECT pg_notify('test_channel', 'rolled back')")
        throw new Error('changed my mind')
      }).catch(() => {})
      await storage.events.notify('test_channel', ['one', 'two'])
      await storage.events.notify('other_channel', ['not listened to'])
      await storage.events.notify('test_channel', ['three'])
      await until('three', async () => on('test_channel').includes('three') ? true : undefined)
      t.same(on('test_channel'), ['one', 'two', 'three'])
      t.notOk(heard.some((h) => h.channel === 'other_channel'))
    })

    t.test('a payload of the chunk size arrives whole', async (t) => {
      const big = 'x'.repeat(7900)
      await storage.events.notify('test_channel', [big])
      t.equal(await until('the big payload', async () => on('test_channel').find((p) => p.length > 1000)), big)
    })

    t.test('faults, commands and dealer alerts each notify, small, with their ids', async (t) => {
      const f = await seedFault(storage)
      const command = await storage.commands.enqueue({ vin: f.vin, body: { action: { name: 'fan.selftest', params: {} } }, ttlMs: 60_000, requestedBy: 'eva' })
      await storage.faults.acknowledge(f.faultId, 'eva')
      await storage.dealers.add({ id: 'nord', name: 'Autohaus Nord', ...PLACES.berlin })
      const { alerts: [alert] } = await storage.dealerAlerts.create(f.faultId, 'prestage',
        [{ dealerId: 'nord', routing: { via: 'nearest', distanceKm: 3 }, payload: {}, webhook: false }], (a, key) => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) }))
      const events = await until('four events', async () => {
        const mine = on('pitwall_events').map(parseFleetEvent).filter((e) => e !== undefined && e.vin === f.vin)
        return mine.length >= 4 ? mine : undefined
      })
      t.match(events, [
        { kind: 'fault', id: f.faultId, event: 'opened', state: 'open', severity: 'major', rule: /^dealer-test-/, time: /Z$/ },
        { kind: 'command', id: command.id, state: 'queued', progress: null },
        { kind: 'fault', id: f.faultId, event: 'acknowledged', state: 'acknowledged' },
        { kind: 'alert', id: alert?.id, dealerId: 'nord', alertKind: 'prestage', status: 'new' }
      ], 'in commit order, each as it was when it happened')
      t.ok(on('pitwall_events').every((p) => Buffer.byteLength(p) < 1000), 'ids and states, not the evidence')
    })

    if (backend === 'pglite') {
      t.test('on the embedded host, a connection that UNLISTENs or leaves does not deafen the others', async (t) => {
        const second: string[] = []
        const other = await storage.events.listen(['test_channel'], { notification: (_c, p) => { second.push(p) }, lost: () => {} })
        const client = await poolOf(storage).connect()
        await client.query('LISTEN test_channel')
        await client.query('UNLISTEN *')
        client.release()
        await storage.events.notify('test_channel', ['after unlisten'])
        await until('both heard it', async () => second.includes('after unlisten') && on('test_channel').includes('after unlisten') ? true : undefined)
        await other.close()
        await storage.events.notify('test_channel', ['after leaving'])
        await until('the first heard it', async () => on('test_channel').includes('after leaving') ? true : undefined)
        t.notOk(second.includes('after leaving'), 'the one that left hears nothing more')
      })
    }

    if (backend === 'postgres') {
      t.test('a listener whose connection is killed listens again and asks for a resync', async (t) => {
        const payloads: string[] = []
        let resyncs = 0
        const notify = new NotifyListener({
          store: storage.events,
          channels: ['resync_channel'],
          notification: (_c, p) => { payloads.push(p) },
          resync: () => { resyncs++ },
          log: createLogger('silent')
        })
        await notify.start()
        t.teardown(() => notify.stop())
        await poolOf(storage).query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = 'LISTEN "resync_channel"'`)
        await until('a resync', async () => resyncs > 0 ? true : undefined, { timeoutMs: 15_000 })
        await storage.events.notify('resync_channel', ['heard again'])
        t.equal(await until('the payload', async () => payloads.find((p) => p === 'heard again')), 'heard again')
        t.equal(resyncs, 1)
      })
    }
  })
}
