/**
 * The actions backlog on /metrics: what is waiting (fault actions, commands
 * by state, webhooks pending and dead, campaigns) counted from storage at
 * scrape time on both backends, and a scrape that still answers, with the
 * last values, when the database does not.
 */
import { Registry } from 'prom-client'
import t from 'tap'
import { registerBacklogGauges } from '../../gateway/metrics.js'
import { readActionBacklog } from '../../storage/backlog.js'
import type { DealerAlert } from '../../actions/dealer-alerts/model.js'
import { postgresReachable, SKIP_POSTGRES, type Backend } from '../helpers/backends.js'
import { openTestStorage, PLACES, seedFault } from '../actions/dealer-fixtures.js'
import { poolOf } from '../../storage/index.js'

const prestage = { type: 'dealer_prestage' as const, parts: [{ number: null, description: 'thermostat', quantity: 1 }], repairHours: 1.5, fix: 'replace the thermostat' }
const envelope = (a: DealerAlert, key: string): { event: string, body: string } => ({ event: 'alert.created', body: JSON.stringify({ id: a.id, key }) })

for (const backend of ['pglite', 'postgres'] as Backend[]) {
  t.test(`on ${backend}`, { skip: backend === 'postgres' && !(await postgresReachable()) ? SKIP_POSTGRES : false }, async (t) => {
    const storage = await openTestStorage(t, backend)
    const empty = await readActionBacklog(poolOf(storage))
    t.same(empty.commands, { pending_approval: 0, queued: 0, sent: 0, accepted: 0, in_progress: 0 }, 'every open state is reported, also at 0')

    // a fault whose rule asks for a dealer: its outbox row is written with it
    const fault = await seedFault(storage, { action: prestage })
    await seedFault(storage, { action: prestage })
    // the processor takes both; the first fails and waits for its retry, the second is still being handled (not a failure)
    const claimed = await storage.faultActions.claim(10, 60_000)
    t.equal(claimed.length, 2)
    await storage.faultActions.retry(claimed.find((a) => a.faultId === fault.faultId)?.id as number, 60_000, 'PITWALL_ERR_RESCUE_NOT_STATIONARY: still moving')
    await storage.commands.enqueue({ vin: fault.vin, body: { action: { name: 'bms.rebalance', params: {} } }, ttlMs: 60_000, requestedBy: 'eva', needsApproval: true })
    await storage.commands.enqueue({ vin: fault.vin, body: { action: { name: 'bms.rebalance', params: {} } }, ttlMs: 60_000, requestedBy: 'eva' })
    await storage.dealers.add({ id: 'hook', name: 'Autohaus', ...PLACES.munich, webhookUrl: 'https://dms.example/hook' })
    const { alerts: [alert] } = await storage.dealerAlerts.create(fault.faultId, 'prestage', [{ dealerId: 'hook', routing: { via: 'own', distanceKm: null }, payload: {}, webhook: true }], envelope)
    const other = await seedFault(storage)
    await storage.dealerAlerts.create(other.faultId, 'prestage', [{ dealerId: 'hook', routing: { via: 'own', distanceKm: null }, payload: {}, webhook: true }], envelope)
    await poolOf(storage).query("UPDATE webhook_deliveries SET state = 'dead', dead_at = now() WHERE alert_id = $1", [alert?.id])

    const backlog = await readActionBacklog(poolOf(storage))
    t.match(backlog, { faultActionsPending: 2, faultActionsRetrying: 1, webhooksPending: 1, webhookDeadLetters: 1 })
    t.match(backlog.commands, { pending_approval: 1, queued: 1, sent: 0 })

    const registry = new Registry()
    const errors: string[] = []
    let fail = false
    registerBacklogGauges(registry, async () => {
      if (fail) throw new Error('connection terminated')
      return await readActionBacklog(poolOf(storage))
    }, (err) => { errors.push(err.message) })
    const scrape = await registry.metrics()
    t.match(scrape, /^pitwall_commands_open\{state="pending_approval"\} 1$/m)
    t.match(scrape, /^pitwall_fault_actions_retrying 1$/m)
    t.match(scrape, /^pitwall_webhook_dead_letters 1$/m)
    t.match(scrape, /^pitwall_campaigns\{state="running"\} 0$/m)

    fail = true
    await new Promise((resolve) => setTimeout(resolve, 1100)) // past the one-scrape sharing of a read
    const during = await registry.metrics()
    t.match(during, /^pitwall_webhook_dead_letters 1$/m, 'the scrape answers with the last values')
    t.same(errors, ['connection terminated'], 'and the failed read is reported once')
  })
}

