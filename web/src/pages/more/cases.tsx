/**
 * The case base: full-text search (a DTC such as P0217 finds its cases;
 * quoted phrases, `or`, and `-word` work as in a web search) and a case's
 * page with its repair steps and parts. The query is in the address, so a
 * search can be linked and survives a reload.
 */
import { useEffect, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { dateTime } from '../../components/format.js'
import { Empty, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { PartsTable } from './components/parts-table.js'
import type { CaseRecord } from './types.js'

export function CasesPage ({ route }: PageProps) {
  const q = route.query.get('q') ?? ''
  const [typed, setTyped] = useState(q)
  // back and forward move the address: the box follows it
  useEffect(() => { if (q !== typed) setTyped(q) }, [q])
  // the address follows the box after a short pause (replacing, not adding, history), and the search follows the address
  useEffect(() => {
    if (typed === q) return
    const timer = setTimeout(() => location.replace(href('/cases', { q: typed })), 250)
    return () => clearTimeout(timer)
  }, [typed])
  const loaded = useApi(async () => (await api.get<{ cases: CaseRecord[] }>('/api/v1/cases', { q: q.trim() === '' ? undefined : q.trim(), limit: 50 })).cases, [q])
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Cases</h1>
        <input type='search' class='m-search m-search-wide' value={typed} onInput={(e) => setTyped(e.currentTarget.value)}
          placeholder='Search symptoms, steps, parts or a DTC (P0217)…' aria-label='Search the case base' autofocus />
      </header>
      <LoadedView loaded={loaded}>{(cases) => cases.length === 0
        ? <Empty>{q.trim() === '' ? 'The case base is empty. Cases are added with `pitwall cases apply` or made from resolved faults.' : `No case matches “${q}”. Try fewer words or a DTC.`}</Empty>
        : (
          <ol class='m-hits'>
            {cases.map((c) => (
              <li key={c.id}>
                <a href={href(`/cases/${c.id}`)} class='m-hit-title'>{c.title}</a>
                {c.dtcs.map((d) => <span class='m-chip'>{d}</span>)}
                {c.snippet !== undefined ? <p class='m-snippet'><Marked html={c.snippet} /></p> : <p class='m-snippet'>{c.symptoms}</p>}
                <div class='m-sub'>{c.id} · {c.parts.length} part{c.parts.length === 1 ? '' : 's'}{c.repairHours === null ? '' : ` · ${c.repairHours} h`}</div>
              </li>
            ))}
          </ol>
          )}
      </LoadedView>
    </section>
  )
}

/**
 * The server's snippet as text with its <mark> highlights, never as HTML:
 * it escapes the case text (&, <, >) and adds only the marks, so splitting
 * at the marks and undoing the three escapes gives back the text exactly.
 */
function Marked ({ html }: { html: string }) {
  const unescape = (s: string): string => s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
  return <>{html.split(/<mark>|<\/mark>/).map((part, i) => i % 2 === 1 ? <mark>{unescape(part)}</mark> : unescape(part))}</>
}

export function CasePage ({ params, session }: PageProps) {
  // a fault's page is for engineers and operators; a dealer reads the number only
  const faultsShown = session.role !== 'dealer'
  const loaded = useApi(async () => await api.get<CaseRecord>(`/api/v1/cases/${encodeURIComponent(params.id ?? '')}`), [params.id])
  return (
    <section class='m-page'>
      <p class='m-crumbs'><a href={href('/cases')}>Cases</a> /</p>
      <LoadedView loaded={loaded}>{(c) => (
        <article class='m-case'>
          <h1>{c.title}</h1>
          <p>{c.dtcs.map((d) => <a class='m-chip' href={href('/cases', { q: d })}>{d}</a>)}</p>
          {c.symptoms !== '' && <><h2>Symptoms</h2><p class='m-prose'>{c.symptoms}</p></>}
          <h2>Repair</h2>
          {c.steps.length === 0 ? <p class='m-sub'>No steps written yet.</p> : <ol class='m-steps'>{c.steps.map((s) => <li>{s}</li>)}</ol>}
          <h2>Parts</h2>
          {c.parts.length === 0 ? <p class='m-sub'>None listed.</p> : <PartsTable parts={c.parts} />}
          <dl class='kv'>
            <dt>Repair time</dt><dd>{c.repairHours === null ? '—' : `${c.repairHours} h`}</dd>
            {c.sourceFaultId !== null && <><dt>From fault</dt><dd>{faultsShown ? <a href={href(`/faults/${c.sourceFaultId}`)}>#{c.sourceFaultId}</a> : `#${c.sourceFaultId}`}</dd></>}
            <dt>Updated</dt><dd>{dateTime(c.updatedAt)} by {c.updatedBy}</dd>
          </dl>
        </article>
      )}</LoadedView>
    </section>
  )
}
