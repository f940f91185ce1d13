/**
 * Which period KPIs are computed over, as a pure decision: what is not
 * given defaults to the 30 days up to now, and a period that is not one
 * (an invalid time, from not before to) is refused. The API and the CLI
 * ask here before the store (storage/kpis.ts) runs its queries.
 */
import { PitwallError } from '../../runtime/errors.js'
import { DEFAULT_KPI_WINDOW_MS, type KpiPeriod } from './model.js'

/** The period from the bounds given; refused with PITWALL_ERR_KPI_QUERY when it is not a valid range. */
export function kpiPeriod (given: { from?: Date | undefined, to?: Date | undefined }, now: Date = new Date()): KpiPeriod {
  const to = given.to ?? now
  const from = given.from ?? new Date(to.getTime() - DEFAULT_KPI_WINDOW_MS)
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
    throw new PitwallError('PITWALL_ERR_KPI_QUERY', `the KPI period must be a valid time range with from before to; got ${String(from)} .. ${String(to)}`)
  }
  return { from, to }
}
