/**
 * A gateway killed (SIGKILL) while its commands are out, restarted on the
 * same database and command key:
 *
 * - one vehicle is in the middle of an OTA update: its T-box goes on
 *   flashing, keeps its acks in its MQTT session while the gateway is gone
 *   and sends them after reconnecting; the restarted gateway applies them,
 *   so the update ends succeeded once, run once, and the command queued
 *   behind it (not sent yet) goes next;
 * - another vehicle is out of coverage with a command queued for it: the
 *   command waits in the database and reaches the vehicle once it connects
 *   to the restarted gateway.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { generateCommandKey } from '../../actions/commands/keys.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { Tbox } from '../../sim/tbox.js'
import type { Command, CommandBody, CommandEvent } from '../../actions/commands/model.js'
import { openStorage, type Storage } from '../../storage/index.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js'
import { startTestDatabase } from '../helpers/storage-server.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/until.js'

const OTA: CommandBody = { ota: { package: 'tbox-firmware', version: '1.5.0', url: 'https://ota.example/tbox-firmware-1.5.0.bin', sha256: 'c0ffee'.padEnd(64, '0'), size: 8_388_608 } }
const BALANCE: CommandBody = { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }
const FINAL = new Set(['succeeded', 'failed', 'rejected', 'expired', 'cancelled'])
/** the T-box's time between acks: an update takes four of them, long enough to kill the gateway in between */
const STEP_MS = 700

interface Setup {
  storage: Storage
  /** the gateway process started first */
  first: GatewayProcess
  /** another gateway process on the test's database and key, on the port of a killed one */
  restart: (mqttPort: number) => Promise<GatewayProcess>
  /** a T-box trusting the gateway's key, started */
  tbox: (vin: string, url: string) => Promise<Tbox>
}

async function setUp (t: Test, backend: Backend): Promise<Setup> {
  const db = await startTestDatabase(backend)
  const keysDir = await mkdtemp(join(tmpdir(), 'pitwall-restart-keys-'))
  // made before the gateway starts, as a T-box is provisioned with the key before it is used
  const key = await generateCommandKey(keysDir)
  const gateways: GatewayProcess[] = []
  const tboxes: Tbox[] = []
  let storage: Storage | undefined
  t.teardown(async () => {
    await Promise.all(tboxes.map(async (b) => { await b.stop(0) }))
    for (const g of gateways) await g.kill()
    await storage?.close()
    await db.close()
    await rm(keysDir, { recursive: true, force: true })
  })
  const spawn = async (mqttPort?: number): Promise<GatewayProcess> => {
    const g = await spawnGateway(db.url, mqttPort, { PITWALL_COMMAND_KEYS_DIR: keysDir })
    gateways.push(g)
    return g
  }
  // the first gateway migrates the schema; the test works on the same database beside it
  const first = await spawn()
  storage = await openStorage({ databaseUrl: db.url, dataDir: 'memory://', poolSize: 2 })
  const opened = storage
  return {
    storage: opened,
    first,
    restart: spawn,
    tbox: async (vin, url) => {
      const { secret } = await provisionDevice(opened.vehicles, { vin, model: 'PW-E4', firmware: '1.4.2' })
      const tbox = new Tbox({
        url,
        vin,
        secret,
        seed: 3,
        firmware: '1.4.2',
        reconnectPeriodMs: 200,
        commands: { trustedKeys: new Map([[key.keyId, key.publicKey]]), stepMs: STEP_MS }
      })
      tbox.start()
      tboxes.push(tbox)
      await until(`${vin} to connect`, async () => tbox.counters().online ? true : undefined)
      return tbox
    }
  }
}

async function reaches (storage: Storage, id: string, state: Command['state']): Promise<Command> {
  return await until(`command ${id} to be ${state}`, async () => {
    const c = await storage.commands.get(id)
    if (c.state !== state && FINAL.has(c.state)) throw new Error(`command ${id} ended ${c.state} (${c.detail ?? ''}), not ${state}`)
    return c.state === state ? c : undefined
  })
}

/** The timeline's states without progress reports and ignored acks: the path the command took. */
const path = (events: CommandEvent[]): string[] => events.map((e) => e.state).filter((s) => s !== 'in_progress' && !s.startsWith('ignored'))

// The backends side by side: each is its own database, gateway processes and
// T-boxes, and most of a run is waiting for the T-boxes' steps.
t.jobs = 2
for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}: a gateway killed with commands in progress, queued behind one, and queued for a vehicle out of coverage`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const { storage, first, restart, tbox } = await setUp(t, backend)
    const flashing = await tbox('WPWRSTA0000000001', `mqtt://127.0.0.1:${first.mqttPort}`)
    // the other vehicle's radio link, cut to take it out of coverage
    const link = await TcpProxy.start(first.mqttPort)
    t.teardown(() => link.close())
    const away = await tbox('WPWRSTB0000000002', `mqtt://127.0.0.1:${link.port}`)
    link.cut()
    await until('the second T-box to be offline', async () => away.counters().online ? undefined : true)

    const update = await storage.commands.enqueue({ vin: flashing.vin, body: OTA, ttlMs: 600_000, requestedBy: 'eve' })
    const fix = await storage.commands.enqueue({ vin: flashing.vin, body: BALANCE, ttlMs: 600_000, requestedBy: 'eve' })
    const waiting = await storage.commands.enqueue({ vin: away.vin, body: OTA, ttlMs: 600_000, requestedBy: 'eve' })
    const running = await reaches(storage, update.id, 'in_progress')
    await first.kill()
    const storedAtKill = await storage.commands.timeline(update.id)
    t.ok((running.progress ?? 0) < 100, `killed with the update at ${running.progress ?? 0} %`)
    t.equal((await storage.commands.get(fix.id)).state, 'queued', 'the command behind it was not sent: one command per vehicle at a time')
    t.equal((await storage.commands.get(waiting.id)).state, 'queued', 'nor the one for the vehicle out of coverage')

    await restart(first.mqttPort)
    // the vehicle out of coverage comes back now: its command goes out while the first vehicle's two finish
    link.restore()
    const done = await reaches(storage, update.id, 'succeeded')
    t.equal(done.progress, 100, 'the update reports 100 %')
    const timeline = await storage.commands.timeline(update.id)
    t.same(path(timeline), ['queued', 'sent', 'accepted', 'succeeded'], 'the update: sent once, succeeded once (no retry, no second terminal state)')
    t.ok(timeline.slice(storedAtKill.length).some((e) => e.state === 'succeeded'), 'the acks sent after the kill were applied by the restarted gateway')
    t.same([...new Set(timeline.filter((e) => e.state === 'in_progress').map((e) => e.progress))], [0, 50, 100], 'every progress step is in the timeline')
    t.equal(flashing.firmware, '1.5.0', 'the T-box runs the new firmware')

    const fixed = await reaches(storage, fix.id, 'succeeded')
    t.same(path(await storage.commands.timeline(fixed.id)), ['queued', 'sent', 'accepted', 'succeeded'], 'the command queued behind it went out once, from the restarted gateway')
    t.equal(fixed.attempts, 1, 'one delivery attempt')
    t.match(flashing.counters(), { commands: 2, commandsExecuted: 2, commandsRejected: 0 }, 'the T-box got each of its commands once and ran it once')

    const delivered = await reaches(storage, waiting.id, 'succeeded')
    t.equal(delivered.attempts, 1, 'one delivery attempt')
    t.same(path(await storage.commands.timeline(waiting.id)), ['queued', 'sent', 'accepted', 'succeeded'], 'the vehicle back in coverage got its command from the restarted gateway')
    t.equal(away.firmware, '1.5.0', 'and runs the new firmware')
    t.match(away.counters(), { commands: 1, commandsExecuted: 1, commandsRejected: 0 })
  })
}
