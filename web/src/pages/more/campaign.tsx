/**
 * One campaign: its progress per wave, the moves its state allows
 * (engineers), its vehicles' commands (the ones that failed first, each
 * vehicle linked) and its timeline. Refreshes every few seconds while it
 * runs.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { dateTime, num, relative } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { href } from '../../router.js'
import type { PageProps } from '../page.js'
import { StateBadge } from '../../components/badge.js'
import { useInterval } from './components/use-interval.js'
import { WaveBar } from './components/wave-bar.js'
import { commandText } from './campaigns.js'
import type { Command } from '../vehicle/types.js'
import type { CampaignState, CampaignView } from './types.js'

/** The moves each state allows (actions/campaigns/model.ts CAMPAIGN_TRANSITIONS). */
const MOVES: Record<CampaignState, ReadonlyArray<'start' | 'pause' | 'resume' | 'abort'>> = {
  draft: ['start', 'abort'],
  running: ['pause', 'abort'],
  paused: ['resume', 'abort'],
  completed: [],
  aborted: []
}
const WITH_REASON = new Set(['pause', 'abort'])

const COMMANDS_SHOWN = 500

const percent = (share: number): string => `${num(share * 100, 1)} %`

export function CampaignPage ({ params, session }: PageProps) {
  const path = `/api/v1/campaigns/${encodeURIComponent(params.id ?? '')}`
  const loaded = useApi(async () => {
    const [view, { commands }] = await Promise.all([
      api.get<CampaignView>(path),
      api.get<{ commands: Command[] }>('/api/v1/commands', { campaign: params.id ?? '', limit: COMMANDS_SHOWN })
    ])
    return { ...view, commands }
  }, [path])
  const [reason, setReason] = useState('')
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  useInterval(() => { if (loaded.data?.campaign.state === 'running') loaded.reload() }, 3000)

  const move = async (verb: string): Promise<void> => {
    setBusy(true)
    setFailure(undefined)
    try {
      await api.post<CampaignView>(`${path}/${verb}`, WITH_REASON.has(verb) && reason.trim() !== '' ? { reason: reason.trim() } : {})
      setReason('')
      loaded.reload()
    } catch (err) {
      setFailure(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class='m-page'>
      <p class='m-crumbs'><a href={href('/campaigns')}>Campaigns</a> /</p>
      <LoadedView loaded={loaded}>{({ campaign: c, vehicles, waves, timeline, commands }) => (
        <>
          <header class='page-head'>
            <h1>{c.name} <StateBadge state={c.state} /></h1>
          </header>
          {c.stateReason !== null && <p class='m-note'>{c.stateReason}</p>}
          <dl class='kv'>
            <dt>Id</dt><dd>{c.id}</dd>
            <dt>Sends</dt><dd>{commandText(c)}</dd>
            <dt>Cohort</dt><dd>{cohortText(c.cohort)}</dd>
            <dt>Vehicles</dt><dd>{c.state === 'draft' ? 'resolved at start' : vehicles}</dd>
            <dt>Waves</dt><dd>{c.waves.map(percent).join(' → ')}</dd>
            <dt>Next wave needs</dt><dd>{percent(c.minSuccessRate)} success</dd>
            <dt>Pauses itself above</dt><dd>{percent(c.failureThreshold)} failed</dd>
            <dt>Created</dt><dd>{dateTime(c.createdAt)} by {c.createdBy}</dd>
          </dl>
          {session.role === 'engineer' && MOVES[c.state].length > 0 && (
            <div class='m-actions card'>
              {MOVES[c.state].some((v) => WITH_REASON.has(v)) && (
                <label>Reason (pause, abort) <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder='optional' /></label>
              )}
              {MOVES[c.state].map((verb) => (
                <button type='button' class={verb === 'abort' ? 'danger' : 'primary'} disabled={busy} onClick={() => { void move(verb) }}>
                  {verb[0]?.toUpperCase()}{verb.slice(1)}
                </button>
              ))}
            </div>
          )}
          {failure !== undefined && <ErrorBox message={failure} />}
          <h2>Progress per wave</h2>
          <table class='table'>
            <thead><tr><th>Wave</th><th>Share</th><th class='num'>Vehicles</th><th>Commands by state</th><th class='num'>Succeeded</th><th class='num'>Failed</th><th class='num'>Finished</th><th /></tr></thead>
            <tbody>
              {waves.map((w) => (
                <tr key={w.wave} class={w.wave === c.currentWave && c.state !== 'draft' ? 'm-current' : ''}>
                  <td>{w.wave + 1}</td>
                  <td>{percent(w.share)}</td>
                  <td class='num'>{w.vehicles}</td>
                  <td>{Object.entries(w.commands).map(([state, n]) => <span class='m-chip'>{state.replaceAll('_', ' ')} {n}</span>)}</td>
                  <td class='num'>{w.succeeded}</td>
                  <td class='num'>{w.failed}</td>
                  <td class='num'>{w.finished}</td>
                  <td class='m-waves'><WaveBar wave={w} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Commands</h2>
          <CampaignCommands commands={commands} draft={c.state === 'draft'} />
          <h2>Timeline</h2>
          <table class='table'>
            <thead><tr><th>Time</th><th>State</th><th>Wave</th><th>By</th><th>Detail</th></tr></thead>
            <tbody>
              {timeline.map((e) => (
                <tr>
                  <td>{dateTime(e.time)}</td>
                  <td>{e.state.replaceAll('_', ' ')}</td>
                  <td>{e.wave + 1}</td>
                  <td>{e.by ?? '—'}</td>
                  <td class='m-sub'>{e.detail === null ? '' : Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}</LoadedView>
    </section>
  )
}

const FAILED = new Set(['failed', 'expired', 'rejected'])

/** The campaign's commands, the failed ones first: which vehicles to look at. */
function CampaignCommands ({ commands, draft }: { commands: readonly Command[], draft: boolean }) {
  if (commands.length === 0) return <Empty>{draft ? 'No commands before the campaign starts.' : 'No command queued yet.'}</Empty>
  const ordered = [...commands].sort((a, b) => Number(FAILED.has(b.state)) - Number(FAILED.has(a.state)))
  return (
    <>
      <table class='table'>
        <thead><tr><th>Vehicle</th><th>State</th><th class='num'>Progress</th><th>Detail</th><th>Updated</th></tr></thead>
        <tbody>
          {ordered.map((command) => (
            <tr key={command.id}>
              <td class='mono'><a href={href(`/vehicles/${encodeURIComponent(command.vin)}`)}>{command.vin}</a></td>
              <td><StateBadge state={command.state} /></td>
              <td class='num'>{command.progress === null ? '—' : `${command.progress} %`}</td>
              <td class='m-sub'>{command.detail ?? ''}</td>
              <td title={dateTime(command.updatedAt)}>{relative(command.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {commands.length === COMMANDS_SHOWN && <p class='m-sub'>The newest {COMMANDS_SHOWN} commands are shown.</p>}
    </>
  )
}

function cohortText (cohort: CampaignView['campaign']['cohort']): string {
  const parts = [
    cohort.models?.length ? `models ${cohort.models.join(', ')}` : '',
    cohort.firmware?.length ? `firmware ${cohort.firmware.join(', ')}` : '',
    cohort.openFaultRule !== undefined ? `open fault of ${cohort.openFaultRule}` : '',
    cohort.vins?.length ? `${cohort.vins.length} VIN(s)` : ''
  ].filter((p) => p !== '')
  return parts.join('; ') || 'the whole fleet'
}
