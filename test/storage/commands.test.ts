/**
 * Commands and the fault → action outbox in storage, on both backends: the
 * per-vehicle queue, forward-only acknowledgements, expiry, approval and
 * remote-fix checks against the fault (campaigns: ./campaigns.test.ts).
 */
import t from 'tap'
import type { FaultEvent, RuleAction, RuleDefinition, Severity } from '../../rules/model.js'
import type pg from 'pg'
import { COMMAND_TRANSITIONS, type Command, type CommandAckUpdate, type CommandBody } from '../../actions/commands/model.js'
import { ackMove, checkCommandTtl, commandExpiry, fixCheckRule } from '../../actions/commands/policy.js'
import { CommandStore } from '../../storage/commands.js'
import { FaultStore } from '../../storage/faults.js'
import { openStorage, type Storage, poolOf } from '../../storage/index.js'
import { createTestDatabase, postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { overheatRule } from '../helpers/rules.js'
import { until } from '../helpers/until.js'

const T0 = 1_750_000_000_000_000 // µs
const BODY: CommandBody = { action: { name: 'bms-extended-balancing', params: { targetSpreadMv: '30' } } }

let nextVin = 0
const vin = (): string => `WCM1234567890${String(nextVin++).padStart(4, '0')}`

/** fires and clears at once */
const rule = (id: string, severity: Severity, action?: RuleAction): RuleDefinition =>
  overheatRule(id, { severity, forS: 0, clearForS: 0, ...(action === undefined ? {} : { action }) })

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const db = backend === 'postgres' ? await createTestDatabase() : undefined
    const storage: Storage = await openStorage({ databaseUrl: db?.url, dataDir: 'memory://' })
    t.teardown(async () => { await storage.close(); await db?.drop() })
    const { commands } = storage
    /** an acknowledgement applied as the dispatcher applies it: moved as the policy says */
    const applyAck = async (vehicleId: number, ack: CommandAckUpdate): Promise<{ command: Command, changed: boolean }> =>
      await commands.applyAck(vehicleId, ack, ackMove(ack.state))
    /** one fix-check pass, as the dispatcher runs it */
    const checkFixes = async (windowMs: number, faults = storage.faults, store = commands): Promise<Command[]> =>
      await faults.recordFixChecks(store.fixCheckDecision(fixCheckRule(windowMs)))

    const vehicle = async (extra: { model?: string, firmware?: string } = {}): Promise<{ id: number, vin: string }> => {
      const v = vin()
      return { id: await storage.vehicles.add({ vin: v, ...extra }, 'scrypt$x'), vin: v }
    }
    /** opens a fault of `ruleDef` on the vehicle; returns its id */
    const openFault = async (vehicleId: number, r: RuleDefinition, dtS = 0): Promise<number> => {
      await storage.rules.apply([r])
      const ev = (type: FaultEvent['type'], s: number): FaultEvent => ({
        type, vehicleId, ruleId: r.id, ruleVersion: r.version, severity: r.severity, timeUs: T0 + s * 1e6, occurrences: 1,
        evidence: [], ...(r.action === undefined ? {} : { action: r.action })
      })
      await storage.faults.record([ev('opened', dtS)])
      const f = (await storage.faults.list({ ruleId: r.id })).find((x) => x.vehicleId === vehicleId)
      if (f === undefined) throw new Error('fault not stored')
      return f.id
    }

    t.test('opening a fault writes its actions to the outbox in the same statement, once', async (t) => {
      const v = await vehicle()
      const fix: RuleAction = { type: 'remote_fix', command: 'remote_action', name: 'bms-extended-balancing', approval: 'auto' }
      const fixed = await openFault(v.id, rule('o-fix', 'major', fix))
      const critical = await openFault(v.id, rule('o-crit', 'critical', { type: 'dealer_prestage', parts: [{ number: null, description: 'fan', quantity: 1 }], repairHours: 1, fix: 'replace' }))
      const plain = await openFault(v.id, rule('o-none', 'minor'))
      t.same((await storage.faultActions.list({ faultId: fixed })).map((a) => a.kind), ['remote_fix'])
      t.same((await storage.faultActions.list({ faultId: critical })).map((a) => a.kind).sort(), ['dealer_prestage', 'rescue'], 'a critical fault also gets a rescue check')
      t.same(await storage.faultActions.list({ faultId: plain }), [], 'no action, no outbox row')
      // the engine reports the same fault again (after a restart): an occurrence, no second action
      await storage.faults.record([{ type: 'opened', vehicleId: v.id, ruleId: 'o-fix', ruleVersion: 'o-fix-v1', severity: 'major', timeUs: T0 + 5e6, occurrences: 1, evidence: [], action: fix }])
      t.equal((await storage.faultActions.list({ faultId: fixed })).length, 1)

      const claimed = await storage.faultActions.claim(10, 60_000)
      t.ok(claimed.some((a) => a.faultId === fixed), 'claimed in id order')
      t.same(await storage.faultActions.claim(10, 60_000), [], 'a leased action is not claimed twice')
      for (const a of claimed) await storage.faultActions.complete(a.id, 'handled')
      t.same(await storage.faultActions.list({ pending: true }), [])
    })

    t.test('a vehicle gets one command at a time, oldest first, and acks only move forward', async (t) => {
      const v = await vehicle()
      const first = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'alice' })
      const second = await commands.enqueue({ vin: v.vin, body: { action: { name: 'reset', params: {} } }, ttlMs: 60_000, requestedBy: 'alice' })
      t.equal((await commands.due(v.id))?.id, first.id)
      const sent = await commands.markSent(first.id, 30_000, 'k-test')
      t.equal(sent.state, 'sent')
      t.equal(sent.attempts, 1)
      t.equal(await commands.due(v.id), undefined, 'sent and not yet due for a retry: nothing to send')
      t.same(await commands.vehiclesWithDue([v.id]), [], 'the second waits behind the first')

      t.equal((await applyAck(v.id, { id: first.id, state: 'accepted', progress: 0, detail: '', timeMs: 0 })).command.state, 'accepted')
      t.equal((await applyAck(v.id, { id: first.id, state: 'in_progress', progress: 50, detail: '', timeMs: 0 })).command.progress, 50)
      const backwards = await applyAck(v.id, { id: first.id, state: 'in_progress', progress: 20, detail: '', timeMs: 0 })
      t.equal(backwards.changed, false, 'progress does not go back')
      t.equal((await applyAck(v.id, { id: first.id, state: 'succeeded', progress: 100, detail: 'done', timeMs: 0 })).command.state, 'succeeded')
      const late = await applyAck(v.id, { id: first.id, state: 'rejected', progress: 0, detail: 'replayed: nonce seen', timeMs: 0 })
      t.equal(late.changed, false)
      t.equal(late.command.state, 'succeeded', 'a REJECTED for a replayed copy does not undo a success')
      t.same((await commands.timeline(first.id)).map((e) => e.state),
        ['queued', 'sent', 'accepted', 'in_progress', 'ignored in_progress', 'succeeded', 'ignored rejected'])
      t.equal((await commands.due(v.id))?.id, second.id, 'the next command goes once the first is final')

      const other = await vehicle()
      await t.rejects(applyAck(other.id, { id: second.id, state: 'accepted', progress: 0, detail: '', timeMs: 0 }),
        { code: 'PITWALL_ERR_COMMAND_UNKNOWN' }, 'another vehicle cannot answer for this one')
      await t.rejects(commands.enqueue({ vin: 'WCM00000000000000', body: BODY, ttlMs: 1000, requestedBy: 'a' }), { code: 'PITWALL_ERR_VEHICLE_UNKNOWN' })
      // the ttl is the policy's to refuse, before the command is queued
      t.throws(() => { checkCommandTtl(0) }, { code: 'PITWALL_ERR_COMMAND_INVALID' })
    })

    t.test('approval, cancellation and expiry', async (t) => {
      const v = await vehicle()
      const held = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'rule:x', needsApproval: true })
      t.equal(held.state, 'pending_approval')
      t.equal(await commands.due(v.id), undefined, 'not sent before an engineer approves it')
      const approved = await commands.move(held.id, COMMAND_TRANSITIONS.approve, 'bob')
      t.equal(approved.state, 'queued')
      t.equal(approved.approvedBy, 'bob')
      await commands.markSent(held.id, 30_000, 'k-test')
      await t.rejects(commands.move(held.id, COMMAND_TRANSITIONS.cancel, 'bob'), { code: 'PITWALL_ERR_COMMAND_TRANSITION', message: /it is sent/ })

      const w = await vehicle()
      const brief = await commands.enqueue({ vin: w.vin, body: BODY, ttlMs: 1, requestedBy: 'alice' })
      await sleep(20)
      t.equal(await commands.due(w.id), undefined, 'an expired command is not sent')
      const expired = await commands.expireDue(commandExpiry())
      t.ok(expired.some((c) => c.id === brief.id))
      t.equal((await commands.get(brief.id)).state, 'expired')
      const cancelled = await commands.enqueue({ vin: w.vin, body: BODY, ttlMs: 60_000, requestedBy: 'alice' })
      t.equal((await commands.move(cancelled.id, COMMAND_TRANSITIONS.cancel, 'alice', 'wrong car')).state, 'cancelled')
      t.match((await commands.timeline(cancelled.id)).at(-1), { state: 'cancelled', by: 'alice', detail: 'wrong car' })
    })

    t.test('a sent command expires only after a grace for the T-box\'s clock skew; a started one that goes silent fails and frees the queue', async (t) => {
      const v = await vehicle()
      const sent = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'alice' })
      await commands.markSent(sent.id, 30_000, 'k-test')
      await poolOf(storage).query(`UPDATE commands SET expires_at = now() - interval '30 seconds' WHERE id = $1`, [sent.id])
      t.notOk((await commands.expireDue(commandExpiry())).some((c) => c.id === sent.id), 'just past its expiry it may still be starting on the vehicle')
      await applyAck(v.id, { id: sent.id, state: 'accepted', progress: 0, detail: '', timeMs: 0 })
      t.equal((await commands.get(sent.id)).state, 'accepted', 'and its ACCEPTED is applied')

      await applyAck(v.id, { id: sent.id, state: 'in_progress', progress: 40, detail: 'flashing', timeMs: 0 })
      const next = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 3_600_000, requestedBy: 'alice' })
      t.equal(await commands.due(v.id), undefined, 'the next command waits behind the running one')
      t.notOk((await commands.expireDue(commandExpiry(60_000))).some((c) => c.id === sent.id), 'reporting recently: not stalled')
      // the T-box rebooted mid-update and never reported again
      await poolOf(storage).query(`UPDATE commands SET updated_at = now() - interval '2 hours' WHERE id = $1`, [sent.id])
      const stalled = (await commands.expireDue(commandExpiry(3_600_000))).find((c) => c.id === sent.id)
      t.match(stalled, { state: 'failed', detail: 'no report from the vehicle for 60 min' })
      t.match((await commands.timeline(sent.id)).at(-1), { state: 'failed', detail: 'no report from the vehicle for 60 min after in progress at 40 %; a later final answer is kept as ignored' })
      t.equal((await commands.due(v.id))?.id, next.id, 'the vehicle\'s queue moves on')
      await applyAck(v.id, { id: sent.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 })
      t.equal((await commands.get(sent.id)).state, 'failed', 'a late answer does not reopen it')
      t.match((await commands.timeline(sent.id)).at(-1), { state: 'ignored succeeded' })

      const late = await commands.enqueue({ vin: (await vehicle()).vin, body: BODY, ttlMs: 60_000, requestedBy: 'alice' })
      await commands.markSent(late.id, 30_000, 'k-test')
      await poolOf(storage).query(`UPDATE commands SET expires_at = now() - interval '3 minutes' WHERE id = $1`, [late.id])
      t.match((await commands.expireDue(commandExpiry())).find((c) => c.id === late.id), { state: 'expired' }, 'past the grace a sent command expires')
    })

    t.test('a remote fix counts only when fresh data clears its fault afterwards', async (t) => {
      const v = await vehicle()
      const r = rule('fixcheck', 'major', { type: 'remote_fix', command: 'remote_action', name: 'bms-extended-balancing', approval: 'auto' })
      const faultId = await openFault(v.id, r)
      const fix = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'rule:fixcheck', faultId })
      await commands.markSent(fix.id, 30_000, 'k-test')
      await applyAck(v.id, { id: fix.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 })
      t.equal((await commands.get(fix.id)).fixCheck, 'pending')
      t.same(await checkFixes(3600_000), [], 'the fault is still open: undecided')
      // fresh data clears the fault, timestamped now (after the success)
      await storage.faults.record([{ type: 'cleared', vehicleId: v.id, ruleId: r.id, ruleVersion: r.version, severity: 'major', timeUs: Date.now() * 1000 + 1e6, occurrences: 1, evidence: [] }])
      const decided = await checkFixes(3600_000)
      t.same(decided.map((c) => [c.id, c.fixCheck]), [[fix.id, 'confirmed']])
      t.equal((await storage.faults.timeline(faultId)).at(-1)?.type, 'fixed_remotely')

      const w = await vehicle()
      const faultW = await openFault(w.id, rule('fixcheck2', 'major'))
      const fix2 = await commands.enqueue({ vin: w.vin, body: BODY, ttlMs: 60_000, requestedBy: 'rule:fixcheck2', faultId: faultW })
      await commands.markSent(fix2.id, 30_000, 'k-test')
      await applyAck(w.id, { id: fix2.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 })
      const missed = await checkFixes(0)
      t.same(missed.map((c) => [c.id, c.fixCheck]), [[fix2.id, 'not_confirmed']], 'the window passed with the fault still open')
      t.equal((await storage.faults.timeline(faultW)).at(-1)?.type, 'remote_fix_not_confirmed')
      await t.rejects(commands.enqueue({ vin: w.vin, body: BODY, ttlMs: 60_000, requestedBy: 'rule:fixcheck2', faultId: faultW }), { code: '23505' }, 'one fix per fault')
    })

    t.test('a command approved behind one already with the vehicle waits until that one is final', async (t) => {
      const v = await vehicle()
      const fix = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'rule:x', needsApproval: true })
      const update = await commands.enqueue({ vin: v.vin, body: { action: { name: 'reset', params: {} } }, ttlMs: 60_000, requestedBy: 'alice' })
      await commands.markSent(update.id, 30_000, 'k-test')
      await applyAck(v.id, { id: update.id, state: 'in_progress', progress: 50, detail: '', timeMs: 0 })
      // older than the running command: approved now, it must not overtake it
      await commands.move(fix.id, COMMAND_TRANSITIONS.approve, 'bob')
      t.equal(await commands.due(v.id), undefined, 'nothing goes out while the vehicle runs a command')
      t.same(await commands.vehiclesWithDue([v.id]), [])
      await applyAck(v.id, { id: update.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 })
      t.equal((await commands.due(v.id))?.id, fix.id, 'the approved fix goes next')
    })

    const lockWait = async (): Promise<void> => {
      await until('a statement waiting for a row lock', async () => {
        const res = await poolOf(storage).query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
        return (res.rows[0]?.n ?? 0) > 0 ? true : undefined
      }, { timeoutMs: 5000, pollMs: 10 })
    }
    const concurrent = backend === 'pglite' ? 'PGlite serves one statement at a time: no two can interleave' : false

    t.test('an ack that races the expiry pass does not bring the expired command back', { skip: concurrent }, async (t) => {
      const v = await vehicle()
      const c = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'alice' })
      await commands.markSent(c.id, 30_000, 'k-test')
      // the expiry pass has expired it but not committed yet when the vehicle's ACCEPTED is applied
      const pass = await poolOf(storage).connect()
      try {
        await pass.query('BEGIN')
        await pass.query(`UPDATE commands SET expires_at = now() - interval '3 minutes' WHERE id = $1`, [c.id])
        t.ok((await new CommandStore(pass as unknown as pg.Pool).expireDue(commandExpiry())).some((x) => x.id === c.id))
        const acked = applyAck(v.id, { id: c.id, state: 'accepted', progress: 0, detail: '', timeMs: 0 })
        await lockWait()
        await pass.query('COMMIT')
        const { changed, command } = await acked
        t.equal(changed, false, 'the ack changes nothing')
        t.equal(command.state, 'expired')
      } finally {
        pass.release()
      }
      t.equal((await commands.get(c.id)).state, 'expired', 'a final state stays final')
      t.match((await commands.timeline(c.id)).at(-1), { state: 'ignored accepted', detail: 'was expired' })
    })

    t.test('two passes deciding one remote fix at once record it once', { skip: concurrent }, async (t) => {
      const v = await vehicle()
      const r = rule('fixrace', 'major')
      const faultId = await openFault(v.id, r)
      const fix = await commands.enqueue({ vin: v.vin, body: BODY, ttlMs: 60_000, requestedBy: 'rule:fixrace', faultId })
      await commands.markSent(fix.id, 30_000, 'k-test')
      await applyAck(v.id, { id: fix.id, state: 'succeeded', progress: 100, detail: '', timeMs: 0 })
      await storage.faults.record([{ type: 'cleared', vehicleId: v.id, ruleId: r.id, ruleVersion: r.version, severity: 'major', timeUs: Date.now() * 1000 + 1e6, occurrences: 1, evidence: [] }])
      // two gateways on one database: one pass has decided it and not committed yet when the other decides
      const pass = await poolOf(storage).connect()
      try {
        await pass.query('BEGIN')
        t.ok((await checkFixes(3600_000, new FaultStore(pass as unknown as pg.Pool), new CommandStore(pass as unknown as pg.Pool))).some((x) => x.id === fix.id))
        const other = checkFixes(3600_000)
        await lockWait()
        await pass.query('COMMIT')
        t.notOk((await other).some((x) => x.id === fix.id), 'the other pass finds it decided')
      } finally {
        pass.release()
      }
      t.same((await storage.faults.timeline(faultId)).map((e) => e.type), ['opened', 'cleared', 'fixed_remotely'])
    })
  })
}
