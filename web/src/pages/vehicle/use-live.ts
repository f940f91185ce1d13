/**
 * One vehicle's live values (GET /api/v1/vehicles/:vin/live, Server-Sent
 * Events): its connection when the stream opens, then its latest decoded
 * signals at most once a second. The browser reconnects by itself; a
 * stream the server refused (an unknown VIN, a session that ended) stays
 * down and says so.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { StreamState } from '../../components/use-events.js'

export interface LiveSignal {
  name: string
  unit: string
  value: number
  /** the vehicle's sample time, epoch ms */
  timeMs: number
}

export interface LiveView {
  state: StreamState
  connection: { connected: boolean, since: string | null } | undefined
  /** the latest of each signal, by name */
  latest: ReadonlyMap<string, LiveSignal>
  /** bumped at every update, for views that append to a series */
  tick: number
}

/** `onSignals` is called with each update (the latest callback is used). */
export function useLive (vin: string, onSignals?: (signals: readonly LiveSignal[]) => void): LiveView {
  const [view, setView] = useState<LiveView>({ state: 'connecting', connection: undefined, latest: new Map(), tick: 0 })
  const callback = useRef(onSignals)
  callback.current = onSignals
  useEffect(() => {
    const es = new EventSource(`/api/v1/vehicles/${encodeURIComponent(vin)}/live?intervalMs=1000`)
    es.onopen = () => setView((v) => ({ ...v, state: 'live' }))
    es.onerror = () => setView((v) => ({ ...v, state: 'down' }))
    es.addEventListener('connection', (message) => {
      const data = JSON.parse((message as MessageEvent<string>).data) as { connected: boolean, since: string | null }
      setView((v) => ({ ...v, connection: { connected: data.connected, since: data.since } }))
    })
    es.addEventListener('signals', (message) => {
      const { signals } = JSON.parse((message as MessageEvent<string>).data) as { signals: LiveSignal[] }
      callback.current?.(signals)
      setView((v) => {
        const latest = new Map(v.latest)
        for (const s of signals) latest.set(s.name, s)
        return { ...v, latest, tick: v.tick + 1 }
      })
    })
    return () => es.close()
  }, [vin])
  return view
}
