/**
 * A rescue request on its alert's page: where the vehicle stands and what
 * happened, the driver's phone once this dealer accepted, and the buttons
 * for its next states (accept; then dispatched with an ETA, on site, towed,
 * closed with an outcome). Another dealer that accepted first is said so;
 * the API decides (409) when two click at once.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../../api.js'
import { dateTime, num } from '../../../components/format.js'
import { ErrorBox, LoadedView } from '../../../components/states.js'
import { useApi } from '../../../components/use-api.js'
import { StateBadge } from '../../../components/badge.js'
import { RESCUE_OUTCOMES, type RescueState, type RescueView } from '../rescue-types.js'

const STEPS: RescueState[] = ['dispatched', 'on_site', 'towed', 'closed']
const LABELS: Partial<Record<RescueState, string>> = { accepted: 'Accept', dispatched: 'Dispatched', on_site: 'On site', towed: 'Towed', closed: 'Close' }

/** The moves this dealer may make next: accept an open request; after accepting, any later step (they may be skipped). */
export function rescueMoves (rescue: Pick<RescueView, 'state' | 'acceptedDealerId'>): RescueState[] {
  if (rescue.state === 'requested') return ['accepted']
  if (rescue.acceptedDealerId === null) return []
  const i = STEPS.indexOf(rescue.state)
  return rescue.state === 'accepted' ? STEPS : i < 0 ? [] : STEPS.slice(i + 1)
}

/** What a step kept beside it, in words: "ETA 2026-03-02 08:40:00 · towed to muc · seized pump". */
export function stepDetail (detail: Record<string, unknown>): string {
  const text = (key: string): string | undefined => typeof detail[key] === 'string' ? detail[key] as string : undefined
  const eta = text('eta')
  const towedTo = text('towedTo')
  return [eta === undefined ? undefined : `ETA ${dateTime(eta)}`, towedTo === undefined ? undefined : `towed to ${towedTo}`,
    text('outcome')?.replaceAll('_', ' '), text('reason'), text('note')].filter((v) => v !== undefined).join(' · ')
}

/** "2026-03-02T08:40" in the browser's zone, for a datetime-local input. */
function localInput (ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function RescuePanel ({ rescueId, onMoved }: { rescueId: number, onMoved: () => void }) {
  const path = `/api/v1/rescue-requests/${rescueId}`
  const loaded = useApi(async () => await api.get<RescueView>(path), [path])
  return <LoadedView loaded={loaded}>{(rescue) => <RescueWork rescue={rescue} path={path} reload={() => { loaded.reload(); onMoved() }} />}</LoadedView>
}

function RescueWork ({ rescue, path, reload }: { rescue: RescueView, path: string, reload: () => void }) {
  const [note, setNote] = useState('')
  const [eta, setEta] = useState(localInput(Date.now() + 30 * 60_000))
  const [towedTo, setTowedTo] = useState('')
  const [outcome, setOutcome] = useState<string>('towed_to_workshop')
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const moves = rescueMoves(rescue)
  const taken = rescue.acceptedDealerId === null && rescue.state !== 'requested' && rescue.state !== 'cancelled'
  const move = async (to: RescueState): Promise<void> => {
    setBusy(true)
    setFailure(undefined)
    try {
      await api.post(`${path}/transitions`, {
        to,
        ...(to === 'dispatched' ? { eta: new Date(eta).toISOString() } : {}),
        ...(to === 'towed' && towedTo.trim() !== '' ? { towedTo: towedTo.trim() } : {}),
        ...(to === 'closed' ? { outcome } : {}),
        ...(note.trim() === '' ? {} : { note: note.trim() })
      })
      setNote('')
      reload()
    } catch (err) {
      setFailure(messageOf(err))
      reload()
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class='m-rescue'>
      <p><StateBadge state={rescue.state} /> {rescue.description}</p>
      <dl class='kv'>
        <dt>Position</dt><dd>{num(rescue.lat, 5)}, {num(rescue.lon, 5)}</dd>
        {rescue.contactPhone !== null && <><dt>Driver</dt><dd><a href={`tel:${rescue.contactPhone.replace(/[^+\d]/g, '')}`}>{rescue.contactPhone}</a></dd></>}
        {rescue.eta !== null && <><dt>ETA</dt><dd>{dateTime(rescue.eta)}</dd></>}
        {rescue.towedToDealerId !== null && <><dt>Towed to</dt><dd>{rescue.towedToDealerId}</dd></>}
        {rescue.outcome !== null && <><dt>Outcome</dt><dd>{rescue.outcome.replaceAll('_', ' ')}</dd></>}
        {rescue.cancelReason !== null && <><dt>Cancelled</dt><dd>{rescue.cancelReason}</dd></>}
      </dl>
      {taken && <p class='m-sub m-taken'>Another dealer accepted this rescue first.</p>}
      {rescue.state === 'requested' && <p class='m-sub'>The driver's phone is shown once you accept.</p>}
      {moves.length > 0 && (
        <>
          <label>Note <textarea rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder='optional, kept in the timeline' /></label>
          {moves.includes('dispatched') && <label>ETA on site <input type='datetime-local' value={eta} onInput={(e) => setEta(e.currentTarget.value)} /></label>}
          {moves.includes('towed') && <label>Towed to dealer <input value={towedTo} onInput={(e) => setTowedTo(e.currentTarget.value)} placeholder='your workshop' /></label>}
          {moves.includes('closed') && (
            <label>Outcome <select value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
              {RESCUE_OUTCOMES.map((o) => <option value={o}>{o.replaceAll('_', ' ')}</option>)}
            </select></label>
          )}
          <div class='m-moves'>
            {moves.map((to, i) => <button type='button' class={i === 0 ? 'primary' : ''} disabled={busy} onClick={() => { void move(to) }}>{LABELS[to]}</button>)}
          </div>
        </>
      )}
      {failure !== undefined && <ErrorBox message={failure} />}
      <h3>Rescue timeline</h3>
      <ol class='m-timeline'>
        {rescue.timeline.map((e) => (
          <li>
            <StateBadge state={e.state} /> {dateTime(e.time)} · {e.by}
            {e.detail !== null && stepDetail(e.detail) !== '' && <div class='m-sub'>{stepDetail(e.detail)}</div>}
          </li>
        ))}
      </ol>
    </div>
  )
}
