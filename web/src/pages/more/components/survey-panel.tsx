/**
 * The customer's survey answer for a repaired alert: the form that records
 * it once (CSI 1-5, likelihood to recommend 0-10, a comment), then the
 * answer as recorded. Answers are not corrected (actions/kpis/model.ts), so
 * once one is stored the form is gone; the API's refusal is shown as is.
 */
import { useState } from 'preact/hooks'
import { api, ApiError, messageOf } from '../../../api.js'
import { dateTime } from '../../../components/format.js'
import { ErrorBox } from '../../../components/states.js'
import { useApi } from '../../../components/use-api.js'
import type { SurveyAnswer } from '../types.js'

const CSI = [1, 2, 3, 4, 5]
const RECOMMEND = Array.from({ length: 11 }, (_, i) => i)

export function SurveyPanel ({ alertPath }: { alertPath: string }) {
  const path = `${alertPath}/survey`
  const stored = useApi(async () => {
    try {
      return await api.get<SurveyAnswer>(path)
    } catch (err) {
      // none recorded yet
      if (err instanceof ApiError && err.status === 404) return null
      throw err
    }
  }, [path])
  const [csi, setCsi] = useState('')
  const [recommend, setRecommend] = useState('')
  const [comment, setComment] = useState('')
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const record = async (): Promise<void> => {
    setBusy(true)
    setFailure(undefined)
    try {
      await api.put(path, {
        ...(csi === '' ? {} : { csi: Number(csi) }),
        ...(recommend === '' ? {} : { recommend: Number(recommend) }),
        ...(comment.trim() === '' ? {} : { comment: comment.trim() })
      })
      stored.reload()
    } catch (err) {
      setFailure(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  const answer = stored.data
  return (
    <div class='m-survey'>
      <h3>Customer survey</h3>
      {answer === undefined
        ? null
        : answer !== null
          ? (
            <p class='m-sub'>
              CSI {answer.csi ?? '—'} of 5 · recommend {answer.recommend ?? '—'} of 10{answer.comment === null ? '' : ` · “${answer.comment}”`}
              <br />answered {dateTime(answer.answeredAt)}, recorded by {answer.recordedBy}
            </p>
            )
          : (
            <>
              <label>Satisfaction with the visit (CSI) <select value={csi} onChange={(e) => setCsi(e.currentTarget.value)}>
                <option value=''>not answered</option>
                {CSI.map((n) => <option value={n}>{n}{n === 1 ? ' very dissatisfied' : n === 5 ? ' very satisfied' : ''}</option>)}
              </select></label>
              <label>Likely to recommend us <select value={recommend} onChange={(e) => setRecommend(e.currentTarget.value)}>
                <option value=''>not answered</option>
                {RECOMMEND.map((n) => <option value={n}>{n}</option>)}
              </select></label>
              <label>Comment <textarea rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)} /></label>
              <button type='button' disabled={busy || (csi === '' && recommend === '')} onClick={() => { void record() }}>Record answer</button>
              <p class='m-sub'>Recorded once, as the customer gave it: it cannot be changed afterwards.</p>
            </>
            )}
      {stored.error !== undefined && <ErrorBox message={stored.error} retry={stored.reload} />}
      {failure !== undefined && <ErrorBox message={failure} />}
    </div>
  )
}
