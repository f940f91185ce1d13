/**
 * Hash routes (#/vehicles/WDB…): the gateway serves one page at `/`, so a
 * deep link or a reload lands on the same view without server routes.
 */
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  /** the path without '#', e.g. "/vehicles/WDB123" */
  path: string
  /** the query after '?', e.g. "state=open" */
  query: URLSearchParams
}

/** The route the address names now (not as last rendered). */
export function currentRoute (): Route {
  const hash = location.hash.replace(/^#/, '')
  const [path = '/', query = ''] = hash.split('?', 2)
  return { path: path === '' ? '/' : path, query: new URLSearchParams(query) }
}

export function useRoute (): Route {
  const [route, setRoute] = useState(currentRoute)
  useEffect(() => {
    const changed = (): void => setRoute(currentRoute())
    addEventListener('hashchange', changed)
    // a link followed between the first render and this effect (which runs after the paint) fired no event here
    const now = currentRoute()
    if (now.path !== route.path || now.query.toString() !== route.query.toString()) setRoute(now)
    return () => removeEventListener('hashchange', changed)
  }, [])
  return route
}

/** "#/vehicles/:vin" matched against "/vehicles/WDB…" → { vin: "WDB…" }, else undefined. */
export function match (pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? ''
    const g = got[i] ?? ''
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g)
    else if (w !== g) return undefined
  }
  return params
}

export function href (path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, v)
  const text = params.toString()
  return `#${path}${text === '' ? '' : `?${text}`}`
}

export function navigate (path: string, query?: Record<string, string | undefined>): void {
  location.hash = href(path, query)
}
