/**
 * One vehicle, everything on one page (no tabs: nothing hidden behind a
 * click): who it is and whether it is connected; the last known value of
 * every signal with its age, updated live; charts of chosen signals; the
 * GNSS track and where it is now; open DTCs with their SAE J2012 text and
 * the DTC history; its faults; its commands and the remote-fix form.
 */
import type { ComponentChildren } from 'preact'
import { useRef, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { Badge, StateBadge } from '../../components/badge.js'
import { dateTime, num, relative } from '../../components/format.js'
import { MapView, type MapMarker } from '../../components/map-view.js'
import { PageHead } from '../../components/page-head.js'
import { Empty, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useNow } from '../../components/use-now.js'
import { streamLabel, useEvents } from '../../components/use-events.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { CommandsPanel } from './commands-panel.js'
import { DiagnosePanel } from './diagnose-panel.js'
import { defaultSignals, RANGES, SignalCharts, type RangeKey } from './signal-charts.js'
import type { DtcReport, Track, VehicleState } from './types.js'
import { useLive, type LiveSignal } from './use-live.js'

const LAT = 'Vehicle.CurrentLocation.Latitude'
const LON = 'Vehicle.CurrentLocation.Longitude'

export function VehiclePage ({ params, route, session }: PageProps) {
  const vin = params.vin ?? ''
  const state = useApi(async () => await api.get<VehicleState>(`/api/v1/vehicles/${encodeURIComponent(vin)}/state`), [vin])
  const receivers = useRef<Array<(signals: readonly LiveSignal[]) => void>>([])
  const live = useLive(vin, (signals) => { for (const r of receivers.current) r(signals) })
  // faults and DTCs change with the vehicle's faults: reload the state then
  useEvents((event) => {
    if ((event.kind === 'fault' && event.vin === vin) || (event.kind === 'vehicle' && event.vin === vin)) state.reload()
  }, state.reload)

  return (
    <LoadedView loaded={state}>
      {(s) => <VehicleView s={s} route={route} live={live} canSend={session.role === 'engineer'} subscribe={(r) => { receivers.current = [r] }} />}
    </LoadedView>
  )
}

interface ViewProps {
  s: VehicleState
  route: PageProps['route']
  live: ReturnType<typeof useLive>
  canSend: boolean
  subscribe: (receiver: (signals: readonly LiveSignal[]) => void) => void
}

function VehicleView ({ s, route, live, canSend, subscribe }: ViewProps) {
  const online = live.connection?.connected ?? s.connection.online
  const [chosen, setChosen] = useState<string[]>(() => route.query.get('signals')?.split(',').filter((n) => n !== '') ?? defaultSignals(s.signals, faultSignals(s)))
  const [range, setRange] = useState<RangeKey>(() => {
    const asked = route.query.get('range') ?? ''
    return asked in RANGES ? asked as RangeKey : '1h'
  })
  const changeCharts = (signals: string[], r: RangeKey): void => {
    setChosen(signals)
    setRange(r)
    history.replaceState(null, '', href(`/vehicles/${encodeURIComponent(s.vin)}`, { signals: signals.join(','), range: r }))
  }
  // ages tick without new data
  useNow(5000)

  return (
    <section class='vehicle'>
      <PageHead
        title={<><span class='mono'>{s.vin}</span> {online ? <Badge tone='ok'>online</Badge> : <Badge tone='muted'>offline</Badge>}</>}
        sub={<>{s.model ?? 'unknown model'}{s.brand === null ? '' : ` · ${s.brand}`} · firmware {s.firmware ?? '—'} · dealer {s.dealerId ?? '—'} · {online ? `connected since ${relative(live.connection?.since ?? s.connection.since)}` : `last seen ${relative(s.lastSeenAt)}`}</>}
      >
        <span class={`live-mark ${live.state}`}>{streamLabel(live.state)}</span>
      </PageHead>
      <nav class='vehicle-sections'>
        <a href='#vehicle-signals' onClick={jump}>Signals</a> · <a href='#vehicle-charts' onClick={jump}>Charts</a> · <a href='#vehicle-map' onClick={jump}>Map</a> · <a href='#vehicle-dtcs' onClick={jump}>DTCs</a>
        {s.faults !== null && <> · <a href='#vehicle-faults' onClick={jump}>Faults</a></>}
        {canSend && <> · <a href='#vehicle-diagnose' onClick={jump}>Diagnose</a></>}
        {s.commands !== null && <> · <a href='#vehicle-commands' onClick={jump}>Commands</a></>}
      </nav>
      <div class='vehicle-grid'>
        <div class='card' id='vehicle-signals'>
          <header><h2>Last known state</h2><span class='muted'>{s.signals.length} signals</span></header>
          <SignalTable s={s} live={live.latest} />
        </div>
        <div>
          <div class='card' id='vehicle-charts'>
            <header><h2>Signals over time</h2></header>
            <SignalCharts vin={s.vin} available={s.signals} chosen={chosen} range={range} onChange={changeCharts} subscribe={subscribe} />
          </div>
          <div class='card' id='vehicle-map'>
            <header><h2>Track</h2><span class='muted'>{range.replace('m', ' min').replace('h', ' h')}</span></header>
            <TrackMap vin={s.vin} s={s} range={range} live={live.latest} />
          </div>
        </div>
      </div>
      <div class='card' id='vehicle-dtcs'>
        <header><h2>Open DTCs</h2></header>
        <OpenDtcs s={s} />
        <h2 class='sub-head'>DTC history</h2>
        <DtcHistory vin={s.vin} />
      </div>
      {s.faults !== null && (
        <div class='card' id='vehicle-faults'>
          <header><h2>Faults</h2><a href={href('/faults', { vin: s.vin, state: 'all' })}>in the fault queue</a></header>
          {s.faults.length === 0
            ? <Empty>No faults open for this vehicle.</Empty>
            : (
              <table class='table'>
                <thead><tr><th>Fault</th><th>Severity</th><th>State</th><th>Opened</th><th class='num'>Occurrences</th></tr></thead>
                <tbody>
                  {s.faults.map((f) => (
                    <tr><td><a href={href(`/faults/${f.id}`)}>#{f.id} {f.ruleId}</a></td><td><StateBadge state={f.severity} /></td><td><StateBadge state={f.state} /></td><td title={dateTime(f.openedAt)}>{relative(f.openedAt)}</td><td class='num'>{f.occurrences}</td></tr>
                  ))}
                </tbody>
              </table>
              )}
        </div>
      )}
      {canSend && (
        <div class='card' id='vehicle-diagnose'>
          <header><h2>Diagnose</h2></header>
          <DiagnosePanel vin={s.vin} />
        </div>
      )}
      {s.commands !== null && (
        <div class='card' id='vehicle-commands'>
          <header><h2>Commands</h2></header>
          <CommandsPanel vin={s.vin} canSend={canSend} />
        </div>
      )}
    </section>
  )
}

/** "Vehicle.Powertrain.CombustionEngine.ECT" with line breaks allowed after its dots, not inside a word. */
function dotted (name: string): ComponentChildren {
  return name.split('.').map((part, i) => i === 0 ? part : <>.<wbr />{part}</>)
}

/** The signals the vehicle's open faults were raised on (their freeze frames' signals), most recent fault first. */
function faultSignals (s: VehicleState): string[] {
  return [...(s.faults ?? [])].sort((a, b) => b.openedAt.localeCompare(a.openedAt)).flatMap((f) => f.evidence.map((e) => e.signal))
}

// in-page links without touching the hash route
function jump (e: Event): void {
  e.preventDefault()
  const id = (e.currentTarget as HTMLAnchorElement).getAttribute('href')?.slice(1) ?? ''
  document.getElementById(id)?.scrollIntoView({ behavior: 'smooth', block: 'start' })
}

function SignalTable ({ s, live }: { s: VehicleState, live: ReadonlyMap<string, LiveSignal> }) {
  const [filter, setFilter] = useState('')
  if (s.signals.length === 0 && live.size === 0) return <Empty>No signal received from this vehicle yet.</Empty>
  const rows = new Map(s.signals.map((sig) => [sig.name, { name: sig.name, unit: sig.unit, value: sig.value, timeMs: new Date(sig.time).getTime() }]))
  for (const sig of live.values()) {
    const known = rows.get(sig.name)
    if (known === undefined || known.timeMs <= sig.timeMs) rows.set(sig.name, { ...sig })
  }
  const wanted = filter.trim().toLowerCase()
  const list = [...rows.values()].filter((r) => wanted === '' || r.name.toLowerCase().includes(wanted)).sort((a, b) => a.name.localeCompare(b.name))
  return (
    <>
      <input type='search' class='signal-filter' name='signal-filter' placeholder='Filter signals' value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      <div class='table-wrap signal-table-wrap'>
        <table class='table signal-table'>
          <thead><tr><th>Signal</th><th class='num'>Value</th><th>Unit</th><th>Age</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.name} data-signal={r.name}><td class='mono'>{dotted(r.name)}</td><td class='num'>{num(r.value, 3)}</td><td>{r.unit}</td><td title={dateTime(r.timeMs)}>{relative(r.timeMs)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

function TrackMap ({ vin, s, range, live }: { vin: string, s: VehicleState, range: RangeKey, live: ReadonlyMap<string, LiveSignal> }) {
  const track = useApi(async () => {
    const to = Date.now()
    return await api.get<Track>(`/api/v1/vehicles/${encodeURIComponent(vin)}/track`, { from: new Date(to - RANGES[range]).toISOString(), to: new Date(to).toISOString(), points: 1000 })
  }, [vin, range])
  const lat = live.get(LAT)?.value ?? s.position?.lat
  const lon = live.get(LON)?.value ?? s.position?.lon
  const markers: MapMarker[] = lat === undefined || lon === undefined ? [] : [{ id: vin, lat, lon, kind: 'position', label: `${vin} · ${relative(s.position?.time)}` }]
  const points = (track.data?.lat ?? []).map((la, i) => [la, track.data?.lon[i] ?? 0] as const)
  return (
    <>
      {track.error !== undefined && <div class='error-box'>{track.error}</div>}
      {markers.length === 0 && points.length === 0 && !track.loading && <Empty>No position reported in this range.</Empty>}
      <MapView markers={markers} track={points} height={300} />
    </>
  )
}

function OpenDtcs ({ s }: { s: VehicleState }) {
  if (s.dtcs.length === 0) return <Empty>No open DTCs.</Empty>
  return (
    <table class='table dtc-table'>
      <thead><tr><th>DTC</th><th>Meaning (SAE J2012)</th><th>Status</th><th>ECU</th><th>First seen</th><th>Last seen</th></tr></thead>
      <tbody>
        {s.dtcs.map((d) => (
          <tr><td class='mono'>{d.code}</td><td>{d.text}</td><td>{d.statusText.map((f) => <span class='badge muted'>{f}</span>)}</td><td class='mono'>0x{d.ecu.toString(16).toUpperCase()}</td><td title={dateTime(d.firstSeen)}>{relative(d.firstSeen)}</td><td title={dateTime(d.lastSeen)}>{relative(d.lastSeen)}</td></tr>
        ))}
      </tbody>
    </table>
  )
}

function DtcHistory ({ vin }: { vin: string }) {
  const loaded = useApi(async () => (await api.get<{ dtcs: DtcReport[] }>(`/api/v1/vehicles/${encodeURIComponent(vin)}/dtcs`, { limit: 50 })).dtcs, [vin])
  return (
    <LoadedView loaded={loaded}>
      {(dtcs) => dtcs.length === 0
        ? <Empty>No DTC reported.</Empty>
        : (
          <table class='table'>
            <thead><tr><th>Time</th><th>DTC</th><th>Meaning</th><th>Status</th><th>ECU</th></tr></thead>
            <tbody>
              {dtcs.map((d) => (
                <tr><td>{dateTime(d.time)}</td><td class='mono'>{d.code}</td><td>{d.text}</td><td>{d.statusText.join(', ')}</td><td class='mono'>0x{d.ecu.toString(16).toUpperCase()}</td></tr>
              ))}
            </tbody>
          </table>
          )}
    </LoadedView>
  )
}
