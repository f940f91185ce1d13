/**
 * A map (Leaflet) of markers and, optionally, a GNSS track. Tiles come from
 * the gateway's setting (PITWALL_CONSOLE_TILE_URL, put in the page as
 * <meta name="pitwall-tile-url">), the one outside resource the console
 * loads; when they cannot load, the markers and the track still show on a
 * plain background and a note says why the map is blank.
 *
 *   <MapView markers={[{ id: vin, lat, lon, kind: 'vehicle', label: vin, tone: 'bad', href: '#/vehicles/…' }]} />
 *
 * Markers are styled elements (no images, so no broken icons), labelled
 * with text nodes (never HTML: labels come from data). A marker with an
 * href opens it on click.
 */
import * as L from 'leaflet'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Tone } from './badge.js'

export interface MapMarker {
  id: string
  lat: number
  lon: number
  kind: 'vehicle' | 'dealer' | 'position'
  /** shown on hover */
  label: string
  tone?: Tone
  /** a console link (#/…) opened on click */
  href?: string
}

export interface MapViewProps {
  markers: readonly MapMarker[]
  /** [lat, lon] points of a track, oldest first */
  track?: ReadonlyArray<readonly [number, number]>
  height?: number
  /** fit the view to the markers and track whenever they change (default: only the first time) */
  follow?: boolean
}

const DEFAULT_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'

/** The tile URL template the gateway set for this console. */
export function tileUrl (): string {
  return document.querySelector<HTMLMetaElement>('meta[name="pitwall-tile-url"]')?.content ?? DEFAULT_TILES
}

function textElement (text: string): HTMLElement {
  const el = document.createElement('span')
  el.textContent = text
  return el
}

export function MapView ({ markers, track, height = 420, follow = false }: MapViewProps) {
  const host = useRef<HTMLDivElement>(null)
  const map = useRef<{ map: L.Map, layer: L.LayerGroup, fitted: number } | undefined>(undefined)
  const [tilesFailed, setTilesFailed] = useState(false)

  useEffect(() => {
    if (host.current === null) return
    const m = L.map(host.current, { zoomControl: true, attributionControl: true, preferCanvas: false }).setView([50, 10], 4)
    L.tileLayer(tileUrl(), { maxZoom: 19, attribution: '&copy; OpenStreetMap contributors', crossOrigin: false })
      .on('tileerror', () => setTilesFailed(true))
      .addTo(m)
    map.current = { map: m, layer: L.layerGroup().addTo(m), fitted: 0 }
    return () => {
      m.remove()
      map.current = undefined
    }
  }, [])

  useEffect(() => {
    const current = map.current
    if (current === undefined) return
    current.layer.clearLayers()
    const points: L.LatLngExpression[] = []
    if (track !== undefined && track.length > 0) {
      const line = track.map(([lat, lon]) => [lat, lon] as L.LatLngTuple)
      L.polyline(line, { color: '#1f6feb', weight: 3, opacity: 0.8, className: 'map-track' }).addTo(current.layer)
      points.push(...line)
    }
    for (const marker of markers) {
      const icon = L.divIcon({ className: `map-marker map-marker-${marker.kind} ${marker.tone ?? ''}`, iconSize: marker.kind === 'dealer' ? [14, 14] : [12, 12] })
      const m = L.marker([marker.lat, marker.lon], { icon, title: marker.label, keyboard: true, riseOnHover: true })
      m.bindTooltip(textElement(marker.label), { direction: 'top', offset: [0, -6] })
      if (marker.href !== undefined) {
        const href = marker.href
        m.on('click', () => { location.hash = href.replace(/^#/, '') })
      }
      m.addTo(current.layer)
      points.push([marker.lat, marker.lon])
    }
    // fitted once there is something to fit, and again when a lone point became a track or a fleet
    if (points.length > 0 && (follow || current.fitted <= 1)) {
      current.map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 15 })
      current.fitted = points.length
    }
  }, [markers, track, follow])

  return (
    <div class='map-view'>
      <div ref={host} class='map-canvas' style={{ height: `${height}px` }} />
      {tilesFailed && <div class='map-note' role='status'>Map tiles could not be loaded (PITWALL_CONSOLE_TILE_URL); positions are shown without the background map.</div>}
    </div>
  )
}
