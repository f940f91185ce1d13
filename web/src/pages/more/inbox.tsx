/**
 * A dealer's inbox: pre-staging alerts, rescue requests and service
 * reminders, newest first. Alerts arrive without a reload (fleet events);
 * open ones are shown unless "all" is chosen. Each alert opens its page
 * (./alert.tsx), where it is worked through its states; j/k and Enter
 * move through the list from the keyboard.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime, num, relative } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useNow } from '../../components/use-now.js'
import { useEvents } from '../../components/use-events.js'
import { openOnDoubleClick, useListCursor } from '../../components/keys.js'
import { href, navigate } from '../../router.js'
import type { PageProps } from '../page.js'
import { Badge, StateBadge } from '../../components/badge.js'
import { UpdateBadge } from './components/alert-update.js'
import { alertParts, partLine } from './components/parts-table.js'
import { RescueList } from './components/rescue-list.js'
import type { DealerAlert, ServiceReminder } from './types.js'

const OPEN = 'new,acknowledged,parts_staged,appointment_booked'
type Tab = 'alerts' | 'rescue' | 'reminders'
const TABS: Array<[Tab, string]> = [['alerts', 'Alerts'], ['rescue', 'Rescue requests'], ['reminders', 'Service reminders']]

export function InboxPage ({ route }: PageProps) {
  const tab = (route.query.get('tab') ?? 'alerts') as Tab
  const all = route.query.get('all') === '1'
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Inbox</h1>
        <nav class='m-tabs' aria-label='Inbox'>
          {TABS.map(([t, label]) => <a href={href('/inbox', { tab: t === 'alerts' ? undefined : t, all: all ? '1' : undefined })} class={t === tab ? 'active' : ''} aria-current={t === tab ? 'page' : undefined}>{label}</a>)}
        </nav>
        <label class='m-inline'><input type='checkbox' checked={all} onChange={(e) => location.replace(href('/inbox', { tab: tab === 'alerts' ? undefined : tab, all: e.currentTarget.checked ? '1' : undefined }))} /> closed ones too</label>
      </header>
      {tab === 'reminders' ? <Reminders all={all} /> : tab === 'rescue' ? <RescueList all={all} /> : <Alerts kind='prestage' all={all} />}
    </section>
  )
}

function Alerts ({ kind, all }: { kind: 'prestage' | 'rescue', all: boolean }) {
  const loaded = useApi(async () => (await api.get<{ alerts: DealerAlert[] }>('/api/v1/inbox/alerts', { kind, status: all ? undefined : OPEN, limit: 200 })).alerts, [kind, all])
  useEvents((e) => { if (e.kind === 'alert') loaded.reload() }, loaded.reload)
  // j/k (or the arrows) move through the alerts, Enter opens one
  const open = (i: number): void => { const a = loaded.data?.[i]; if (a !== undefined) navigate(`/inbox/alerts/${a.id}`) }
  const [cursor, setCursor] = useListCursor(loaded.data?.length ?? 0, open)
  // "raised 3 min ago" stays true while the inbox is open
  useNow()
  return (
    <LoadedView loaded={loaded}>{(alerts) => alerts.length === 0
      ? <Empty>{kind === 'rescue' ? `No ${all ? '' : 'open '}rescue requests.` : `No ${all ? '' : 'open '}alerts.`} New ones appear here as vehicles raise them.</Empty>
      : (
        <>
          <table class='table m-inbox'>
            <thead><tr><th>Alert</th><th>Status</th><th>Vehicle</th><th>Fault</th><th>Parts</th><th>Routed</th><th>Raised</th></tr></thead>
            <tbody>
              {alerts.map((a, i) => (
                <tr key={a.id} class={`clickable ${a.status === 'new' ? 'm-unread' : ''} ${i === cursor ? 'selected' : ''}`} data-cursor={i === cursor} onClick={() => setCursor(i)} onDblClick={openOnDoubleClick(() => open(i))}>
                  <td><a href={href(`/inbox/alerts/${a.id}`)}>#{a.id}</a></td>
                  <td><StateBadge state={a.status} />{a.lastUpdate !== null && <div><UpdateBadge update={a.lastUpdate} title={a.lastUpdateAt === null ? undefined : `told ${dateTime(a.lastUpdateAt)}`} /></div>}</td>
                  <td>{a.vin}<div class='m-sub'>{[a.payload.vehicle?.brand, a.payload.vehicle?.model].filter((v) => v != null).join(' ')}</div></td>
                  <td>{a.payload.fault?.ruleName ?? a.payload.fault?.ruleId ?? '—'} {a.payload.fault !== undefined && <StateBadge state={a.payload.fault.severity} />}
                    <div class='m-sub'>{(a.payload.dtcs ?? []).map((d) => d.code).join(', ')}</div></td>
                  <td class='m-sub'>{alertParts(a.payload.suggestion).map(partLine).join(', ') || '—'}</td>
                  <td class='m-sub'>{a.routing.via === 'own' ? 'own customer' : `${a.routing.via}${a.routing.distanceKm === null ? '' : `, ${num(a.routing.distanceKm, 0)} km`}`}</td>
                  <td title={dateTime(a.createdAt)}>{relative(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class='m-sub'><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open</p>
        </>
        )}
    </LoadedView>
  )
}

function Reminders ({ all }: { all: boolean }) {
  const loaded = useApi(async () => (await api.get<{ reminders: ServiceReminder[] }>('/api/v1/inbox/reminders', { state: all ? undefined : 'open', limit: 200 })).reminders, [all])
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const dismiss = async (r: ServiceReminder): Promise<void> => {
    setFailure(undefined)
    try {
      await api.post(`/api/v1/inbox/reminders/${r.id}/dismiss`)
      loaded.reload()
    } catch (err) {
      setFailure(`reminder ${r.id}: ${messageOf(err)}`)
    }
  }
  return (
    <>
      {failure !== undefined && <ErrorBox message={failure} />}
      <LoadedView loaded={loaded}>{(reminders) => reminders.length === 0
        ? <Empty>No open service reminders for your customers' vehicles.</Empty>
        : (
          <table class='table'>
            <thead><tr><th>Vehicle</th><th>Task</th><th>Due</th><th>State</th><th>Raised</th><th /></tr></thead>
            <tbody>
              {reminders.map((r) => (
                <tr key={r.id}>
                  <td>{r.vin}</td>
                  <td>{String(r.detail.task ?? r.ruleId)}<div class='m-sub'>{Array.isArray(r.detail.parts) ? (r.detail.parts as string[]).join(', ') : ''}</div></td>
                  <td><Badge tone={r.kind === 'due' || r.kind === 'fault' ? 'bad' : r.kind === 'due_soon' ? 'warn' : 'info'}>{r.kind.replace('_', ' ')}</Badge>
                    <div class='m-sub'>{[r.dueAt === null ? '' : dateTime(r.dueAt).slice(0, 10), r.dueKm === null ? '' : `${num(r.dueKm, 0)} km`, r.dueHours === null ? '' : `${num(r.dueHours, 0)} h`].filter((s) => s !== '').join(' · ')}</div></td>
                  <td><Badge tone={r.state === 'open' ? 'warn' : r.state === 'done' ? 'ok' : 'muted'}>{r.state}</Badge></td>
                  <td>{relative(r.createdAt)}</td>
                  <td>{r.state === 'open' && <button type='button' onClick={() => { void dismiss(r) }}>Dismiss</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
      </LoadedView>
    </>
  )
}
