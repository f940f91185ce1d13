/**
 * Keeps the telemetry tables' partitions and retention (storage/retention.ts)
 * at start and every PITWALL_STORAGE_MAINTENANCE_INTERVAL_MS: partitions made
 * ahead and for rows waiting in a DEFAULT partition, expired ones dropped, or
 * TimescaleDB's policies set from the settings. On several nodes each change
 * takes the table's advisory lock, so passes running at once share the work.
 * A failure is logged with its table and counted; ingest waits only for
 * the first pass's partitions ahead, never for a failure.
 */
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { RetentionPass, RetentionSettings, RetentionStore } from '../storage/retention.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'

export class StorageMaintenance {
  private readonly passes: PeriodicPass

  constructor (private readonly store: RetentionStore, private readonly settings: RetentionSettings, private readonly intervalMs: number,
    private readonly metrics: Metrics, private readonly log: Logger) {
    this.passes = new PeriodicPass(async () => { this.report(await store.maintain(settings)) },
      (err) => { log.error({ err: err.message }, 'storage maintenance pass failed; tried again next pass') })
  }

  /**
   * Today's partitions and those ahead before ingest starts (a row that
   * lands in a DEFAULT partition is moved later, and a query running
   * across that move can miss it); the full pass (strays, drops, policies)
   * then runs in the background at once and every interval. A failure is
   * logged and the gateway starts anyway: rows then go to the DEFAULT
   * partitions and no write fails for want of a partition.
   */
  async start (): Promise<void> {
    try {
      this.report(await this.store.prepare(this.settings))
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'partitions ahead not made at start; rows go to the DEFAULT partitions until a pass makes them')
    }
    this.passes.start(this.intervalMs)
    this.passes.kick()
  }

  kick (): void {
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }

  private report (pass: RetentionPass): void {
    const { metrics, log } = this
    for (const c of pass.created) {
      metrics.partitionsCreated.inc({ table: c.table })
      log.info({ table: c.table, partition: c.partition, movedRows: c.movedRows }, 'partition created')
    }
    for (const d of pass.dropped) {
      metrics.partitionsDropped.inc({ table: d.table })
      log.info({ table: d.table, partition: d.partition }, 'expired partition dropped')
    }
    for (const p of pass.policies) log.info(p, 'TimescaleDB policy set')
    if (pass.expiredStrays > 0) {
      metrics.expiredStrayRows.inc(pass.expiredStrays)
      log.info({ rows: pass.expiredStrays }, 'rows older than their retention deleted from DEFAULT partitions')
    }
    for (const f of pass.failures) {
      metrics.partitionFailures.inc({ table: f.table })
      // the database's SQLSTATE (42501 privilege, 53100 disk full, 55P03 lock timeout) for alerts to match on
      const sqlState = (f.error.cause as { code?: unknown } | undefined)?.code
      log.error({ code: f.error.code, sqlState, table: f.table, action: f.action, err: f.error.message }, 'partition maintenance failed; tried again next pass')
    }
  }
}
