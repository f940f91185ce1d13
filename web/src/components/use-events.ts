/**
 * Fleet events as they happen (GET /api/v1/events, Server-Sent Events): one
 * EventSource for the whole page however many views listen, opened by the
 * first and closed with the last.
 *
 * Events are small (ids, VIN, state, time); a view reloads what it shows
 * from the API. `onResync` is called when events may have been missed: the
 * server says so after its own listener reconnected, and the stream itself
 * after it was down; a view then reloads its list. A stream the server
 * closed (a gateway restart, a session that ended) is opened again after a
 * back-off; a session that ended sends the page to sign-in.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api } from '../api.js'

export type FleetEvent =
  | { kind: 'fault', id: number, event: string, state: string, severity: string, rule: string, vin: string, time: string }
  | { kind: 'command', id: string, state: string, progress: number | null, vin: string, time: string }
  | { kind: 'alert', id: number, dealerId: string, alertKind: string, status: string, vin: string, time: string }
  | { kind: 'vehicle', vin: string, dealerId: string | null, connected: boolean, node: string | null, time: string | null }

/** connecting: not yet open; live: events arrive; down: waiting to reconnect */
export type StreamState = 'connecting' | 'live' | 'down'

interface Listener {
  event: (e: FleetEvent) => void
  resync: () => void
  state: (s: StreamState) => void
}

const KINDS: ReadonlyArray<FleetEvent['kind']> = ['fault', 'command', 'alert', 'vehicle']
const listeners = new Set<Listener>()
let source: EventSource | undefined
let state: StreamState = 'connecting'
let retryMs = 1000
let retryTimer: ReturnType<typeof setTimeout> | undefined
/** the stream was down since it was last open: events may have been missed */
let missed = false
/** a reopened stream says resync itself; the server's own right after is the same news */
let quietUntil = 0

function setState (next: StreamState): void {
  state = next
  for (const l of listeners) l.state(next)
}

function resync (): void {
  for (const l of listeners) l.resync()
}

function open (): void {
  const es = new EventSource('/api/v1/events')
  source = es
  setState('connecting')
  es.onopen = () => {
    retryMs = 1000
    setState('live')
    if (missed) {
      missed = false
      quietUntil = Date.now() + 2000
      resync()
    }
  }
  for (const kind of KINDS) {
    es.addEventListener(kind, (message) => {
      let event: FleetEvent
      try {
        event = { ...JSON.parse((message as MessageEvent<string>).data), kind } as FleetEvent
      } catch {
        return
      }
      for (const l of listeners) l.event(event)
    })
  }
  es.addEventListener('resync', () => { if (Date.now() > quietUntil) resync() })
  es.onerror = () => {
    missed = true
    setState('down')
    // CONNECTING: the browser retries by itself; CLOSED: it gave up (an HTTP error, e.g. 401)
    if (es.readyState !== EventSource.CLOSED) return
    es.close()
    source = undefined
    // a 401 here means the session ended: this call sends the page to sign-in
    api.get('/api/v1/session').catch(() => {})
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      if (listeners.size > 0) open()
    }, retryMs)
    retryMs = Math.min(retryMs * 2, 30_000)
  }
}

function close (): void {
  clearTimeout(retryTimer)
  source?.close()
  source = undefined
  missed = false
  state = 'connecting'
}

/**
 * Calls `onEvent` for every fleet event and `onResync` when some may have
 * been missed; returns the stream's state (for a "live" indicator). The
 * latest callbacks are used: no need to memoize them.
 */
export function useEvents (onEvent: (event: FleetEvent) => void, onResync?: () => void): StreamState {
  const [current, setCurrent] = useState<StreamState>(state)
  const latest = useRef({ onEvent, onResync })
  latest.current = { onEvent, onResync }
  useEffect(() => {
    const listener: Listener = {
      event: (e) => latest.current.onEvent(e),
      resync: () => latest.current.onResync?.(),
      state: setCurrent
    }
    listeners.add(listener)
    if (source === undefined && retryTimer === undefined) open()
    else setCurrent(state)
    return () => {
      listeners.delete(listener)
      if (listeners.size === 0) {
        close()
        retryTimer = undefined
      }
    }
  }, [])
  return current
}

/** A small "live" / "reconnecting" mark for a view fed by events. */
export function streamLabel (s: StreamState): string {
  return s === 'live' ? 'live' : s === 'connecting' ? 'connecting…' : 'reconnecting…'
}
