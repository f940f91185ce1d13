/**
 * Campaigns: every campaign with its progress per wave, and (engineers) a
 * form for a new one. A campaign's page (./campaign.tsx) starts, pauses,
 * resumes and aborts it.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { href, navigate } from '../../router.js'
import type { PageProps } from '../page.js'
import { StateBadge } from '../../components/badge.js'
import { useInterval } from './components/use-interval.js'
import { placeProblems, type FieldProblems } from './components/problems.js'
import { WaveBar } from './components/wave-bar.js'
import type { Campaign, CampaignView, RuleSummary } from './types.js'

/** What the campaign sends, in a few words: "OTA bms-fw 2.1.0", "action reboot-tbox". */
export function commandText (c: Campaign): string {
  if (c.body.ota !== undefined) return `OTA ${c.body.ota.package} ${c.body.ota.version}`
  if (c.body.action !== undefined) return `action ${c.body.action.name}`
  return 'diagnostic'
}

export function CampaignsPage ({ session }: PageProps) {
  const [creating, setCreating] = useState(false)
  const loaded = useApi(async () => {
    const { campaigns } = await api.get<{ campaigns: Campaign[] }>('/api/v1/campaigns')
    // the list has no progress; each campaign's view has it per wave (lists are short)
    return await Promise.all(campaigns.slice(0, 50).map(async (c) => await api.get<CampaignView>(`/api/v1/campaigns/${encodeURIComponent(c.id)}`)))
  }, [])
  useInterval(() => { if (loaded.data?.some((v) => v.campaign.state === 'running') === true) loaded.reload() }, 5000)
  const engineer = session.role === 'engineer'
  return (
    <section class='m-page'>
      <header class='page-head'>
        <h1>Campaigns</h1>
        {engineer && !creating && <button type='button' class='primary' onClick={() => setCreating(true)}>New campaign</button>}
      </header>
      {creating && <CampaignForm onCancel={() => setCreating(false)} />}
      <LoadedView loaded={loaded}>{(views) => views.length === 0
        ? <Empty>No campaigns yet.{engineer ? ' A campaign sends an OTA update or a remote action to a cohort of vehicles, wave by wave.' : ''}</Empty>
        : (
          <table class='table'>
            <thead><tr><th>Campaign</th><th>Sends</th><th>State</th><th>Vehicles</th><th>Progress per wave</th><th>Created</th></tr></thead>
            <tbody>
              {views.map(({ campaign: c, vehicles, waves }) => (
                <tr key={c.id}>
                  <td><a href={href(`/campaigns/${c.id}`)}>{c.name}</a><div class='m-sub'>{c.id}</div></td>
                  <td>{commandText(c)}</td>
                  <td><StateBadge state={c.state} />{c.state !== 'draft' && <div class='m-sub'>wave {c.currentWave + 1} of {c.waves.length}</div>}</td>
                  <td class='num'>{c.state === 'draft' ? '—' : vehicles}</td>
                  <td class='m-waves'>{c.state === 'draft' ? <span class='m-sub'>cohort resolved at start</span> : waves.map((w) => <WaveBar key={w.wave} wave={w} />)}</td>
                  <td>{dateTime(c.createdAt)}<div class='m-sub'>{c.createdBy}</div></td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
      </LoadedView>
    </section>
  )
}

type Field = 'id' | 'name' | 'command' | 'cohort' | 'waves' | 'minSuccessRate' | 'failureThreshold' | 'ttl'
const FIELDS: ReadonlyArray<readonly [Field, RegExp]> = [
  ['id', /^(body\.)?id\b/], ['name', /^(body\.)?name\b/], ['command', /body\.(action|ota)|action|OTA package/i],
  ['cohort', /cohort|vins?\b|model|firmware/i], ['waves', /wave/], ['minSuccessRate', /minSuccessRate/],
  ['failureThreshold', /failureThreshold/], ['ttl', /ttl|commandTtlMs/]
]

const list = (text: string): string[] => text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== '')
// model names have spaces ("Pitwall Demo PHEV"): only commas and line ends separate them
const names = (text: string): string[] => text.split(/[,\n]+/).map((s) => s.trim()).filter((s) => s !== '')

/** A new draft: what to send, to whom, in which waves, and when to stop by itself. */
function CampaignForm ({ onCancel }: { onCancel: () => void }) {
  const rules = useApi(async () => (await api.get<{ rules: RuleSummary[] }>('/api/v1/rules')).rules, [])
  const packages = useApi(async () => (await api.get<{ packages: Array<{ package: string, version: string }> }>('/api/v1/ota-packages')).packages, [])
  const [form, setForm] = useState({
    id: '', name: '', kind: 'ota', ota: '', action: '', params: '', models: '', firmware: '', openFaultRule: '', vins: '',
    waves: '1, 10, 100', minSuccessRate: '95', failureThreshold: '20', ttl: '7d'
  })
  const [problems, setProblems] = useState<FieldProblems<Field>>({})
  const [busy, setBusy] = useState(false)
  const set = (key: keyof typeof form) => (e: Event): void => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value })
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    const [pkg, version] = form.ota.split('@')
    const params = Object.fromEntries(list(form.params).map((kv) => kv.split('=', 2) as [string, string]))
    const cohort = {
      ...(names(form.models).length > 0 ? { models: names(form.models) } : {}),
      ...(names(form.firmware).length > 0 ? { firmware: names(form.firmware) } : {}),
      ...(form.openFaultRule !== '' ? { openFaultRule: form.openFaultRule } : {}),
      ...(list(form.vins).length > 0 ? { vins: list(form.vins) } : {})
    }
    const body = {
      id: form.id.trim(),
      name: form.name.trim(),
      ...(form.kind === 'ota' ? { ota: { package: pkg ?? '', version: version ?? '' } } : { action: { name: form.action.trim(), params } }),
      cohort,
      waves: list(form.waves).map((w) => Number(w) / 100),
      minSuccessRate: Number(form.minSuccessRate) / 100,
      failureThreshold: Number(form.failureThreshold) / 100,
      ttl: form.ttl.trim()
    }
    setBusy(true)
    try {
      const created = await api.post<Campaign>('/api/v1/campaigns', body)
      navigate(`/campaigns/${created.id}`)
    } catch (err) {
      setProblems(placeProblems(messageOf(err), FIELDS))
    } finally {
      setBusy(false)
    }
  }
  const problem = (field: Field | 'form') => problems[field]?.map((p) => <p class='m-field-error' role='alert'>{p}</p>)
  return (
    <form class='m-form card' onSubmit={(e) => { void submit(e) }}>
      <h2>New campaign</h2>
      {problem('form')}
      <div class='m-grid'>
        <label>Id <input value={form.id} onInput={set('id')} placeholder='bms-fw-2-1' required autofocus />{problem('id')}</label>
        <label>Name <input value={form.name} onInput={set('name')} placeholder='BMS firmware 2.1 rollout' required />{problem('name')}</label>
      </div>
      <fieldset>
        <legend>Sends</legend>
        <label class='m-inline'><input type='radio' name='kind' value='ota' checked={form.kind === 'ota'} onChange={set('kind')} /> OTA update</label>
        <label class='m-inline'><input type='radio' name='kind' value='action' checked={form.kind === 'action'} onChange={set('kind')} /> Remote action</label>
        {form.kind === 'ota'
          ? (
            <label>Package
              <select value={form.ota} onChange={set('ota')} required>
                <option value=''>— choose a registered package —</option>
                {(packages.data ?? []).map((p) => <option value={`${p.package}@${p.version}`}>{p.package} {p.version}</option>)}
              </select>
            </label>
            )
          : (
            <div class='m-grid'>
              <label>Action <input value={form.action} onInput={set('action')} placeholder='bms-extended-balancing' required /></label>
              <label>Parameters <input value={form.params} onInput={set('params')} placeholder='targetSpreadMv=30' /></label>
            </div>
            )}
        {problem('command')}
      </fieldset>
      <fieldset>
        <legend>Cohort (resolved when the campaign starts)</legend>
        <div class='m-grid'>
          <label>Models <input value={form.models} onInput={set('models')} placeholder='demo-ev, demo-ice' /></label>
          <label>Firmware <input value={form.firmware} onInput={set('firmware')} placeholder='2.0.*' /></label>
          <label>With an open fault of
            <select value={form.openFaultRule} onChange={set('openFaultRule')}>
              <option value=''>— any —</option>
              {(rules.data ?? []).map((r) => <option value={r.id}>{r.name} ({r.id})</option>)}
            </select>
          </label>
        </div>
        <label>VINs <textarea rows={2} value={form.vins} onInput={set('vins')} placeholder='one or more, separated by spaces or commas' /></label>
        {problem('cohort')}
      </fieldset>
      <div class='m-grid'>
        <label>Waves (% of the cohort, cumulative) <input value={form.waves} onInput={set('waves')} />{problem('waves')}</label>
        <label>Next wave needs success ≥ % <input type='number' min='0' max='100' value={form.minSuccessRate} onInput={set('minSuccessRate')} />{problem('minSuccessRate')}</label>
        <label>Pause when failures exceed % <input type='number' min='0' max='100' value={form.failureThreshold} onInput={set('failureThreshold')} />{problem('failureThreshold')}</label>
        <label>Each command waits at most <input value={form.ttl} onInput={set('ttl')} placeholder='7d' />{problem('ttl')}</label>
      </div>
      <div class='m-actions'>
        <button type='submit' class='primary' disabled={busy}>Create draft</button>
        <button type='button' onClick={onCancel}>Cancel</button>
      </div>
      {rules.error !== undefined && <ErrorBox message={rules.error} />}
    </form>
  )
}
