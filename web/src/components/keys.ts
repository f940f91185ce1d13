/**
 * Keyboard shortcuts, as diagnostic tools have them: one key, no modifier.
 * A key belongs to the element that has the focus when that element uses
 * keys itself: a field being typed in, a button or link (Enter and Space
 * press it), a focusable widget such as the map. There only Escape is the
 * console's: it leaves the element, so the next key is a shortcut again. A
 * list page adds j/k (or the arrows) to move and Enter to open.
 */
import { useEffect, useRef, useState } from 'preact/hooks'

const INTERACTIVE_ROLES = ['button', 'link', 'switch', 'checkbox', 'radio', 'tab', 'menuitem', 'option', 'textbox', 'combobox', 'slider', 'spinbutton']
// elements that take keys themselves; [tabindex] covers widgets such as Leaflet's map (arrows pan it)
const OWN_KEYS = [
  'input', 'textarea', 'select', 'button', 'a[href]', 'summary', '[contenteditable]:not([contenteditable="false"])', '[tabindex]:not([tabindex="-1"])',
  ...INTERACTIVE_ROLES.map((role) => `[role="${role}"]`)
].join(', ')

/** The focused element the key belongs to, or undefined when the key is the console's. */
function keyOwner (target: EventTarget | null): HTMLElement | undefined {
  if (!(target instanceof HTMLElement)) return undefined
  if (target.isContentEditable) return target
  return target.closest<HTMLElement>(OWN_KEYS) ?? undefined
}

/** `bindings` by KeyboardEvent.key, e.g. { '/': focusSearch, r: reload }; the latest are used, no memo needed. */
export function useKeys (bindings: Record<string, (e: KeyboardEvent) => void>): void {
  const latest = useRef(bindings)
  latest.current = bindings
  useEffect(() => {
    const down = (e: KeyboardEvent): void => {
      // Ctrl, Alt and Meta make another key (the browser's, the system's); Shift only a printable one ('?', a '/' on some layouts)
      if (e.ctrlKey || e.metaKey || e.altKey || (e.shiftKey && e.key.length > 1)) return
      if (e.defaultPrevented || e.isComposing) return
      const owner = keyOwner(e.target)
      if (owner !== undefined) {
        if (e.key === 'Escape') owner.blur()
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

/** A list row's double-click that opens it; not when the clicks pressed a control in the row (a switch flipped twice). */
export function openOnDoubleClick (open: () => void): (e: MouseEvent) => void {
  return (e) => { if (keyOwner(e.target) === undefined) open() }
}
