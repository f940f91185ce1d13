/**
 * Service KPIs: the figures of a window (fault → alert at the dealer,
 * alert → parts staged, first-time fix, downtime, repair time; for the
 * fleet also remote fixes and command success) and their trend week by
 * week. A dealer sees its own; engineers and operators the fleet or one
 * dealer.
 */
import { api } from '../../api.js'
import { num } from '../../components/format.js'
import { LoadedView } from '../../components/states.js'
import { TimeChart, type ChartSeries } from '../../components/time-chart.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import type { Dealer, DurationKpi, RateKpi, ServiceKpis } from './types.js'

const DAY_MS = 86_400_000
const WEEKS = 8

/** Seconds as a person reads a duration: "42 s", "3.5 min", "2.1 h", "1.5 d". */
export function duration (seconds: number | null): string {
  if (seconds === null) return '—'
  if (seconds < 90) return `${num(seconds, 0)} s`
  if (seconds < 5400) return `${num(seconds / 60, 1)} min`
  if (seconds < 172_800) return `${num(seconds / 3600, 1)} h`
  return `${num(seconds / 86_400, 1)} d`
}

/** The unit a chart of durations reads best in: the longest decides, so a second is not drawn as 0.0003 h on an axis of zeros. */
function timeUnit (seconds: ReadonlyArray<number | null>): { name: string, short: string, seconds: number } {
  const longest = Math.max(0, ...seconds.filter((s): s is number => s !== null))
  if (longest < 120) return { name: 'seconds', short: 's', seconds: 1 }
  if (longest < 7200) return { name: 'minutes', short: 'min', seconds: 60 }
  if (longest < 172_800) return { name: 'hours', short: 'h', seconds: 3600 }
  return { name: 'days', short: 'd', seconds: 86_400 }
}

const rate = (k: RateKpi | null): string => k === null || k.rate === null ? '—' : `${num(k.rate * 100, 1)} %`

const WINDOW_DAYS = [7, 30, 90]

export function KpisPage ({ route, session }: PageProps) {
  // the window and the dealer are in the address: a dealer's figures can be linked (the dealers page does)
  const asked = Number(route.query.get('days'))
  const days = WINDOW_DAYS.includes(asked) ? asked : 30
  // a dealer's own figures are its only ones: the API scopes them, the page names no other
  const dealer = session.role === 'dealer' ? '' : route.query.get('dealer') ?? ''
  const update = (change: { days?: number, dealer?: string }): void => {
    const next = { days, dealer, ...change }
    location.replace(href('/kpis', { days: next.days === 30 ? undefined : String(next.days), dealer: next.dealer }))
  }
  const dealers = useApi(async () => session.role === 'dealer' ? [] : (await api.get<{ dealers: Dealer[] }>('/api/v1/dealers')).dealers, [])
  const loaded = useApi(async () => {
    const now = Date.now()
    const query = (from: number, to: number) => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), dealer: dealer === '' ? undefined : dealer })
    const [current, ...weeks] = await Promise.all([
      api.get<ServiceKpis>('/api/v1/kpis', query(now - days * DAY_MS, now)),
      ...Array.from({ length: WEEKS }, async (_, i) => await api.get<ServiceKpis>('/api/v1/kpis', query(now - (WEEKS - i) * 7 * DAY_MS, now - (WEEKS - i - 1) * 7 * DAY_MS)))
    ])
    return { current: current as ServiceKpis, weeks }
  }, [days, dealer])
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>KPIs</h1>
        <label>Window <select value={days} onChange={(e) => update({ days: Number(e.currentTarget.value) })}>
          {WINDOW_DAYS.map((d) => <option value={d}>last {d} days</option>)}
        </select></label>
        {session.role !== 'dealer' && (
          <label>Dealer <select value={dealer} onChange={(e) => update({ dealer: e.currentTarget.value })}>
            <option value=''>the whole fleet</option>
            {(dealers.data ?? []).map((d) => <option value={d.id}>{d.name}</option>)}
          </select></label>
        )}
      </header>
      <LoadedView loaded={loaded}>{({ current: k, weeks }) => {
        const t = weeks.map((w) => new Date(w.to).getTime())
        const medians = (pick: (w: ServiceKpis) => DurationKpi): Array<number | null> => weeks.map((w) => pick(w).p50S)
        const times = { faultToAlert: medians((w) => w.faultToAlert), alertToParts: medians((w) => w.alertToPartsStaged), downtime: medians((w) => w.downtime), repairTime: medians((w) => w.repairTime) }
        const unit = timeUnit(Object.values(times).flat())
        const inUnit = (values: Array<number | null>): Array<number | null> => values.map((v) => v === null ? null : v / unit.seconds)
        const percent = (pick: (w: ServiceKpis) => RateKpi | null): Array<number | null> => weeks.map((w) => pick(w)?.rate == null ? null : (pick(w)?.rate as number) * 100)
        const fleet = k.dealerId === null
        return (
          <>
            <div class='m-cards'>
              <DurationCard title='Fault → alert at the dealer' kpi={k.faultToAlert} extra={k.faultToAlert.undelivered > 0 ? `${k.faultToAlert.undelivered} not delivered yet` : undefined} />
              <DurationCard title='Alert → parts staged' kpi={k.alertToPartsStaged} />
              <RateCard title='First-time fix' kpi={k.firstTimeFix} what='repaired at the first visit' />
              <DurationCard title='Downtime (fault → repaired)' kpi={k.downtime} />
              <DurationCard title='Repair time (appointment → repaired)' kpi={k.repairTime} />
              {fleet && <RateCard title='Fixed remotely' kpi={k.fixedRemotely} what='ended faults a remote fix cleared' />}
              {fleet && <RateCard title='OTA success' kpi={k.otaSuccess} what='finished updates that succeeded' />}
              {fleet && <RateCard title='Remote action success' kpi={k.remoteActionSuccess} what='finished actions that succeeded' />}
            </div>
            <h2>Week by week</h2>
            <div class='m-charts'>
              <div class='card'>
                <h3>Median times ({unit.name})</h3>
                <WeeklyChart t={t} empty='No alert reached the dealer in these weeks.' series={[
                  { label: 'fault → alert', unit: unit.short, values: inUnit(times.faultToAlert) },
                  { label: 'alert → parts', unit: unit.short, values: inUnit(times.alertToParts) },
                  { label: 'downtime', unit: unit.short, values: inUnit(times.downtime) },
                  { label: 'repair time', unit: unit.short, values: inUnit(times.repairTime) }
                ]} />
              </div>
              <div class='card'>
                <h3>Rates (%)</h3>
                <WeeklyChart t={t} empty='Nothing repaired or finished in these weeks.' series={[
                  { label: 'first-time fix', unit: '%', values: percent((w) => w.firstTimeFix) },
                  ...(fleet
                    ? [
                        { label: 'fixed remotely', unit: '%', values: percent((w) => w.fixedRemotely) },
                        { label: 'OTA success', unit: '%', values: percent((w) => w.otaSuccess) }
                      ]
                    : [])
                ]} />
              </div>
            </div>
          </>
        )
      }}</LoadedView>
    </section>
  )
}

/** A KPI week by week, from zero (a chart of nothing but gaps shows its empty line). */
function WeeklyChart ({ t, series, empty }: { t: readonly number[], series: ChartSeries[], empty: string }) {
  return <TimeChart t={t} series={series} empty={empty} zero />
}

function DurationCard ({ title, kpi, extra }: { title: string, kpi: DurationKpi, extra?: string | undefined }) {
  return (
    <div class='m-card'>
      <div class='m-card-title'>{title}</div>
      <div class='m-card-value'>{duration(kpi.p50S)}</div>
      <div class='m-sub'>median of {kpi.count} · mean {duration(kpi.meanS)} · p90 {duration(kpi.p90S)}</div>
      {extra !== undefined && <div class='m-sub m-warn-text'>{extra}</div>}
    </div>
  )
}

function RateCard ({ title, kpi, what }: { title: string, kpi: RateKpi | null, what: string }) {
  return (
    <div class='m-card'>
      <div class='m-card-title'>{title}</div>
      <div class='m-card-value'>{rate(kpi)}</div>
      <div class='m-sub'>{kpi === null ? '' : `${kpi.hits} of ${kpi.count} ${what}`}</div>
    </div>
  )
}
