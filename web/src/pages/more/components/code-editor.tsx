/**
 * A plain-text editor for rule text with problems shown in place: a line
 * gutter, and each problem's message at the end of its line, on a layer
 * under a transparent textarea (the textarea keeps everything a browser's
 * own text field does: undo, selection, IME, screen readers). Lines do not
 * wrap, so the layer's lines stay on the textarea's. Problems are listed
 * under it too, each a button that puts the cursor on its line.
 */
import { useRef, useState } from 'preact/hooks'
import type { ApiProblem } from '../../../api.js'

export interface CodeEditorProps {
  value: string
  onInput: (value: string) => void
  problems: readonly ApiProblem[]
  label: string
  onKeyDown?: (e: KeyboardEvent) => void
  readOnly?: boolean
  rows?: number
}

export function CodeEditor ({ value, onInput, problems, label, onKeyDown, readOnly = false, rows = 18 }: CodeEditorProps) {
  const area = useRef<HTMLTextAreaElement>(null)
  const [scroll, setScroll] = useState({ top: 0, left: 0 })
  const lines = value.split('\n')
  const byLine = new Map<number, ApiProblem[]>()
  for (const p of problems) if (p.line !== undefined) byLine.set(p.line, [...byLine.get(p.line) ?? [], p])
  const goTo = (line: number, column = 1): void => {
    const textarea = area.current
    if (textarea === null) return
    const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1
    textarea.focus()
    textarea.setSelectionRange(offset, offset)
  }
  const shift = { transform: `translate(${-scroll.left}px, ${-scroll.top}px)` }
  return (
    <div class='m-editor-wrap'>
      <div class={`m-editor ${problems.length > 0 ? 'm-editor-refused' : ''}`} style={{ height: `${rows * 20 + 16}px` }}>
        <div class='m-editor-gutter' aria-hidden='true'>
          <div style={shift}>{lines.map((_, i) => <div class={byLine.has(i + 1) ? 'm-gutter-bad' : ''}>{i + 1}</div>)}</div>
        </div>
        <div class='m-editor-body'>
          <div class='m-editor-layer' aria-hidden='true' style={shift}>
            {lines.map((line, i) => {
              const here = byLine.get(i + 1)
              return (
                <div class={`m-editor-line ${here === undefined ? '' : 'm-editor-line-bad'}`}>
                  <span class='m-editor-text'>{line === '' ? ' ' : line}</span>
                  {here !== undefined && <span class='m-editor-problem' data-line={i + 1}>{here.map((p) => `${p.path === '' ? '' : `${p.path}: `}${p.message}`).join('; ')}</span>}
                </div>
              )
            })}
          </div>
          <textarea
            ref={area}
            class='m-editor-input'
            aria-label={label}
            aria-invalid={problems.length > 0}
            spellcheck={false}
            autocomplete='off'
            wrap='off'
            readOnly={readOnly}
            value={value}
            onInput={(e) => onInput(e.currentTarget.value)}
            onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
            onKeyDown={onKeyDown}
          />
        </div>
      </div>
      {problems.length > 0 && (
        <ul class='m-problems' role='alert'>
          {problems.map((p) => (
            <li>
              {p.line !== undefined && <button type='button' class='m-link' onClick={() => goTo(p.line as number, p.column)}>line {p.line}{p.column === undefined ? '' : `:${p.column}`}</button>}
              {p.path !== '' && <code>{p.path}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
