/**
 * A rule's remote fix end to end: a simulated T-box (trusting the gateway's
 * public key) whose HV cell drifts raises the cell-imbalance fault; the
 * fault's action queues a signed command; the gateway delivers it when the
 * vehicle is connected; the T-box verifies, runs and acknowledges it; the
 * balancing stops the drift, fresh data clears the fault, and only then does
 * the fix count as confirmed. A rule that wants an engineer's approval holds
 * its command until someone approves it.
 */
import t from 'tap'
import { COMMAND_TRANSITIONS } from '../../actions/commands/model.js'
import { provisionDevice } from '../../gateway/provisioning.js'
import { parseRules } from '../../rules/load.js'
import { DEMO_DBC_FILE } from '../../sim/demo-ecu.js'
import { Tbox } from '../../sim/tbox.js'
import { startTestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/until.js'
import { oneBackend } from '../helpers/backends.js'

const rules = (approval: 'auto' | 'engineer'): string => `rules:
  - id: cell-imbalance-${approval}
    severity: major
    when: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '>', value: 0.12 }
    clear: { signal: Vehicle.Powertrain.TractionBattery.CellVoltage.Max, minus: Vehicle.Powertrain.TractionBattery.CellVoltage.Min, op: '<', value: 0.06 }
    clearFor: 1s
    scope: { models: [PW-${approval.toUpperCase()}] }
    action: { type: remote_fix, command: remote_action, name: bms-extended-balancing, params: { targetSpreadMv: '30' }, approval: ${approval} }
`

t.test('a remote fix goes out signed, runs on the T-box, and counts once fresh data clears the fault', async (t) => {
  const tg = await startTestGateway(await oneBackend(), { canDbc: `0=${DEMO_DBC_FILE}`, rulesPollMs: 100 })
  t.teardown(() => tg.close())
  const { storage, commandKeys } = tg.gateway
  await storage.rules.apply([...parseRules(rules('auto'), 'auto.yaml'), ...parseRules(rules('engineer'), 'engineer.yaml')])
  await tg.gateway.rules.refresh()

  const tboxes: Tbox[] = []
  t.teardown(async () => { for (const b of tboxes) await b.stop() })
  const start = async (vin: string, model: string, seed: number): Promise<Tbox> => {
    // the model scopes the rule: only this vehicle's rule fires for it
    const { secret } = await provisionDevice(storage.vehicles, { vin, model })
    const tbox = new Tbox({
      url: `mqtt://127.0.0.1:${tg.gateway.mqttPort}`,
      vin,
      secret,
      seed,
      rateHz: 5,
      faults: ['cellimbalance'],
      commands: { trustedKeys: commandKeys.publicKeys, stepMs: 20 }
    })
    // five minutes of driving first: the drifting cell is past the threshold
    for (let s = 0; s < 300; s++) tbox.model.step(1)
    tbox.start()
    tboxes.push(tbox)
    return tbox
  }

  const auto = await start('WPWFXAU0000000001', 'PW-AUTO', 11)
  const fault = await until('the imbalance fault', async () => (await storage.faults.list({ vin: auto.vin }))[0])
  t.equal(fault.ruleId, 'cell-imbalance-auto')
  const command = await until('the fix to succeed', async () => {
    const c = (await storage.commands.list({ faultId: fault.id }))[0]
    return c?.state === 'succeeded' ? c : undefined
  })
  t.match(command, { vin: auto.vin, requestedBy: 'rule:cell-imbalance-auto', body: { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } } })
  const steps = (await storage.commands.timeline(command.id)).map((e) => e.state)
  t.same(steps.filter((s) => s !== 'in_progress'), ['queued', 'sent', 'accepted', 'succeeded'], 'every step stored with its time')
  t.ok(steps.includes('in_progress'), 'progress reported on the way')
  t.equal(auto.counters().commandsExecuted, 1, 'the T-box ran it once')
  t.equal(auto.counters().commandsRejected, 0, 'and refused nothing: the signature, VIN, expiry and nonce held')

  const confirmed = await until('the fix check', async () => {
    const c = await storage.commands.get(command.id)
    return c.fixCheck === 'pending' ? undefined : c
  })
  t.equal(confirmed.fixCheck, 'confirmed', 'fresh data cleared the fault after the fix')
  const timeline = (await storage.faults.timeline(fault.id)).map((e) => e.type)
  t.same(timeline.slice(-2), ['cleared', 'fixed_remotely'])
  t.equal((await storage.faultActions.list({ faultId: fault.id }))[0]?.doneAt instanceof Date, true, 'the outbox row is done')

  // approval: the command waits, is not sent, and goes once approved
  const held = await start('WPWFXEN0000000002', 'PW-ENGINEER', 12)
  const heldFault = await until('the second fault', async () => (await storage.faults.list({ vin: held.vin }))[0])
  const pending = await until('the held command', async () => (await storage.commands.list({ faultId: heldFault.id }))[0])
  t.equal(pending.state, 'pending_approval')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal((await storage.commands.get(pending.id)).state, 'pending_approval', 'not sent without approval')
  t.equal(held.counters().commandsExecuted, 0)
  await storage.commands.move(pending.id, COMMAND_TRANSITIONS.approve, 'engineer-on-duty')
  const done = await until('the approved fix', async () => {
    const c = await storage.commands.get(pending.id)
    return c.state === 'succeeded' ? c : undefined
  })
  t.equal(done.approvedBy, 'engineer-on-duty')
  t.equal(held.counters().commandsExecuted, 1)
})
