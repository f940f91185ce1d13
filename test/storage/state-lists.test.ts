/**
 * SQL that must spell a state list as literals, because a partial index's
 * predicate does (a query uses the index, or ON CONFLICT infers it, only
 * when its WHERE implies the predicate), against the model's constant: the
 * two cannot drift apart unnoticed. No database: the migration and store
 * files are read as text.
 */
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { OPEN_COMMAND_STATES } from '../../actions/commands/model.js'
import { ACTIVE_FAULT_STATES } from '../../rules/fault-lifecycle.js'

function source (path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
}

/** The states of the first `state IN (…)` or `state = '…'` after `anchor` in `text`. */
function statesAfter (t: Test, text: string, anchor: string): string[] {
  const at = text.indexOf(anchor)
  t.ok(at >= 0, `finds ${anchor}`)
  const m = /state (?:IN \(([^)]*)\)|= ('[a-z_]+'))/.exec(text.slice(at + anchor.length))
  return [...(m?.[1] ?? m?.[2] ?? '').matchAll(/'([a-z_]+)'/g)].map((s) => s[1] as string)
}

t.test('a fault in force is open or acknowledged, as the one-active index and the fault store\'s ON CONFLICT say', async (t) => {
  t.same(ACTIVE_FAULT_STATES, ['open', 'acknowledged'])
  t.same(statesAfter(t, source('storage/migrations/003_rules_faults.sql'), 'CREATE UNIQUE INDEX faults_one_active'), ACTIVE_FAULT_STATES)
  t.same(statesAfter(t, source('storage/faults.ts'), 'ON CONFLICT (vehicle_id, rule_id) WHERE'), ACTIVE_FAULT_STATES)
})

t.test('the backlog counts the open command states, split as the partial indexes it reads', async (t) => {
  const active = statesAfter(t, source('storage/migrations/006_commands.sql'), 'CREATE INDEX commands_vehicle_active')
  const approval = statesAfter(t, source('storage/migrations/010_action_backlog.sql'), 'CREATE INDEX commands_pending_approval')
  const backlog = source('storage/backlog.ts')
  t.same(statesAfter(t, backlog, "SELECT 'commands', state,"), active)
  t.same(statesAfter(t, backlog, "SELECT 'commands', 'pending_approval',"), approval)
  t.same([...approval, ...active].sort(), [...OPEN_COMMAND_STATES].sort(), 'together: every open command state, each once')
})
