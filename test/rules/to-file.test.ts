/**
 * A stored rule back in the rule file's syntax reads back to the same
 * version, for every kind of condition and action, so an engineer who saves
 * the console's text unchanged makes no new version.
 */
import t from 'tap'
import { stringify } from 'yaml'
import { parseRules } from '../../rules/load.js'
import { ruleToFile } from '../../rules/to-file.js'

const FILE = `rules:
  - id: every-condition
    name: Every condition kind
    description: one of each
    severity: info
    scope: { models: [demo-ev], firmware: ['2.0.*'] }
    when:
      all:
        - { signal: Vehicle.Speed, op: '>', value: 1 }
        - { signal: Vehicle.Speed, outside: [10, 20] }
        - { signal: Vehicle.Speed, between: [0, 300] }
        - { signal: Vehicle.Powertrain.CombustionEngine.ECT, minus: Vehicle.OBD.OilTemperature, op: '>=', value: 5 }
        - { signal: Vehicle.Speed, rate: { op: '<', value: -30, per: 1min } }
        - { signal: Vehicle.Speed, rate: { op: '>', value: 7 } }
        - { signal: Vehicle.Speed, stale: 2h }
        - { dtc: P0301, status: [confirmedDTC] }
        - { dtc: P0128 }
        - { geofence: { lat: 48.1, lon: 11.5, radiusM: 500, outside: true } }
        - { count: { signal: Vehicle.Speed, op: '>', value: 200 }, atLeast: 3, within: 10min }
        - any: [ { not: { signal: Vehicle.Speed, op: '==', value: 0 } } ]
    for: 1.5
    clear: { signal: Vehicle.Speed, op: '<', value: 1 }
    clearFor: 90s
    reopenWithin: 1d
    action: { type: remote_fix, command: remote_action, name: reset, params: { hard: 'no' }, approval: auto }
    case: case-x
  - id: prestage
    severity: major
    when: { dtc: P0217 }
    action: { type: dealer_prestage, parts: [fan], repairHours: 1.5, fix: Replace it. }
  - id: rescue
    severity: critical
    enabled: false
    when: { dtc: P0217 }
    action: { type: rescue }
  - id: reminder
    severity: minor
    when: { dtc: P0217 }
    for: 30s
    action: { type: service_reminder, task: Check the fan. }
`

t.test('each rule in file syntax parses back to the same definition and version', async (t) => {
  for (const def of parseRules(FILE, 'r.yaml')) {
    const file = ruleToFile(def)
    t.notOk('enabled' in file, `${def.id}: enabled stays out of the text`)
    const [back] = parseRules(stringify({ rules: [{ ...file, enabled: def.enabled }] }), 'back.yaml')
    t.same(back, def, `${def.id}: the same definition`)
  }
})

t.test('durations read as a person writes them', async (t) => {
  const [def] = parseRules(FILE, 'r.yaml')
  t.match(ruleToFile(def as NonNullable<typeof def>), { for: 1.5, clearFor: '90s', reopenWithin: '1d', when: { all: [{}, {}, {}, {}, { rate: { value: -30, per: '1min' } }, { rate: { value: 7 } }, { stale: '2h' }] } })
})
