/**
 * One rule in an editor: its text (YAML; JSON too), saved as a new version
 * with Ctrl+S, problems shown beside their lines; enable/disable; its
 * versions; and a backtest of the text as it stands (Ctrl+Enter), saved or
 * not, over a time range of stored batches.
 */
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, messageOf, type ApiProblem } from '../../api.js'
import { dateTime } from '../../components/format.js'
import { Empty, ErrorBox } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { Badge, StateBadge, toneOf } from '../../components/badge.js'
import { CodeEditor } from './components/code-editor.js'
import type { BacktestReport, RuleView } from './types.js'

const TEMPLATE = `name: Vehicle speed above 200 km/h
severity: minor
when: { signal: Vehicle.Speed, op: ">", value: 200 }
for: 10s
`

type Format = 'yaml' | 'json'

export function RulePage ({ params, session }: PageProps) {
  const id = params.id ?? ''
  const path = `/api/v1/rules/${encodeURIComponent(id)}`
  const engineer = session.role === 'engineer'
  const loaded = useApi(async () => {
    try {
      return await api.get<RuleView>(path)
    } catch (err) {
      // a rule not stored yet: the editor starts from a template
      if (err instanceof ApiError && err.status === 404) return null
      throw err
    }
  }, [path])
  const [rule, setRule] = useState<RuleView | null | undefined>(undefined)
  const [text, setText] = useState('')
  const [format, setFormat] = useState<Format>('yaml')
  const [problems, setProblems] = useState<ApiProblem[]>([])
  const [status, setStatus] = useState<{ ok: boolean, message: string } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  // another rule's page: nothing of the last one stays while this one loads
  useEffect(() => { setRule(undefined); setProblems([]); setStatus(undefined) }, [path])
  useEffect(() => {
    if (loaded.data === undefined) return
    setRule(loaded.data)
    setText(loaded.data === null ? TEMPLATE : loaded.data.text)
    setFormat('yaml')
  }, [loaded.data])
  const saved = rule === null || rule === undefined ? undefined : format === 'yaml' ? rule.text : JSON.stringify(rule.file, null, 2)
  const dirty = rule === null || text !== saved

  const save = async (): Promise<void> => {
    setBusy(true)
    setStatus(undefined)
    try {
      const before = rule?.version
      const after = await api.put<RuleView>(path, { text, format })
      setProblems([])
      setRule(after)
      setText(format === 'yaml' ? after.text : JSON.stringify(after.file, null, 2))
      setStatus({ ok: true, message: before === undefined ? `Created as version ${after.version}.` : before === after.version ? 'No change: the rule already says this.' : `Saved as version ${after.version}; gateways apply it within seconds.` })
    } catch (err) {
      if (err instanceof ApiError && err.problems.length > 0) setProblems(err.problems)
      else setStatus({ ok: false, message: messageOf(err) })
    } finally {
      setBusy(false)
    }
  }
  const toggle = async (): Promise<void> => {
    if (rule === null || rule === undefined) return
    try {
      setRule(await api.post<RuleView>(`${path}/${rule.enabled ? 'disable' : 'enable'}`))
    } catch (err) {
      setStatus({ ok: false, message: messageOf(err) })
    }
  }
  const switchFormat = (next: Format): void => {
    // the other form of the saved rule; unsaved edits stay in the form they were typed in
    if (rule !== null && rule !== undefined && !dirty) setText(next === 'yaml' ? rule.text : JSON.stringify(rule.file, null, 2))
    setFormat(next)
  }

  if (loaded.error !== undefined) return <section class='m-page'><ErrorBox message={loaded.error} retry={loaded.reload} /></section>
  if (rule === undefined) return <div class='loading'>Loading…</div>
  if (rule === null && !engineer) return <section class='m-page'><Empty>No rule {id}. <a href={href('/rules')}>All rules</a></Empty></section>
  return (
    <section class='m-page'>
      <p class='m-crumbs'><a href={href('/rules')}>Rules</a> /</p>
      <header class='page-head'>
        <h1>{rule?.name ?? id} {rule !== null && <StateBadge state={rule.severity} />}</h1>
        {rule !== null && (engineer
          ? <button type='button' class={`m-switch ${rule.enabled ? 'on' : ''}`} role='switch' aria-checked={rule.enabled} onClick={() => { void toggle() }}>{rule.enabled ? 'enabled' : 'disabled'}</button>
          : <Badge tone={rule.enabled ? 'ok' : 'muted'}>{rule.enabled ? 'enabled' : 'disabled'}</Badge>)}
        {rule !== null && <a href={href('/faults', { rule: id, state: 'all' })}>Faults it raised</a>}
      </header>
      {rule === null && <p class='m-note'>New rule <code>{id}</code>: not stored until you save it.</p>}
      <div class='m-split'>
        <div class='card'>
          <div class='m-toolbar'>
            <label>Format <select value={format} onChange={(e) => switchFormat(e.currentTarget.value as Format)}><option value='yaml'>YAML</option><option value='json'>JSON</option></select></label>
            {rule !== null && <span class='m-sub'>version <code>{rule.version}</code>{dirty ? ' · edited' : ''}</span>}
          </div>
          <CodeEditor
            label={`Rule ${id} (${format.toUpperCase()})`}
            value={text}
            readOnly={!engineer}
            problems={problems}
            onInput={(v) => { setText(v); setStatus(undefined) }}
            onKeyDown={(e) => {
              if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); if (engineer) void save() }
            }}
          />
          {engineer && (
            <div class='m-actions'>
              <button type='button' class='primary' disabled={busy || !dirty} onClick={() => { void save() }} title='Ctrl+S'>Save</button>
              {rule !== null && dirty && <button type='button' onClick={() => { setText(saved ?? ''); setProblems([]) }}>Discard changes</button>}
              <span class='m-sub'>Ctrl+S saves · the rule's id is {id}</span>
            </div>
          )}
          {status !== undefined && (status.ok ? <p class='m-ok' role='status'>{status.message}</p> : <ErrorBox message={status.message} />)}
          {rule !== null && rule.versions.length > 0 && (
            <details class='m-versions'>
              <summary>{rule.versions.length} version{rule.versions.length === 1 ? '' : 's'}</summary>
              <ul>{[...rule.versions].reverse().map((v) => <li><code>{v.version}</code> {dateTime(v.appliedAt)}</li>)}</ul>
            </details>
          )}
        </div>
        {engineer && <Backtest text={text} format={format} onProblems={setProblems} />}
      </div>
    </section>
  )
}

/** datetime-local's value for a time: "2026-03-01T08:00" in the browser's zone. */
function localInput (ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000)
  return d.toISOString().slice(0, 16)
}

type RangeField = 'from' | 'to' | 'vin' | 'form'

function Backtest ({ text, format, onProblems }: { text: string, format: Format, onProblems: (p: ApiProblem[]) => void }) {
  const [from, setFrom] = useState(localInput(Date.now() - 86_400_000))
  const [to, setTo] = useState(localInput(Date.now()))
  const [vins, setVins] = useState('')
  const [report, setReport] = useState<BacktestReport | undefined>(undefined)
  const [failure, setFailure] = useState<{ field: RangeField, message: string } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const run = async (e?: Event): Promise<void> => {
    e?.preventDefault()
    setBusy(true)
    setFailure(undefined)
    try {
      const vin = vins.split(/[\s,]+/).filter((v) => v !== '')
      setReport(await api.post<BacktestReport>('/api/v1/rules/backtest', {
        text, format, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(vin.length > 0 ? { vin } : {})
      }))
      onProblems([])
    } catch (err) {
      setReport(undefined)
      if (err instanceof ApiError && err.problems.length > 0) {
        onProblems(err.problems)
        setFailure({ field: 'form', message: 'The rule does not check: see the editor.' })
        return
      }
      const message = messageOf(err)
      // the API names the field past its bound: body.from, body.to, body.vin
      const field = /body\.vin|vehicles/.test(message) ? 'vin' : /body\.to/.test(message) ? 'to' : /body\.from/.test(message) ? 'from' : 'form'
      setFailure({ field, message })
    } finally {
      setBusy(false)
    }
  }
  const fieldError = (field: RangeField) => failure?.field === field && <p class='m-field-error' role='alert'>{failure.message}</p>
  return (
    <form class='card m-backtest' onSubmit={(e) => { void run(e) }} onKeyDown={(e) => { if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void run(e) }}>
      <h2>Backtest</h2>
      <p class='m-sub'>Runs the text in the editor (saved or not) over stored batches, as the gateway would have. At most 7 days and 20 vehicles.</p>
      <div class='m-grid'>
        <label>From <input type='datetime-local' value={from} onInput={(e) => setFrom(e.currentTarget.value)} required />{fieldError('from')}</label>
        <label>To <input type='datetime-local' value={to} onInput={(e) => setTo(e.currentTarget.value)} required />{fieldError('to')}</label>
      </div>
      <label>VINs <input value={vins} onInput={(e) => setVins(e.currentTarget.value)} placeholder='all vehicles with batches in the range' />{fieldError('vin')}</label>
      <div class='m-actions'><button type='submit' class='primary' disabled={busy}>{busy ? 'Running…' : 'Run backtest'}</button><span class='m-sub'>Ctrl+Enter</span></div>
      {fieldError('form')}
      {report !== undefined && <BacktestResult report={report} />}
    </form>
  )
}

function BacktestResult ({ report }: { report: BacktestReport }) {
  const raised = Object.values(report.byRule).reduce((a, b) => a + b, 0)
  return (
    <div class='m-result' role='status'>
      <p><strong>{raised === 0 ? 'Would have raised nothing' : `Would have raised ${raised} fault${raised === 1 ? '' : 's'}`}</strong> over {report.batches} batches of {report.vehicles} vehicle{report.vehicles === 1 ? '' : 's'}{report.skippedBatches > 0 ? ` (${report.skippedBatches} refused batches skipped)` : ''}.</p>
      {report.events.length > 0 && (
        <table class='table'>
          <thead><tr><th>Time</th><th>Vehicle</th><th>Event</th><th>#</th><th>Evidence</th></tr></thead>
          <tbody>
            {report.events.map((e) => (
              <tr>
                <td>{dateTime(e.time)}</td>
                <td><a href={href(`/vehicles/${e.vin}`)}>{e.vin}</a></td>
                <td><Badge tone={e.type === 'cleared' ? 'ok' : toneOf(e.severity)}>{e.type}</Badge></td>
                <td class='num'>{e.occurrences}</td>
                <td class='m-sub'>{evidenceText(e.evidence)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.eventsTruncated && <p class='m-sub'>More events happened; the first {report.events.length} are listed.</p>}
    </div>
  )
}

/** "ECT 98 → 117 (30 samples)" for each signal of a freeze frame. */
function evidenceText (evidence: BacktestReport['events'][number]['evidence']): string {
  const bySignal = new Map<string, number[]>()
  for (const s of evidence) bySignal.set(s.signal, [...bySignal.get(s.signal) ?? [], s.value])
  return [...bySignal].map(([signal, values]) => `${signal.split('.').pop() ?? signal} ${values[0]} → ${values[values.length - 1]} (${values.length})`).join('; ')
}
