/**
 * A vehicle's commands, newest first, with their states as the T-box
 * reports them (updated live from the fleet events), and, for engineers,
 * the form that sends a remote fix: a named remote action with parameters,
 * or an OTA update to a registered package version. Commands waiting for
 * approval can be approved or cancelled here.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { StateBadge } from '../../components/badge.js'
import { dateTime, relative } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useEvents } from '../../components/use-events.js'
import { href } from '../../router.js'
import { commandSummary, type Command } from './types.js'

interface OtaPackage { package: string, version: string }

export function CommandsPanel ({ vin, canSend }: { vin: string, canSend: boolean }) {
  const loaded = useApi(async () => (await api.get<{ commands: Command[] }>('/api/v1/commands', { vin, limit: 20 })).commands, [vin])
  const [changed, setChanged] = useState<string | undefined>(undefined)
  useEvents((event) => {
    if (event.kind === 'command' && event.vin === vin) {
      setChanged(event.id)
      loaded.reload()
    }
  }, loaded.reload)
  const [actionError, setActionError] = useState<string | undefined>(undefined)
  const move = (id: string, verb: 'approve' | 'cancel'): void => {
    setActionError(undefined)
    api.post(`/api/v1/commands/${encodeURIComponent(id)}/${verb}`).then(loaded.reload, (err: unknown) => setActionError(messageOf(err)))
  }
  return (
    <div class='vehicle-commands'>
      {canSend && <SendForm vin={vin} onSent={loaded.reload} />}
      {actionError !== undefined && <ErrorBox message={actionError} />}
      <LoadedView loaded={loaded}>
        {(commands) => commands.length === 0
          ? <Empty>No commands sent to this vehicle yet.</Empty>
          : (
            <table class='table commands-table'>
              <thead><tr><th>Command</th><th>State</th><th>Progress</th><th>Detail</th><th>Requested</th><th>For</th>{canSend && <th />}</tr></thead>
              <tbody>
                {commands.map((c) => (
                  <tr key={`${c.id}-${c.state}`} class={c.id === changed ? 'flash' : ''} data-command={c.id}>
                    <td><span class='mono'>{commandSummary(c.body)}</span><div class='muted'>{c.id}</div></td>
                    <td class='command-state'><StateBadge state={c.state} />{c.fixCheck !== null && <> <StateBadge state={c.fixCheck} title='fix check: did fresh data clear the fault?' /></>}</td>
                    <td class='num'>{c.progress === null ? '—' : `${c.progress} %`}</td>
                    <td>{c.detail ?? ''}</td>
                    <td title={dateTime(c.createdAt)}>{relative(c.createdAt)} by {c.requestedBy}</td>
                    <td>
                      {c.faultId !== null && <a href={href(`/faults/${c.faultId}`)}>fault #{c.faultId}</a>}
                      {c.campaignId !== null && <> {canSend ? <a href={href(`/campaigns/${encodeURIComponent(c.campaignId)}`)}>campaign {c.campaignId}</a> : `campaign ${c.campaignId}`}</>}
                      {c.faultId === null && c.campaignId === null && '—'}
                    </td>
                    {canSend && (
                      <td class='row-actions'>
                        {c.state === 'pending_approval' && <button type='button' class='primary' onClick={() => move(c.id, 'approve')}>Approve</button>}
                        {(c.state === 'pending_approval' || c.state === 'queued') && <button type='button' class='danger' onClick={() => move(c.id, 'cancel')}>Cancel</button>}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
            )}
      </LoadedView>
    </div>
  )
}

/** "key=value" per line → params; a line without "=" is refused with its number. */
export function parseParams (text: string): Record<string, string> {
  const params: Record<string, string> = {}
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '') return
    const at = line.indexOf('=')
    if (at <= 0) throw new Error(`parameters, line ${i + 1}: "${line}" is not key=value`)
    params[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  })
  return params
}

function SendForm ({ vin, onSent }: { vin: string, onSent: () => void }) {
  const [kind, setKind] = useState<'action' | 'ota'>('action')
  const [name, setName] = useState('')
  const [params, setParams] = useState('')
  const [pkg, setPkg] = useState('')
  const [ttl, setTtl] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [sent, setSent] = useState<string | undefined>(undefined)
  const packages = useApi(async () => kind === 'ota' ? (await api.get<{ packages: OtaPackage[] }>('/api/v1/ota-packages')).packages : [], [kind])

  const submit = (e: Event): void => {
    e.preventDefault()
    setError(undefined)
    setSent(undefined)
    let body: Record<string, unknown>
    try {
      if (kind === 'action') {
        body = { vin, action: { name: name.trim(), params: parseParams(params) } }
      } else {
        const [p, v] = pkg.split('\u0000')
        body = { vin, ota: { package: p, version: v } }
      }
    } catch (err) {
      setError(messageOf(err))
      return
    }
    if (ttl !== '') body.ttl = ttl
    setBusy(true)
    api.post<Command>('/api/v1/commands', body).then((command) => {
      setSent(`Queued ${commandSummary(command.body)} (${command.id})`)
      setName('')
      setParams('')
      onSent()
    }, (err: unknown) => setError(messageOf(err))).finally(() => setBusy(false))
  }

  return (
    <form class='send-fix' onSubmit={submit} aria-label='Send a remote fix'>
      <div class='toolbar'>
        <label class='field'>Send
          <select name='kind' value={kind} onChange={(e) => setKind(e.currentTarget.value as 'action' | 'ota')}>
            <option value='action'>remote action</option>
            <option value='ota'>OTA update</option>
          </select>
        </label>
        {kind === 'action'
          ? (
            <>
              <label class='field'>Action name
                <input name='action' required value={name} placeholder='bms-extended-balancing' onInput={(e) => setName(e.currentTarget.value)} />
              </label>
              <label class='field grow'>Parameters (key=value, one a line)
                <textarea name='params' rows={1} value={params} placeholder='targetSpreadMv=30' onInput={(e) => setParams(e.currentTarget.value)} />
              </label>
            </>
            )
          : (
            <label class='field grow'>Package version
              <select name='package' required value={pkg} onChange={(e) => setPkg(e.currentTarget.value)}>
                <option value=''>{packages.data?.length === 0 ? 'no packages registered' : 'choose…'}</option>
                {(packages.data ?? []).map((p) => <option value={`${p.package}\u0000${p.version}`}>{p.package} {p.version}</option>)}
              </select>
            </label>
            )}
        <label class='field'>Must start within
          <select name='ttl' value={ttl} onChange={(e) => setTtl(e.currentTarget.value)}>
            <option value=''>default</option>
            <option value='1h'>1 h</option>
            <option value='12h'>12 h</option>
            <option value='24h'>24 h</option>
            <option value='7d'>7 days</option>
          </select>
        </label>
        <button type='submit' class='primary' disabled={busy || (kind === 'action' ? name.trim() === '' : pkg === '')}>Send remote fix</button>
      </div>
      {error !== undefined && <ErrorBox message={error} />}
      {packages.error !== undefined && <ErrorBox message={packages.error} retry={packages.reload} />}
      {sent !== undefined && <p class='muted' role='status'>{sent}</p>}
    </form>
  )
}
