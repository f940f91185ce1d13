import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { commandKeyId } from '../../actions/commands/keys.js'
import { CommandSigner, CommandVerifier, newCommand, type CommandBody } from '../../actions/commands/signing.js'
import { pitwall } from '../../proto/index.js'
import { CommandExecutor, DEFAULT_FAILURE_DETAIL, failsByShare, type CommandExecutorOptions } from '../../sim/command-executor.js'

const State = pitwall.v1.CommandAck.State
const OTA: CommandBody = { ota: { package: 'tbox', version: '2.0.0', url: 'https://ota.example/tbox-2.0.0.bin', sha256: new Uint8Array(32).fill(1), size: 4096 } }
const READ_DTCS: CommandBody = { diagnostic: { udsRequest: Uint8Array.of(0x19, 0x02, 0xff) } }

const vins = Array.from({ length: 2000 }, (_, i) => `WPWFAIL${String(i).padStart(10, '0')}`)

t.test('failsByShare picks about that share of a fleet, the same vehicles every time, more of them as the share grows', async (t) => {
  for (const share of [0.05, 0.3, 0.7]) {
    const failing = vins.filter((vin) => failsByShare(vin, share)).length / vins.length
    t.ok(Math.abs(failing - share) < 0.04, `share ${share}: ${failing} of the fleet fails`)
  }
  t.same(vins.filter((vin) => failsByShare(vin, 0.3)), vins.filter((vin) => failsByShare(vin, 0.3)), 'deterministic per VIN')
  t.ok(vins.every((vin) => !failsByShare(vin, 0.2) || failsByShare(vin, 0.5)), 'a vehicle failing at 20 % fails at 50 % too')
  t.notOk(vins.some((vin) => failsByShare(vin, 0)), 'none at 0')
  t.ok(vins.every((vin) => failsByShare(vin, 1)), 'all at 1')
})

/** Runs one command on an executor for `vin` and returns its acks. */
async function run (vin: string, body: CommandBody, options: Pick<CommandExecutorOptions, 'failureShare' | 'failureDetail' | 'diagnose' | 'isoTpFrames'>): Promise<{ acks: pitwall.v1.CommandAck[], firmware: string[] }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const keyId = commandKeyId(publicKey)
  const signer = new CommandSigner({ keyId, privateKey })
  const acks: pitwall.v1.CommandAck[] = []
  const firmware: string[] = []
  const executor = new CommandExecutor({
    verifier: new CommandVerifier({ vin, trustedKeys: new Map([[keyId, publicKey]]) }),
    publishAck: (payload) => acks.push(pitwall.v1.CommandAck.decode(payload)),
    onFirmware: (version) => firmware.push(version),
    stepMs: 0,
    ...options
  })
  executor.handle(signer.sign(newCommand({ id: 'c-1', vin, ttlMs: 60_000, body })))
  const deadline = Date.now() + 5000
  while (!acks.some((a) => a.state === State.SUCCEEDED || a.state === State.FAILED)) {
    if (Date.now() > deadline) throw new Error(`no final ack from ${vin}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  executor.close()
  return { acks, firmware }
}

t.test('a vehicle in the failure share reports its OTA update FAILED with the reason and keeps its firmware', async (t) => {
  const failing = vins.find((vin) => failsByShare(vin, 0.5)) as string
  const passing = vins.find((vin) => !failsByShare(vin, 0.5)) as string

  const failed = await run(failing, OTA, { failureShare: 0.5 })
  t.same(failed.acks.map((a) => a.state), [State.ACCEPTED, State.IN_PROGRESS, State.IN_PROGRESS, State.IN_PROGRESS, State.FAILED], 'it still goes through its steps')
  t.equal(failed.acks.at(-1)?.detail, DEFAULT_FAILURE_DETAIL)
  t.same(failed.firmware, [], 'the update was not applied')

  const custom = await run(failing, OTA, { failureShare: 0.5, failureDetail: 'battery too low to flash' })
  t.equal(custom.acks.at(-1)?.detail, 'battery too low to flash')

  const succeeded = await run(passing, OTA, { failureShare: 0.5 })
  t.equal(succeeded.acks.at(-1)?.state, State.SUCCEEDED, 'a vehicle outside the share succeeds')
  t.same(succeeded.firmware, ['2.0.0'])

  const engine = (): Array<{ ecu: number, data: Uint8Array }> => [{ ecu: 0x7e8, data: Uint8Array.of(0x59, 0x02, 0xff) }]
  const diagnostic = await run(failing, READ_DTCS, { failureShare: 0.5, diagnose: engine })
  t.equal(diagnostic.acks.at(-1)?.state, State.SUCCEEDED, 'a diagnostic request changes nothing on the vehicle and is not failed')
})

t.test('a diagnostic request: each ECU\'s final answer in one ack, frames when asked, FAILED when none answered', async (t) => {
  const vin = vins[0] as string
  const seen: number[] = []
  const answers = (target: number): Array<{ ecu: number, data: Uint8Array }> => {
    seen.push(target)
    return [
      { ecu: 0x7e8, data: Uint8Array.of(0x7f, 0x19, 0x78) },
      { ecu: 0x7ec, data: Uint8Array.of(0x59, 0x02, 0xff, 0x02, 0x17, 0x00, 0x2f, 0x03, 0x01, 0x00, 0x09) },
      { ecu: 0x7e8, data: Uint8Array.of(0x59, 0x02, 0xff) }
    ]
  }
  const read = await run(vin, READ_DTCS, { diagnose: answers })
  t.same(seen, [0x7df], 'no target: OBD-II\'s functional address')
  const final = read.acks.at(-1)
  t.equal(final?.state, State.SUCCEEDED)
  t.same((final?.responses as pitwall.v1.DiagnosticResponse[]).map((r) => [r.ecu, Buffer.from(r.data).toString('hex')]), [[0x7e8, '5902ff'], [0x7ec, '5902ff0217002f03010009']], 'the responsePending is waited out, not sent')

  const framed = await run(vin, READ_DTCS, { diagnose: answers, isoTpFrames: true })
  const bms = (framed.acks.at(-1)?.responses as pitwall.v1.DiagnosticResponse[]).find((r) => r.ecu === 0x7ec)
  t.same(bms?.frames.map((f) => Buffer.from(f).toString('hex')), ['100b5902ff021700', '212f03010009'], 'a first frame and a consecutive frame')
  t.equal(bms?.data.length, 0)

  const silent = await run(vin, { diagnostic: { udsRequest: Uint8Array.of(0x19, 0x02, 0xff), target: 0x7e5, timeoutMs: 500 } }, { diagnose: () => [] })
  t.equal(silent.acks.at(-1)?.state, State.FAILED)
  t.equal(silent.acks.at(-1)?.detail, 'no answer from 0x7E5 within 500 ms')
})

t.test('a failure share outside 0..1 is refused at construction', async (t) => {
  const { publicKey } = generateKeyPairSync('ed25519')
  const verifier = new CommandVerifier({ vin: vins[0] as string, trustedKeys: new Map([[commandKeyId(publicKey), publicKey]]) })
  t.throws(() => new CommandExecutor({ verifier, publishAck: () => {}, failureShare: 1.5 }), RangeError)
  t.throws(() => new CommandExecutor({ verifier, publishAck: () => {}, failureShare: Number.NaN }), RangeError)
})
