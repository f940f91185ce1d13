/**
 * Webhook deliveries that gave up after their last attempt, newest first,
 * with why; an operator puts one back in the queue (same idempotency key,
 * so the dealer's system still sees it once).
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import type { PageProps } from '../page.js'
import type { Dealer, WebhookDelivery } from './types.js'

/** What a delivery is about: an alert, or a service reminder. */
function subjectOf (d: WebhookDelivery): string {
  return d.alertId !== null ? `alert ${d.alertId}` : `service reminder ${d.reminderId ?? '?'}`
}

export function DeadLettersPage ({ session, route }: PageProps) {
  const dealer = route.query.get('dealer') ?? ''
  const dealers = useApi(async () => (await api.get<{ dealers: Dealer[] }>('/api/v1/dealers')).dealers, [])
  const loaded = useApi(async () => (await api.get<{ deadLetters: WebhookDelivery[] }>('/api/v1/webhooks/dead-letters', { dealer: dealer === '' ? undefined : dealer, limit: 200 })).deadLetters, [dealer])
  const [result, setResult] = useState<{ ok: boolean, message: string } | undefined>(undefined)
  const operator = session.role === 'operator'
  const retry = async (d: WebhookDelivery): Promise<void> => {
    setResult(undefined)
    try {
      await api.post(`/api/v1/webhooks/dead-letters/${d.id}/retry`)
      setResult({ ok: true, message: `Delivery ${d.id} (${subjectOf(d)}) is queued again.` })
      loaded.reload()
    } catch (err) {
      setResult({ ok: false, message: `delivery ${d.id}: ${messageOf(err)}` })
    }
  }
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Webhook dead letters</h1>
        <label>Dealer <select value={dealer} onChange={(e) => location.replace(`#/webhooks/dead-letters${e.currentTarget.value === '' ? '' : `?dealer=${encodeURIComponent(e.currentTarget.value)}`}`)}>
          <option value=''>all</option>
          {(dealers.data ?? []).map((d) => <option value={d.id}>{d.name}</option>)}
        </select></label>
      </header>
      {result !== undefined && (result.ok ? <p class='m-ok' role='status'>{result.message}</p> : <ErrorBox message={result.message} />)}
      <LoadedView loaded={loaded}>{(letters) => letters.length === 0
        ? <Empty>No dead letters: every webhook was delivered or is still being tried.</Empty>
        : (
          <table class='table'>
            <thead><tr><th>Delivery</th><th>Dealer</th><th>Event</th><th>Attempts</th><th>Last error</th><th>Gave up</th>{operator && <th />}</tr></thead>
            <tbody>
              {letters.map((d) => (
                <tr key={d.id}>
                  <td>#{d.id}<div class='m-sub'>{subjectOf(d)}</div></td>
                  <td>{d.dealerId}</td>
                  <td>{d.event}</td>
                  <td class='num'>{d.attempts}</td>
                  <td class='m-error-text'>{d.lastStatus === null ? '' : `HTTP ${d.lastStatus} · `}{d.lastError ?? '—'}</td>
                  <td>{dateTime(d.deadAt)}</td>
                  {operator && <td><button type='button' onClick={() => { void retry(d) }}>Retry</button></td>}
                </tr>
              ))}
            </tbody>
          </table>
          )}
      </LoadedView>
    </section>
  )
}
