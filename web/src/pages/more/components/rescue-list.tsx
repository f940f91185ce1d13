/**
 * The inbox's rescue requests: the ones offered to this dealer, open ones
 * unless "closed ones too" is ticked, each opening its alert's page (where
 * it is worked through its states), with Accept right here for a request
 * nobody has taken yet.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../../api.js'
import { dateTime, num, relative } from '../../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../../components/states.js'
import { useApi } from '../../../components/use-api.js'
import { useEvents } from '../../../components/use-events.js'
import { useNow } from '../../../components/use-now.js'
import { StateBadge } from '../../../components/badge.js'
import { href } from '../../../router.js'
import { OPEN_RESCUE_STATES, type RescueListing } from '../rescue-types.js'

export function RescueList ({ all }: { all: boolean }) {
  const loaded = useApi(async () => (await api.get<{ rescues: RescueListing[] }>('/api/v1/rescue-requests', { state: all ? undefined : OPEN_RESCUE_STATES.join(','), limit: 200 })).rescues, [all])
  // a rescue's steps are written to its copies' timelines: their alert events say something moved
  useEvents((e) => { if (e.kind === 'alert') loaded.reload() }, loaded.reload)
  useNow()
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const accept = async (r: RescueListing): Promise<void> => {
    setFailure(undefined)
    try {
      await api.post(`/api/v1/rescue-requests/${r.id}/transitions`, { to: 'accepted' })
    } catch (err) {
      setFailure(`rescue ${r.id}: ${messageOf(err)}`)
    }
    loaded.reload()
  }
  return (
    <>
      {failure !== undefined && <ErrorBox message={failure} />}
      <LoadedView loaded={loaded}>{(rescues) => rescues.length === 0
        ? <Empty>No {all ? '' : 'open '}rescue requests. Stranded vehicles within your rescue radius appear here.</Empty>
        : (
          <table class='table m-inbox'>
            <thead><tr><th>Rescue</th><th>State</th><th>Vehicle</th><th>What happened</th><th>Distance</th><th>Requested</th><th /></tr></thead>
            <tbody>
              {rescues.map((r) => {
                const taken = r.acceptedDealerId === null && r.state !== 'requested' && r.state !== 'cancelled'
                return (
                  <tr key={r.id} class={r.state === 'requested' ? 'm-unread' : ''}>
                    <td>{r.offer === null ? `#${r.id}` : <a href={href(`/inbox/alerts/${r.offer.alertId}`)}>#{r.id}</a>}</td>
                    <td><StateBadge state={taken ? 'taken' : r.state} title={taken ? 'another dealer accepted it first' : undefined} />{r.eta !== null && <div class='m-sub'>ETA {dateTime(r.eta)}</div>}</td>
                    <td>{r.vin}<div class='m-sub'>{r.source === 'fault' ? 'critical fault' : 'call centre'}</div></td>
                    <td>{r.description}</td>
                    <td class='num'>{r.offer?.distanceKm == null ? '—' : `${num(r.offer.distanceKm, 0)} km`}</td>
                    <td title={dateTime(r.requestedAt)}>{relative(r.requestedAt)}</td>
                    <td>{r.state === 'requested' && <button type='button' class='primary' onClick={() => { void accept(r) }}>Accept</button>}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          )}
      </LoadedView>
    </>
  )
}
