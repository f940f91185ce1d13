/**
 * The fleet quality report: the DTCs and faults affecting the most vehicles
 * per model and firmware in a window, the rate per 1,000 vehicles and its
 * trend against the window before, when each was first seen; filters in the
 * address (a report can be linked), and the same report as CSV.
 */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, withQuery } from '../../api.js'
import { dateTime, num } from '../../components/format.js'
import { Empty, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { StateBadge } from '../../components/badge.js'
import type { QualityReport, QualityRow } from './types.js'

const WINDOWS = { '1d': 1, '7d': 7, '30d': 30, '90d': 90 } as const
const WINDOW_LABELS: Record<keyof typeof WINDOWS, string> = { '1d': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days', '90d': 'last 90 days' }
type Window = keyof typeof WINDOWS
const DAY_MS = 86_400_000
const MINUTE_MS = 60_000

const TRENDS: Record<QualityRow['trend'], { arrow: string, label: string }> = {
  rising: { arrow: '▲', label: 'rising' },
  falling: { arrow: '▼', label: 'falling' },
  steady: { arrow: '▬', label: 'steady' },
  new: { arrow: '●', label: 'new' }
}

export function QualityPage ({ route, session }: PageProps) {
  // rules and cases are engineers' pages in the console
  const linked = session.role === 'engineer'
  const filters = {
    window: (route.query.get('window') ?? '7d') as Window,
    model: route.query.get('model') ?? '',
    firmware: route.query.get('firmware') ?? '',
    kind: route.query.get('kind') ?? ''
  }
  const [typed, setTyped] = useState({ model: filters.model, firmware: filters.firmware })
  useEffect(() => setTyped({ model: filters.model, firmware: filters.firmware }), [filters.model, filters.firmware])
  const update = (change: Partial<typeof filters>): void => location.replace(href('/quality', { ...filters, ...change }))
  // the window ends at the next full minute when the filters were set, so the table and its CSV read the same rows
  const to = useMemo(() => Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS, [filters.window, filters.model, filters.firmware, filters.kind])
  const query = {
    from: new Date(to - (WINDOWS[filters.window] ?? 7) * DAY_MS).toISOString(),
    to: new Date(to).toISOString(),
    model: filters.model.trim() || undefined,
    firmware: filters.firmware.trim() || undefined,
    kind: filters.kind || undefined,
    limit: 100
  }
  const loaded = useApi(async () => await api.get<QualityReport>('/api/v1/quality', query), [JSON.stringify(query)])
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Quality</h1>
        <a class='button' href={withQuery('/api/v1/quality.csv', query)} download>Download CSV</a>
      </header>
      <form class='m-filters' onSubmit={(e) => { e.preventDefault(); update(typed) }}>
        <label>Window <select value={filters.window} onChange={(e) => update({ window: e.currentTarget.value as Window })}>
          {Object.entries(WINDOW_LABELS).map(([w, label]) => <option value={w}>{label}</option>)}
        </select></label>
        <label>Model <input value={typed.model} onInput={(e) => setTyped({ ...typed, model: e.currentTarget.value })} onChange={() => update(typed)} placeholder='any' /></label>
        <label>Firmware <input value={typed.firmware} onInput={(e) => setTyped({ ...typed, firmware: e.currentTarget.value })} onChange={() => update(typed)} placeholder='any' /></label>
        <label>Kind <select value={filters.kind} onChange={(e) => update({ kind: e.currentTarget.value })}>
          <option value=''>DTCs and faults</option><option value='dtc'>DTCs</option><option value='fault'>faults</option>
        </select></label>
      </form>
      <LoadedView loaded={loaded}>{(report) => report.rows.length === 0
        ? <Empty>Nothing reported between {dateTime(report.from)} and {dateTime(report.to)}{filters.model !== '' || filters.firmware !== '' ? ' for these filters' : ''}.</Empty>
        : (
          <>
            <p class='m-sub'>{dateTime(report.from)} – {dateTime(report.to)}, against {dateTime(report.previousFrom)} – {dateTime(report.from)}</p>
            <table class='table'>
              <thead>
                <tr><th>Kind</th><th>Code</th><th>What</th><th>Model</th><th>Firmware</th><th class='num'>Vehicles</th><th class='num'>Occurrences</th>
                  <th class='num'>Per 1,000</th><th>Trend</th><th class='num'>Before</th><th>First seen</th></tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr>
                    <td>{r.kind === 'dtc' ? 'DTC' : 'fault'}</td>
                    <td>{!linked ? <code>{r.code}</code> : r.kind === 'fault' ? <a href={href(`/rules/${r.code}`)}><code>{r.code}</code></a> : <a href={href('/cases', { q: r.code })}><code>{r.code}</code></a>}</td>
                    <td>{r.name ?? ''}{r.severity !== null && <> <StateBadge state={r.severity} /></>}</td>
                    <td>{r.model ?? '—'}</td>
                    <td>{r.firmware ?? '—'}</td>
                    <td class='num'>{r.vehiclesAffected} <span class='m-sub'>of {r.fleetSize}</span></td>
                    <td class='num'>{r.occurrences}</td>
                    <td class='num'>{num(r.ratePer1000, 1)}</td>
                    <td><span class={`m-trend m-trend-${r.trend}`} title={`${TRENDS[r.trend].label}: ${r.rateDelta >= 0 ? '+' : ''}${num(r.rateDelta, 1)} per 1,000`}>{TRENDS[r.trend].arrow} {TRENDS[r.trend].label}</span></td>
                    <td class='num'>{num(r.previousRatePer1000, 1)}</td>
                    <td>{dateTime(r.firstSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
          )}
      </LoadedView>
    </section>
  )
}
