/**
 * `pitwall rescue` and `pitwall assistance` as an operator and an engineer
 * run them, against an embedded data directory whose host this test keeps
 * running (as a gateway would). The binary runs the first command of each
 * group; the rest run in this process (test/helpers/cli.ts).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DealerAlertService } from '../../../actions/dealer-alerts/service.js'
import { openStorage } from '../../../storage/index.js'
import { PLACES, recordingLog, seedFault } from '../../actions/dealer-fixtures.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'

const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-rescue-cli-')), 'data')
const storage = await openStorage({ dataDir })
t.teardown(() => storage.close())
const at = ['--data-dir', dataDir]
await storage.dealers.add({ id: 'muc', name: 'Autohaus München', ...PLACES.munich })
await storage.dealers.add({ id: 'str', name: 'Autohaus Stuttgart', ...PLACES.stuttgart })

t.test('the call centre makes a rescue; the dealers\' steps are made and refused as over the API', async (t) => {
  const { vin } = await seedFault(storage)
  const made = await pitwall('rescue', 'create', vin.toLowerCase(), '--lat', String(PLACES.ulm.lat), '--lon', String(PLACES.ulm.lon),
    '--description', 'Stopped at the Ulm-West exit', '--phone', '+49 170 1234567', '--by', 'olaf', '--json', ...at)
  t.equal(made.code, 0, made.stderr)
  const rescue = JSON.parse(made.stdout) as { id: number, state: string, alerts: Array<{ dealerId: string }> }
  t.match(rescue, { state: 'requested', vin, requestedBy: 'olaf', contactPhone: '+49 170 1234567' })
  t.same(rescue.alerts.map((a) => a.dealerId), ['str', 'muc'])
  const id = String(rescue.id)

  t.match((await pitwallInProcess('rescue', 'list', '--state', 'requested', ...at)).stdout,
    new RegExp(`^${id}\\trequested\\t${vin}\\t48\\.4011,9\\.9876\\tcall_centre\\trequested \\S+\\t-\\tStopped at the Ulm-West exit\\n`))
  // every step --by anna: who made it is what the timeline shows
  const move = async (...args: string[]): Promise<{ stdout: string, stderr: string, code: number }> => await pitwallInProcess('rescue', 'move', id, ...args, '--by', 'anna', ...at)
  t.match(await move('accepted', '--dealer', 'muc', '--note', 'truck 3'), { code: 0, stdout: new RegExp(`^${id}\\taccepted\\t.*\\tmuc\\t`) })
  t.match(await move('accepted', '--dealer', 'str'), { code: 1, stderr: `pitwall: [PITWALL_ERR_RESCUE_TAKEN] rescue request ${id} was accepted by another dealer first; it is no longer open\n` })
  t.match(await move('accepted'), { code: 1, stderr: /\[PITWALL_ERR_FORBIDDEN\] .*the call centre may only cancel it/ })
  t.match(await move('dispatched', '--dealer', 'muc', '--eta', 'soon'), { code: 1, stderr: /"soon" is not an ISO 8601 time/ })
  const eta = new Date(Date.now() + 40 * 60_000).toISOString()
  t.equal((await move('dispatched', '--dealer', 'muc', '--eta', eta)).code, 0)
  t.equal((await move('on_site', '--dealer', 'muc')).code, 0)
  t.equal((await move('towed', '--dealer', 'muc', '--towed-to', 'str')).code, 0)
  t.match(await move('closed', '--dealer', 'muc'), { code: 1, stderr: /\[PITWALL_ERR_RESCUE_INVALID\] .*closed needs an outcome/ })
  const closed = await move('closed', '--dealer', 'muc', '--outcome', 'towed_to_workshop', '--json')
  t.match(JSON.parse(closed.stdout), { state: 'closed', outcome: 'towed_to_workshop', towedToDealerId: 'str', eta, acceptedDealerId: 'muc' })
  t.match(await move('cancelled', '--reason', 'driver gone'), { code: 1, stderr: /\[PITWALL_ERR_RESCUE_TRANSITION\] rescue request \d+ is closed; it cannot move to cancelled/ })

  const shown = await pitwallInProcess('rescue', 'show', id, ...at)
  t.match(shown.stdout, /\n {2}phone\t\+49 170 1234567\n/)
  t.match(shown.stdout, /\n {2}offered\tstr\t72\.\d km\talert \d+\tclosed\n {2}offered\tmuc\t121\.\d km\talert \d+\tclosed\n/)
  t.same([...shown.stdout.matchAll(/^ {2}\S+\t(\w+)\t(\S+)\t([^\t\n]+)/gm)].map((m) => [m[1], m[2], m[3]]),
    [['requested', '-', 'olaf'], ...['accepted', 'dispatched', 'on_site', 'towed', 'closed'].map((s) => [s, 'muc', 'anna'])])

  t.match(await pitwallInProcess('rescue', 'create', vin, '--lat', '91', '--lon', '9', '--description', 'x', '--phone', '+491701234567', ...at),
    { code: 1, stderr: /\[PITWALL_ERR_RESCUE_INVALID\] rescue request for \w+: lat 91 is not a latitude/ })
  t.match(await pitwallInProcess('rescue', 'create', vin, '--lat', '48.8566', '--lon', '2.3522', '--description', 'Paris', '--phone', '+33 1 23 45 67 89', ...at),
    { code: 1, stderr: /\[PITWALL_ERR_DEALER_NO_ROUTE\] .*within 150 km of 48\.8566, 2\.3522; nothing was stored/ })
  t.match(await pitwallInProcess('rescue', 'list', '--state', 'stuck', ...at), { code: 1, stderr: /"stuck" is not a rescue state/ })
})

t.test('engineers list the open assistance requests and answer one, once', async (t) => {
  const f = await seedFault(storage)
  await storage.vehicles.assignDealer(f.vin, 'muc')
  const [alert] = await new DealerAlertService({ alerts: storage.dealerAlerts, dealers: storage.dealers, log: recordingLog() }).raiseForFault(f.faultId, 'prestage')
  const asked = await storage.assistance.ask('muc', alert?.id as number, 'Pump or thermostat first?', 'München desk')

  const open = await pitwall('assistance', 'list', '--state', 'open', ...at)
  t.equal(open.code, 0, open.stderr)
  t.match(open.stdout, new RegExp(`^${asked.id}\\topen\\tmuc\\talert ${String(alert?.id)}\\t${f.vin}\\tCoolant overheat \\d+\\tasked \\S+ by München desk\\tPump or thermostat first\\?\\n$`))
  t.match(await pitwallInProcess('assistance', 'answer', String(asked.id), '--answer', 'The pump.', '--case', 'case-none', ...at), { code: 1, stderr: /\[PITWALL_ERR_CASE_UNKNOWN\] no case case-none/ })
  const answered = await pitwallInProcess('assistance', 'answer', String(asked.id), '--answer', 'The pump: its impeller wears.', '--by', 'alice', ...at)
  t.equal(answered.code, 0, answered.stderr)
  t.match(answered.stdout, /\n {2}answered by alice: The pump: its impeller wears\.\n$/)
  t.match(await pitwallInProcess('assistance', 'answer', String(asked.id), '--answer', 'again', ...at), { code: 1, stderr: /\[PITWALL_ERR_ASSISTANCE_TRANSITION\] .*answered already by alice/ })
  t.equal((await pitwallInProcess('assistance', 'list', '--state', 'open', ...at)).stdout, '', 'the queue is empty')
  t.match(await pitwallInProcess('assistance', 'list', '--state', 'closed', ...at), { code: 1, stderr: /"closed" is not one of open, answered/ })
})
