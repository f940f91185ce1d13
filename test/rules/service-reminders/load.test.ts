/**
 * The `maintenance:` section of rule files: the demo pack, files that carry
 * it beside rules, and errors that name the file, item and field.
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parseRules } from '../../../rules/load.js'
import { loadReminderDefinitions, parseReminderDefinitions } from '../../../rules/service-reminders/load.js'

const pack = fileURLToPath(new URL('../../../rules/packs/demo-maintenance.yaml', import.meta.url))

t.test('the demo pack loads, and rule files carry maintenance beside rules', async (t) => {
  const items = loadReminderDefinitions(pack)
  t.same(items.map((i) => [i.id, i.kind]), [['oil-service', 'interval'], ['brake-fluid', 'interval'], ['lv-battery-resting-voltage', 'trend'], ['hv-cell-spread', 'trend']])
  t.match(items[0], { every: { km: 15_000, months: 12 }, dueSoon: { km: 1000, hours: 0, days: 30 }, scope: { models: ['Pitwall Demo PHEV'] } })
  t.match(items[2], { trend: { windowDays: 14, minDays: 5, where: { op: '==', value: 0 } } })
  t.match(items[3], { trend: { minus: 'Vehicle.Powertrain.TractionBattery.CellVoltage.Min', windowDays: 30 } })
  t.same(parseRules('maintenance: []\n', 'm.yaml'), [], 'a file of maintenance only has no rules')
  const both = "rules:\n  - { id: r1, severity: info, when: { dtc: P0300 } }\nmaintenance:\n  - { id: m1, task: t, every: { km: 100 } }\n"
  t.same(parseRules(both, 'b.yaml').map((r) => r.id), ['r1'])
  t.same(parseReminderDefinitions(both, 'b.yaml').map((m) => m.id), ['m1'])
  t.same(parseReminderDefinitions("rules:\n  - { id: r1, severity: info, when: { dtc: P0300 } }\n", 'r.yaml'), [], 'a file of rules only has no maintenance')
})

t.test('a maintenance error names the file, the item, the field and what was wrong', async (t) => {
  const item = (body: string): string => `maintenance:\n  - id: m1\n    task: t\n${body}`
  const trend = (body: string): string => item(`    trend:\n      signal: Vehicle.Speed\n      aggregate: avg\n${body}`)
  const cases: Array<[string, string]> = [
    [item('    every: { km: 0 }\n'), 'm.yaml: maintenance m1: every.km must be > 0'],
    [item('    every: { miles: 10 }\n'), 'm.yaml: maintenance m1: every has an unknown field "miles"'],
    [item('    every: { days: 30, months: 1 }\n'), 'm.yaml: maintenance m1: every gives both days and months; use one'],
    [item('    every: { km: 15000 }\n    dueSoon: { km: 15000 }\n'), 'm.yaml: maintenance m1: dueSoon.km must be below the interval (15000)'],
    [item('    every: { km: 15000 }\n    dueSoon: { days: 10 }\n'), 'm.yaml: maintenance m1: dueSoon.days has no limit to precede'],
    [item(''), 'm.yaml: maintenance m1: needs exactly one of "every"'],
    [trend('      window: 36h\n      minDays: 1\n      last: { op: "<", value: 1 }\n'), 'm.yaml: maintenance m1: trend.window must be a whole number of days'],
    [trend('      window: 7d\n      minDays: 8\n      last: { op: "<", value: 1 }\n'), 'm.yaml: maintenance m1: trend.minDays (8) exceeds the window (7 days)'],
    [trend('      window: 7d\n      minDays: 1\n      slope: { op: "<", value: 1 }\n'), 'm.yaml: maintenance m1: trend.minDays must be at least 2 for a slope'],
    [trend('      window: 7d\n      minDays: 3\n'), 'm.yaml: maintenance m1: trend needs a test'],
    [trend('      window: 7d\n      minDays: 3\n      last: { op: "==", value: 1 }\n'), 'm.yaml: maintenance m1: trend.last.op must be one of <, <=, >, >='],
    [trend('      window: 7d\n      minDays: 3\n      minus: Vehicle.Sped\n      last: { op: "<", value: 1 }\n'),
      'm.yaml: maintenance m1: trend.minus names "Vehicle.Sped", which is not in the signal catalog'],
    [item('    every: { km: 1 }\n') + '  - { id: m1, task: t, every: { km: 2 } }\n', 'm.yaml: maintenance m1: id is used by an earlier maintenance item'],
    ['maintenance:\n  - { task: t, every: { km: 1 } }\n', 'm.yaml: maintenance #1: needs the field "id"'],
    ['{}', 'm.yaml: the file needs the field "maintenance"']
  ]
  for (const [text, message] of cases) {
    t.throws(() => parseReminderDefinitions(text, 'm.yaml'), { code: 'PITWALL_ERR_RULE_FILE', message: new RegExp('^' + message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }, message)
  }
})
