/**
 * Technical assistance on an alert's page: the dealer's questions to the
 * manufacturer's engineers and their answers (with the case they point
 * to), and a box to ask another.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../../api.js'
import { dateTime } from '../../../components/format.js'
import { ErrorBox, LoadedView } from '../../../components/states.js'
import { useApi } from '../../../components/use-api.js'
import { StateBadge } from '../../../components/badge.js'
import { href } from '../../../router.js'
import type { AssistanceRequest } from '../rescue-types.js'

export function AssistancePanel ({ alertId }: { alertId: number }) {
  const path = `/api/v1/inbox/alerts/${alertId}/assistance`
  const loaded = useApi(async () => (await api.get<{ requests: AssistanceRequest[] }>(path)).requests, [path])
  const [question, setQuestion] = useState('')
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const ask = async (): Promise<void> => {
    setBusy(true)
    setFailure(undefined)
    try {
      await api.post(path, { question })
      setQuestion('')
      loaded.reload()
    } catch (err) {
      setFailure(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class='m-assistance'>
      <h2>Technical assistance</h2>
      <LoadedView loaded={loaded}>{(requests) => requests.length === 0
        ? <p class='m-sub'>Stuck? Ask the manufacturer's engineers about this alert.</p>
        : (
          <ol class='m-qa'>
            {requests.map((r) => (
              <li key={r.id}>
                <p><StateBadge state={r.state} /> <strong>{r.askedBy}</strong> · {dateTime(r.askedAt)}</p>
                <p class='m-question'>{r.question}</p>
                {r.answer !== null && <p class='m-answer'><strong>{r.answeredBy}</strong> · {dateTime(r.answeredAt)}<br />{r.answer}</p>}
                {r.caseId !== null && <p class='m-sub'>See case <a href={href(`/cases/${r.caseId}`)}>{r.caseId}</a></p>}
              </li>
            ))}
          </ol>
          )}
      </LoadedView>
      <label>Your question <textarea rows={3} maxLength={4000} value={question} onInput={(e) => setQuestion(e.currentTarget.value)} placeholder='What the workshop found, and what it needs to know' /></label>
      <button type='button' disabled={busy || question.trim() === ''} onClick={() => { void ask() }}>Ask the engineers</button>
      {failure !== undefined && <ErrorBox message={failure} />}
    </section>
  )
}
