/** A repeating timer for pages that refresh themselves (health, a running campaign). */
import { useEffect, useRef } from 'preact/hooks'

/** Calls `tick` every `ms` while the page is shown (not while the tab is hidden). */
export function useInterval (tick: () => void, ms: number): void {
  const latest = useRef(tick)
  latest.current = tick
  useEffect(() => {
    const id = setInterval(() => { if (document.visibilityState === 'visible') latest.current() }, ms)
    return () => clearInterval(id)
  }, [ms])
}
