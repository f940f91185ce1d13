/**
 * The maintenance check: reads what the definitions need (vehicles with
 * their latest odometer and engine hours, the last service per item, daily
 * aggregates for each trend), evaluates with the pure functions of
 * rules/maintenance.ts and writes the findings as service reminders. The
 * gateway runs it every hour, the CLI on demand; running it again on the
 * same data changes nothing.
 */
import { DAY_MS, evaluateInterval, evaluateTrend, inScope, trendWindow, type DailyValue } from '../rules/maintenance.js'
import type { MaintenanceDefinition, MaintenanceFinding, TrendDefinition } from '../rules/maintenance-model.js'
import type { LastService, MaintenanceStore, ReminderCandidate, ReminderChange, VehicleMaintenanceState } from './maintenance.js'

export async function runMaintenanceCheck (
  storage: { readonly maintenance: MaintenanceStore },
  definitions: readonly MaintenanceDefinition[],
  now: Date = new Date()
): Promise<ReminderChange[]> {
  const store = storage.maintenance
  const enabled = definitions.filter((d) => d.enabled)
  if (enabled.length === 0) return []
  const [fleet, services] = await Promise.all([store.fleetState(), store.lastServices()])
  const lastService = new Map(services.map((s) => [`${s.vehicleId}\u0000${s.ruleId}`, s]))
  const serviceOf = (vehicleId: number, ruleId: string): LastService | undefined => lastService.get(`${vehicleId}\u0000${ruleId}`)
  const candidates: ReminderCandidate[] = []
  const add = (vehicleId: number, def: MaintenanceDefinition, finding: MaintenanceFinding | undefined, suppressDismissedSince: Date | null): void => {
    if (finding === undefined) return
    candidates.push({
      vehicleId,
      ruleId: def.id,
      kind: finding.kind,
      dueAt: finding.dueAt === null ? null : new Date(finding.dueAt),
      dueKm: finding.dueKm,
      dueHours: finding.dueHours,
      detail: finding.detail,
      suppressDismissedSince
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
        }, now.getTime()), null)
      }
    } else {
      const daily = await dailyValues(store, def, vehicles, now)
      // a dismissal holds for one window: after that the window holds only newer days
      const since = new Date(now.getTime() - def.trend.windowDays * DAY_MS)
      for (const v of vehicles) {
        add(v.vehicleId, def, evaluateTrend(def, daily.get(v.vehicleId) ?? [], now.getTime(), serviceOf(v.vehicleId, def.id)?.time.getTime()), since)
      }
    }
  }
  return await store.upsertReminders(candidates)
}

/** The definition's daily aggregate per vehicle over its window. */
async function dailyValues (store: MaintenanceStore, def: TrendDefinition, vehicles: readonly VehicleMaintenanceState[], now: Date): Promise<Map<number, DailyValue[]>> {
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
