/**
 * A vehicle's signals as charts: history from the API, downsampled on the
 * server to a few hundred buckets (line: average, band: min..max), with
 * the live values appended as they arrive. One chart per signal, all on
 * the same time range (15 min, 1 h, 24 h); the chosen signals and range
 * are kept in the address.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { api } from '../../api.js'
import { LoadedView } from '../../components/states.js'
import { TimeChart, type ChartSeries } from '../../components/time-chart.js'
import { useApi } from '../../components/use-api.js'
import type { LatestSignal, SignalHistory } from './types.js'
import type { LiveSignal } from './use-live.js'

export const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000 } as const
export type RangeKey = keyof typeof RANGES
const MAX_CHOSEN = 6
const POINTS = 600

/** Signals an engineer usually looks at first, when the address names none. */
const FIRST_LOOK = [/\.Speed$/, /Coolant|\.ECT$/, /StateOfCharge/, /CellVoltage\.Max/, /Temperature/]

/** The charts a vehicle's page opens with: the signals its open faults were raised on (`first`), then the usual ones. */
export function defaultSignals (available: readonly LatestSignal[], first: readonly string[] = []): string[] {
  const names = available.map((s) => s.name)
  const picked = FIRST_LOOK.flatMap((re) => names.filter((n) => re.test(n)).slice(0, 1))
  return [...new Set([...first.filter((n) => names.includes(n)), ...picked, ...names])].slice(0, 3)
}

interface Tail { t: number[], v: number[] }

export interface SignalChartsProps {
  vin: string
  available: readonly LatestSignal[]
  chosen: readonly string[]
  range: RangeKey
  onChange: (chosen: string[], range: RangeKey) => void
  /** registers the receiver of live updates */
  subscribe: (receiver: (signals: readonly LiveSignal[]) => void) => void
}

export function SignalCharts ({ vin, available, chosen, range, onChange, subscribe }: SignalChartsProps) {
  const [loadedAt, setLoadedAt] = useState(() => Date.now())
  const history = useApi(async () => {
    if (chosen.length === 0) return { from: '', to: '', bucketMs: 0, series: [] } satisfies SignalHistory
    const to = Date.now()
    setLoadedAt(to)
    return await api.get<SignalHistory>(`/api/v1/vehicles/${encodeURIComponent(vin)}/signals`, {
      signals: chosen.join(','), from: new Date(to - RANGES[range]).toISOString(), to: new Date(to).toISOString(), points: POINTS
    })
  }, [vin, chosen.join(','), range])

  // live values after the history's end, per signal
  const tails = useRef(new Map<string, Tail>())
  const [tick, setTick] = useState(0)
  useEffect(() => { tails.current = new Map() }, [history.data])
  useEffect(() => {
    subscribe((signals) => {
      let added = false
      for (const s of signals) {
        if (!chosen.includes(s.name) || s.timeMs <= loadedAt) continue
        const tail = tails.current.get(s.name) ?? { t: [], v: [] }
        if (tail.t.length > 0 && (tail.t[tail.t.length - 1] as number) >= s.timeMs) continue
        tail.t.push(s.timeMs)
        tail.v.push(s.value)
        tails.current.set(s.name, tail)
        added = true
      }
      if (added) setTick((n) => n + 1)
    })
  }, [chosen.join(','), loadedAt])

  const charts = useMemo(() => (history.data?.series ?? []).map((s) => {
    const tail = tails.current.get(s.signal) ?? { t: [], v: [] }
    const series: ChartSeries = {
      label: shortName(s.signal),
      unit: s.unit,
      values: [...s.avg, ...tail.v],
      band: { min: [...s.min, ...tail.v], max: [...s.max, ...tail.v] }
    }
    return { signal: s.signal, t: [...s.t, ...tail.t], series: [series] }
  }), [history.data, tick])

  const add = (name: string): void => { if (name !== '' && !chosen.includes(name)) onChange([...chosen, name].slice(-MAX_CHOSEN), range) }
  const remove = (name: string): void => onChange(chosen.filter((n) => n !== name), range)
  const unchosen = available.filter((s) => !chosen.includes(s.name))

  return (
    <div class='vehicle-charts'>
      <div class='toolbar'>
        <div class='range-buttons' role='group' aria-label='Time range'>
          {(Object.keys(RANGES) as RangeKey[]).map((key) => (
            <button type='button' class={key === range ? 'primary' : ''} aria-pressed={key === range} onClick={() => onChange([...chosen], key)}>{key.replace('m', ' min').replace('h', ' h')}</button>
          ))}
        </div>
        <label class='field'>Add a signal
          <select name='add-signal' value='' onChange={(e) => add(e.currentTarget.value)} disabled={unchosen.length === 0}>
            <option value=''>{unchosen.length === 0 ? 'all shown' : 'choose…'}</option>
            {unchosen.map((s) => <option value={s.name}>{s.name}{s.unit === '' ? '' : ` (${s.unit})`}</option>)}
          </select>
        </label>
        {chosen.map((name) => (
          <span class='chip'>{shortName(name)} <button type='button' class='chip-remove' aria-label={`Remove ${name}`} onClick={() => remove(name)}>×</button></span>
        ))}
      </div>
      {chosen.length === 0
        ? <div class='empty'>Choose a signal to chart.</div>
        : (
          <LoadedView loaded={history}>
            {() => (
              <div class='chart-list'>
                {charts.map((c) => (
                  <div class='chart-item' data-signal={c.signal}>
                    <div class='chart-title'>{c.signal}</div>
                    <TimeChart t={c.t} series={c.series} height={160} empty='No samples in this range.' />
                  </div>
                ))}
              </div>
            )}
          </LoadedView>
          )}
    </div>
  )
}

/** "Vehicle.Powertrain.CombustionEngine.ECT" → "CombustionEngine.ECT": the tail says what it is. */
export function shortName (name: string): string {
  return name.split('.').slice(-2).join('.')
}
