/**
 * `pitwall diagnostics` on an embedded data directory this test keeps open
 * (as a running gateway would): a request queued as a signed command with
 * its words and bytes, a clear that waits for approval, a malformed request
 * refused naming what is wrong with nothing queued, and `show` decoding the
 * answers a T-box stored. The answering itself is the e2e test's
 * (test/gateway/diagnostics.e2e.test.ts).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage } from '../../../storage/index.js'
import { pitwallInProcess } from '../../helpers/cli.js'

const VIN = 'WPWDGNCL000000001'

t.test('pitwall diagnostics', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'pitwall-diagnostics-cli-')), 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  const vehicleId = await storage.vehicles.add({ vin: VIN, model: 'PW-DIAG' }, 'scrypt$x')
  const at = ['--data-dir', dataDir, '--by', 'eng-ana']

  t.test('a read is queued as a command, described in words', async (t) => {
    const res = await pitwallInProcess('diagnostics', 'read-dtcs', VIN, '--target', '0x7E0', '--json', ...at)
    t.equal(res.code, 0, res.stderr)
    const { command, diagnosis } = JSON.parse(res.stdout)
    t.match(command, { vin: VIN, state: 'queued', requestedBy: 'eng-ana', body: { diagnostic: { udsRequest: '1902ff', target: 0x7e0, timeoutMs: 2000 } } })
    t.match(diagnosis.request.description, /ReadDTCInformation/)
    t.same(diagnosis.answers, [])
  })

  t.test('a clear waits for approval', async (t) => {
    const res = await pitwallInProcess('diagnostics', 'clear-dtcs', VIN, ...at)
    t.equal(res.code, 0, res.stderr)
    t.match(res.stdout, /\tpending_approval\n/)
    t.match(res.stdout, /waits for an engineer's approval: pitwall commands approve /)
  })

  t.test('a malformed request is refused naming what is wrong; nothing is queued', async (t) => {
    const before = (await storage.commands.list({ vin: VIN })).length
    for (const args of [['raw', VIN, '5902FF'], ['read-did', VIN], ['obd-pids', VIN, '1', '2', '3', '4', '5', '6', '7'], ['read-dtcs', VIN, '--target', '0x800']]) {
      const res = await pitwallInProcess('diagnostics', ...args, ...at)
      t.not(res.code, 0, args.join(' '))
      t.match(res.stderr, /request|target|missing required argument/i, args.join(' '))
    }
    t.equal((await storage.commands.list({ vin: VIN })).length, before)
  })

  t.test('show decodes the answers a T-box stored', async (t) => {
    const [read] = await storage.commands.list({ vin: VIN, state: 'queued' })
    t.ok(read !== undefined)
    await storage.commands.applyAck(vehicleId, { id: read?.id as string, state: 'succeeded', progress: 100, detail: '1 ECU answered', timeMs: 0, responses: [{ ecu: 0x7e8, data: '5902ff0217002f', elapsedMs: 35 }] },
      { from: ['queued', 'sent', 'accepted', 'in_progress'], startsFixCheck: false, final: true })
    const res = await pitwallInProcess('diagnostics', 'show', read?.id as string, '--data-dir', dataDir)
    t.equal(res.code, 0, res.stderr)
    t.match(res.stdout, /\tsucceeded\t1 ECU answered\n {2}ECU 0x7E8 \(35 ms\)\t1 DTC: P0217/)
    const other = await storage.commands.enqueue({ vin: VIN, body: { action: { name: 'x', params: {} } }, ttlMs: 60_000, requestedBy: 'eng-ana' })
    const refused = await pitwallInProcess('diagnostics', 'show', other.id, '--data-dir', dataDir)
    t.not(refused.code, 0)
    t.match(refused.stderr, /not a diagnostic request/)
  })
})
