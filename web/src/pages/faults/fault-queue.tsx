/**
 * The fault queue: faults newest first, filtered by state (default: open
 * and acknowledged, the ones that need someone), rule and VIN, kept in the
 * address. New faults and changes arrive from the fleet events and appear
 * without a reload, marked for a moment.
 *
 * Keys: j/k or arrows move, Enter opens, a acknowledges the selected fault.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { StateBadge } from '../../components/badge.js'
import { dateTime, relative } from '../../components/format.js'
import { openOnDoubleClick, useKeys, useListCursor } from '../../components/keys.js'
import { PageHead } from '../../components/page-head.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useNow } from '../../components/use-now.js'
import { streamLabel, useEvents } from '../../components/use-events.js'
import { href, navigate } from '../../router.js'
import type { PageProps } from '../page.js'
import type { Fault } from '../vehicle/types.js'

const STATE_CHOICES = { active: 'open,acknowledged', open: 'open', acknowledged: 'acknowledged', resolved: 'resolved', auto_cleared: 'auto_cleared', all: '' } as const
type StateChoice = keyof typeof STATE_CHOICES

interface Filters { state: StateChoice, rule: string, vin: string }

function filtersOf (query: URLSearchParams): Filters {
  const state = query.get('state') ?? 'active'
  return { state: state in STATE_CHOICES ? state as StateChoice : 'active', rule: query.get('rule') ?? '', vin: query.get('vin') ?? '' }
}

export function FaultQueue ({ route, session }: PageProps) {
  const [filters, setFilters] = useState(() => filtersOf(route.query))
  const change = (next: Partial<Filters>): void => {
    const merged = { ...filters, ...next }
    setFilters(merged)
    history.replaceState(null, '', href('/faults', { state: merged.state === 'active' ? undefined : merged.state, rule: merged.rule, vin: merged.vin }))
  }
  const loaded = useApi(async () => (await api.get<{ faults: Fault[] }>('/api/v1/faults', {
    state: STATE_CHOICES[filters.state], rule: filters.rule, vin: filters.vin.toUpperCase(), limit: 500
  })).faults, [filters.state, filters.rule, filters.vin])

  // ids that changed since the page opened, marked until the next change
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set())
  const pending = useRef(new Set<number>())
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const stream = useEvents((event) => {
    if (event.kind !== 'fault') return
    pending.current.add(event.id)
    // a burst of events (a fleet-wide rule) is one reload
    timer.current ??= setTimeout(() => {
      timer.current = undefined
      setFresh(new Set(pending.current))
      pending.current.clear()
      loaded.reload()
    }, 300)
  }, loaded.reload)
  useEffect(() => () => clearTimeout(timer.current), [])

  const faults = loaded.data ?? []
  const open = (i: number): void => { const f = faults[i]; if (f !== undefined) navigate(`/faults/${f.id}`) }
  const [cursor, setCursor] = useListCursor(faults.length, open)
  const [error, setError] = useState<string | undefined>(undefined)
  const canAct = session.role === 'engineer'
  const acknowledge = (id: number): void => {
    setError(undefined)
    api.post(`/api/v1/faults/${id}/acknowledge`).then(loaded.reload, (err: unknown) => setError(messageOf(err)))
  }
  useKeys({ a: () => { const f = faults[cursor]; if (canAct && f?.state === 'open') acknowledge(f.id) } })
  // "opened 3 min ago" stays true while the queue is open
  useNow()

  return (
    <section class='faults'>
      <PageHead title='Fault queue' sub={loaded.data === undefined ? ' ' : `${faults.length}${faults.length === 500 ? '+' : ''} fault${faults.length === 1 ? '' : 's'}`}>
        <span class={`live-mark ${stream}`}>{streamLabel(stream)}</span>
      </PageHead>
      <div class='toolbar'>
        <label class='field'>State
          <select name='state' value={filters.state} onChange={(e) => change({ state: e.currentTarget.value as StateChoice })}>
            <option value='active'>open and acknowledged</option>
            <option value='open'>open</option>
            <option value='acknowledged'>acknowledged</option>
            <option value='resolved'>resolved</option>
            <option value='auto_cleared'>auto-cleared</option>
            <option value='all'>all</option>
          </select>
        </label>
        <label class='field'>Rule
          <input name='rule' value={filters.rule} placeholder='rule id' onChange={(e) => change({ rule: e.currentTarget.value.trim() })} />
        </label>
        <label class='field'>VIN
          <input name='vin' value={filters.vin} placeholder='WDB…' onChange={(e) => change({ vin: e.currentTarget.value.trim() })} />
        </label>
      </div>
      {error !== undefined && <ErrorBox message={error} />}
      <LoadedView loaded={loaded}>
        {() => faults.length === 0
          ? <Empty>{filters.state === 'active' && filters.rule === '' && filters.vin === '' ? 'No open faults. New ones appear here as vehicles raise them.' : 'No fault matches these filters.'}</Empty>
          : (
            <>
              <div class='table-wrap'>
                <table class='table fault-table'>
                  <thead><tr><th>#</th><th>Severity</th><th>State</th><th>Rule</th><th>VIN</th><th>Opened</th><th>Last occurred</th><th class='num'>Occurrences</th>{canAct && <th />}</tr></thead>
                  <tbody>
                    {faults.map((f, i) => (
                      <tr key={f.id} data-fault={f.id} data-cursor={i === cursor ? 'true' : undefined}
                        class={`clickable${i === cursor ? ' selected' : ''}${fresh.has(f.id) ? ' flash' : ''}`} onClick={() => setCursor(i)} onDblClick={openOnDoubleClick(() => open(i))}>
                        <td><a href={href(`/faults/${f.id}`)}>#{f.id}</a></td>
                        <td><StateBadge state={f.severity} /></td>
                        <td class='fault-state'><StateBadge state={f.state} /></td>
                        {/* the rule's editor is an engineer's page */}
                        <td class='mono'>{canAct ? <a href={href(`/rules/${encodeURIComponent(f.ruleId)}`)}>{f.ruleId}</a> : f.ruleId}</td>
                        <td class='mono'><a href={href(`/vehicles/${encodeURIComponent(f.vin)}`)}>{f.vin}</a></td>
                        <td title={dateTime(f.openedAt)}>{relative(f.openedAt)}</td>
                        <td title={dateTime(f.lastOccurredAt)}>{relative(f.lastOccurredAt)}</td>
                        <td class='num'>{f.occurrences}</td>
                        {canAct && <td class='row-actions'>{f.state === 'open' && <button type='button' onClick={(e) => { e.stopPropagation(); acknowledge(f.id) }}>Acknowledge</button>}</td>}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class='muted keys-help'><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open{canAct && <> · <kbd>a</kbd> acknowledge</>}</p>
            </>
            )}
      </LoadedView>
    </section>
  )
}
