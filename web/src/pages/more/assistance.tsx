/**
 * Engineers' queue of dealers' requests for technical assistance: the open
 * ones (or those answered), each with its alert's vehicle, fault and
 * dealer, and a form to answer it once, pointing to a case where one holds
 * the fix.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime, relative } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { StateBadge } from '../../components/badge.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import type { AssistanceRequest } from './rescue-types.js'

export function AssistancePage ({ route }: PageProps) {
  const state = route.query.get('state') === 'answered' ? 'answered' : 'open'
  const loaded = useApi(async () => (await api.get<{ requests: AssistanceRequest[] }>('/api/v1/assistance', { state, limit: 200 })).requests, [state])
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Technical assistance</h1>
        <nav class='m-tabs' aria-label='Assistance'>
          <a href={href('/assistance')} class={state === 'open' ? 'active' : ''} aria-current={state === 'open' ? 'page' : undefined}>Open</a>
          <a href={href('/assistance', { state: 'answered' })} class={state === 'answered' ? 'active' : ''} aria-current={state === 'answered' ? 'page' : undefined}>Answered</a>
        </nav>
      </header>
      <LoadedView loaded={loaded}>{(requests) => requests.length === 0
        ? <Empty>{state === 'open' ? 'No dealer is waiting for an answer.' : 'Nothing answered yet.'}</Empty>
        : <ol class='m-qa'>{requests.map((r) => <Request key={r.id} request={r} answered={loaded.reload} />)}</ol>}
      </LoadedView>
    </section>
  )
}

function Request ({ request: r, answered }: { request: AssistanceRequest, answered: () => void }) {
  const [answer, setAnswer] = useState('')
  const [caseId, setCaseId] = useState('')
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const send = async (): Promise<void> => {
    setBusy(true)
    setFailure(undefined)
    try {
      await api.post(`/api/v1/assistance/${r.id}/answer`, { answer, ...(caseId.trim() === '' ? {} : { caseId: caseId.trim() }) })
      answered()
    } catch (err) {
      setFailure(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <li class='card'>
      <p><StateBadge state={r.state} /> <strong>{r.subject}</strong> · {r.alertKind === 'rescue' ? 'rescue' : 'alert'} #{r.alertId} of dealer {r.dealerId}</p>
      <p class='m-sub'><a href={href(`/vehicles/${r.vin}`)}>{r.vin}</a>{r.faultId !== null && <> · <a href={href(`/faults/${r.faultId}`)}>fault #{r.faultId}</a></>} · asked by {r.askedBy} <span title={dateTime(r.askedAt)}>{relative(r.askedAt)}</span></p>
      <p class='m-question'>{r.question}</p>
      {r.state === 'answered'
        ? (
          <p class='m-answer'><strong>{r.answeredBy}</strong> · {dateTime(r.answeredAt)}<br />{r.answer}
            {r.caseId !== null && <><br />Case <a href={href(`/cases/${r.caseId}`)}>{r.caseId}</a></>}</p>
          )
        : (
          <>
            <label>Answer <textarea rows={3} maxLength={8000} value={answer} onInput={(e) => setAnswer(e.currentTarget.value)} placeholder='What the workshop should check or do' /></label>
            <label>Case <input value={caseId} onInput={(e) => setCaseId(e.currentTarget.value)} placeholder='optional, e.g. case-cooling-fan' /></label>
            <button type='button' class='primary' disabled={busy || answer.trim() === ''} onClick={() => { void send() }}>Answer</button>
            {failure !== undefined && <ErrorBox message={failure} />}
          </>
          )}
    </li>
  )
}
