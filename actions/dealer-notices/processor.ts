/**
 * Tells dealers what happened after their alert was raised, and of their
 * vehicles' service reminders: takes the notices the database wrote with
 * each change (storage/migrations/024_dealer_notices.sql), decides each
 * (./policy.ts) and applies the decision with the alert's timeline
 * entry and webhook delivery in one transaction (storage/dealer-notices.ts).
 * The deliveries then go out through the webhook worker like an alert's
 * creation: signed, with their idempotency key, retried, behind the
 * endpoint's breaker, dead-lettered.
 *
 * A failure (the database went away) retries the notice on a backoff; after
 * `maxAttempts` failures it is skipped with the reason, which the engineer's
 * view of the alert shows. A notice that waits (a clearing held for a remote
 * fix's check) does not count as a failure.
 */
import { Counter, type Registry } from 'prom-client'
import { backoffMs, type Backoff } from '../../runtime/backoff.js'
import { PeriodicPass } from '../../runtime/periodic-pass.js'
import type { DealerNoticeStore } from '../../storage/dealer-notices.js'
import type { ActionLog } from '../log.js'
import type { NoticeDecision } from './model.js'
import { decideNotice } from './policy.js'

const NOTICE_BACKOFF: Backoff = { baseMs: 1000, maxMs: 300_000 }

export interface DealerNoticeProcessorOptions {
  store: Pick<DealerNoticeStore, 'claim' | 'apply' | 'retry' | 'giveUp'>
  log: ActionLog
  /** webhook deliveries were queued: send them */
  queued?: () => void
  /** default 1 s */
  pollMs?: number
  /** a claimed notice not finished within this is claimed again; default 60 s */
  leaseMs?: number
  /** failures before a notice is skipped; default 20 */
  maxAttempts?: number
  /** per claim; default 50 */
  batch?: number
  /** the decision's clock (tests) */
  now?: () => Date
  /** Prometheus counters are registered here when given */
  registry?: Registry
}

export class DealerNoticeProcessor {
  private readonly passes: PeriodicPass
  private readonly pollMs: number
  private readonly leaseMs: number
  private readonly maxAttempts: number
  private readonly batch: number
  private readonly outcomes: Counter | undefined

  constructor (private readonly options: DealerNoticeProcessorOptions) {
    this.pollMs = options.pollMs ?? 1000
    this.leaseMs = options.leaseMs ?? 60_000
    this.maxAttempts = options.maxAttempts ?? 20
    this.batch = options.batch ?? 50
    this.outcomes = options.registry === undefined
      ? undefined
      : new Counter({
        name: 'pitwall_dealer_notices_total',
        help: 'Dealer notices (alert updates, service reminders) by outcome: told, skipped (nothing for the dealer), waited, failed',
        labelNames: ['type', 'outcome'],
        registers: [options.registry]
      })
    this.passes = new PeriodicPass(async () => {
      // a full batch may have more due behind it
      if (await this.runOnce() >= this.batch) this.passes.kick()
    }, (err) => { options.log.error({ err: err.message }, 'dealer notices not processed; trying again') })
  }

  start (): void {
    this.passes.start(this.pollMs)
    this.passes.kick()
  }

  /** Process now instead of at the next poll. */
  kick (): void {
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  /** One pass: claims due notices and applies them in order; returns how many it claimed. */
  async runOnce (): Promise<number> {
    const { store, log } = this.options
    const due = await store.claim(this.batch, this.leaseMs)
    let queued = false
    for (const notice of due) {
      const subject = notice.alertId !== null ? { alert: notice.alertId } : { reminder: notice.reminderId }
      try {
        const applied = await store.apply(notice, (ctx) => decideNotice(ctx, this.options.now?.() ?? new Date()))
        if (applied.lost) continue
        queued ||= applied.delivery
        this.outcomes?.inc({ type: notice.type, outcome: outcomeOf(applied.decision) })
        if (applied.decision.action === 'tell') log.info({ notice: notice.id, ...subject, type: notice.type, event: applied.decision.event, webhook: applied.delivery }, 'dealer told')
        else if (applied.decision.action === 'skip') log.info({ notice: notice.id, ...subject, type: notice.type, reason: applied.decision.reason }, 'dealer notice skipped')
      } catch (err) {
        const code = (err as { code?: unknown }).code
        const reason = `${typeof code === 'string' ? code + ': ' : ''}${(err as Error).message}`
        this.outcomes?.inc({ type: notice.type, outcome: 'failed' })
        if (notice.attempts >= this.maxAttempts) {
          await store.giveUp(notice, `gave up after ${notice.attempts} attempts: ${reason}`)
          log.error({ notice: notice.id, ...subject, type: notice.type, reason }, 'dealer notice abandoned')
        } else {
          await store.retry(notice, backoffMs(notice.attempts, NOTICE_BACKOFF), reason)
          log.warn({ notice: notice.id, ...subject, type: notice.type, reason }, 'dealer notice failed; will retry')
        }
      }
    }
    if (queued) this.options.queued?.()
    return due.length
  }
}

function outcomeOf (decision: NoticeDecision): string {
  return decision.action === 'tell' ? 'told' : decision.action === 'skip' ? 'skipped' : 'waited'
}
