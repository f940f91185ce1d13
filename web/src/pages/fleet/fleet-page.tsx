/**
 * The fleet list: every vehicle the user may see, a page of 50 at a time by
 * the API's cursor (fast at any fleet size: the server filters, counts and
 * pages), with search and filters kept in the address so a filtered list
 * can be shared. Online state changes in place; new faults reload the page.
 *
 * Keys: / search (Enter there opens a VIN typed whole, or the selected
 * vehicle), j/k or arrows move, Enter opens, n/p next and previous page.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { Badge } from '../../components/badge.js'
import { dateTime, relative } from '../../components/format.js'
import { openOnDoubleClick, useKeys, useListCursor } from '../../components/keys.js'
import { PageHead } from '../../components/page-head.js'
import { Empty, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useNow } from '../../components/use-now.js'
import { streamLabel, useEvents } from '../../components/use-events.js'
import { href, navigate } from '../../router.js'
import type { PageProps } from '../page.js'
import type { FleetPage as FleetAnswer, FleetVehicle } from '../vehicle/types.js'

const PAGE_SIZE = 50

interface Filters {
  q: string
  model: string
  firmware: string
  fault: '' | 'open' | 'none'
  online: '' | 'true' | 'false'
}

function filtersOf (query: URLSearchParams): Filters {
  const fault = query.get('fault')
  const online = query.get('online')
  return {
    q: query.get('q') ?? '',
    model: query.get('model') ?? '',
    firmware: query.get('firmware') ?? '',
    fault: fault === 'open' || fault === 'none' ? fault : '',
    online: online === 'true' || online === 'false' ? online : ''
  }
}

export function FleetPage ({ route }: PageProps) {
  const [filters, setFilters] = useState<Filters>(() => filtersOf(route.query))
  const [search, setSearch] = useState(filters.q)
  // the cursors of the pages before this one, for "previous"
  const [cursors, setCursors] = useState<string[]>([])
  const after = cursors[cursors.length - 1]
  const searchBox = useRef<HTMLInputElement>(null)
  const seen = useRef({ models: new Set<string>(), firmware: new Set<string>() })

  // typing settles for a moment before the list follows
  useEffect(() => {
    const timer = setTimeout(() => change({ q: search.trim() }), 250)
    return () => clearTimeout(timer)
  }, [search])

  const change = (next: Partial<Filters>): void => {
    const merged = { ...filters, ...next }
    if (JSON.stringify(merged) === JSON.stringify(filters)) return
    setFilters(merged)
    setCursors([])
    // the address follows the filters without a history entry per keystroke
    history.replaceState(null, '', href('/fleet', { ...merged }))
  }

  const loaded = useApi(async () => await api.get<FleetAnswer>('/api/v1/vehicles', { ...filters, limit: PAGE_SIZE, after }), [JSON.stringify(filters), after])
  // connection changes heard since this answer came, laid over its rows; a new
  // answer starts clean, so the count and the rows always come from one answer
  const [live, setLive] = useState<{ of: FleetAnswer | undefined, changes: Map<string, Pick<FleetVehicle, 'online' | 'lastSeenAt'>> }>({ of: undefined, changes: new Map() })
  const rows = useMemo(() => {
    const vehicles = loaded.data?.vehicles ?? []
    const changes = live.of === loaded.data ? live.changes : undefined
    return changes === undefined || changes.size === 0 ? vehicles : vehicles.map((v) => { const c = changes.get(v.vin); return c === undefined ? v : { ...v, ...c } })
  }, [loaded.data, live])
  useEffect(() => {
    for (const v of loaded.data?.vehicles ?? []) {
      if (v.model !== null) seen.current.models.add(v.model)
      if (v.firmware !== null) seen.current.firmware.add(v.firmware)
    }
  }, [loaded.data])

  const reloadSoon = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const stream = useEvents((event) => {
    if (event.kind === 'vehicle') {
      const shown = loaded.data
      setLive((prev) => {
        const changes = new Map(prev.of === shown ? prev.changes : undefined)
        const before = changes.get(event.vin) ?? shown?.vehicles.find((v) => v.vin === event.vin)
        if (before === undefined) return prev
        changes.set(event.vin, { online: event.connected, lastSeenAt: event.time ?? before.lastSeenAt })
        return { of: shown, changes }
      })
    } else if (event.kind === 'fault' && reloadSoon.current === undefined) {
      // a burst of fault events is one reload
      reloadSoon.current = setTimeout(() => { reloadSoon.current = undefined; loaded.reload() }, 1000)
    }
  }, loaded.reload)
  useEffect(() => () => clearTimeout(reloadSoon.current), [])

  const open = (i: number): void => { const v = rows[i]; if (v !== undefined) navigate(`/vehicles/${encodeURIComponent(v.vin)}`) }
  const [cursor, setCursor] = useListCursor(rows.length, open)
  const nextAfter = loaded.data?.nextAfter ?? null
  const next = (): void => { if (nextAfter !== null) setCursors((c) => [...c, nextAfter]) }
  const previous = (): void => { setCursors((c) => c.slice(0, -1)) }
  useKeys({ '/': () => searchBox.current?.focus(), n: next, p: previous })

  // "last seen" ages stay true while the list is open
  useNow()
  // in the search box, Enter opens a whole VIN as typed, else the selected vehicle once the list shows what was typed
  const searchKeys = (e: KeyboardEvent): void => {
    if (e.key !== 'Enter' || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return
    e.preventDefault()
    const typed = search.trim().toUpperCase()
    if (/^[A-HJ-NPR-Z0-9]{17}$/.test(typed)) navigate(`/vehicles/${typed}`)
    else if (search.trim() === filters.q && !loaded.loading) open(cursor)
  }
  const total = loaded.data?.total
  const first = cursors.length * PAGE_SIZE + 1
  return (
    <section class='fleet'>
      <PageHead title='Fleet' sub={total === undefined ? ' ' : `${total.toLocaleString()} vehicle${total === 1 ? '' : 's'}${anyFilter(filters) ? ' match' : ''}`}>
        <span class={`live-mark ${stream}`}>{streamLabel(stream)}</span>
      </PageHead>
      <div class='toolbar'>
        <label class='field grow'><span>Search VIN or model <kbd>/</kbd></span>
          <input ref={searchBox} type='search' name='q' placeholder='WDB… or model' value={search} onInput={(e) => setSearch(e.currentTarget.value)} onKeyDown={searchKeys} />
        </label>
        <label class='field'>Model
          <input name='model' list='fleet-models' value={filters.model} onChange={(e) => change({ model: e.currentTarget.value.trim() })} />
        </label>
        <label class='field'>Firmware
          <input name='firmware' list='fleet-firmware' value={filters.firmware} onChange={(e) => change({ firmware: e.currentTarget.value.trim() })} />
        </label>
        <label class='field'>Faults
          <select name='fault' value={filters.fault} onChange={(e) => change({ fault: e.currentTarget.value as Filters['fault'] })}>
            <option value=''>any</option>
            <option value='open'>with open faults</option>
            <option value='none'>without</option>
          </select>
        </label>
        <label class='field'>Connection
          <select name='online' value={filters.online} onChange={(e) => change({ online: e.currentTarget.value as Filters['online'] })}>
            <option value=''>any</option>
            <option value='true'>online now</option>
            <option value='false'>offline</option>
          </select>
        </label>
        {anyFilter(filters) && <button type='button' onClick={() => { setSearch(''); change({ q: '', model: '', firmware: '', fault: '', online: '' }) }}>Clear filters</button>}
        <datalist id='fleet-models'>{[...seen.current.models].sort().map((m) => <option value={m} />)}</datalist>
        <datalist id='fleet-firmware'>{[...seen.current.firmware].sort().map((f) => <option value={f} />)}</datalist>
      </div>
      <LoadedView loaded={loaded}>
        {() => rows.length === 0
          ? <Empty>{anyFilter(filters) ? 'No vehicle matches these filters.' : 'No vehicles yet. Register one with `pitwall device add` or run `npm run demo`.'}</Empty>
          : (
            <>
              <div class='table-wrap'>
                <table class='table fleet-table'>
                  <thead>
                    <tr><th>VIN</th><th>Model</th><th>Firmware</th><th>Brand</th><th>Dealer</th><th>Connection</th><th class='num'>Open faults</th><th>Last seen</th></tr>
                  </thead>
                  <tbody>
                    {rows.map((v, i) => (
                      <tr key={v.vin} class={`clickable${i === cursor ? ' selected' : ''}`} data-cursor={i === cursor ? 'true' : undefined} onClick={() => setCursor(i)} onDblClick={openOnDoubleClick(() => open(i))}>
                        <td class='mono'><a href={href(`/vehicles/${encodeURIComponent(v.vin)}`)}>{v.vin}</a></td>
                        <td>{v.model ?? '—'}</td>
                        <td>{v.firmware ?? '—'}</td>
                        <td>{v.brand ?? '—'}</td>
                        <td>{v.dealerId ?? '—'}</td>
                        <td>{v.online ? <Badge tone='ok'>online</Badge> : <Badge tone='muted'>offline</Badge>}</td>
                        <td class='num'>{v.openFaults > 0 ? <Badge tone='bad'>{v.openFaults}</Badge> : <span class='muted'>0</span>}</td>
                        {/* an online vehicle is seen now; its lastSeenAt is when it connected */}
                        <td title={v.lastSeenAt === null ? undefined : `${v.online ? 'connected' : 'last seen'} ${dateTime(v.lastSeenAt)}`}>{v.online ? 'now' : relative(v.lastSeenAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div class='pager'>
                <span class='muted'>{first.toLocaleString()}–{(first + rows.length - 1).toLocaleString()} of {(total ?? 0).toLocaleString()}</span>
                <button type='button' onClick={previous} disabled={cursors.length === 0}>Previous <kbd>p</kbd></button>
                <button type='button' onClick={next} disabled={nextAfter === null}>Next <kbd>n</kbd></button>
              </div>
              <p class='muted keys-help'><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> search</p>
            </>
            )}
      </LoadedView>
    </section>
  )
}

function anyFilter (f: Filters): boolean {
  return f.q !== '' || f.model !== '' || f.firmware !== '' || f.fault !== '' || f.online !== ''
}
