/**
 * Rules: every stored rule with its condition and action; engineers switch
 * one on or off in place and open it in the editor (./rule.tsx), or start a
 * new one there. '/' filters; j/k and Enter move through the list.
 */
import { useRef, useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { openOnDoubleClick, useKeys, useListCursor } from '../../components/keys.js'
import { useApi } from '../../components/use-api.js'
import { href, navigate } from '../../router.js'
import type { PageProps } from '../page.js'
import { Badge, StateBadge } from '../../components/badge.js'
import type { RuleSummary } from './types.js'

export function RulesPage ({ session }: PageProps) {
  const loaded = useApi(async () => (await api.get<{ rules: RuleSummary[] }>('/api/v1/rules')).rules, [])
  const [filter, setFilter] = useState('')
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [newId, setNewId] = useState('')
  const engineer = session.role === 'engineer'
  const toggle = async (rule: RuleSummary): Promise<void> => {
    setFailure(undefined)
    try {
      await api.post(`/api/v1/rules/${encodeURIComponent(rule.id)}/${rule.enabled ? 'disable' : 'enable'}`)
      loaded.reload()
    } catch (err) {
      setFailure(`${rule.id}: ${messageOf(err)}`)
    }
  }
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '')
  const shown = (loaded.data ?? []).filter((r) => words.every((w) => `${r.id} ${r.name} ${r.condition} ${r.action ?? ''}`.toLowerCase().includes(w)))
  // '/' to the filter; j/k (or the arrows) through the rules, Enter opens one
  const search = useRef<HTMLInputElement>(null)
  useKeys({ '/': () => search.current?.focus() })
  const open = (i: number): void => { const r = shown[i]; if (r !== undefined) navigate(`/rules/${r.id}`) }
  const [cursor, setCursor] = useListCursor(shown.length, open)
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Rules</h1>
        <input ref={search} type='search' class='m-search' placeholder='Filter by id, name, signal… ( / )' value={filter} onInput={(e) => setFilter(e.currentTarget.value)} aria-label='Filter rules' />
        {engineer && (
          <form class='m-inline-form' onSubmit={(e) => { e.preventDefault(); if (newId.trim() !== '') navigate(`/rules/${newId.trim()}`) }}>
            <input value={newId} onInput={(e) => setNewId(e.currentTarget.value)} placeholder='new-rule-id' aria-label='New rule id' pattern='[a-z0-9][a-z0-9._-]{0,99}' title='lower-case letters, digits, . _ -' />
            <button type='submit' class='primary'>New rule</button>
          </form>
        )}
      </header>
      {failure !== undefined && <ErrorBox message={failure} />}
      <LoadedView loaded={loaded}>{(rules) => {
        if (rules.length === 0) return <Empty>No rules yet. {engineer ? 'Name a new rule above, or apply a rule file with `pitwall rules apply`.' : 'Engineers add them.'}</Empty>
        if (shown.length === 0) return <Empty>No rule matches “{filter}”.</Empty>
        return (
          <>
            <table class='table'>
              <thead><tr><th>Rule</th><th>Severity</th><th>When</th><th>Action</th><th>Version</th><th>Updated</th><th>State</th></tr></thead>
              <tbody>
                {shown.map((r, i) => (
                  <tr key={r.id} class={`clickable ${r.enabled ? '' : 'm-dim'} ${i === cursor ? 'selected' : ''}`} data-cursor={i === cursor} onClick={() => setCursor(i)} onDblClick={openOnDoubleClick(() => open(i))}>
                    <td><a href={href(`/rules/${r.id}`)}>{r.name}</a><div class='m-sub'>{r.id}</div></td>
                    <td><StateBadge state={r.severity} /></td>
                    <td><code class='m-code'>{r.condition}</code></td>
                    <td>{r.action?.replaceAll('_', ' ') ?? '—'}</td>
                    <td><code>{r.version}</code></td>
                    <td>{dateTime(r.updatedAt)}</td>
                    <td>
                      {engineer
                        ? <button type='button' class={`m-switch ${r.enabled ? 'on' : ''}`} role='switch' aria-checked={r.enabled} aria-label={`${r.id} enabled`} onClick={() => { void toggle(r) }}>{r.enabled ? 'enabled' : 'disabled'}</button>
                        : <Badge tone={r.enabled ? 'ok' : 'muted'}>{r.enabled ? 'enabled' : 'disabled'}</Badge>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class='m-sub'><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> filter</p>
          </>
        )
      }}</LoadedView>
    </section>
  )
}
