/**
 * Takes the actions the fault writer left in the outbox and hands each to
 * its handler: a remote fix becomes a queued (or approval-pending) command,
 * a pre-staging request a dealer alert, a critical fault a rescue check.
 * A handler that cannot finish now says when to try again (the database
 * is down, the vehicle is still moving); after `maxAttempts` claims the
 * action is closed with the reason, which the API shows.
 */
import type { FaultAction, FaultActionKind, FaultActionStore } from '../../storage/fault-actions.js'
import type { ActionLog } from '../log.js'
import { backoffMs, type Backoff } from '../../runtime/backoff.js'
import { PeriodicPass } from '../../runtime/periodic-pass.js'

/** `counted: false`: a wait on the gateway's own work; the attempt is not counted against maxAttempts */
export type FaultActionOutcome = { done: true, note?: string } | { done: false, retryInMs: number, reason: string, counted?: false }

/** 1 s, 2 s, 4 s ... capped at 5 min: for failures, not for a vehicle still moving. */
const FAULT_ACTION_BACKOFF: Backoff = { baseMs: 1000, maxMs: 300_000 }

export type FaultActionHandler = (action: FaultAction) => Promise<FaultActionOutcome>

export interface FaultActionProcessorOptions {
  store: FaultActionStore
  handlers: Partial<Record<FaultActionKind, FaultActionHandler>>
  log: ActionLog
  /** default 1 s */
  pollMs?: number
  /** a claimed action not finished within this is claimed again (the gateway stopped); default 60 s */
  leaseMs?: number
  /** default 20 */
  maxAttempts?: number
  /** per claim; default 50 */
  batch?: number
}

export class FaultActionProcessor {
  private readonly passes: PeriodicPass
  private readonly pollMs: number
  private readonly leaseMs: number
  private readonly maxAttempts: number
  private readonly batch: number

  constructor (private readonly options: FaultActionProcessorOptions) {
    this.pollMs = options.pollMs ?? 1000
    this.leaseMs = options.leaseMs ?? 60_000
    this.maxAttempts = options.maxAttempts ?? 20
    this.batch = options.batch ?? 50
    this.passes = new PeriodicPass(async () => await this.runOnce(), (err) => {
      options.log.error({ err: err.message }, 'fault actions not processed; trying again')
    })
  }

  start (): void {
    this.passes.start(this.pollMs)
  }

  /** Process now (new faults were just stored). */
  kick (): void {
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  /** One pass: claims due actions and handles them in order; returns how many it took. */
  async runOnce (): Promise<number> {
    const { store, handlers, log } = this.options
    const due = await store.claim(this.batch, this.leaseMs)
    for (const action of due) {
      const handler = handlers[action.kind]
      if (handler === undefined) {
        // nothing configured for it (e.g. no signing key for remote fixes): say so, once
        await store.complete(action.id, `no ${action.kind.replaceAll('_', ' ')} handler configured`)
        log.warn({ fault: action.faultId, kind: action.kind }, 'fault action skipped: not configured')
        continue
      }
      let outcome: FaultActionOutcome
      try {
        outcome = await handler(action)
      } catch (err) {
        const code = (err as { code?: unknown }).code
        outcome = { done: false, retryInMs: backoffMs(action.attempts, FAULT_ACTION_BACKOFF), reason: `${typeof code === 'string' ? code + ': ' : ''}${(err as Error).message}` }
      }
      if (outcome.done) {
        await store.complete(action.id, outcome.note)
        log.info({ fault: action.faultId, kind: action.kind, note: outcome.note }, 'fault action done')
      } else if (outcome.counted === false) {
        await store.retry(action.id, outcome.retryInMs, outcome.reason, { counted: false })
      } else if (action.attempts >= this.maxAttempts) {
        await store.complete(action.id, `gave up after ${action.attempts} attempts: ${outcome.reason}`)
        log.error({ fault: action.faultId, kind: action.kind, reason: outcome.reason }, 'fault action abandoned')
      } else {
        await store.retry(action.id, outcome.retryInMs, outcome.reason)
      }
    }
    return due.length
  }
}
