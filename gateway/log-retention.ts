/**
 * Keeps the vehicle logs within their settings, one pass at start and then
 * every interval: uploads that can no longer complete (token expired, or
 * their command ended) are failed and their partial bytes deleted; logs older
 * than PITWALL_LOG_RETENTION_DAYS are deleted with their files; and files in
 * the logs directory whose row is gone or failed (a crash between the two
 * deletions) are removed once they are an hour old, so an upload's first
 * bytes are never taken for an orphan.
 */
import { retentionCutoff } from '../actions/logs/policy.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { VehicleLogStore } from '../storage/vehicle-logs.js'
import type { LogFiles } from './log-files.js'
import type { Logger } from './logger.js'

export interface LogRetentionOptions {
  store: Pick<VehicleLogStore, 'expireUnfinished' | 'deleteOlderThan' | 'holdingBytes'>
  files: LogFiles
  retentionDays: number
  log: Logger
  /** default 10 minutes */
  intervalMs?: number
}

/** Rows deleted per statement: a long backlog is worked off in steps, not one transaction. */
const DELETE_STEP = 500
const ORPHAN_AGE_MS = 3_600_000

export class LogRetention {
  private readonly passes: PeriodicPass

  constructor (private readonly options: LogRetentionOptions) {
    this.passes = new PeriodicPass(async () => { await this.pass() }, (err) => { options.log.error({ err: err.message }, 'log retention pass failed; retried on the next pass') })
  }

  start (): void {
    this.passes.start(this.options.intervalMs ?? 600_000)
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  /** One pass: what it removed. */
  async pass (now = new Date()): Promise<{ expired: number, deleted: number, orphans: number }> {
    const { store, files, log } = this.options
    const expired = await store.expireUnfinished()
    for (const f of expired) await files.remove(f.id, f.kind)
    if (expired.length > 0) log.info({ logs: expired.map((f) => f.id) }, 'unfinished log uploads expired; their bytes are deleted')
    let deleted = 0
    const cutoff = retentionCutoff(now, this.options.retentionDays)
    for (;;) {
      const gone = await store.deleteOlderThan(cutoff, DELETE_STEP)
      for (const f of gone) await files.remove(f.id, f.kind)
      deleted += gone.length
      if (gone.length < DELETE_STEP) break
    }
    if (deleted > 0) log.info({ deleted, retentionDays: this.options.retentionDays }, 'vehicle logs past their retention deleted')
    const old = (await files.list()).filter((f) => now.getTime() - f.mtimeMs > ORPHAN_AGE_MS)
    const holding = await store.holdingBytes(old.map((f) => f.id))
    const orphans = old.filter((f) => !holding.has(f.id))
    for (const f of orphans) await files.remove(f.id, f.kind)
    return { expired: expired.length, deleted, orphans: orphans.length }
  }
}
