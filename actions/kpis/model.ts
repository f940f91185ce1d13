/**
 * Service KPIs as data: the figures (storage/kpis.ts says how each is
 * computed from the stored timelines), the period they cover and the
 * default window. Which period is asked for is decided in ./policy.ts.
 */

/** How long something took, in seconds, over `count` cases (null figures: no case). */
export interface DurationKpi {
  count: number
  meanS: number | null
  p50S: number | null
  p90S: number | null
}

/** `hits` of `count` cases; rate = hits / count (null: no case). */
export interface RateKpi {
  count: number
  hits: number
  rate: number | null
}

export interface ServiceKpis {
  from: Date
  to: Date
  dealerId: string | null
  /**
   * Fault opened on the vehicle → the alert reached the dealer (its webhook
   * delivered; for an inbox-only dealer, the alert stored). `undelivered`:
   * alerts whose webhook has not been delivered (pending or dead letter).
   */
  faultToAlert: DurationKpi & { undelivered: number }
  /** Alert raised → the dealer reported the parts staged. */
  alertToPartsStaged: DurationKpi
  /** Repaired alerts fixed at the first workshop visit. */
  firstTimeFix: RateKpi
  /** Fault opened → the dealer reported it repaired: how long the customer lived with it. */
  downtime: DurationKpi
  /** Appointment booked → repaired: the workshop's part of the downtime. */
  repairTime: DurationKpi
  /** Faults that ended (resolved or cleared) and were fixed remotely: a confirmed remote fix cleared them. */
  fixedRemotely: RateKpi | null
  /** OTA update commands that finished (succeeded, failed, rejected, expired; cancelled ones do not count) and succeeded. */
  otaSuccess: RateKpi | null
  /** The same for remote-action commands. */
  remoteActionSuccess: RateKpi | null
}

/** A period the policy accepted (./policy.ts kpiPeriod): from strictly before to. */
export interface KpiPeriod {
  from: Date
  to: Date
}

export interface KpiQuery extends KpiPeriod {
  /** only this dealer's alerts, and no fleet-wide KPIs */
  dealerId?: string | undefined
}

/** The default window: the 30 days up to now. */
export const DEFAULT_KPI_WINDOW_MS = 30 * 86_400_000
