/**
 * Remote diagnosis on the vehicle page (engineers): ask the vehicle's ECUs
 * (DTCs, a freeze frame, data identifiers, OBD-II PIDs or vehicle
 * information, clear DTCs, raw bytes) and read the answers decoded, newest
 * first, updated live as the T-box answers. Requests are checked by the
 * API; its message is shown in place. Clearing DTCs and raw requests that
 * change an ECU wait for approval in the commands below.
 */
import { useState } from 'preact/hooks'
import { api, messageOf } from '../../api.js'
import { StateBadge } from '../../components/badge.js'
import { relative } from '../../components/format.js'
import { Empty, ErrorBox, LoadedView } from '../../components/states.js'
import { useApi } from '../../components/use-api.js'
import { useEvents } from '../../components/use-events.js'
import type { Command } from './types.js'

type Kind = 'uds_read_dtcs' | 'uds_dtc_snapshot' | 'uds_read_did' | 'obd_read_pids' | 'obd_vehicle_info' | 'obd_dtcs' | 'uds_clear_dtcs' | 'raw'

const KINDS: Array<[Kind, string]> = [
  ['uds_read_dtcs', 'Read DTCs (UDS 19 02)'],
  ['uds_dtc_snapshot', 'Freeze frame of a DTC (UDS 19 04)'],
  ['uds_read_did', 'Read data identifiers (UDS 22)'],
  ['obd_read_pids', 'OBD-II current data (01)'],
  ['obd_vehicle_info', 'OBD-II vehicle information (09)'],
  ['obd_dtcs', 'OBD-II stored DTCs (03)'],
  ['uds_clear_dtcs', 'Clear DTCs (UDS 14, needs approval)'],
  ['raw', 'Raw request (hex)']
]

interface DecodedAnswer {
  ok: boolean
  summary: string
  raw: string
  negative?: { nrc: number, name: string, text: string }
  dtcs?: Array<{ code: string, text: string, statusFlags?: string[] }>
  snapshot?: { records: Array<{ recordNumber: number, dids?: Array<{ did: number, name?: string, hex: string, text?: string, values?: Array<{ name: string, unit: string, value: number | null }> }> }> }
  pids?: Array<{ pid: number, name: string, values: Array<{ name: string, unit: string, value: number | null, label?: string }> }>
}

interface Diagnosed {
  command: Command
  diagnosis: { request: { description: string, target: number }, answers: Array<{ ecu: number, elapsedMs: number, decoded: DecodedAnswer }> } | null
}

/** ISO 15765-4's physical request ids; which ECU sits at each (but the engine at 0x7E0) is the vehicle maker's */
const PHYSICAL = [0x7e0, 0x7e1, 0x7e2, 0x7e3, 0x7e4, 0x7e5, 0x7e6, 0x7e7]
const hex = (n: number): string => `0x${n.toString(16).toUpperCase()}`
const numbers = (text: string): number[] => text.split(/[\s,]+/).filter((s) => s !== '').map((s) => Number(s.startsWith('0x') || s.startsWith('0X') ? s : `0x${s}`))

export function DiagnosePanel ({ vin }: { vin: string }) {
  const loaded = useApi(async () => {
    const { commands } = await api.get<{ commands: Command[] }>('/api/v1/commands', { vin, limit: 50 })
    const diagnostic = commands.filter((c) => c.body.diagnostic !== undefined).slice(0, 5)
    return await Promise.all(diagnostic.map(async (c) => await api.get<Diagnosed>(`/api/v1/commands/${encodeURIComponent(c.id)}`)))
  }, [vin])
  useEvents((event) => { if (event.kind === 'command' && event.vin === vin) loaded.reload() }, loaded.reload)
  return (
    <div class='vehicle-diagnose'>
      <AskForm vin={vin} onSent={loaded.reload} />
      <LoadedView loaded={loaded}>
        {(results) => results.length === 0
          ? <Empty>No diagnostic requests sent to this vehicle yet.</Empty>
          : <div class='diagnoses'>{results.map((r) => <Diagnosis key={`${r.command.id}-${r.command.state}`} result={r} />)}</div>}
      </LoadedView>
    </div>
  )
}

function Diagnosis ({ result }: { result: Diagnosed }) {
  const { command, diagnosis } = result
  return (
    <section class='diagnosis' data-command={command.id}>
      <header>
        <strong>{diagnosis?.request.description ?? 'diagnostic request'}</strong> to {hex(diagnosis?.request.target ?? 0x7df)} <StateBadge state={command.state} />
        <span class='muted'> {relative(command.createdAt)} by {command.requestedBy}{command.detail !== null ? ` · ${command.detail}` : ''}</span>
      </header>
      {(diagnosis?.answers ?? []).map((a) => (
        <div class={`answer ${a.decoded.ok ? '' : 'refused'}`} data-ecu={hex(a.ecu)}>
          <div><span class='mono'>ECU {hex(a.ecu)}</span> <span class='muted'>{a.elapsedMs} ms</span> — {a.decoded.summary}</div>
          {a.decoded.dtcs !== undefined && a.decoded.dtcs.length > 0 && (
            <table class='table'><tbody>{a.decoded.dtcs.map((d) => <tr><td class='mono'>{d.text}</td><td>{(d.statusFlags ?? []).join(', ')}</td></tr>)}</tbody></table>
          )}
          {a.decoded.snapshot?.records.map((r) => (
            <table class='table'><caption>Freeze frame, record {r.recordNumber}</caption><tbody>
              {(r.dids ?? []).flatMap((d) => d.values !== undefined && d.values.length > 0
                ? d.values.map((v) => <tr><td>{v.name}</td><td class='num'>{v.value ?? '—'} {v.unit}</td></tr>)
                : [<tr><td>{d.name ?? hex(d.did)}</td><td class='mono'>{d.text ?? d.hex}</td></tr>])}
            </tbody></table>
          ))}
          {a.decoded.pids?.map((p) => <div>{p.name}: {p.values.map((v) => `${v.label ?? v.value ?? '—'} ${v.unit}`).join(', ')}</div>)}
          <div class='muted mono'>{a.decoded.raw}</div>
        </div>
      ))}
    </section>
  )
}

function AskForm ({ vin, onSent }: { vin: string, onSent: () => void }) {
  const [kind, setKind] = useState<Kind>('uds_read_dtcs')
  const [target, setTarget] = useState('0x7DF')
  const [arg, setArg] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [sent, setSent] = useState<string | undefined>(undefined)
  const needsArg = kind === 'uds_dtc_snapshot' || kind === 'uds_read_did' || kind === 'obd_read_pids' || kind === 'obd_vehicle_info' || kind === 'raw'
  const placeholder = { uds_dtc_snapshot: 'P0301', uds_read_did: 'F190, cell voltages', obd_read_pids: '05 0C', obd_vehicle_info: '02', raw: '19 02 FF' }[kind as string] ?? ''

  const request = (): Record<string, unknown> => {
    switch (kind) {
      case 'uds_dtc_snapshot': return { kind, dtc: arg.trim() }
      // the server reads hex and the names the model's manifest gives DIDs; names may hold spaces, so commas separate when there are any
      case 'uds_read_did': return { kind, dids: (arg.includes(',') ? arg.split(',') : arg.split(/\s+/)).map((d) => d.trim()).filter((d) => d !== '') }
      case 'obd_read_pids': return { kind, pids: numbers(arg) }
      case 'obd_vehicle_info': return { kind, infoType: numbers(arg)[0] }
      case 'obd_dtcs': return { kind, service: 0x03 }
      case 'raw': return { kind, hex: arg.trim() }
      default: return { kind }
    }
  }
  const submit = (e: Event): void => {
    e.preventDefault()
    setError(undefined)
    setSent(undefined)
    setBusy(true)
    api.post<Command>('/api/v1/commands', { vin, diagnostic: { request: request(), target: numbers(target)[0] } }).then((command) => {
      setSent(command.state === 'pending_approval' ? `Waiting for approval (${command.id}): approve it under Commands` : `Sent (${command.id})`)
      onSent()
    }, (err: unknown) => setError(messageOf(err))).finally(() => setBusy(false))
  }
  return (
    <form class='diagnose-form' onSubmit={submit} aria-label='Ask the vehicle'>
      <div class='toolbar'>
        <label class='field'>Ask
          <select name='diagnostic-kind' value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            {KINDS.map(([k, label]) => <option value={k}>{label}</option>)}
          </select>
        </label>
        {needsArg && (
          <label class='field grow'>{kind === 'uds_dtc_snapshot' ? 'DTC' : kind === 'raw' ? 'Request bytes' : kind === 'obd_vehicle_info' ? 'Info type' : 'Identifiers (hex)'}
            <input name='diagnostic-arg' required value={arg} placeholder={placeholder} onInput={(e) => setArg(e.currentTarget.value)} />
          </label>
        )}
        <label class='field'>ECU
          <select name='diagnostic-target' value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            <option value='0x7DF'>0x7DF every OBD-II ECU</option>
            {PHYSICAL.map((id) => <option value={hex(id)}>{hex(id)}{id === 0x7e0 ? ' engine' : ''}</option>)}
          </select>
        </label>
        <button type='submit' class='primary' disabled={busy}>Ask</button>
      </div>
      {error !== undefined && <ErrorBox message={error} />}
      {sent !== undefined && <p class='muted' role='status'>{sent}</p>}
    </form>
  )
}
