/**
 * `pitwall manifests` and `pitwall catalog` as an engineer runs them: the
 * CLI against an embedded data directory held open by this process (as a
 * running gateway holds it). The binary runs the first command of each
 * group; the rest run in this process (test/helpers/cli.ts).
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openStorage } from '../../../storage/index.js'
import { DEMO_DBC_FILE } from '../../../sim/demo-ecu.js'
import { pitwall, pitwallInProcess } from '../../helpers/cli.js'

const DEMO_MANIFEST = new URL('../../../sim/demo-vehicle.manifest.yaml', import.meta.url).pathname

t.test('manifests are checked, added, listed, shown, activated; rules apply then reads what they add', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-manifests-cli-'))
  const dataDir = join(dir, 'data')
  const storage = await openStorage({ dataDir })
  t.teardown(() => storage.close())
  const at = ['--data-dir', dataDir]
  copyFileSync(DEMO_DBC_FILE, join(dir, 'demo.dbc'))
  writeFileSync(join(dir, 'quirky.dbc'), 'BO_ 1275 2017_5: 8 XXX\n SG_ 0_COUNTER : 4|5@0+ (1,0) [0|31] "" XXX\n')
  writeFileSync(join(dir, 'ev.yaml'), 'model: EV-1\nvssAttribute: false\nbuses:\n  - { bus: 0, dbc: demo.dbc }\n  - { bus: 1, dbc: quirky.dbc }\n' +
    'catalog:\n  - { name: Acme.Counter, unit: "" }\nsignals:\n  - { from: 2017_5.0_COUNTER, signal: Acme.Counter }\n')
  writeFileSync(join(dir, 'ev2.yaml'), 'model: EV-1\nbuses:\n  - { bus: 0, dbc: demo.dbc }\n')
  writeFileSync(join(dir, 'bad.yaml'), 'model: EV-1\nbuses:\n  - { bus: 0, dbc: demo.dbc }\nsignals:\n  - { from: ECM_EngineData.Rpm, signal: Vehicle.Speed }\n')
  writeFileSync(join(dir, 'rule.yaml'), 'rules:\n  - id: counter-stuck\n    severity: minor\n    when: { signal: Acme.Counter, op: "==", value: 31 }\n')

  const check = await pitwall('manifests', 'check', join(dir, 'ev.yaml'), ...at)
  t.equal(check.code, 0, check.stderr)
  t.match(check.stderr, /warning: quirky\.dbc:1:10: 2017_5 \(a message name\) starts with a digit; read as a name, as cantools and opendbc do \[name-starts-with-digit\]/)
  t.match(check.stdout, /ev\.yaml: model EV-1, 1 DBC signals mapped, adds Acme\.Counter to the catalog, 2 DBC warnings/)

  const bad = await pitwallInProcess('manifests', 'add', join(dir, 'bad.yaml'), ...at)
  t.equal(bad.code, 1)
  t.match(bad.stderr, /pitwall: \[PITWALL_ERR_MANIFEST_INVALID\] .*bad\.yaml: signals\[0\] \(ECM_EngineData\.Rpm\): message ECM_EngineData has no signal Rpm \(closest: /)

  const refusedRule = await pitwallInProcess('rules', 'apply', join(dir, 'rule.yaml'), ...at)
  t.equal(refusedRule.code, 1)
  t.match(refusedRule.stderr, /rule counter-stuck: when\.signal names "Acme\.Counter", which is not in the built-in catalog or any active decoder manifest \(closest: /)

  const both = await pitwallInProcess('manifests', 'add', join(dir, 'ev.yaml'), join(dir, 'ev2.yaml'), '--activate', ...at)
  t.equal(both.code, 1)
  t.match(both.stderr, /ev\.yaml and .*ev2\.yaml are both manifests of model EV-1; only one can be active/)

  const added = await pitwallInProcess('manifests', 'add', join(dir, 'ev.yaml'), join(dir, 'ev2.yaml'), '--by', 'eve', ...at)
  t.equal(added.code, 0, added.stderr)
  t.match(added.stdout, /ev\.yaml: stored as EV-1@1 \(id \d+\); catalog: Acme\.Counter \(id 1000\)\n.*ev2\.yaml: stored as EV-1@2/)

  const activated = await pitwallInProcess('manifests', 'activate', 'EV-1@1', ...at)
  t.equal(activated.code, 0, activated.stderr)
  t.match(activated.stdout, /EV-1@1 is now the active manifest of EV-1/)

  const list = await pitwallInProcess('manifests', 'list', '--json', ...at)
  t.same(JSON.parse(list.stdout).map((m: { version: number, active: boolean }) => [m.version, m.active]), [[1, true], [2, false]])
  const show = await pitwallInProcess('manifests', 'show', 'EV-1', ...at)
  t.match(show.stdout, /EV-1@1\tactive/)
  t.match(show.stdout, /bus 1 2017_5\.0_COUNTER -> Acme\.Counter \[\] \(signals\)/)
  t.match(show.stdout, /DBC warnings: 2 name-starts-with-digit/)
  t.match(show.stdout, /added\tby eve[\s\S]*activated\tby /)

  const applied = await pitwallInProcess('rules', 'apply', join(dir, 'rule.yaml'), '--json', ...at)
  t.equal(applied.code, 0, applied.stderr)
  t.same(JSON.parse(applied.stdout).added, ['counter-stuck'], 'the rule reads a signal the active manifest adds')

  const catalog = await pitwall('catalog', 'list', '--added', ...at)
  t.equal(catalog.stdout, '1000\tAcme.Counter\t-\n')
})
