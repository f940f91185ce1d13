/**
 * The fleet on a map: each vehicle at its last reported position (red with
 * open faults, green online, grey otherwise) and the dealers. The API has
 * no fleet-wide position list, so positions come from each vehicle's last
 * known state, for the first MAX_VEHICLES the filter matches, a few
 * requests at a time; the page says when it shows fewer than all.
 * Markers show even when the tiles cannot load.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { api } from '../../api.js'
import type { Tone } from '../../components/badge.js'
import { MapView, type MapMarker } from '../../components/map-view.js'
import { PageHead } from '../../components/page-head.js'
import { ErrorBox } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useEvents } from '../../components/use-events.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import type { Dealer, FleetPage, FleetVehicle, VehicleState } from '../vehicle/types.js'

const MAX_VEHICLES = 200
const AT_ONCE = 6
const RELOAD_MS = 5000

interface Placed { vehicle: FleetVehicle, lat: number, lon: number }

async function positions (vehicles: readonly FleetVehicle[]): Promise<Placed[]> {
  const placed: Placed[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < vehicles.length) {
      const vehicle = vehicles[next++] as FleetVehicle
      const state = await api.get<VehicleState>(`/api/v1/vehicles/${encodeURIComponent(vehicle.vin)}/state`).catch(() => undefined)
      if (state?.position != null) placed.push({ vehicle, lat: state.position.lat, lon: state.position.lon })
    }
  }
  await Promise.all(Array.from({ length: AT_ONCE }, worker))
  return placed
}

function toneOf (v: FleetVehicle): Tone {
  return v.openFaults > 0 ? 'bad' : v.online ? 'ok' : 'muted'
}

export function FleetMap ({ route }: PageProps) {
  const [fault, setFault] = useState(route.query.get('fault') === 'open' ? 'open' : '')
  const fleet = useApi(async () => {
    const page = await api.get<FleetPage>('/api/v1/vehicles', { fault, limit: MAX_VEHICLES })
    return { total: page.total, placed: await positions(page.vehicles) }
  }, [fault])
  const dealers = useApi(async () => (await api.get<{ dealers: Dealer[] }>('/api/v1/dealers')).dealers, [])
  // connections and new faults recolour markers; at fleet scale they come often, so at most one reload per RELOAD_MS
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEvents((event) => {
    if (event.kind !== 'vehicle' && !(event.kind === 'fault' && event.event === 'opened')) return
    reloadTimer.current ??= setTimeout(() => { reloadTimer.current = undefined; fleet.reload() }, RELOAD_MS)
  }, fleet.reload)
  useEffect(() => () => clearTimeout(reloadTimer.current), [])

  const markers = useMemo<MapMarker[]>(() => [
    ...(dealers.data ?? []).map((d) => ({ id: `dealer:${d.id}`, lat: d.lat, lon: d.lon, kind: 'dealer' as const, label: `${d.name} (dealer ${d.id})` })),
    ...(fleet.data?.placed ?? []).map((p) => ({
      id: p.vehicle.vin,
      lat: p.lat,
      lon: p.lon,
      kind: 'vehicle' as const,
      tone: toneOf(p.vehicle),
      label: `${p.vehicle.vin} · ${p.vehicle.model ?? ''}${p.vehicle.openFaults > 0 ? ` · ${p.vehicle.openFaults} open fault(s)` : ''}`,
      href: href(`/vehicles/${encodeURIComponent(p.vehicle.vin)}`)
    }))
  ], [fleet.data, dealers.data])

  const shown = fleet.data?.placed.length
  const total = fleet.data?.total
  return (
    <section class='fleet-map'>
      <PageHead title='Fleet map' sub={shown === undefined ? 'Loading positions…' : `${shown} vehicle${shown === 1 ? '' : 's'} with a position${total !== undefined && total > MAX_VEHICLES ? ` (the first ${MAX_VEHICLES} of ${total.toLocaleString()})` : ''} · ${dealers.data?.length ?? 0} dealers`}>
        <label class='field'>Vehicles
          <select name='fault' value={fault} onChange={(e) => setFault(e.currentTarget.value)}>
            <option value=''>all</option>
            <option value='open'>with open faults</option>
          </select>
        </label>
      </PageHead>
      {fleet.error !== undefined && <ErrorBox message={fleet.error} retry={fleet.reload} />}
      {dealers.error !== undefined && <ErrorBox message={dealers.error} retry={dealers.reload} />}
      <MapView markers={markers} height={620} />
      <p class='muted map-legend'>
        <span class='legend map-marker map-marker-vehicle bad' /> open faults <span class='legend map-marker map-marker-vehicle ok' /> online <span class='legend map-marker map-marker-vehicle muted' /> offline <span class='legend map-marker map-marker-dealer' /> dealer
      </p>
    </section>
  )
}
