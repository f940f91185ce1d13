/**
 * One alert of the dealer's inbox: the vehicle, the fault and its freeze
 * frame, the DTCs, the suggested fix and parts, and buttons for the states
 * it may move to next (forward only; steps may be skipped). Another
 * dealer's alert is not found, as the API says (404).
 */
import { useState } from 'preact/hooks'
import { api, ApiError, messageOf } from '../../api.js'
import { dateTime, num } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useEvents } from '../../components/use-events.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { Badge, StateBadge } from '../../components/badge.js'
import { UpdateBadge } from './components/alert-update.js'
import { EvidenceChart } from './components/evidence-chart.js'
import { alertParts, PartsTable } from './components/parts-table.js'
import { SurveyPanel } from './components/survey-panel.js'
import { AssistancePanel } from './components/assistance-panel.js'
import { RescuePanel } from './components/rescue-panel.js'
import { ALERT_STATUSES, type AlertStatus, type AlertView } from './types.js'

const LABELS: Record<AlertStatus, string> = {
  new: 'New', acknowledged: 'Acknowledge', parts_staged: 'Parts staged', appointment_booked: 'Appointment booked', repaired: 'Repaired', closed: 'Close'
}

/** The statuses after `status`: an alert only moves forward (actions/dealer-alerts/policy.ts statusesBefore). */
export function nextStatuses (status: AlertStatus): AlertStatus[] {
  return ALERT_STATUSES.slice(ALERT_STATUSES.indexOf(status) + 1)
}

export function AlertPage ({ params }: PageProps) {
  const path = `/api/v1/inbox/alerts/${encodeURIComponent(params.id ?? '')}`
  const loaded = useApi(async () => {
    try {
      return await api.get<AlertView>(path)
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return null
      throw err
    }
  }, [path])
  useEvents((e) => { if (e.kind === 'alert' && e.id === loaded.data?.id) loaded.reload() }, loaded.reload)
  return (
    <section class='m-page'>
      <p class='m-crumbs'><a href={href('/inbox')}>Inbox</a> /</p>
      <LoadedView loaded={loaded}>{(alert) => alert === null
        ? <Empty><span class='m-not-found'>No alert {params.id} in your inbox.</span> <a href={href('/inbox')}>Back to the inbox</a></Empty>
        : <AlertDetail alert={alert} path={path} reload={loaded.reload} />}
      </LoadedView>
    </section>
  )
}

function AlertDetail ({ alert, path, reload }: { alert: AlertView, path: string, reload: () => void }) {
  const [note, setNote] = useState('')
  const [firstTimeFix, setFirstTimeFix] = useState<boolean | undefined>(undefined)
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const content = alert.payload
  const vehicle = content.vehicle
  const fault = content.fault
  const suggestion = content.suggestion
  const move = async (to: AlertStatus): Promise<void> => {
    if (to === 'repaired' && firstTimeFix === undefined) {
      setFailure('Say whether it was fixed at the first visit before marking it repaired.')
      return
    }
    setBusy(true)
    setFailure(undefined)
    try {
      await api.post(`${path}/transitions`, { to, ...(to === 'repaired' ? { firstTimeFix } : {}), ...(note.trim() === '' ? {} : { note: note.trim() }) })
      setNote('')
      reload()
    } catch (err) {
      setFailure(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  const next = nextStatuses(alert.status)
  return (
    <>
      <header class='page-head'>
        <h1>{alert.kind === 'rescue' ? 'Rescue request' : 'Alert'} #{alert.id} <StateBadge state={alert.status} /></h1>
        {alert.kind === 'rescue' && <Badge tone='bad'>vehicle stranded</Badge>}
        {alert.lastUpdate !== null && <UpdateBadge update={alert.lastUpdate} title={alert.lastUpdateAt === null ? undefined : `told ${dateTime(alert.lastUpdateAt)}`} />}
      </header>
      <div class='m-split'>
        <div>
          <dl class='kv'>
            <dt>Vehicle</dt><dd>{alert.vin}{vehicle !== undefined && ` · ${[vehicle.brand, vehicle.model].filter((v) => v != null).join(' ')}`}</dd>
            {fault !== undefined && <><dt>Fault</dt><dd>{fault.ruleName ?? fault.ruleId} <StateBadge state={fault.severity} /> · opened {dateTime(fault.openedAt)}{fault.occurrences > 1 ? ` · ${fault.occurrences} times` : ''}</dd></>}
            <dt>Last position</dt><dd>{vehicle?.lastPosition == null ? 'unknown' : `${num(vehicle.lastPosition.lat, 5)}, ${num(vehicle.lastPosition.lon, 5)} at ${dateTime(vehicle.lastPosition.time)}${vehicle.lastPosition.speedMps === null ? '' : ` (${num(vehicle.lastPosition.speedMps * 3.6, 0)} km/h)`}`}</dd>
            <dt>Routed</dt><dd>{alert.routing.via === 'own' ? 'your customer' : `${alert.routing.via}${alert.routing.distanceKm === null ? '' : `, ${num(alert.routing.distanceKm, 1)} km away`}`}</dd>
            <dt>Raised</dt><dd>{dateTime(alert.createdAt)}</dd>
          </dl>
          <h2>Suggested fix</h2>
          {suggestion === undefined || suggestion.source === 'none'
            ? <p class='m-sub'>No known fix for this fault yet.</p>
            : (
              <div class='card m-fix'>
                {suggestion.fix !== null && <p>{suggestion.fix}</p>}
                {alertParts(suggestion).length > 0 && <><h3>Parts</h3><PartsTable parts={alertParts(suggestion)} /></>}
                {suggestion.repairHours !== null && <p class='m-sub'>about {suggestion.repairHours} h in the workshop</p>}
                {suggestion.case !== null && (
                  <>
                    <h3>From case <a href={href(`/cases/${suggestion.case.id}`)}>{suggestion.case.title}</a></h3>
                    <ol class='m-steps'>{suggestion.case.steps.map((s) => <li>{s}</li>)}</ol>
                  </>
                )}
              </div>
              )}
          <h2>Evidence</h2>
          <EvidenceChart evidence={content.evidence ?? []} />
          <h2>DTCs</h2>
          {(content.dtcs ?? []).length === 0
            ? <p class='m-sub'>The vehicle reported no DTCs around the fault.</p>
            : (
              <table class='table'>
                <thead><tr><th>Code</th><th>ECU</th><th>Status</th><th>First seen</th><th>Last seen</th><th>Reports</th></tr></thead>
                <tbody>{(content.dtcs ?? []).map((d) => (
                  <tr><td><a href={href('/cases', { q: d.code })}><code>{d.text}</code></a></td><td>{d.ecu}</td><td class='m-sub'>{d.status.join(', ')}</td>
                    <td>{dateTime(d.firstSeenAt)}</td><td>{dateTime(d.lastSeenAt)}</td><td class='num'>{d.reports}</td></tr>
                ))}</tbody>
              </table>
              )}
          <AssistancePanel alertId={alert.id} />
        </div>
        <aside class='card m-work'>
          <h2>Work it</h2>
          {/* a rescue's copy moves through the rescue's own states, not the pre-staging ones */}
          {alert.rescueId !== null && <RescuePanel rescueId={alert.rescueId} onMoved={reload} />}
          {alert.rescueId !== null ? null : next.length === 0
            ? <p class='m-sub'>Closed: nothing more to do.</p>
            : (
              <>
                <label>Note <textarea rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder='optional, kept in the timeline' /></label>
                {next.includes('repaired') && (
                  <fieldset class='m-ftf'>
                    <legend>Fixed at the first visit?</legend>
                    <label class='m-inline'><input type='radio' name='ftf' checked={firstTimeFix === true} onChange={() => setFirstTimeFix(true)} /> yes</label>
                    <label class='m-inline'><input type='radio' name='ftf' checked={firstTimeFix === false} onChange={() => setFirstTimeFix(false)} /> no</label>
                  </fieldset>
                )}
                <div class='m-moves'>
                  {next.map((to, i) => (
                    <button type='button' class={i === 0 ? 'primary' : ''} disabled={busy} onClick={() => { void move(to) }}>{LABELS[to]}</button>
                  ))}
                </div>
              </>
              )}
          {failure !== undefined && <ErrorBox message={failure} />}
          {(alert.status === 'repaired' || alert.status === 'closed') && <SurveyPanel alertPath={path} />}
          <h3>Timeline</h3>
          <ol class='m-timeline'>
            {alert.timeline.map((e) => e.update !== null
              ? (
                <li>
                  <UpdateBadge update={e.update} /> {dateTime(e.time)} · {e.by}
                  {typeof e.detail?.summary === 'string' && <div class='m-sub'>{e.detail.summary}</div>}
                  {typeof e.detail?.supersededBy === 'number' && <div class='m-sub'><a href={href(`/inbox/alerts/${e.detail.supersededBy}`)}>Work from alert #{e.detail.supersededBy}</a></div>}
                </li>
                )
              : (
                <li>
                  <StateBadge state={e.status} /> {dateTime(e.time)} · {e.by}{typeof e.detail?.rescue === 'string' && <> · rescue {e.detail.rescue.replaceAll('_', ' ')}</>}
                  {e.detail !== null && <div class='m-sub'>{e.detail.firstTimeFix === true ? 'first-time fix · ' : e.detail.firstTimeFix === false ? 'not fixed at the first visit · ' : ''}{typeof e.detail.note === 'string' ? e.detail.note : ''}</div>}
                </li>
                ))}
          </ol>
          {alert.deliveries.length > 0 && (
            <>
              <h3>Webhook</h3>
              {alert.deliveries.map((d) => <p class='m-sub'><Badge tone={d.state === 'delivered' ? 'ok' : d.state === 'dead' ? 'bad' : 'warn'}>{d.state}</Badge> {d.event} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}{d.lastError === null ? '' : ` · ${d.lastError}`}</p>)}
            </>
          )}
        </aside>
      </div>
    </>
  )
}
