/**
 * `pitwall rules` and `pitwall faults` as an engineer runs them: the CLI
 * against an embedded data directory, with fault events recorded the way
 * the gateway records them (through storage, in this process). The binary
 * runs the first command of each group; the rest run in this process
 * (test/helpers/cli.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage } from '../../../storage/index.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'

const RULES = `rules:
  - id: engine-overheat
    name: Engine overheat
    severity: critical
    when: { signal: Vehicle.Powertrain.CombustionEngine.ECT, op: '>', value: 110 }
    for: 10s
  - id: battery-weak
    severity: minor
    enabled: false
    when: { signal: Vehicle.LowVoltageBattery.CurrentVoltage, op: '<', value: 11.8 }
`

const dir = mkdtempSync(join(tmpdir(), 'pitwall-rules-cli-'))
const dataDir = join(dir, 'data')
// The gateway's part, in this process: it keeps the embedded host running,
// so each command connects to it (as while a gateway runs) instead of
// starting its own, and records fault events as the gateway does.
const storage = await openStorage({ dataDir })
t.teardown(() => storage.close())

// first, on the empty database: it must leave it empty
t.test('a rule file with an error is refused by name and changes nothing', async (t) => {
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'rules:\n  - id: no-severity\n    when: { signal: Vehicle.Speed, op: ">", value: 1 }\n')
  const res = await pitwallInProcess('rules', 'apply', file, '--data-dir', dataDir)
  t.equal(res.code, 1)
  t.match(res.stderr, /\[PITWALL_ERR_RULE_FILE\] .*bad\.yaml: rule no-severity: .*severity/)
  t.equal((await pitwallInProcess('rules', 'list', '--data-dir', dataDir)).stdout, '')
})

t.test('rules applied from a file are listed, and the faults they raise can be listed, acknowledged and resolved', async (t) => {
  const file = join(dir, 'rules.yaml')
  writeFileSync(file, RULES)
  const vehicleId = await storage.vehicles.add({ vin: 'WDB12345678901234' }, 'scrypt$x')

  const applied = await pitwall('rules', 'apply', file, '--data-dir', dataDir, '--json')
  t.equal(applied.code, 0, applied.stderr)
  t.same(JSON.parse(applied.stdout), { added: ['engine-overheat', 'battery-weak'], changed: [], unchanged: [] })

  writeFileSync(file, RULES.replace('value: 110', 'value: 115'))
  const text = await pitwallInProcess('rules', 'apply', file, '--data-dir', dataDir)
  t.equal(text.stdout, 'added: -\nchanged: engine-overheat\nunchanged: battery-weak\n')

  const listed = await pitwallInProcess('rules', 'list', '--data-dir', dataDir, '--json')
  const rules = JSON.parse(listed.stdout) as Array<{ id: string, version: string, enabled: boolean, definition: { when: { value: number } } }>
  t.same(rules.map((r) => [r.id, r.enabled]), [['battery-weak', false], ['engine-overheat', true]])
  const overheat = rules.find((r) => r.id === 'engine-overheat')
  t.equal(overheat?.definition.when.value, 115, 'the changed definition is the current one')

  await storage.faults.record([{
    type: 'opened', vehicleId, ruleId: 'engine-overheat', ruleVersion: overheat?.version as string, severity: 'critical',
    timeUs: 1_750_000_000_000_000, occurrences: 1, evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', t: 1_750_000_000, value: 117 }]
  }])

  const faults = await pitwall('faults', 'list', '--data-dir', dataDir, '--json', '--state', 'open,acknowledged')
  t.equal(faults.code, 0, faults.stderr)
  const [fault, ...rest] = JSON.parse(faults.stdout) as Array<Record<string, unknown>>
  t.same(rest, [])
  t.match(fault, {
    vin: 'WDB12345678901234',
    ruleId: 'engine-overheat',
    ruleVersion: overheat?.version,
    state: 'open',
    occurrences: 1,
    openedAt: '2025-06-15T15:06:40.000Z',
    evidence: [{ signal: 'Vehicle.Powertrain.CombustionEngine.ECT', value: 117 }]
  })
  const id = String(fault?.id)

  t.match(await pitwallInProcess('faults', 'ack', id, '--by', 'alice', '--data-dir', dataDir), { code: 0, stdout: `fault ${id} acknowledged by alice\n` })
  t.match(await pitwallInProcess('faults', 'resolve', id, '--by', 'bob', '--note', 'thermostat replaced', '--data-dir', dataDir), { code: 0 })
  const again = await pitwallInProcess('faults', 'resolve', id, '--data-dir', dataDir)
  t.equal(again.code, 1, 'resolving a resolved fault fails')
  t.match(again.stderr, `[PITWALL_ERR_FAULT_TRANSITION] cannot resolve fault ${id}: it is resolved`)

  const shown = await pitwallInProcess('faults', 'show', id, '--data-dir', dataDir, '--json')
  t.match(JSON.parse(shown.stdout), {
    state: 'resolved',
    resolvedBy: 'bob',
    resolutionNote: 'thermostat replaced',
    timeline: [{ type: 'opened' }, { type: 'acknowledged', by: 'alice' }, { type: 'resolved', by: 'bob', detail: { note: 'thermostat replaced' } }]
  })
  t.same(JSON.parse((await pitwallInProcess('faults', 'list', '--data-dir', dataDir, '--json', '--state', 'open')).stdout), [], 'no open fault is left')
})
