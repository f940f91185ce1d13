/**
 * The fleet on a map: each vehicle at its last reported position (red with
 * open faults, green online, grey otherwise) and the dealers. The positions
 * come in one request (GET /api/v1/vehicles/positions: the whole fleet up to
 * its cap, 10,000, as columns); the page says when the API answered the
 * first of more. Connections and new faults reload them, at most once per
 * RELOAD_MS. Markers show even when the tiles cannot load.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { PageHead } from '../../components/page-head.js'
import { ErrorBox } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useEvents } from '../../components/use-events.js'
import type { PageProps } from '../page.js'
import type { Dealer } from '../vehicle/types.js'
import { FleetCanvasMap } from './fleet-canvas.js'
import type { FleetPositions } from './types.js'

const RELOAD_MS = 5000

const plural = (n: number, one: string): string => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`

export function FleetMap ({ route }: PageProps) {
  const [fault, setFault] = useState(route.query.get('fault') === 'open' ? 'open' : '')
  const [online, setOnline] = useState('')
  const fleet = useApi(async () => await api.get<FleetPositions>('/api/v1/vehicles/positions', { fault, online }), [fault, online])
  const dealers = useApi(async () => (await api.get<{ dealers: Dealer[] }>('/api/v1/dealers')).dealers, [])
  // connections and new faults recolour markers; at fleet scale they come often, so at most one reload per RELOAD_MS
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEvents((event) => {
    if (event.kind !== 'vehicle' && !(event.kind === 'fault' && event.event === 'opened')) return
    reloadTimer.current ??= setTimeout(() => { reloadTimer.current = undefined; fleet.reload() }, RELOAD_MS)
  }, fleet.reload)
  useEffect(() => () => clearTimeout(reloadTimer.current), [])

  const shown = fleet.data?.vin.length
  const sub = shown === undefined
    ? 'Loading positions…'
    : `${plural(shown, 'vehicle')} with a position${fleet.data?.truncated === true ? ` (the first ${fleet.data.limit.toLocaleString()} by VIN: filter to see the others)` : ''} · ${plural(dealers.data?.length ?? 0, 'dealer')}`
  return (
    <section class='fleet-map'>
      <PageHead title='Fleet map' sub={sub}>
        <label class='field'>Vehicles
          <select name='fault' value={fault} onChange={(e) => setFault(e.currentTarget.value)}>
            <option value=''>all</option>
            <option value='open'>with open faults</option>
          </select>
        </label>
        <label class='field'>Connection
          <select name='online' value={online} onChange={(e) => setOnline(e.currentTarget.value)}>
            <option value=''>any</option>
            <option value='true'>online</option>
            <option value='false'>offline</option>
          </select>
        </label>
      </PageHead>
      {fleet.error !== undefined && <ErrorBox message={fleet.error} retry={fleet.reload} />}
      {dealers.error !== undefined && <ErrorBox message={dealers.error} retry={dealers.reload} />}
      <FleetCanvasMap positions={fleet.data} dealers={dealers.data} />
      <p class='muted map-legend'>
        <span class='legend map-marker map-marker-vehicle bad' /> open faults <span class='legend map-marker map-marker-vehicle ok' /> online <span class='legend map-marker map-marker-vehicle muted' /> offline <span class='legend map-marker map-marker-dealer' /> dealer
      </p>
    </section>
  )
}
