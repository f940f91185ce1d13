/**
 * The fleet map's Leaflet map: every vehicle as a circle on one canvas
 * (Leaflet's canvas renderer, `preferCanvas`), the dealers above them as
 * labelled elements, as components/map-view.tsx draws them. 10,000 DOM
 * markers would be 10,000 positioned elements to lay out again at every
 * zoom; on a canvas they are drawn in one pass. Markers are kept by VIN and
 * moved or recoloured in place when the positions reload, so a reload does
 * not rebuild the layer. One tooltip serves every vehicle (a tooltip bound
 * to each would be 10,000 more objects); a click opens the vehicle. Canvas
 * circles cannot take the keyboard's focus, so a VIN field finds one.
 *
 * The tiles come from PITWALL_CONSOLE_TILE_URL; when they cannot load, the
 * markers show on a plain background and a note says why.
 */
import * as L from 'leaflet'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Tone } from '../../components/badge.js'
import { tileUrl } from '../../components/map-view.js'
import { href } from '../../router.js'
import type { Dealer } from '../vehicle/types.js'
import type { FleetPositions } from './types.js'

type VehicleTone = Extract<Tone, 'bad' | 'ok' | 'muted'>

/** The legend's colours (styles.css .map-marker-vehicle): a canvas is not styled by classes. */
const FILL: Record<VehicleTone, string> = { bad: '#cf222e', ok: '#1a7f37', muted: '#8c96a5' }

interface Shown { marker: L.CircleMarker, tone: VehicleTone, label: string }

interface MapState {
  map: L.Map
  renderer: L.Canvas
  vehicles: L.FeatureGroup
  dealers: L.LayerGroup
  tooltip: L.Tooltip
  shown: Map<string, Shown>
  vinOf: WeakMap<L.Layer, string>
  fitted: boolean
}

function toneOf (online: boolean, openFaults: number): VehicleTone {
  return openFaults > 0 ? 'bad' : online ? 'ok' : 'muted'
}

function textElement (text: string): HTMLElement {
  const el = document.createElement('span')
  el.textContent = text
  return el
}

function vehicleLabel (p: FleetPositions, i: number): string {
  const faults = p.openFaults[i] ?? 0
  return `${p.vin[i] ?? ''}${p.model[i] == null ? '' : ` · ${p.model[i] as string}`}${faults > 0 ? ` · ${faults} open fault${faults === 1 ? '' : 's'}` : ''}${p.online[i] === true ? ' · online' : ''}`
}

export function FleetCanvasMap ({ positions, dealers, height = 620 }: { positions: FleetPositions | undefined, dealers: readonly Dealer[] | undefined, height?: number }) {
  const host = useRef<HTMLDivElement>(null)
  const state = useRef<MapState | undefined>(undefined)
  const [tilesFailed, setTilesFailed] = useState(false)
  const [find, setFind] = useState('')
  const [findNote, setFindNote] = useState<string | undefined>(undefined)

  useEffect(() => {
    if (host.current === null) return
    const map = L.map(host.current, { preferCanvas: true, zoomControl: true, attributionControl: true }).setView([50, 10], 4)
    L.tileLayer(tileUrl(), { maxZoom: 19, attribution: '&copy; OpenStreetMap contributors', crossOrigin: false })
      .on('tileerror', () => setTilesFailed(true))
      .addTo(map)
    const s: MapState = {
      map,
      // a wider margin than the default 0.1 of the view: panning a little shows circles already drawn
      renderer: L.canvas({ padding: 0.5 }),
      vehicles: L.featureGroup().addTo(map),
      dealers: L.layerGroup().addTo(map),
      tooltip: L.tooltip({ direction: 'top', offset: [0, -6] }),
      shown: new Map(),
      vinOf: new WeakMap(),
      fitted: false
    }
    // events of the circles reach their group (Leaflet's event parents), with the circle as propagatedFrom
    s.vehicles.on('mouseover', (e) => {
      const vin = s.vinOf.get(e.propagatedFrom as L.Layer)
      const shown = vin === undefined ? undefined : s.shown.get(vin)
      if (shown !== undefined) showTooltip(s, shown)
    })
    s.vehicles.on('mouseout', () => { map.closeTooltip(s.tooltip) })
    s.vehicles.on('click', (e) => {
      const vin = s.vinOf.get(e.propagatedFrom as L.Layer)
      if (vin !== undefined) location.hash = href(`/vehicles/${encodeURIComponent(vin)}`).replace(/^#/, '')
    })
    state.current = s
    return () => {
      map.remove()
      state.current = undefined
    }
  }, [])

  useEffect(() => {
    const s = state.current
    if (s === undefined || positions === undefined) return
    const seen = new Set<string>()
    const faulty: L.CircleMarker[] = []
    for (let i = 0; i < positions.vin.length; i++) {
      const vin = positions.vin[i] as string
      const latLng: L.LatLngTuple = [positions.lat[i] as number, positions.lon[i] as number]
      const tone = toneOf(positions.online[i] === true, positions.openFaults[i] ?? 0)
      const label = vehicleLabel(positions, i)
      seen.add(vin)
      let shown = s.shown.get(vin)
      if (shown === undefined) {
        const marker = L.circleMarker(latLng, { renderer: s.renderer, radius: 5, weight: 1.5, color: '#fff', opacity: 1, fillColor: FILL[tone], fillOpacity: 1 })
        s.vinOf.set(marker, vin)
        shown = { marker, tone, label }
        s.shown.set(vin, shown)
        marker.addTo(s.vehicles)
      } else {
        const at = shown.marker.getLatLng()
        if (at.lat !== latLng[0] || at.lng !== latLng[1]) shown.marker.setLatLng(latLng)
        if (shown.tone !== tone) shown.marker.setStyle({ fillColor: FILL[tone] })
        shown.tone = tone
        shown.label = label
      }
      if (tone === 'bad') faulty.push(shown.marker)
    }
    for (const [vin, shown] of s.shown) {
      if (seen.has(vin)) continue
      s.vehicles.removeLayer(shown.marker)
      s.shown.delete(vin)
    }
    // drawn last, so a vehicle with a fault is never hidden under a healthy one
    for (const marker of faulty) marker.bringToFront()
    fitOnce(s, positions, dealers)
  }, [positions])

  useEffect(() => {
    const s = state.current
    if (s === undefined || dealers === undefined) return
    s.dealers.clearLayers()
    for (const d of dealers) {
      const label = `${d.name} (dealer ${d.id})`
      const icon = L.divIcon({ className: 'map-marker map-marker-dealer', iconSize: [14, 14] })
      L.marker([d.lat, d.lon], { icon, title: label, keyboard: true })
        .bindTooltip(textElement(label), { direction: 'top', offset: [0, -6] })
        .addTo(s.dealers)
    }
    fitOnce(s, positions, dealers)
  }, [dealers])

  const findVehicle = (e: Event): void => {
    e.preventDefault()
    const s = state.current
    const wanted = find.trim().toUpperCase()
    if (s === undefined || wanted === '') return
    const vin = s.shown.has(wanted) ? wanted : [...s.shown.keys()].find((v) => v.includes(wanted))
    const shown = vin === undefined ? undefined : s.shown.get(vin)
    if (shown === undefined) {
      setFindNote(`No vehicle matching ${wanted} is on the map (no position yet, or filtered out).`)
      return
    }
    setFindNote(undefined)
    s.map.setView(shown.marker.getLatLng(), Math.max(s.map.getZoom(), 13))
    showTooltip(s, shown)
  }

  return (
    <div class='map-view'>
      <form class='toolbar' onSubmit={findVehicle} aria-label='Find a vehicle on the map'>
        <label class='field'>Find a VIN
          <input name='find-vin' value={find} placeholder='VIN or part of it' autocomplete='off' onInput={(e) => setFind(e.currentTarget.value)} />
        </label>
        <button type='submit'>Find</button>
        {findNote !== undefined && <span class='muted' role='status'>{findNote}</span>}
      </form>
      <div ref={host} class='map-canvas' style={{ height: `${height}px` }} />
      {tilesFailed && <div class='map-note' role='status'>Map tiles could not be loaded (PITWALL_CONSOLE_TILE_URL); positions are shown without the background map.</div>}
    </div>
  )
}

function showTooltip (s: MapState, shown: Shown): void {
  s.tooltip.setContent(textElement(shown.label))
  s.tooltip.setLatLng(shown.marker.getLatLng())
  s.map.openTooltip(s.tooltip)
}

/** Fits the view to the vehicles and dealers once both have loaded; after that the user's view stays. */
function fitOnce (s: MapState, positions: FleetPositions | undefined, dealers: readonly Dealer[] | undefined): void {
  if (s.fitted || positions === undefined || dealers === undefined) return
  const bounds = L.latLngBounds([])
  for (let i = 0; i < positions.lat.length; i++) bounds.extend([positions.lat[i] as number, positions.lon[i] as number])
  for (const d of dealers) bounds.extend([d.lat, d.lon])
  if (!bounds.isValid()) return
  s.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 })
  s.fitted = true
}
