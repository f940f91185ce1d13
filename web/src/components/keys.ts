/**
 * Keyboard shortcuts, as diagnostic tools have them: one key, no modifier,
 * ignored while the user types in a field (Escape leaves the field). A
 * list page adds j/k (or the arrows) to move and Enter to open.
 */
import { useEffect, useRef, useState } from 'preact/hooks'

function typing (target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  return el !== null && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName))
}

/** `bindings` by KeyboardEvent.key, e.g. { '/': focusSearch, r: reload }; the latest are used, no memo needed. */
export function useKeys (bindings: Record<string, (e: KeyboardEvent) => void>): void {
  const latest = useRef(bindings)
  latest.current = bindings
  useEffect(() => {
    const down = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return
      if (typing(e.target)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur()
        return
      }
      const handler = latest.current[e.key]
      if (handler === undefined) return
      e.preventDefault()
      handler(e)
    }
    addEventListener('keydown', down)
    return () => removeEventListener('keydown', down)
  }, [])
}

/**
 * A cursor over a list of `count` rows: j / ArrowDown and k / ArrowUp move
 * it, Enter calls `open(index)`. Returns the index and a setter (a click
 * moves it too). The row under the cursor scrolls into view when marked
 * with data-cursor (the caller puts it on the selected row).
 */
export function useListCursor (count: number, open: (index: number) => void): [number, (index: number) => void] {
  const [index, setIndex] = useState(0)
  const clamped = Math.max(0, Math.min(index, count - 1))
  const move = (by: number): void => setIndex((i) => Math.max(0, Math.min(i + by, count - 1)))
  useKeys({
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    Enter: () => { if (count > 0) open(clamped) }
  })
  useEffect(() => {
    document.querySelector('[data-cursor="true"]')?.scrollIntoView({ block: 'nearest' })
  }, [clamped])
  return [clamped, setIndex]
}
