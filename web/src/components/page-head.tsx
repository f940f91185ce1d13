/** A page's title line: the title, what it is about, and its actions on the right. */
import type { ComponentChildren } from 'preact'

export function PageHead ({ title, sub, children }: { title: ComponentChildren, sub?: ComponentChildren, children?: ComponentChildren }) {
  return (
    <header class='page-head'>
      <div>
        <h1>{title}</h1>
        {sub !== undefined && <div class='muted'>{sub}</div>}
      </div>
      {children !== undefined && <div class='actions'>{children}</div>}
    </header>
  )
}
