/**
 * Service KPIs: the figures of a window (fault → alert at the dealer,
 * alert → parts staged, first-time fix as the dealer flagged it and as the
 * data verified it, back on the road, downtime, repair time, CSI and NPS;
 * for the fleet also remote fixes and command success), a table of them
 * per vehicle model, and their trend over the last ISO weeks (UTC). A
 * dealer sees its own; engineers and operators the fleet or one dealer.
 * The CSV link downloads the window per model and week.
 */
import { api, withQuery } from '../../api.js'
import { num } from '../../components/format.js'
import { Empty, LoadedView } from '../../components/states.js'
import { TimeChart, type ChartSeries } from '../../components/time-chart.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import type { Dealer, DurationKpi, KpiFigures, RateKpi, ServiceKpis } from './types.js'

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

/** Monday 00:00 UTC of the ISO week `t` is in: the API's weeks are ISO 8601 weeks in UTC. */
function weekStart (t: number): number {
  const day = Math.floor(t / DAY_MS) * DAY_MS
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS
}

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
  const query = (from: number, to: number, groupBy: string): Record<string, string | undefined> =>
    ({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), dealer: dealer === '' ? undefined : dealer, groupBy })
  const loaded = useApi(async () => {
    const at = Date.now()
    const firstWeek = weekStart(at) - (WEEKS - 1) * 7 * DAY_MS
    const [current, weekly] = await Promise.all([
      api.get<ServiceKpis>('/api/v1/kpis', query(at - days * DAY_MS, at, 'model')),
      api.get<ServiceKpis>('/api/v1/kpis', query(firstWeek, at, 'week'))
    ])
    // `at` fixes the window: the CSV link downloads the figures on screen
    return { current, weekly, weeks: Array.from({ length: WEEKS }, (_, i) => firstWeek + i * 7 * DAY_MS), at }
  }, [days, dealer])
  const csv = loaded.data === undefined ? undefined : withQuery('/api/v1/kpis.csv', query(loaded.data.at - days * DAY_MS, loaded.data.at, 'model,week'))
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
        {csv !== undefined && <a class='button' href={csv} download>Download CSV</a>}
      </header>
      <LoadedView loaded={loaded}>{({ current: k, weekly, weeks }) => {
        const byWeek = weeks.map((start) => weekly.groups.find((g) => g.weekStart !== null && Date.parse(g.weekStart) === start))
        const medians = (pick: (w: KpiFigures) => DurationKpi): Array<number | null> => byWeek.map((w) => w === undefined ? null : pick(w).p50S)
        const times = { faultToAlert: medians((w) => w.faultToAlert), alertToParts: medians((w) => w.alertToPartsStaged), backOnRoad: medians((w) => w.backOnRoad), repairTime: medians((w) => w.repairTime) }
        const unit = timeUnit(Object.values(times).flat())
        const inUnit = (values: Array<number | null>): Array<number | null> => values.map((v) => v === null ? null : v / unit.seconds)
        const percent = (pick: (w: KpiFigures) => RateKpi | null): Array<number | null> => byWeek.map((w) => {
          const r = w === undefined ? null : pick(w)
          return r?.rate == null ? null : r.rate * 100
        })
        const fleet = k.dealerId === null
        const verified = k.verifiedFirstTimeFix
        return (
          <>
            <div class='m-cards'>
              <DurationCard title='Fault → alert at the dealer' kpi={k.faultToAlert} extra={k.faultToAlert.undelivered > 0 ? `${k.faultToAlert.undelivered} not delivered yet` : undefined} />
              <DurationCard title='Alert → parts staged' kpi={k.alertToPartsStaged} />
              <RateCard title='First-time fix' kpi={k.firstTimeFix} what='flagged by the dealer as fixed at the first visit'
                extra={`verified by the data: ${rate(verified)} (${verified.hits} of ${verified.count} held ${k.ftfWindowDays} days) · ${verified.pending} pending · ${verified.disagreements} disagree with the dealer`} />
              <DurationCard title='Back on the road (fault → repaired or fixed remotely)' kpi={k.backOnRoad} note={k.backOnRoad.remote > 0 ? `${k.backOnRoad.remote} by a remote fix` : undefined} />
              <DurationCard title='Downtime (fault → repaired)' kpi={k.downtime} />
              <DurationCard title='Repair time (appointment → repaired)' kpi={k.repairTime} />
              <div class='m-card'>
                <div class='m-card-title'>Customer satisfaction (CSI, 1-5)</div>
                <div class='m-card-value'>{k.csi.mean === null ? '—' : num(k.csi.mean, 2)}</div>
                <div class='m-sub'>mean of {k.csi.count} answer{k.csi.count === 1 ? '' : 's'}</div>
              </div>
              <div class='m-card'>
                <div class='m-card-title'>Net Promoter Score</div>
                <div class='m-card-value'>{k.nps.score === null ? '—' : num(k.nps.score, 0)}</div>
                <div class='m-sub'>{k.nps.count} answers: {k.nps.promoters} promoters · {k.nps.passives} passives · {k.nps.detractors} detractors</div>
              </div>
              {fleet && <RateCard title='Fixed remotely' kpi={k.fixedRemotely} what='ended faults a remote fix cleared' />}
              {fleet && <RateCard title='OTA success' kpi={k.otaSuccess} what='finished updates that succeeded' />}
              {fleet && <RateCard title='Remote action success' kpi={k.remoteActionSuccess} what='finished actions that succeeded' />}
            </div>
            <h2>Per model</h2>
            {k.groups.length === 0
              ? <Empty>No faults of any model in this window.</Empty>
              : (
                <div class='table-wrap'>
                  <table class='table m-kpi-models'>
                    <thead><tr><th>Model</th><th class='num'>Alerts</th><th class='num'>First-time fix (dealer)</th><th class='num'>Verified</th><th class='num'>Pending</th>
                      <th class='num'>Back on the road (p50)</th><th class='num'>Downtime (p50)</th><th class='num'>CSI</th><th class='num'>NPS</th></tr></thead>
                    <tbody>{k.groups.map((g) => (
                      <tr>
                        <td>{g.model ?? <span class='m-sub'>no model</span>}</td>
                        <td class='num'>{g.faultToAlert.count + g.faultToAlert.undelivered}</td>
                        <td class='num'>{rate(g.firstTimeFix)}</td>
                        <td class='num'>{rate(g.verifiedFirstTimeFix)}</td>
                        <td class='num'>{g.verifiedFirstTimeFix.pending}</td>
                        <td class='num'>{duration(g.backOnRoad.p50S)}</td>
                        <td class='num'>{duration(g.downtime.p50S)}</td>
                        <td class='num'>{g.csi.mean === null ? '—' : `${num(g.csi.mean, 2)} (${g.csi.count})`}</td>
                        <td class='num'>{g.nps.score === null ? '—' : `${num(g.nps.score, 0)} (${g.nps.count})`}</td>
                      </tr>
                    ))}</tbody>
                  </table>
                </div>
                )}
            <h2>Week by week (ISO weeks, UTC)</h2>
            <div class='m-charts'>
              <div class='card'>
                <h3>Median times ({unit.name})</h3>
                <WeeklyChart t={weeks} empty='No alert reached the dealer in these weeks.' series={[
                  { label: 'fault → alert', unit: unit.short, values: inUnit(times.faultToAlert) },
                  { label: 'alert → parts', unit: unit.short, values: inUnit(times.alertToParts) },
                  { label: 'back on the road', unit: unit.short, values: inUnit(times.backOnRoad) },
                  { label: 'repair time', unit: unit.short, values: inUnit(times.repairTime) }
                ]} />
              </div>
              <div class='card'>
                <h3>Rates (%)</h3>
                <WeeklyChart t={weeks} empty='Nothing repaired or finished in these weeks.' series={[
                  { label: 'first-time fix (dealer)', unit: '%', values: percent((w) => w.firstTimeFix) },
                  { label: 'first-time fix (verified)', unit: '%', values: percent((w) => w.verifiedFirstTimeFix) },
                  ...(fleet
                    ? [
                        { label: 'fixed remotely', unit: '%', values: percent((w) => w.fixedRemotely) },
                        { label: 'OTA success', unit: '%', values: percent((w) => w.otaSuccess) }
                      ]
                    : [])
                ]} />
              </div>
              <div class='card'>
                <h3>Customer satisfaction</h3>
                <WeeklyChart t={weeks} empty='No survey answers in these weeks.' series={[
                  { label: 'CSI (1-5)', unit: 'CSI', values: byWeek.map((w) => w?.csi.mean ?? null) },
                  { label: 'NPS', unit: 'NPS', values: byWeek.map((w) => w?.nps.score ?? null) }
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

function DurationCard ({ title, kpi, extra, note }: { title: string, kpi: DurationKpi, extra?: string | undefined, note?: string | undefined }) {
  return (
    <div class='m-card'>
      <div class='m-card-title'>{title}</div>
      <div class='m-card-value'>{duration(kpi.p50S)}</div>
      <div class='m-sub'>median of {kpi.count} · mean {duration(kpi.meanS)} · p90 {duration(kpi.p90S)}</div>
      {extra !== undefined && <div class='m-sub m-warn-text'>{extra}</div>}
      {note !== undefined && <div class='m-sub'>{note}</div>}
    </div>
  )
}

function RateCard ({ title, kpi, what, extra }: { title: string, kpi: RateKpi | null, what: string, extra?: string }) {
  return (
    <div class='m-card'>
      <div class='m-card-title'>{title}</div>
      <div class='m-card-value'>{rate(kpi)}</div>
      <div class='m-sub'>{kpi === null ? '' : `${kpi.hits} of ${kpi.count} ${what}`}</div>
      {extra !== undefined && <div class='m-sub'>{extra}</div>}
    </div>
  )
}
