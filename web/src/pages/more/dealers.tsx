/**
 * Dealers and their webhooks: who receives alerts, where their webhook
 * points, whether a signing secret is set; operators register dealers,
 * change a webhook, rotate its secret (shown once) and take a dealer in or
 * out of alert routing. Engineers read.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime, num } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { Badge } from '../../components/badge.js'
import { SecretOnce } from './components/secret-once.js'
import type { Dealer } from './types.js'

/** A dealer as registered or changed, with the secret the request set or generated (shown only then). */
interface WithSecret {
  dealer: Dealer
  webhookSecret: string | null
}

export function DealersPage ({ session }: PageProps) {
  const loaded = useApi(async () => (await api.get<{ dealers: Dealer[] }>('/api/v1/dealers')).dealers, [])
  const [secret, setSecret] = useState<{ dealer: string, value: string } | undefined>(undefined)
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [editing, setEditing] = useState<{ id: string, url: string, problem?: string } | undefined>(undefined)
  const [adding, setAdding] = useState(false)
  const operator = session.role === 'operator'
  const act = async (what: string, work: () => Promise<void>): Promise<void> => {
    setFailure(undefined)
    try {
      await work()
      loaded.reload()
    } catch (err) {
      setFailure(`${what}: ${messageOf(err)}`)
    }
  }
  const saveUrl = async (e: Event): Promise<void> => {
    e.preventDefault()
    if (editing === undefined) return
    const { id, url } = editing
    try {
      const answer = await api.patch<WithSecret>(`/api/v1/dealers/${encodeURIComponent(id)}`, { webhookUrl: url.trim() === '' ? null : url.trim() })
      if (answer.webhookSecret !== null) setSecret({ dealer: id, value: answer.webhookSecret })
      setEditing(undefined)
      loaded.reload()
    } catch (err) {
      // shown beside the URL: the API says why the address is refused
      setEditing({ id, url, problem: messageOf(err) })
    }
  }
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Dealers</h1>
        {operator && !adding && <button type='button' class='primary' onClick={() => setAdding(true)}>Register a dealer</button>}
        <a href={href('/webhooks/dead-letters')}>Webhook dead letters</a>
      </header>
      {adding && <DealerForm onDone={(created) => { setAdding(false); if (created !== undefined && created.webhookSecret !== null) setSecret({ dealer: created.dealer.id, value: created.webhookSecret }); loaded.reload() }} />}
      {secret !== undefined && <SecretOnce label={`Webhook secret of ${secret.dealer}`} secret={secret.value} onDone={() => setSecret(undefined)} />}
      {failure !== undefined && <ErrorBox message={failure} />}
      <LoadedView loaded={loaded}>{(dealers) => dealers.length === 0
        ? <Empty>No dealers registered. {operator ? 'Register one to route alerts to it.' : ''}</Empty>
        : (
          <table class='table'>
            <thead><tr><th>Dealer</th><th>Location</th><th>Brands</th><th>Webhook</th><th>State</th><th>Updated</th>{operator && <th />}</tr></thead>
            <tbody>
              {dealers.map((d) => (
                <tr key={d.id} class={d.active ? '' : 'm-dim'}>
                  <td>{d.name}<div class='m-sub'>{d.id} · <a href={href('/kpis', { dealer: d.id })}>KPIs</a> · <a href={href('/webhooks/dead-letters', { dealer: d.id })}>dead letters</a></div></td>
                  <td class='m-sub'>{num(d.lat, 4)}, {num(d.lon, 4)}</td>
                  <td>{d.brands.length === 0 ? <span class='m-sub'>all</span> : d.brands.join(', ')}</td>
                  <td>
                    {editing?.id === d.id
                      ? (
                        <form class='m-inline-form' onSubmit={(e) => { void saveUrl(e) }}>
                          <input type='url' value={editing.url} onInput={(e) => setEditing({ id: d.id, url: e.currentTarget.value })} placeholder='https://… (empty: inbox only)' aria-label={`Webhook URL of ${d.id}`} autofocus />
                          <button type='submit' class='primary'>Save</button>
                          <button type='button' onClick={() => setEditing(undefined)}>Cancel</button>
                          {editing.problem !== undefined && <p class='m-field-error' role='alert'>{editing.problem}</p>}
                        </form>
                        )
                      : (
                        <>
                          {d.webhookUrl === null ? <span class='m-sub'>inbox only</span> : <code class='m-url'>{d.webhookUrl}</code>}
                          {d.webhookUrl !== null && <div class='m-sub'>{d.hasSecret ? 'signed (secret set)' : 'no secret'}</div>}
                        </>
                        )}
                  </td>
                  <td><Badge tone={d.active ? 'ok' : 'muted'}>{d.active ? 'active' : 'inactive'}</Badge></td>
                  <td>{dateTime(d.updatedAt)}</td>
                  {operator && (
                    <td class='m-row-actions'>
                      <button type='button' onClick={() => setEditing({ id: d.id, url: d.webhookUrl ?? '' })}>Webhook…</button>
                      {d.webhookUrl !== null && <button type='button' onClick={() => { void act(`dealer ${d.id}`, async () => { setSecret({ dealer: d.id, value: (await api.post<{ webhookSecret: string }>(`/api/v1/dealers/${encodeURIComponent(d.id)}/webhook-secret`)).webhookSecret }) }) }}>New secret</button>}
                      <button type='button' onClick={() => { void act(`dealer ${d.id}`, async () => { await api.post(`/api/v1/dealers/${encodeURIComponent(d.id)}/${d.active ? 'deactivate' : 'activate'}`) }) }}>{d.active ? 'Deactivate' : 'Activate'}</button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          )}
      </LoadedView>
    </section>
  )
}

function DealerForm ({ onDone }: { onDone: (created?: WithSecret) => void }) {
  const [form, setForm] = useState({ id: '', name: '', lat: '', lon: '', brands: '', webhookUrl: '' })
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const set = (key: keyof typeof form) => (e: Event): void => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value })
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    try {
      const brands = form.brands.split(',').map((b) => b.trim()).filter((b) => b !== '')
      onDone(await api.post<WithSecret>('/api/v1/dealers', {
        id: form.id.trim(), name: form.name.trim(), lat: Number(form.lat), lon: Number(form.lon), brands, ...(form.webhookUrl.trim() === '' ? {} : { webhookUrl: form.webhookUrl.trim() })
      }))
    } catch (err) {
      setFailure(messageOf(err))
    }
  }
  return (
    <form class='m-form card' onSubmit={(e) => { void submit(e) }}>
      <h2>Register a dealer</h2>
      <div class='m-grid'>
        <label>Id <input value={form.id} onInput={set('id')} placeholder='autohaus-nord' required autofocus /></label>
        <label>Name <input value={form.name} onInput={set('name')} required /></label>
        <label>Latitude <input type='number' step='any' min='-90' max='90' value={form.lat} onInput={set('lat')} required /></label>
        <label>Longitude <input type='number' step='any' min='-180' max='180' value={form.lon} onInput={set('lon')} required /></label>
        <label>Brands <input value={form.brands} onInput={set('brands')} placeholder='empty: every brand' /></label>
        <label>Webhook URL <input type='url' value={form.webhookUrl} onInput={set('webhookUrl')} placeholder='empty: inbox only' /></label>
      </div>
      {failure !== undefined && <p class='m-field-error' role='alert'>{failure}</p>}
      <div class='m-actions'><button type='submit' class='primary'>Register</button><button type='button' onClick={() => onDone()}>Cancel</button></div>
    </form>
  )
}
