/**
 * The command decisions without a database: the moves each answer and each
 * engineer may make, when commands that can no longer run end, and what
 * confirms a remote fix. The store applies them (test/storage/commands.test.ts).
 */
import t from 'tap'
import {
  ACK_FROM, COMMAND_STATES, COMMAND_TRANSITIONS, DEFAULT_STALL_MS, FINAL_COMMAND_STATES, MAX_COMMAND_TTL_MS, OPEN_COMMAND_STATES,
  SENT_EXPIRY_GRACE_MS, type AckState
} from '../../../actions/commands/model.js'
import { ackMove, checkCommandTtl, commandExpiry, fixCheckRule, isFinal } from '../../../actions/commands/policy.js'

const ACK_STATES = Object.keys(ACK_FROM) as AckState[]

t.test('every state is open or final, never both', async (t) => {
  t.same([...OPEN_COMMAND_STATES, ...FINAL_COMMAND_STATES].sort(), [...COMMAND_STATES].sort())
  for (const s of COMMAND_STATES) t.equal(isFinal(s), !OPEN_COMMAND_STATES.includes(s), s)
})

t.test('an acknowledgement only moves a command forward, from a state the vehicle has it in', async (t) => {
  for (const state of ACK_STATES) {
    const move = ackMove(state)
    t.notOk(move.from.some(isFinal), `${state} never moves a final command`)
    t.notOk(move.from.includes('pending_approval') || move.from.includes('queued'), `${state} needs the command sent first`)
    t.equal(move.final, isFinal(state), `${state} ${move.final ? 'ends' : 'does not end'} the command`)
  }
  t.same(ackMove('accepted').from, ['sent'], 'a late ACCEPTED after IN_PROGRESS is ignored')
  t.same(ackMove('rejected').from, ['sent'], 'a REJECTED for a replayed copy of a running command is ignored')
  t.same(ackMove('in_progress').from, ['sent', 'accepted', 'in_progress'], 'progress reports repeat')
  t.same(ackMove('succeeded').from, ['sent', 'accepted', 'in_progress'], 'a quick T-box may succeed without reporting progress')
})

t.test('only a success starts a remote fix\'s check', async (t) => {
  t.same(ACK_STATES.filter((s) => ackMove(s).startsFixCheck), ['succeeded'])
})

t.test('engineers approve what waits for approval and cancel only what the vehicle has not been sent', async (t) => {
  t.same(COMMAND_TRANSITIONS.approve, { verb: 'approve', from: ['pending_approval'], to: 'queued' })
  t.same(COMMAND_TRANSITIONS.cancel, { verb: 'cancel', from: ['pending_approval', 'queued'], to: 'cancelled' })
})

t.test('every open command ends: unsent ones expire, a sent one after a grace, started ones fail when silent', async (t) => {
  const expiry = commandExpiry()
  t.same([...expiry.unsent, 'sent', ...expiry.started].sort(), [...OPEN_COMMAND_STATES].sort(), 'each open state has an end')
  t.equal(expiry.sentGraceMs, SENT_EXPIRY_GRACE_MS)
  t.ok(expiry.sentGraceMs > 60_000, 'longer than the 60 s of clock skew a T-box accepts')
  t.equal(expiry.stallMs, DEFAULT_STALL_MS, 'an hour without a report by default')
  t.equal(commandExpiry(60_000).stallMs, 60_000)
})

t.test('a command lives 1 ms to 30 days', async (t) => {
  t.doesNotThrow(() => { checkCommandTtl(1) })
  t.doesNotThrow(() => { checkCommandTtl(MAX_COMMAND_TTL_MS) })
  t.throws(() => { checkCommandTtl(0) }, { code: 'PITWALL_ERR_COMMAND_INVALID', message: 'command ttl 0 ms is not between 1 ms and 2592000000 ms (30 days)' })
  t.throws(() => { checkCommandTtl(-5) }, { code: 'PITWALL_ERR_COMMAND_INVALID' })
  t.throws(() => { checkCommandTtl(1.5) }, { code: 'PITWALL_ERR_COMMAND_INVALID' })
  t.throws(() => { checkCommandTtl(MAX_COMMAND_TTL_MS + 1) }, { code: 'PITWALL_ERR_COMMAND_INVALID' })
})

t.test('a remote fix is confirmed by a fault that fresh data cleared, within the window', async (t) => {
  t.same(fixCheckRule(1800_000), { clearedStates: ['auto_cleared', 'resolved'], windowMs: 1800_000 })
})
