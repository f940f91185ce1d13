/**
 * The fault moves engineers make, without a database (storage/faults.ts
 * applies them: test/storage/rules-faults.test.ts).
 */
import t from 'tap'
import { CLEARED_FAULT_STATES, FAULT_STATES, FAULT_TRANSITIONS } from '../../rules/fault-lifecycle.js'

t.test('an engineer acknowledges an open fault and resolves any that is not resolved yet', async (t) => {
  t.same(FAULT_TRANSITIONS.acknowledge, { verb: 'acknowledge', from: ['open'], to: 'acknowledged' })
  t.same(FAULT_TRANSITIONS.resolve, { verb: 'resolve', from: ['open', 'acknowledged', 'auto_cleared'], to: 'resolved' })
  for (const move of Object.values(FAULT_TRANSITIONS)) {
    t.notOk((move.from as readonly string[]).includes(move.to), `${move.verb} does not repeat itself`)
    t.ok([...move.from, move.to].every((s) => (FAULT_STATES as readonly string[]).includes(s)), `${move.verb} names fault states`)
  }
})

t.test('a fault counts as cleared once auto-cleared or resolved', async (t) => {
  t.same(CLEARED_FAULT_STATES, ['auto_cleared', 'resolved'])
})
