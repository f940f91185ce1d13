/**
 * Runs the maintenance check (service intervals and slow trends, see
 * storage/maintenance-job.ts) at start and then every interval, one run at a
 * time. The definitions come from the configured maintenance file.
 */
import type { MaintenanceDefinition } from '../rules/maintenance-model.js'
import { runMaintenanceCheck } from '../storage/maintenance-job.js'
import type { MaintenanceStore } from '../storage/maintenance.js'
import type { Logger } from './logger.js'

export class MaintenanceScheduler {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor (
    private readonly storage: { readonly maintenance: MaintenanceStore },
    private readonly definitions: readonly MaintenanceDefinition[],
    private readonly log: Logger
  ) {}

  start (intervalMs: number): void {
    if (this.definitions.length === 0) return
    const run = (): void => {
      this.running ??= runMaintenanceCheck(this.storage, this.definitions).then((changes) => {
        if (changes.length > 0) this.log.info({ changes: changes.length }, 'service reminders updated')
      }, (err: unknown) => {
        this.log.error({ err: (err as Error).message }, 'maintenance check failed; next try at the next interval')
      }).finally(() => { this.running = undefined })
    }
    run()
    this.timer = setInterval(run, intervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }
}
