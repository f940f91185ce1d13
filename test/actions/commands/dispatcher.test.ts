/**
 * CommandDispatcher.acknowledge applies one vehicle's acks in the order they
 * arrived, even when the broker hands them over without waiting (aedes
 * authorizes a client's PUBLISHes concurrently) and the database answers out
 * of order; different vehicles do not wait for each other.
 */
import t from 'tap'
import { CommandDispatcher } from '../../../actions/commands/dispatcher.js'
import { CommandSigner } from '../../../actions/commands/signing.js'
import { commandKeyId } from '../../../actions/commands/keys.js'
import { generateKeyPairSync } from 'node:crypto'
import { pitwall } from '../../../proto/index.js'
import type { Command, CommandAckUpdate } from '../../../actions/commands/model.js'
import type { CommandStore } from '../../../storage/commands.js'

const State = pitwall.v1.CommandAck.State
const ack = (state: number, progress: number): Uint8Array => pitwall.v1.CommandAck.encode({ id: 'c1', state, progress, timeMs: Date.now() }).finish()

t.test('one vehicle\'s acks reach the store one at a time, in arrival order', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const finished: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  // the first ack's write is the slowest: applied concurrently it would finish last
  const delays = [60, 30, 5, 1]
  let call = 0
  const store = {
    applyAck: async (vehicleId: number, update: CommandAckUpdate) => {
      const label = `${vehicleId}:${update.state}:${update.progress}`
      if (vehicleId === 1) maxInFlight = Math.max(maxInFlight, ++inFlight)
      await new Promise((resolve) => setTimeout(resolve, vehicleId === 1 ? delays[call++] : 0))
      if (vehicleId === 1) inFlight--
      finished.push(label)
      return { command: { id: update.id, vin: 'V', state: update.state, progress: update.progress, campaignId: null } as unknown as Command, changed: true }
    }
  } as unknown as CommandStore
  const log = { info: () => {}, warn: () => {}, error: () => {} }
  const dispatcher = new CommandDispatcher({
    store,
    faults: { recordFixChecks: async () => [] },
    signer: new CommandSigner({ keyId: commandKeyId(publicKey), privateKey }),
    transport: { reachable: () => new Map(), reachableVin: () => undefined, publish: async () => {} },
    log
  })
  await Promise.all([
    dispatcher.acknowledge(1, ack(State.ACCEPTED, 0)),
    dispatcher.acknowledge(1, ack(State.IN_PROGRESS, 50)),
    dispatcher.acknowledge(1, ack(State.IN_PROGRESS, 100)),
    dispatcher.acknowledge(2, ack(State.ACCEPTED, 0)),
    dispatcher.acknowledge(1, ack(State.SUCCEEDED, 100))
  ])
  const vehicle1 = ['1:accepted:0', '1:in_progress:50', '1:in_progress:100', '1:succeeded:100']
  t.same(finished.filter((l) => l.startsWith('1:')), vehicle1, 'stored in arrival order')
  t.equal(maxInFlight, 1, 'one at a time')
  t.ok(finished.indexOf('2:accepted:0') < finished.indexOf('1:succeeded:100'), 'another vehicle does not wait behind it')
  await t.rejects(dispatcher.acknowledge(1, new Uint8Array([0xff, 0xff])), { code: 'PITWALL_ERR_COMMAND_ACK' })
  await dispatcher.stop()
})

t.test('a command queued on any node is delivered at once when its vehicle is connected here, and ignored otherwise', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const dispatcher = new CommandDispatcher({
    store: {} as unknown as CommandStore,
    faults: { recordFixChecks: async () => [] },
    signer: new CommandSigner({ keyId: commandKeyId(publicKey), privateKey }),
    transport: { reachable: () => new Map([[7, 'WPW0HERE000000001']]), reachableVin: (vin) => vin === 'WPW0HERE000000001' ? 7 : undefined, publish: async () => {} },
    log: { info: () => {}, warn: () => {}, error: () => {} }
  })
  const delivered: number[] = []
  dispatcher.notify = (vehicleId) => { delivered.push(vehicleId) }
  dispatcher.queued('WPW0HERE000000001')
  dispatcher.queued('WPW0ELSEWHERE0001')
  t.same(delivered, [7], 'only the vehicle connected to this node; the other node sends the other')
  await dispatcher.stop()
})
