/**
 * API tokens (operators): every token with its role, use and state; a new
 * operator or dealer token, whose secret is shown once with a copy button;
 * revoking, effective from the token's next request. Engineer tokens are
 * made on the gateway's host (`pitwall token create --role engineer`).
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime, relative } from '../../components/format.js'
import { ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import type { PageProps } from '../page.js'
import { Badge } from '../../components/badge.js'
import { SecretOnce } from './components/secret-once.js'
import type { ApiToken, Dealer } from './types.js'

function stateOf (t: ApiToken): 'active' | 'revoked' | 'expired' {
  if (t.revokedAt !== null) return 'revoked'
  if (t.expiresAt !== null && new Date(t.expiresAt).getTime() <= Date.now()) return 'expired'
  return 'active'
}

export function TokensPage (_props: PageProps) {
  const loaded = useApi(async () => (await api.get<{ tokens: ApiToken[] }>('/api/v1/tokens')).tokens, [])
  const dealers = useApi(async () => (await api.get<{ dealers: Dealer[] }>('/api/v1/dealers')).dealers, [])
  const [form, setForm] = useState({ name: '', role: 'dealer', dealerId: '', expiresAt: '' })
  const [created, setCreated] = useState<{ name: string, token: string } | undefined>(undefined)
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const create = async (e: Event): Promise<void> => {
    e.preventDefault()
    setFailure(undefined)
    try {
      const answer = await api.post<ApiToken & { token: string }>('/api/v1/tokens', {
        name: form.name.trim(),
        role: form.role,
        ...(form.role === 'dealer' ? { dealerId: form.dealerId } : {}),
        ...(form.expiresAt === '' ? {} : { expiresAt: new Date(form.expiresAt).toISOString() })
      })
      setCreated({ name: answer.name, token: answer.token })
      setForm({ ...form, name: '' })
      loaded.reload()
    } catch (err) {
      setFailure(messageOf(err))
    }
  }
  const revoke = async (t: ApiToken): Promise<void> => {
    if (!confirm(`Revoke token "${t.name}"? Whoever uses it is refused from the next request.`)) return
    setFailure(undefined)
    try {
      const answer = await api.delete<{ ownToken: boolean, message?: string }>(`/api/v1/tokens/${t.id}`)
      setNotice(answer.message)
      loaded.reload()
    } catch (err) {
      setFailure(messageOf(err))
    }
  }
  return (
    <section class='m-page'>
      <header class='page-head'><h1>API tokens</h1></header>
      <form class='m-form card m-inline-form' onSubmit={(e) => { void create(e) }}>
        <label>Name <input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} placeholder='who or what uses it' required /></label>
        <label>Role <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}><option value='dealer'>dealer</option><option value='operator'>operator</option></select></label>
        {form.role === 'dealer' && (
          <label>Dealer <select value={form.dealerId} onChange={(e) => setForm({ ...form, dealerId: e.currentTarget.value })} required>
            <option value=''>— choose —</option>
            {(dealers.data ?? []).map((d) => <option value={d.id}>{d.name}</option>)}
          </select></label>
        )}
        <label>Expires <input type='datetime-local' value={form.expiresAt} onInput={(e) => setForm({ ...form, expiresAt: e.currentTarget.value })} /></label>
        <button type='submit' class='primary'>Create token</button>
      </form>
      {created !== undefined && <SecretOnce label={`Token "${created.name}"`} secret={created.token} onDone={() => setCreated(undefined)} />}
      {failure !== undefined && <ErrorBox message={failure} />}
      {notice !== undefined && <p class='m-note' role='status'>{notice}</p>}
      <LoadedView loaded={loaded}>{(tokens) => (
        <table class='table'>
          <thead><tr><th>Name</th><th>Role</th><th>Created</th><th>Last used</th><th>Expires</th><th>State</th><th /></tr></thead>
          <tbody>
            {tokens.map((t) => {
              const state = stateOf(t)
              return (
                <tr key={t.id} class={state === 'active' ? '' : 'm-dim'}>
                  <td>{t.name}<div class='m-sub'>#{t.id}</div></td>
                  <td>{t.role}{t.dealerId !== null && <div class='m-sub'>{t.dealerId}</div>}</td>
                  <td>{dateTime(t.createdAt)}</td>
                  <td title={dateTime(t.lastUsedAt)}>{relative(t.lastUsedAt)}</td>
                  <td>{dateTime(t.expiresAt)}</td>
                  <td><Badge tone={state === 'active' ? 'ok' : 'muted'}>{state}</Badge></td>
                  <td>{state === 'active' && <button type='button' class='danger' onClick={() => { void revoke(t) }}>Revoke</button>}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}</LoadedView>
    </section>
  )
}
