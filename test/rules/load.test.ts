import t from 'tap'
import { parseRules, RuleFileError } from '../../rules/load.js'

const rule = (body: string): string => `rules:\n  - id: r1\n    severity: major\n${body}`

t.test('a rule file error names the file, the rule id, the field and what was wrong', async (t) => {
  const cases: Array<[string, string]> = [
    [rule("    when: { all: [ { signal: Vehicle.Speed, op: '>', value: 1 }, { signal: Vehicle.Speed, op: '=>', value: 1 } ] }\n"),
      'r.yaml: rule r1: when.all[1].op must be one of >, >=, <, <=, ==, !='],
    [rule("    when: { signal: Vehicle.Sped, op: '>', value: 1 }\n"),
      'r.yaml: rule r1: when.signal names "Vehicle.Sped", which is not in the signal catalog'],
    [rule("    when: { foo: 1 }\n"),
      'r.yaml: rule r1: when is not a condition: use one of {signal, minus, op, value}, {signal, op, value}, {signal, between}, {signal, outside}, {signal, rate}, {signal, stale}, {dtc}, {geofence}, {count, atLeast, within}, {all}, {any}, {not}'],
    [rule('    when: { dtc: P0217, status: [confirmed] }\n'),
      'r.yaml: rule r1: when.status names "confirmed"; ISO 14229-1 flags are testFailed, testFailedThisOperationCycle, pendingDTC, confirmedDTC, testNotCompletedSinceLastClear, testFailedSinceLastClear, testNotCompletedThisOperationCycle, warningIndicatorRequested'],
    [rule('    when: { dtc: X0217 }\n'), 'r.yaml: rule r1: when.dtc is not a DTC'],
    [rule('    when: { dtc: P0217 }\n    action: { type: dealer_prestage }\n'), 'r.yaml: rule r1: action needs the field "parts"'],
    [rule("    when: { signal: Vehicle.Speed, between: [10, 5] }\n"), 'r.yaml: rule r1: when.between runs backwards: [10, 5]'],
    [rule("    when: { signal: Vehicle.Speed, op: '>', value: 1 }\n    fore: 10s\n"), 'r.yaml: rule r1: has an unknown field "fore"'],
    [rule("    when: { signal: Vehicle.Speed, op: '>', value: 1 }\n") + "  - id: r1\n    severity: info\n    when: { dtc: P0300 }\n", 'r.yaml: rule r1: id is used by an earlier rule in the file'],
    ['rules: [ { id: 1 }', 'r.yaml: not valid YAML']
  ]
  for (const [text, message] of cases) {
    t.throws(() => parseRules(text, 'r.yaml'), { code: 'PITWALL_ERR_RULE_FILE', message: new RegExp('^' + message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }, message)
  }
  t.type((() => { try { parseRules('', 'r.yaml') } catch (e) { return e } })(), RuleFileError, 'an empty file is an error too')
})

t.test('durations, defaults and versions', async (t) => {
  const [a] = parseRules(rule("    when: { signal: Vehicle.Speed, rate: { op: '<', value: -30, per: 1min } }\n    for: 2m\n"), 'r.yaml')
  t.match(a, { forS: 120, clearForS: 120, reopenWithinS: 600, enabled: true, when: { kind: 'rate', value: -0.5 } }, 'rate per minute becomes per second')
  const [b] = parseRules(rule("    for: 120\n    when: { value: -30, op: '<', signal: Vehicle.Speed }\n"), 'r.json'.replace('json', 'yaml'))
  const [c] = parseRules(rule("    for: 120\n    when: { signal: Vehicle.Speed, op: '<', value: -30 }\n"), 'r.yaml')
  t.equal(b?.version, c?.version, 'key order does not change the version')
  const [d] = parseRules(rule("    for: 120\n    when: { signal: Vehicle.Speed, op: '<', value: -31 }\n"), 'r.yaml')
  t.not(d?.version, c?.version, 'a changed threshold does')
  const json = parseRules(JSON.stringify({ rules: [{ id: 'j', severity: 'info', when: { dtc: 'P0300' } }] }), 'rules.json')
  t.equal(json[0]?.id, 'j', 'JSON files load too')
})
