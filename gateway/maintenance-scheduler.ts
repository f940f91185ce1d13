/**
 * Runs the maintenance check (service intervals and slow trends, see
 * storage/maintenance-job.ts) at start and then every interval, one run at a
 * time. The definitions come from the configured maintenance file.
 */
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { MaintenanceDefinition } from '../rules/maintenance-model.js'
import { runMaintenanceCheck } from '../storage/maintenance-job.js'
import type { MaintenanceStore } from '../storage/maintenance.js'
import type { Logger } from './logger.js'

export class MaintenanceScheduler {
  private readonly passes: PeriodicPass

  constructor (
    private readonly storage: { readonly maintenance: MaintenanceStore },
    private readonly definitions: readonly MaintenanceDefinition[],
    private readonly log: Logger
  ) {
    this.passes = new PeriodicPass(async () => {
      const changes = await runMaintenanceCheck(this.storage, this.definitions)
      if (changes.length > 0) this.log.info({ changes: changes.length }, 'service reminders updated')
    }, (err) => { this.log.error({ err: err.message }, 'maintenance check failed; next try at the next interval') })
  }

  start (intervalMs: number): void {
    if (this.definitions.length === 0) return
    this.passes.start(intervalMs)
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }
}
