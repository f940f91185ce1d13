/**
 * The time now, renewed every `ms`: a page that shows "3 min ago" re-renders
 * with it, so ages stay true while the page is open without new data.
 */
import { useEffect, useState } from 'preact/hooks'

export function useNow (ms = 10_000): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}
