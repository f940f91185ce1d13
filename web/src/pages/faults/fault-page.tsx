/**
 * One fault: what raised it and when, its evidence (the freeze frame: the
 * rule's signals in the seconds before it opened) as a chart per signal and
 * a table, its timeline, the remote fix and dealer alerts it set off, the
 * cases made from it, and the engineer's moves: acknowledge, resolve with a
 * note, and, once resolved, turn it into a case for the case base. Changes
 * arrive live.
 */
import { useMemo, useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { StateBadge } from '../../components/badge.js'
import { dateTime, num, relative } from '../../components/format.js'
import { PageHead } from '../../components/page-head.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { TimeChart } from '../../components/time-chart.js'
import { useApi } from '../../components/use-api.js'
import { useEvents } from '../../components/use-events.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { commandSummary, type Command, type Fault } from '../vehicle/types.js'

interface FaultAnswer {
  fault: Fault
  timeline: Array<{ time: string, type: string, by: string | null, detail: unknown }>
  remoteFixes: Command[]
  dealerAlerts: Array<{ id: number, dealerId: string, kind: string, status: string, firstTimeFix: boolean | null, createdAt: string, updatedAt: string }>
  /** cases made from this fault (fault.caseId is the one its rule names) */
  cases: Array<{ id: string, title: string }>
}

export function FaultPage ({ params, session }: PageProps) {
  const id = params.id ?? ''
  const loaded = useApi(async () => await api.get<FaultAnswer>(`/api/v1/faults/${encodeURIComponent(id)}`), [id])
  useEvents((event) => {
    const mine = event.kind === 'fault' ? String(event.id) === id : event.kind === 'command' && loaded.data?.remoteFixes.some((c) => c.id === event.id) === true
    if (mine) loaded.reload()
  }, loaded.reload)
  return <LoadedView loaded={loaded}>{(a) => <FaultView a={a} canAct={session.role === 'engineer'} reload={loaded.reload} />}</LoadedView>
}

function FaultView ({ a, canAct, reload }: { a: FaultAnswer, canAct: boolean, reload: () => void }) {
  const f = a.fault
  return (
    <section class='fault'>
      <PageHead title={<>Fault #{f.id} <span class='mono'>{f.ruleId}</span></>}
        sub={<><a class='mono' href={href(`/vehicles/${encodeURIComponent(f.vin)}`)}>{f.vin}</a> · rule version {f.ruleVersion} · opened {dateTime(f.openedAt)} ({relative(f.openedAt)}) · {f.occurrences} occurrence{f.occurrences === 1 ? '' : 's'}</>}>
        <StateBadge state={f.severity} /> <span class='fault-state'><StateBadge state={f.state} /></span>
      </PageHead>
      {canAct && <FaultActions f={f} made={a.cases.length > 0} reload={reload} />}
      <div class='grid'>
        <div class='card'>
          <header><h2>Evidence</h2><span class='muted'>freeze frame before it opened</span></header>
          <Evidence f={f} />
        </div>
        <div>
          <div class='card'>
            <h2>Timeline</h2>
            <ol class='timeline'>
              {a.timeline.map((e) => (
                <li><span class='muted' title={dateTime(e.time)}>{dateTime(e.time)}</span> <StateBadge state={e.type} />{e.by !== null && <> by {e.by}</>}{e.detail !== null && e.detail !== undefined && <span class='muted'> {detailText(e.detail)}</span>}</li>
              ))}
            </ol>
            {f.resolutionNote !== null && <p><strong>Resolution note:</strong> {f.resolutionNote}</p>}
            {f.caseId !== null && <p>Case: <a href={href(`/cases/${encodeURIComponent(f.caseId)}`)}>{f.caseId}</a></p>}
            {a.cases.length > 0 && (
              <p class='fault-cases'>Made into {a.cases.length === 1 ? 'case' : 'cases'}: {a.cases.map((c, i) => (
                <>{i > 0 && ', '}<a href={href(`/cases/${encodeURIComponent(c.id)}`)}>{c.id}</a> <span class='muted'>({c.title})</span></>
              ))}
              </p>
            )}
          </div>
          <div class='card'>
            <h2>What it set off</h2>
            {f.action === null ? <p class='muted'>The rule names no action.</p> : <p>Rule action: <span class='mono'>{f.action.type}</span>{f.action.name !== undefined && <> · <span class='mono'>{f.action.name}</span></>}{f.action.approval !== undefined && <> · approval {f.action.approval}</>}</p>}
            {a.remoteFixes.length === 0
              ? <p class='muted'>No remote fix.</p>
              : (
                <table class='table'>
                  <thead><tr><th>Remote fix</th><th>State</th><th>Fix check</th><th>Updated</th></tr></thead>
                  <tbody>{a.remoteFixes.map((c) => <tr><td class='mono'>{commandSummary(c.body)}</td><td><StateBadge state={c.state} /></td><td>{c.fixCheck === null ? '—' : <StateBadge state={c.fixCheck} />}</td><td>{relative(c.updatedAt)}</td></tr>)}</tbody>
                </table>
                )}
            {a.dealerAlerts.length === 0
              ? <p class='muted'>No dealer alert.</p>
              : (
                <table class='table'>
                  <thead><tr><th>Dealer alert</th><th>Dealer</th><th>Status</th><th>Updated</th></tr></thead>
                  <tbody>{a.dealerAlerts.map((d) => <tr><td>#{d.id} {d.kind}</td><td>{d.dealerId}</td><td><StateBadge state={d.status} /></td><td>{relative(d.updatedAt)}</td></tr>)}</tbody>
                </table>
                )}
          </div>
        </div>
      </div>
    </section>
  )
}

function FaultActions ({ f, made, reload }: { f: Fault, made: boolean, reload: () => void }) {
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const run = (path: string, body?: unknown): void => {
    setBusy(true)
    setError(undefined)
    api.post(`/api/v1/faults/${f.id}/${path}`, body).then(() => { setNote(''); reload() }, (err: unknown) => setError(messageOf(err))).finally(() => setBusy(false))
  }
  const canResolve = f.state === 'open' || f.state === 'acknowledged' || f.state === 'auto_cleared'
  return (
    <div class='card fault-actions'>
      <div class='toolbar'>
        {f.state === 'open' && <button type='button' class='primary' disabled={busy} onClick={() => run('acknowledge')}>Acknowledge</button>}
        {canResolve && (
          <form class='toolbar resolve-form' onSubmit={(e) => { e.preventDefault(); run('resolve', note.trim() === '' ? {} : { note: note.trim() }) }}>
            <label class='field grow'>Resolution note
              <input name='note' value={note} placeholder='what was done, what was found' onInput={(e) => setNote(e.currentTarget.value)} maxLength={2000} />
            </label>
            <button type='submit' disabled={busy}>Resolve</button>
          </form>
        )}
      </div>
      {f.state === 'resolved' && f.caseId === null && !made && <CaseForm f={f} reload={reload} />}
      {error !== undefined && <ErrorBox message={error} />}
    </div>
  )
}

function CaseForm ({ f, reload }: { f: Fault, reload: () => void }) {
  const [open, setOpen] = useState(false)
  const [id, setId] = useState(`${f.ruleId}-${f.id}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-'))
  const [title, setTitle] = useState('')
  const [steps, setSteps] = useState('')
  const [parts, setParts] = useState('')
  const [hours, setHours] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  if (!open) return <button type='button' onClick={() => setOpen(true)}>Turn into a case</button>
  const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '')
  const submit = (e: Event): void => {
    e.preventDefault()
    setError(undefined)
    const body: Record<string, unknown> = { id: id.trim() }
    if (title.trim() !== '') body.title = title.trim()
    if (steps.trim() !== '') body.steps = lines(steps)
    if (parts.trim() !== '') body.parts = lines(parts)
    if (hours.trim() !== '') body.repairHours = Number(hours)
    // the reloaded fault names the case, where the form was
    api.post(`/api/v1/faults/${f.id}/case`, body).then(reload, (err: unknown) => setError(messageOf(err)))
  }
  return (
    <form class='case-form' onSubmit={submit} aria-label='Turn into a case'>
      <h2>New case from this fault</h2>
      <div class='toolbar'>
        <label class='field'>Case id<input name='case-id' required value={id} onInput={(e) => setId(e.currentTarget.value)} /></label>
        <label class='field grow'>Title<input name='title' value={title} placeholder={f.resolutionNote ?? f.ruleId} onInput={(e) => setTitle(e.currentTarget.value)} /></label>
        <label class='field'>Repair hours<input name='repair-hours' type='number' min='0' step='0.1' value={hours} onInput={(e) => setHours(e.currentTarget.value)} /></label>
      </div>
      <div class='toolbar'>
        <label class='field grow'>Steps (one a line)<textarea name='steps' value={steps} onInput={(e) => setSteps(e.currentTarget.value)} /></label>
        <label class='field grow'>Parts (one a line)<textarea name='parts' value={parts} onInput={(e) => setParts(e.currentTarget.value)} /></label>
      </div>
      <button type='submit' class='primary'>Create case</button> <button type='button' onClick={() => setOpen(false)}>Cancel</button>
      {error !== undefined && <ErrorBox message={error} />}
    </form>
  )
}

function Evidence ({ f }: { f: Fault }) {
  const bySignal = useMemo(() => {
    const groups = new Map<string, { t: number[], v: Array<number | null> }>()
    for (const s of f.evidence) {
      const g = groups.get(s.signal) ?? { t: [], v: [] }
      // evidence times are epoch µs
      g.t.push(s.t / 1000)
      g.v.push(s.value)
      groups.set(s.signal, g)
    }
    return [...groups.entries()]
  }, [f.evidence])
  if (bySignal.length === 0) return <Empty>This fault carries no freeze frame.</Empty>
  const values = (v: ReadonlyArray<number | null>): number[] => v.filter((x): x is number => x !== null)
  return (
    <>
      <table class='table evidence-summary'>
        <thead><tr><th>Signal</th><th class='num'>Samples</th><th class='num'>Min</th><th class='num'>Max</th><th class='num'>Last before opening</th></tr></thead>
        <tbody>
          {bySignal.map(([signal, g]) => (
            <tr data-signal={signal}><td class='mono'>{signal}</td><td class='num'>{g.v.length}</td><td class='num'>{num(Math.min(...values(g.v)), 3)}</td><td class='num'>{num(Math.max(...values(g.v)), 3)}</td><td class='num'>{num(g.v[g.v.length - 1], 3)}</td></tr>
          ))}
        </tbody>
      </table>
      {/* a line needs two samples; a lone one is in the table above */}
      {bySignal.filter(([, g]) => g.t.length > 1).map(([signal, g]) => (
        <div class='chart-item evidence-chart' data-signal={signal}>
          <div class='chart-title'>{signal}</div>
          <TimeChart t={g.t} series={[{ label: signal.split('.').slice(-2).join('.'), values: g.v }]} height={140} />
        </div>
      ))}
      <details class='evidence-table'>
        <summary>{f.evidence.length} samples as a table</summary>
        <table class='table'>
          <thead><tr><th>Time</th><th>Signal</th><th class='num'>Value</th></tr></thead>
          <tbody>{f.evidence.map((s) => <tr><td>{dateTime(s.t / 1000)}.{String(Math.floor(s.t / 1000) % 1000).padStart(3, '0')}</td><td class='mono'>{s.signal}</td><td class='num'>{num(s.value, 3)}</td></tr>)}</tbody>
        </table>
      </details>
    </>
  )
}

/** A timeline entry's detail as words: "note: balanced the pack · occurrences: 2". */
function detailText (detail: unknown): string {
  if (typeof detail !== 'object' || detail === null) return String(detail)
  return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' · ')
}
