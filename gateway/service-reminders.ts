/**
 * The service reminder check: reads what the definitions need (vehicles with
 * their latest odometer and engine hours, the last service per item, daily
 * aggregates for each trend), decides with the pure functions of
 * rules/service-reminders/policy.ts and writes the findings as reminders.
 * The gateway runs it at start and then every interval (ServiceReminderCheck),
 * the CLI on demand; running it again on the same data changes nothing.
 */
import type { ReminderDefinition, ReminderFinding, TrendDefinition } from '../rules/service-reminders/model.js'
import {
  DAY_MS, dismissalHoldsSince, evaluateInterval, evaluateTrend, inScope, trendWindow, type DailyValue
} from '../rules/service-reminders/policy.js'
import { PeriodicPass } from '../runtime/periodic-pass.js'
import type { JobRuns } from '../storage/job-runs.js'
import type { FleetVehicle, LastService, ReminderCandidate, ReminderChange, ServiceReminderStore } from '../storage/service-reminders.js'
import type { Logger } from './logger.js'

export async function checkServiceReminders (
  store: ServiceReminderStore,
  definitions: readonly ReminderDefinition[],
  now: Date = new Date()
): Promise<ReminderChange[]> {
  const enabled = definitions.filter((d) => d.enabled)
  if (enabled.length === 0) return []
  const [fleet, services] = await Promise.all([store.fleetState(), store.lastServices()])
  const lastService = new Map(services.map((s) => [`${s.vehicleId}\u0000${s.ruleId}`, s]))
  const serviceOf = (vehicleId: number, ruleId: string): LastService | undefined => lastService.get(`${vehicleId}\u0000${ruleId}`)
  const candidates: ReminderCandidate[] = []
  const add = (vehicleId: number, def: ReminderDefinition, finding: ReminderFinding | undefined): void => {
    if (finding === undefined) return
    const holdsSince = dismissalHoldsSince(def, now.getTime())
    candidates.push({
      vehicleId,
      ruleId: def.id,
      kind: finding.kind,
      dueAt: finding.dueAt === null ? null : new Date(finding.dueAt),
      dueKm: finding.dueKm,
      dueHours: finding.dueHours,
      detail: finding.detail,
      suppressDismissedSince: holdsSince === null ? null : new Date(holdsSince)
    })
  }
  for (const def of enabled) {
    const vehicles = fleet.filter((v) => inScope(def, { model: v.model ?? undefined, firmware: v.firmware ?? undefined }))
    if (vehicles.length === 0) continue
    if (def.kind === 'interval') {
      for (const v of vehicles) {
        const s = serviceOf(v.vehicleId, def.id)
        add(v.vehicleId, def, evaluateInterval(def, {
          lastService: s === undefined ? undefined : { time: s.time.getTime(), odometerKm: s.odometerKm, engineHours: s.engineHours },
          registeredAt: v.registeredAt.getTime(),
          odometerKm: v.odometerKm ?? undefined,
          engineHours: v.engineHours ?? undefined
        }, now.getTime()))
      }
    } else {
      const daily = await dailyValues(store, def, vehicles, now)
      for (const v of vehicles) {
        add(v.vehicleId, def, evaluateTrend(def, daily.get(v.vehicleId) ?? [], now.getTime(), serviceOf(v.vehicleId, def.id)?.time.getTime()))
      }
    }
  }
  return await store.upsertReminders(candidates)
}

/** The definition's daily aggregate per vehicle over its window. */
async function dailyValues (store: ServiceReminderStore, def: TrendDefinition, vehicles: readonly FleetVehicle[], now: Date): Promise<Map<number, DailyValue[]>> {
  const { fromDay, toDay } = trendWindow(def.trend, now.getTime())
  const rows = await store.dailyAggregates({
    signal: def.trend.signal,
    minus: def.trend.minus,
    where: def.trend.where,
    from: new Date(fromDay * DAY_MS),
    to: new Date(toDay * DAY_MS),
    // always the ids, even of the whole fleet: with them PostgreSQL reads the
    // window through the (vehicle, signal, time) index; without them it
    // scanned all of signal_samples (EXPLAIN, 2M rows)
    vehicleIds: vehicles.map((v) => v.vehicleId)
  })
  const byVehicle = new Map<number, DailyValue[]>()
  for (const r of rows) {
    const list = byVehicle.get(r.vehicleId) ?? []
    list.push({ day: Date.parse(`${r.day}T00:00:00Z`) / DAY_MS, value: r[def.trend.aggregate] })
    byVehicle.set(r.vehicleId, list)
  }
  return byVehicle
}

/** The check's job in job_runs: one run per interval across the nodes. */
export const REMINDER_CHECK_JOB = 'service-reminder-check'

/**
 * Runs the check at start and then every interval, one run at a time, with
 * the definitions of the configured maintenance file. With `runs`, once per
 * interval across every node on the database rather than once per node:
 * each run reads the whole fleet's odometers and trend aggregates, and the
 * reminders it writes are the same whichever node writes them (the upsert
 * and the notice triggers make a second run change nothing, at the cost of
 * those reads again).
 */
export class ServiceReminderCheck {
  private readonly passes: PeriodicPass

  constructor (
    private readonly store: ServiceReminderStore,
    private readonly definitions: readonly ReminderDefinition[],
    private readonly intervalMs: number,
    private readonly log: Logger,
    runs?: { jobs: Pick<JobRuns, 'claim'>, node: string }
  ) {
    this.passes = new PeriodicPass(async () => {
      if (runs !== undefined && !(await runs.jobs.claim(REMINDER_CHECK_JOB, this.intervalMs, runs.node))) {
        this.log.debug('maintenance check skipped: another node (or this one) ran it within the interval')
        return
      }
      const changes = await checkServiceReminders(this.store, this.definitions)
      if (changes.length > 0) this.log.info({ changes: changes.length }, 'service reminders updated')
    }, (err) => { this.log.error({ err: err.message }, 'maintenance check failed; next try at the next interval') })
  }

  start (): void {
    if (this.definitions.length === 0) return
    this.passes.start(this.intervalMs)
    this.passes.kick()
  }

  async stop (): Promise<void> {
    await this.passes.stop()
  }
}
