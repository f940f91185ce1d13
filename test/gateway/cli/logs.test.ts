/**
 * `pitwall diagnostics log|logs|replay` on an embedded data directory this
 * test keeps open (as a running gateway would): a log asked for becomes a
 * log-upload command with its upload; a bad window or kind is refused with
 * nothing queued; a log in the data directory is listed and replayed
 * through the stored rules (kept) or a draft rule file (printed only); a log
 * whose file is elsewhere is refused, saying where it must be replayed.
 */
import { mkdtempSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { LogFiles } from '../../../gateway/log-files.js'
import { parseRules } from '../../../rules/load.js'
import { openStorage } from '../../../storage/index.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'

const VIN = 'WPWLGCLX000000001'
const RULE = `rules:
  - id: any-frame
    name: frame seen
    severity: info
    when: { signal: Vehicle.Speed, op: '>=', value: 0 }
`

t.test('pitwall diagnostics log, logs, replay', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pitwall-logs-cli-'))
  const dataDir = join(root, 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  await storage.vehicles.add({ vin: VIN, model: 'PW-LOG' }, 'scrypt$x')
  const at = ['--data-dir', dataDir]

  t.test('a log asked for is a log-upload command naming its upload', async (t) => {
    const res = await pitwallInProcess('diagnostics', 'log', VIN.toLowerCase(), '--from', '10m', '--kind', 'candump', '--by', 'eng-ana', '--json', ...at)
    t.equal(res.code, 0, res.stderr)
    const { command, log } = JSON.parse(res.stdout)
    t.match(command, { vin: VIN, state: 'queued', requestedBy: 'eng-ana', body: { diagnostic: { logUpload: { kind: 'candump', logId: log.id } } } })
    t.match(log, { vin: VIN, kind: 'candump', state: 'receiving', uploadedBy: 'vehicle', commandId: command.id })
    const { fromMs, toMs } = command.body.diagnostic.logUpload
    t.ok(Math.abs(toMs - fromMs - 600_000) < 5000, 'the last ten minutes')
  })

  t.test('a bad window or kind is refused, with nothing queued', async (t) => {
    const before = (await storage.commands.list({ vin: VIN })).length
    for (const args of [['--from', 'yesterday'], ['--from', '2h', '--to', '3h'], ['--from', '10m', '--kind', 'pcap'], ['--from', '30h']]) {
      const res = await pitwallInProcess('diagnostics', 'log', VIN, ...args, ...at)
      t.not(res.code, 0, args.join(' '))
      t.match(res.stderr, /from|to|kind|24 h|duration/, args.join(' '))
    }
    t.equal((await storage.commands.list({ vin: VIN })).length, before)
  })

  t.test('a log in the data directory is listed and replayed with the stored rules or a draft', async (t) => {
    const files = await LogFiles.open(dataDir)
    const log = await storage.vehicleLogs.reserve({ vin: VIN, kind: 'candump', uploadedBy: 'eng-ana', requestedBy: 'eng-ana', uploadWindowMs: 60_000, maxUnfinished: 10 })
    const bytes = Buffer.from('(1795420800.000000) can0 130#0000000000000000\n(1795420800.100000) can0 130#0000000000000000\n')
    await writeFile(files.path(log.id, 'candump'), bytes, { mode: 0o600 })
    await storage.vehicleLogs.complete(log.id, bytes.length, 'ab'.repeat(32))
    await storage.rules.apply(parseRules(RULE))

    const listed = await pitwallInProcess('diagnostics', 'logs', VIN, ...at)
    t.equal(listed.code, 0, listed.stderr)
    t.match(listed.stdout, new RegExp(`^${log.id}\\t${VIN}\\tcandump\\tcomplete\\t${bytes.length} B\\tuploaded\\teng-ana`, 'm'))

    // the binary once: its entry, and that it ends
    const replayed = await pitwall('diagnostics', 'replay', String(log.id), ...at)
    t.equal(replayed.code, 0, replayed.stderr)
    t.match(replayed.stdout, /current rules \(1\), decoded with none/)
    t.match(replayed.stdout, /2 frames/)
    t.match((await storage.vehicleLogs.get(log.id)), { state: 'decoded', report: { rules: 'current', frames: 2 } }, 'the report is kept with the log')

    const draftFile = join(root, 'draft.yaml')
    await writeFile(draftFile, RULE.replace('any-frame', 'draft-frame'))
    const draft = await pitwallInProcess('diagnostics', 'replay', String(log.id), '--rules', draftFile, '--json', ...at)
    t.equal(draft.code, 0, draft.stderr)
    t.match(JSON.parse(draft.stdout), { report: { rules: 'draft', ruleIds: ['draft-frame'] } })
    t.match((await storage.vehicleLogs.get(log.id)).report, { rules: 'current' }, 'a draft\'s report is not kept')
  })

  t.test('a log whose file is not here, or that is not complete, is refused saying why', async (t) => {
    const elsewhere = await storage.vehicleLogs.reserve({ vin: VIN, kind: 'candump', uploadedBy: 'vehicle', requestedBy: 'x', uploadWindowMs: 60_000, maxUnfinished: 10 })
    const open = await pitwallInProcess('diagnostics', 'replay', String(elsewhere.id), ...at)
    t.not(open.code, 0)
    t.match(open.stderr, /PITWALL_ERR_LOG_UNAVAILABLE.*has not completed/)
    await storage.vehicleLogs.complete(elsewhere.id, 10, 'cd'.repeat(32))
    const missing = await pitwallInProcess('diagnostics', 'replay', String(elsewhere.id), ...at)
    t.match(missing.stderr, /PITWALL_ERR_LOG_UNAVAILABLE.*not in this gateway's data directory/)
    t.match((await pitwallInProcess('diagnostics', 'replay', '987654', ...at)).stderr, /PITWALL_ERR_LOG_UNKNOWN/)
  })
})
