import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { Aedes } from 'aedes'
import t, { type Test } from 'tap'
import { commandKeyId } from '../../actions/commands/keys.js'
import { CommandSigner, newCommand, type CommandBody } from '../../actions/commands/signing.js'
import { pitwall } from '../../proto/index.js'
import type { CommandOutcome } from '../../sim/command-executor.js'
import { Tbox } from '../../sim/tbox.js'
import { VehicleModel } from '../../sim/vehicle-model.js'

const VIN = 'WPWSIM00000000001'
const State = pitwall.v1.CommandAck.State
const BALANCE: CommandBody = { action: { name: 'bms-extended-balancing', params: {} } }

function ed25519 (): { keyId: string, privateKey: KeyObject, publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return { keyId: commandKeyId(publicKey), privateKey, publicKey }
}

const gatewayKey = ed25519()
const signer = new CommandSigner(gatewayKey)

interface Ack { id: string, state: number, progress: number, detail: string, raw: string }

/** A broker on port 0, a T-box connected to it, and what the T-box answered. */
async function setUp (t: Test, options: { faults?: Array<'cellimbalance'>, outcome?: (c: pitwall.v1.Command) => CommandOutcome, rateHz?: number } = {}): Promise<{
  tbox: Tbox
  acks: Ack[]
  batches: pitwall.v1.TelemetryBatch[]
  statuses: Array<{ state: string, firmware?: string }>
  send: (payload: Uint8Array) => Promise<void>
}> {
  const broker = await Aedes.createBroker()
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    broker.handle(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')

  const acks: Ack[] = []
  const batches: pitwall.v1.TelemetryBatch[] = []
  const statuses: Array<{ state: string, firmware?: string }> = []
  let subscribed = false
  broker.on('subscribe', (subscriptions, client) => {
    if (client.id === VIN && subscriptions.some((s) => s.topic === `v1/${VIN}/cmd`)) subscribed = true
  })
  broker.on('publish', (packet, client) => {
    if (client === null) return
    const payload = packet.payload as Buffer
    if (packet.topic === `v1/${VIN}/cmd/ack`) {
      const ack = pitwall.v1.CommandAck.decode(payload)
      acks.push({ id: ack.id, state: ack.state, progress: ack.progress, detail: ack.detail, raw: payload.toString('hex') })
    }
    if (packet.topic === `v1/${VIN}/telemetry`) batches.push(pitwall.v1.TelemetryBatch.decode(payload))
    if (packet.topic === `v1/${VIN}/status`) statuses.push(JSON.parse(payload.toString()))
  })

  const tbox = new Tbox({
    url: `mqtt://127.0.0.1:${address.port}`,
    vin: VIN,
    secret: 's3cret',
    seed: 7,
    rateHz: options.rateHz ?? 1,
    faults: options.faults,
    commands: { trustedKeys: new Map([[gatewayKey.keyId, gatewayKey.publicKey]]), stepMs: 10, outcome: options.outcome }
  })
  tbox.start()
  t.teardown(async () => {
    await tbox.stop(0)
    const closed = new Promise((resolve) => server.close(resolve))
    for (const socket of sockets) socket.destroy()
    await closed
    await new Promise<void>((resolve) => broker.close(() => resolve()))
  })
  await until('the T-box to subscribe to its commands', () => subscribed)
  const send = async (payload: Uint8Array): Promise<void> => {
    await new Promise<void>((resolve, reject) => broker.publish(
      { cmd: 'publish', topic: `v1/${VIN}/cmd`, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
      (err) => err === undefined || err === null ? resolve() : reject(err)))
  }
  return { tbox, acks, batches, statuses, send }
}

async function until (what: string, done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const isFinal = (a: Ack): boolean => a.state === State.SUCCEEDED || a.state === State.FAILED
const ofCommand = (acks: Ack[], id: string): Ack[] => acks.filter((a) => a.id === id)

function command (id: string, spec: { body?: CommandBody, vin?: string, ttlMs?: number, now?: number } = {}): Uint8Array {
  return signer.sign(newCommand({ id, vin: spec.vin ?? VIN, ttlMs: spec.ttlMs ?? 600_000, body: spec.body ?? BALANCE, now: spec.now }))
}

t.test('a valid command runs ACCEPTED → IN_PROGRESS → SUCCEEDED and its fix stops the fault', async (t) => {
  const { tbox, acks, send } = await setUp(t, { faults: ['cellimbalance'] })
  t.ok(tbox.model.faults.has('cellimbalance'))
  await send(command('fix-1'))
  await until('the command to finish', () => ofCommand(acks, 'fix-1').some(isFinal))
  t.same(ofCommand(acks, 'fix-1').map((a) => [a.state, a.progress]), [
    [State.ACCEPTED, 0],
    [State.IN_PROGRESS, 0],
    [State.IN_PROGRESS, 50],
    [State.IN_PROGRESS, 100],
    [State.SUCCEEDED, 100]
  ])
  t.notOk(tbox.model.faults.has('cellimbalance'), 'the vehicle model no longer produces the cell imbalance')
  // five minutes on, long past the fault's onset (10..60 s) and full drift (180 s)
  const untreated = new VehicleModel({ seed: 7, faults: ['cellimbalance'] })
  untreated.step(300)
  tbox.model.step(300)
  const spread = (m: VehicleModel): number => m.state.cellVoltageMaxV - m.state.cellVoltageMinV
  t.ok(spread(untreated) > 0.15, `untreated, the cell spread grows to ${spread(untreated).toFixed(3)} V`)
  t.ok(spread(tbox.model) < 0.05, `after the fix it stays at ${spread(tbox.model).toFixed(3)} V`)
  const c = tbox.counters()
  t.equal(c.commandsExecuted, 1)
  t.equal(c.commandsRejected, 0)
  t.equal(c.commands, 1, 'the command event and counter still see every payload')
})

t.test('a successful OTA update changes the firmware the T-box reports', async (t) => {
  const { tbox, acks, batches, statuses, send } = await setUp(t, { rateHz: 20 })
  const before = tbox.firmware
  await send(command('ota-1', { body: { ota: { package: 'tbox', version: 'pitwall-sim/0.2.0', url: 'https://ota.example/tbox-0.2.0.bin', sha256: Buffer.alloc(32, 7), size: 4096 } } }))
  await until('the update to finish', () => ofCommand(acks, 'ota-1').some(isFinal))
  t.equal(ofCommand(acks, 'ota-1').at(-1)?.state, State.SUCCEEDED)
  t.not(before, 'pitwall-sim/0.2.0')
  t.equal(tbox.firmware, 'pitwall-sim/0.2.0')
  const sentAt = batches.length
  await until('a batch built after the update', () => batches.length > sentAt)
  t.equal(batches.at(-1)?.firmware, 'pitwall-sim/0.2.0', 'telemetry reports the new version')
  await until('the status to announce it', () => statuses.at(-1)?.firmware === 'pitwall-sim/0.2.0')
  t.equal(statuses.at(-1)?.state, 'online')
})

t.test('a command the outcome fails ends FAILED with its detail and applies nothing', async (t) => {
  const outcome = (c: pitwall.v1.Command): CommandOutcome => c.id === 'doomed' ? { ok: false, detail: 'BMS busy: contactors closed' } : { ok: true }
  const { tbox, acks, send } = await setUp(t, { faults: ['cellimbalance'], outcome })
  await send(command('doomed'))
  await until('the command to finish', () => ofCommand(acks, 'doomed').some(isFinal))
  const final = ofCommand(acks, 'doomed').at(-1)
  t.equal(final?.state, State.FAILED)
  t.equal(final?.detail, 'BMS busy: contactors closed')
  t.ok(tbox.model.faults.has('cellimbalance'), 'a failed fix leaves the fault in place')
})

t.test('tampered, expired, replayed, wrong-VIN and unknown-key commands get one REJECTED ack each and run nothing', async (t) => {
  let outcomes = 0
  const { tbox, acks, send } = await setUp(t, { outcome: () => { outcomes++; return { ok: true } } })

  const original = pitwall.v1.SignedCommand.decode(command('tampered'))
  const body = pitwall.v1.Command.decode(original.command)
  const tampered = pitwall.v1.SignedCommand.encode({ ...original, command: pitwall.v1.Command.encode({ ...body, action: { name: 'unlock-doors', params: {} } }).finish() }).finish()
  const replayed = command('replayed')
  const rogue = new CommandSigner(ed25519())

  await send(tampered)
  await send(command('expired', { now: Date.now() - 7200_000, ttlMs: 3600_000 }))
  await send(replayed)
  await until('the first copy to finish', () => ofCommand(acks, 'replayed').some(isFinal))
  await send(replayed)
  await send(command('other-vin', { vin: 'WPWSIM00000000002' }))
  await send(rogue.sign(newCommand({ id: 'rogue', vin: VIN, ttlMs: 60_000, body: BALANCE })))
  await send(Buffer.from('not protobuf at all'))
  // commands are handled in arrival order and refusals answered at once:
  // once this one is accepted, every answer to the payloads above is in
  await send(command('sentinel'))
  await until('the sentinel to be accepted', () => ofCommand(acks, 'sentinel').length > 0)

  const rejected = acks.filter((a) => a.state === State.REJECTED)
  t.same(rejected.map((a) => [a.id, a.detail.split(':')[0]]), [
    ['tampered', 'bad_signature'],
    ['expired', 'expired'],
    ['replayed', 'replayed'],
    ['other-vin', 'wrong_vin'],
    ['rogue', 'unknown_key'],
    ['', 'malformed']
  ])
  t.match(rejected[3]?.detail, /wrong_vin: command is for WPWSIM00000000002, this vehicle is WPWSIM00000000001/)
  for (const id of ['tampered', 'expired', 'other-vin', 'rogue']) {
    t.same(ofCommand(acks, id).map((a) => a.state), [State.REJECTED], `${id}: nothing but the refusal`)
  }
  t.same(ofCommand(acks, 'replayed').map((a) => a.state),
    [State.ACCEPTED, State.IN_PROGRESS, State.IN_PROGRESS, State.IN_PROGRESS, State.SUCCEEDED, State.REJECTED], 'the replay ran nothing again')
  await until('the sentinel to finish', () => ofCommand(acks, 'sentinel').some(isFinal))
  t.equal(outcomes, 2, 'only the first copy of "replayed" and the sentinel ran')
  t.equal(tbox.counters().commandsRejected, 6)
  t.equal(tbox.counters().commandsExecuted, 2)
})

t.test('a retry of the same command id with a fresh nonce repeats the latest ack and never runs twice', async (t) => {
  let outcomes = 0
  const { tbox, acks, send } = await setUp(t, { outcome: () => { outcomes++; return { ok: true, detail: 'balanced' } } })
  await send(command('retried'))
  await until('the command to be accepted', () => ofCommand(acks, 'retried').length > 0)
  // the gateway did not hear back in time and sends it again: new signature, new nonce, same id
  await send(command('retried'))
  await until('the command to finish', () => ofCommand(acks, 'retried').some(isFinal))
  await send(command('retried'))
  await until('the answer to the late retry', () => ofCommand(acks, 'retried').filter(isFinal).length === 2)

  const mine = ofCommand(acks, 'retried')
  const distinct = [...new Map(mine.map((a) => [a.raw, a])).values()]
  t.same(distinct.map((a) => [a.state, a.progress]), [
    [State.ACCEPTED, 0],
    [State.IN_PROGRESS, 0],
    [State.IN_PROGRESS, 50],
    [State.IN_PROGRESS, 100],
    [State.SUCCEEDED, 100]
  ], 'one run, step by step')
  t.equal(mine.length, distinct.length + 2, 'each retry was answered with a copy of an ack already sent')
  t.equal(mine.at(-1)?.raw, distinct.at(-1)?.raw, 'the retry after completion got the SUCCEEDED ack again')
  t.equal(mine.at(-1)?.detail, 'balanced')
  t.equal(outcomes, 1)
  t.equal(tbox.counters().commandsExecuted, 1)
  t.equal(tbox.counters().commandsRejected, 0)
})
